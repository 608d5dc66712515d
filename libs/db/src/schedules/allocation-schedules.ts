import { EntityManager } from '@mikro-orm/postgresql';
import { ScheduleCadence, ScheduleResult, cronOf } from '@points/contracts';
import { dateOf, toIsoTimestamp } from '../entities/iso-timestamp.type';
import { IDS, idList } from '../id-list';

// Recurring allocations as the ledger and the scheduler read them. The ledger
// locks a schedule (after its tenant's pool) before it changes or runs it; the
// scheduler only reads what is due and submits a run command for it.

/** A schedule as the ledger holds it in memory (amounts as decimal strings). */
export interface ScheduleRow {
  id: string;
  tenantId: string;
  cadence: ScheduleCadence;
  cron: string | null;
  timeZone: string;
  amount: string | null;
  topUpTo: string | null;
  whenBelow: string | null;
  currency: string;
  referenceNote: string;
  invoicePattern: string | null;
  ownerId: string;
  paused: boolean;
  deletedAt: Date | null;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  runs: number;
}

const COLUMNS = `id, tenant_id AS "tenantId", cadence, cron, time_zone AS "timeZone", amount::text AS amount, top_up_to::text AS "topUpTo", when_below::text AS "whenBelow",
  currency, reference_note AS "referenceNote", invoice_pattern AS "invoicePattern", owner_id AS "ownerId", paused, deleted_at AS "deletedAt",
  next_run_at AS "nextRunAt", last_run_at AS "lastRunAt", runs`;

type Raw = Omit<ScheduleRow, 'deletedAt' | 'nextRunAt' | 'lastRunAt'> & { deletedAt: string | null; nextRunAt: string | null; lastRunAt: string | null };
const when = (value: string | null) => (value === null ? null : dateOf(value));
const rowOf = (raw: Raw): ScheduleRow => ({ ...raw, deletedAt: when(raw.deletedAt), nextRunAt: when(raw.nextRunAt), lastRunAt: when(raw.lastRunAt) });

/** Each schedule's tenant, which never changes: read without a lock, to lock the tenant's pool first. */
export async function readScheduleTenants(tx: EntityManager, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.execute<{ id: string; tenant_id: string }[]>(`SELECT id, tenant_id FROM allocation_schedules WHERE id IN (${IDS})`, [idList(ids)]);
  return new Map(rows.map((row) => [row.id, row.tenant_id]));
}

/** Schedules locked for a change or a run, in id order (after their tenants' pools). */
export async function lockSchedules(tx: EntityManager, ids: string[]): Promise<ScheduleRow[]> {
  if (ids.length === 0) return [];
  const rows = await tx.execute<Raw[]>(`SELECT ${COLUMNS} FROM allocation_schedules WHERE id IN (${IDS}) ORDER BY id FOR NO KEY UPDATE`, [idList(ids)]);
  return rows.map(rowOf);
}

/** Schedules as the API shows them. */
export async function readSchedules(em: EntityManager, ids: string[]): Promise<ScheduleRow[]> {
  if (ids.length === 0) return [];
  const rows = await em.execute<Raw[]>(`SELECT ${COLUMNS} FROM allocation_schedules WHERE id IN (${IDS})`, [idList(ids)]);
  return rows.map(rowOf);
}

export function scheduleResultOf(schedule: ScheduleRow): ScheduleResult {
  const time = (at: Date | null) => (at === null ? null : toIsoTimestamp(at.toISOString()));
  return {
    scheduleId: schedule.id,
    tenantId: schedule.tenantId,
    cadence: schedule.cadence,
    cron: schedule.cadence === 'top_up' ? null : cronOf(schedule),
    timeZone: schedule.timeZone,
    amount: schedule.amount,
    topUpTo: schedule.topUpTo,
    whenBelow: schedule.whenBelow,
    currency: schedule.currency,
    referenceNote: schedule.referenceNote,
    invoicePattern: schedule.invoicePattern,
    status: schedule.deletedAt ? 'deleted' : schedule.paused ? 'paused' : 'active',
    nextRunAt: schedule.deletedAt || schedule.paused ? null : time(schedule.nextRunAt),
    lastRunAt: time(schedule.lastRunAt),
    runs: schedule.runs,
    ownerId: schedule.ownerId,
  };
}

/** A run the scheduler submits: in the owner's name, under an idempotency key naming the period (a top-up: the pool's version). */
export interface DueRun {
  scheduleId: string;
  ownerId: string;
  periodKey: string | null;
  idempotencyKey: string;
}

/**
 * The runs due at `at` (the database's clock if not given): each active
 * calendar schedule's next period if it has come, and each active top-up whose
 * tenant's available pool is below its floor. Read without locks: the ledger
 * decides again with the schedule locked, and allocates each period once.
 */
export async function dueScheduleRuns(em: EntityManager, at?: Date): Promise<DueRun[]> {
  const rows = await em.execute<{ id: string; owner_id: string; next_run_at: string | null; pool_version: string | null }[]>(
    `SELECT s.id, s.owner_id, s.next_run_at, NULL AS pool_version FROM allocation_schedules s
      WHERE s.deleted_at IS NULL AND NOT s.paused AND s.next_run_at <= coalesce(?::timestamptz, now())
     UNION ALL
     SELECT s.id, s.owner_id, NULL, t.pool_version::text FROM allocation_schedules s JOIN tenants t ON t.id = s.tenant_id
      WHERE s.deleted_at IS NULL AND NOT s.paused AND s.cadence = 'top_up' AND t.points_allocation_balance - t.points_held < s.when_below
     ORDER BY 1`,
    [at?.toISOString() ?? null],
  );
  return rows.map((row) => {
    const periodKey = row.next_run_at === null ? null : dateOf(row.next_run_at).toISOString();
    return { scheduleId: row.id, ownerId: row.owner_id, periodKey, idempotencyKey: `schedule:${row.id}:${periodKey ?? `top-up@${row.pool_version}`}` };
  });
}
