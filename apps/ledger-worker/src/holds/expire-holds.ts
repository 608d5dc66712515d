import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { LedgerEvent, fromCents, toCents } from '@points/contracts';
import { AwardHold, IDS, appendEvents, databaseNow, finishBulkAwards, idList, readHoldDecisions, readHolds } from '@points/db';
import { heldBalance } from '../ledger/plan/ledger-book';
import { holdReleased } from './hold-released';


/**
 * Releases the holds among `holdIds` whose approval window has ended and that
 * nobody has decided, in one transaction: an `expired` decision each, the held
 * points back to available on their source, an `award.hold_released` event
 * each. Safe to run twice, early, late or beside an approval: like every
 * decider it locks the hold's source (tenants, then departments, then lead budgets,
 * by id — the ledger's order) before reading the decisions, and the decision is keyed by
 * the hold. Returns the holds it released.
 */
export async function expireHolds(em: EntityManager, holdIds: string[], options: { now?: Date } = {}): Promise<string[]> {
  if (holdIds.length === 0) return [];
  return em.fork().transactional(async (tx) => {
    const now = options.now ?? (await databaseNow(tx));
    const due = (await readHolds(tx, holdIds)).filter((hold) => hold.expiresAt <= now);
    if (due.length === 0) return [];
    const pools = await lockSources(tx, 'tenants', 'points_allocation_balance', 'points_held', due.filter((h) => h.sourceType === 'tenant_pool').map((h) => h.tenantId));
    const departments = await lockSources(tx, 'departments', 'balance', 'held', due.flatMap((h) => (h.departmentId ? [h.departmentId] : [])));
    const budgets = await lockSources(tx, 'lead_budgets', 'balance', 'held', due.flatMap((h) => (h.leadBudgetId ? [h.leadBudgetId] : [])));
    const decided = await readHoldDecisions(tx, due.map((hold) => hold.id));
    const open = due.filter((hold) => !decided.has(hold.id));
    if (open.length === 0) return [];

    await tx.execute(
      `INSERT INTO award_hold_decisions (hold_id, decision) SELECT id, 'expired' FROM (${IDS}) AS h(id) ORDER BY id`,
      [JSON.stringify(open.map((hold) => hold.id))],
      'run',
    );
    const sourceOf = (hold: AwardHold) =>
      hold.sourceType === 'tenant_pool' ? pools.get(hold.tenantId) : hold.sourceType === 'department_pool' ? departments.get(hold.departmentId as string) : budgets.get(hold.leadBudgetId as string);
    for (const hold of open) (sourceOf(hold) as LockedSource).held -= toCents(hold.amount);
    // A bulk award held whole ends with its hold: nothing of it is awarded.
    await finishBulkAwards(tx, open.filter((hold) => hold.kind === 'bulk_award').map((hold) => ({ bulkId: hold.id, status: 'expired' as const })));
    await releaseHeld(tx, 'tenants', 'points_held', pools);
    await releaseHeld(tx, 'departments', 'held', departments);
    await releaseHeld(tx, 'lead_budgets', 'held', budgets);

    const events = open.map((hold): LedgerEvent => {
      const source = heldBalance({ type: hold.sourceType, account: sourceOf(hold) as LockedSource });
      return { eventId: randomUUID(), commandId: hold.id, actorId: hold.giverId, occurredAt: now.toISOString(), requestId: null, ...holdReleased(hold, 'expired', null, source) };
    });
    await appendEvents(tx, events);
    return open.map((hold) => hold.id);
  });
}

interface LockedSource {
  balance: bigint;
  held: bigint;
}

async function lockSources(tx: EntityManager, table: 'tenants' | 'departments' | 'lead_budgets', balance: string, held: string, ids: string[]): Promise<Map<string, LockedSource>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.execute<{ id: string; balance: string; held: string }[]>(
    `SELECT id, ${balance}::text AS balance, ${held}::text AS held FROM ${table} WHERE id IN (${IDS}) ORDER BY id FOR NO KEY UPDATE`,
    [idList(ids)],
  );
  return new Map(rows.map((row) => [row.id, { balance: toCents(row.balance), held: toCents(row.held) }]));
}

async function releaseHeld(tx: EntityManager, table: 'tenants' | 'departments' | 'lead_budgets', held: string, sources: Map<string, LockedSource>): Promise<void> {
  if (sources.size === 0) return;
  await tx.execute(
    `UPDATE ${table} t SET ${held} = v.held::numeric FROM jsonb_to_recordset(?::jsonb) AS v(id uuid, held text) WHERE t.id = v.id`,
    [JSON.stringify([...sources].map(([id, source]) => ({ id, held: fromCents(source.held) })))],
    'run',
  );
}
