import { EntityManager } from '@mikro-orm/postgresql';
import { AppError, Cents, fromCents, isManager, toCents } from '@points/contracts';
import { NewBulkAwardRow, Orm, QueueHint, lockPendingBulkAwards, sourceBalanceOf } from '@points/db';
import { Caller } from '../http/request-context';

/** The ledger's amount rule (resolve-bulk-rows.ts): more than 0, at most 13 digits and 2 places. */
const AMOUNT = /^(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?$/;

/**
 * The cheap check before a bulk award is stored: when the amounts that are valid
 * already add up to more than the issuer's source holds, the award can only be
 * refused, so it is refused now (422) — before 100,000 rows are stored and
 * validated. A friendly early answer only: the ledger checks again with the
 * source locked. Run in the storing transaction, after its command row is
 * inserted: a retry under an Idempotency-Key already used never gets here (it
 * waits for, then gets, the first request's command, whatever the balance is now).
 */
export async function refuseUncoverable(orm: Orm, caller: Caller, rows: NewBulkAwardRow[]): Promise<void> {
  if (!caller.tenantId || (!isManager(caller.role) && caller.role !== 'lead')) return;
  const needed = validTotal(rows);
  const balance = await sourceBalanceOf(orm.em, { userId: caller.userId, tenantId: caller.tenantId, manager: isManager(caller.role) });
  if (balance === null || needed <= toCents(balance)) return;
  const what = isManager(caller.role) ? 'the tenant pool' : 'your lead budget';
  throw new AppError('INSUFFICIENT_BALANCE', `${what} holds ${balance}, less than the ${fromCents(needed)} this bulk award needs`, [
    { field: 'items', message: 'total exceeds the available balance', available: balance, requested: fromCents(needed) },
  ]);
}

/** The sum of the rows' valid amounts, in cents (an invalid row is the ledger's to report). */
export function validTotal(rows: NewBulkAwardRow[]): Cents {
  let total = 0n;
  for (const row of rows) if (AMOUNT.test(row.amountText)) total += toCents(row.amountText);
  return total;
}

/**
 * Admits a bulk award into the tenant's queue, in the transaction that stores
 * it: at most `maxPending` of a tenant's bulk awards wait or run at once (429
 * beyond, with Retry-After), and each waits behind the other tenants' earlier
 * ones — its BullMQ priority is its place in its tenant's line, so one tenant's
 * backlog delays another tenant's bulk award by at most one job.
 */
export async function admitBulkAward(tx: EntityManager, tenantId: string, maxPending: number): Promise<QueueHint> {
  const pending = await lockPendingBulkAwards(tx, tenantId);
  if (pending >= maxPending) {
    throw new AppError('RATE_LIMITED', `your tenant already has ${pending} bulk awards waiting or running (the most at once is ${maxPending}); retry when one has finished`, [
      { field: 'bulk_awards', message: `${pending} pending, limit ${maxPending}` },
    ]);
  }
  return { priority: pending + 1 };
}

/** Seconds a client is told to wait before trying another bulk award. */
export const BULK_RETRY_AFTER_SECONDS = 30;
