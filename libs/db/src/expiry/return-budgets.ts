import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { fromCents, periodContaining, toCents } from '@points/contracts';
import { databaseNow } from '../entities/iso-timestamp.type';
import { latestPolicies } from './wallet-lots';

export interface BudgetReturnSummary {
  returns: number;
  accounts: number;
  amount: string;
}

/**
 * At the end of each period of a tenant's `budgetReturn` policy (in its time
 * zone), what its lead budgets and department pools have available goes back to
 * the tenant pool; what they hold for awards pending approval stays. Once per
 * tenant and period (`budget_returns`, a unique key, read with the pool locked),
 * so running it twice, late or on two workers returns once. A rule switched on
 * during a period first returns at the end of that period. What is returned is
 * what is available when the return runs, within a tick of the period's end; if
 * the workers were down across several period ends, one return covers them.
 */
export async function returnUnspentBudgets(em: EntityManager, options: { now?: Date; tenantIds?: string[] } = {}): Promise<BudgetReturnSummary> {
  const now = options.now ?? (await databaseNow(em.fork()));
  const summary = { returns: 0, accounts: 0, amount: 0n };
  const failures: unknown[] = [];
  for (const { tenantId, settings, since } of await latestPolicies(em.fork(), 'budgetReturn', options.tenantIds)) {
    if (!settings.budgetReturn) continue;
    // The period that has just ended is the one before the period `now` is in; one that ended before the rule (as it stands) was set is not returned.
    const periodEnd = periodContaining(now, settings.budgetReturn.period, settings.timeZone).start;
    if (since.getTime() >= periodEnd.getTime()) continue;
    // One tenant's failure (retried at the next tick) holds back no other's return.
    const returned = await returnTenant(em, tenantId, periodEnd, options.now ? now.toISOString() : null).catch((error: unknown) => void failures.push(error));
    if (!returned) continue;
    summary.returns += 1;
    summary.accounts += returned.accounts;
    summary.amount += returned.amount;
  }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} tenant(s) failed their budget return`);
  return { ...summary, amount: fromCents(summary.amount) };
}

/** One tenant's return, in one transaction, locking as the ledger does: the pool, then its departments, then its lead budgets. */
async function returnTenant(em: EntityManager, tenantId: string, periodEnd: Date, at: string | null): Promise<{ accounts: number; amount: bigint } | null> {
  return em.fork().transactional(async (tx) => {
    await tx.execute('SELECT 1 FROM tenants WHERE id = ? FOR NO KEY UPDATE', [tenantId]);
    // Returned for this period, or for a later end (the zone moved west since): nothing to do until the next period ends.
    const [done] = await tx.execute('SELECT 1 FROM budget_returns WHERE tenant_id = ? AND period_end >= ? LIMIT 1', [tenantId, periodEnd.toISOString()]);
    if (done) return null;
    const returnId = randomUUID();
    let accounts = 0;
    let amount = 0n;
    for (const [table, journal, account] of [
      ['departments', 'department_ledger', 'department_id'],
      ['lead_budgets', 'lead_budget_ledger', 'lead_budget_id'],
    ] as const) {
      const [moved] = await tx.execute<{ accounts: number; amount: string }[]>(
        `WITH unspent AS (
           SELECT id, balance - held AS amount FROM ${table} WHERE tenant_id = ? AND balance > held ORDER BY id FOR NO KEY UPDATE
         ), moved AS (
           UPDATE ${table} a SET balance = a.held, version = a.version + 1 FROM unspent u WHERE a.id = u.id
           RETURNING a.id, a.tenant_id, u.amount, a.balance + u.amount AS previous_balance, a.balance AS new_balance, a.version
         ), journaled AS (
           INSERT INTO ${journal} (id, ${account}, tenant_id, amount, transaction_type, reference_type, reference_id, previous_balance, new_balance, version, command_id, created_at)
           SELECT gen_random_uuid(), id, tenant_id, -amount, 'period_return', 'budget_return', ?::uuid, previous_balance, new_balance, version, NULL, coalesce(?::timestamptz, now()) FROM moved
           RETURNING 1
         )
         SELECT (SELECT count(*) FROM journaled)::int AS accounts, coalesce((SELECT sum(amount) FROM moved), 0)::text AS amount`,
        [tenantId, returnId, at],
      );
      accounts += moved.accounts;
      amount += toCents(moved.amount);
    }
    if (amount > 0n) {
      await tx.execute(
        `WITH pool AS (
           UPDATE tenants SET points_allocation_balance = points_allocation_balance + ?::numeric, pool_version = pool_version + 1 WHERE id = ?
           RETURNING id, points_allocation_balance AS new_balance, pool_version
         )
         INSERT INTO pool_ledger (id, tenant_id, amount, transaction_type, reference_type, reference_id, previous_balance, new_balance, version, command_id, created_at)
         SELECT gen_random_uuid(), id, ?::numeric, 'period_return', 'budget_return', ?::uuid, new_balance - ?::numeric, new_balance, pool_version, NULL, coalesce(?::timestamptz, now()) FROM pool`,
        [fromCents(amount), tenantId, fromCents(amount), returnId, fromCents(amount), at],
        'run',
      );
    }
    await tx.execute(`INSERT INTO budget_returns (id, tenant_id, period_end, accounts, amount, created_at) VALUES (?, ?, ?, ?, ?, coalesce(?::timestamptz, now()))`, [
      returnId,
      tenantId,
      periodEnd.toISOString(),
      accounts,
      fromCents(amount),
      at,
    ]);
    await tx.execute(
      `INSERT INTO audit_log (id, event_id, tenant_id, actor_id, action, entity_type, entity_id, before, after, created_at)
       VALUES (gen_random_uuid(), gen_random_uuid(), ?, NULL, 'budgets.returned', 'budget_return', ?, NULL, ?::jsonb, coalesce(?::timestamptz, now()))`,
      [tenantId, returnId, JSON.stringify({ periodEnd: periodEnd.toISOString(), accounts, amount: fromCents(amount) }), at],
      'run',
    );
    return { accounts, amount };
  });
}
