import { EntityManager } from '@mikro-orm/postgresql';
import { fromCents } from '@points/contracts';
import { ScheduleRow, addBulkToRecipientTallies, addToTallies, appendEvents, finishBulkAwards, recordOutcomes } from '@points/db';
import { BulkWriteOptions, writeBulkCredits, writeBulkReversalDebits } from './bulk-credits';
import { LedgerTables, LedgerWrites, ScheduleColumns } from './ledger-writes';

/**
 * Writes a planned batch in one pass, each list with one statement, so a batch
 * of any size costs the same few round-trips: new accounts first (journals
 * reference them), then balances, journals and business records, a bulk award's
 * credits, and last the outcomes and events (through the command store).
 *
 * Set-based SQL on purpose: rows travel as one JSON parameter typed by the
 * target table's own row type, which an ORM unit of work cannot match for cost.
 */
export async function writeLedger(tx: EntityManager, writes: LedgerWrites, bulk: BulkWriteOptions): Promise<void> {
  await insertRows(tx, 'users', writes.newUsers);
  await insertRows(tx, 'wallets', writes.newWallets);
  await insertRows(tx, 'lead_budgets', writes.newLeadBudgets);
  // Renames first, so a name given up in this batch is free for a department created in it; then new departments; then
  // parents and heads, which may name a department created in this batch.
  const changed = [...writes.changedDepartments];
  await updateRows(tx, 'departments', { name: 'text' }, changed.map((department) => ({ id: department.id, name: department.name })));
  await insertRows(tx, 'departments', writes.newDepartments);
  await updateRows(tx, 'departments', { parent_id: 'uuid', head_id: 'uuid' }, changed.map((department) => ({ id: department.id, parent_id: department.parentId, head_id: department.headId })));
  await updateRows(
    tx,
    'users',
    { department_id: 'uuid' },
    [...writes.userDepartments].map(([id, departmentId]) => ({ id, department_id: departmentId })),
  );

  await updateRows(
    tx,
    'tenants',
    { points_allocation_balance: 'numeric', points_held: 'numeric', pool_version: 'bigint' },
    [...writes.touchedPools].map((pool) => ({ id: pool.tenantId, points_allocation_balance: fromCents(pool.balance), points_held: fromCents(pool.held), pool_version: pool.version.toString() })),
  );
  await updateRows(
    tx,
    'departments',
    { balance: 'numeric', held: 'numeric', version: 'bigint' },
    [...writes.touchedDepartments].map((department) => ({ id: department.id, balance: fromCents(department.balance), held: fromCents(department.held), version: department.version.toString() })),
  );
  await updateRows(
    tx,
    'lead_budgets',
    { balance: 'numeric', held: 'numeric', version: 'bigint' },
    [...writes.touchedLeadBudgets].map((budget) => ({ id: budget.id, balance: fromCents(budget.balance), held: fromCents(budget.held), version: budget.version.toString() })),
  );
  await updateRows(
    tx,
    'wallets',
    { balance: 'numeric', lifetime_earned: 'numeric', version: 'bigint' },
    [...writes.touchedWallets].map((wallet) => ({ id: wallet.id, balance: fromCents(wallet.balance), lifetime_earned: fromCents(wallet.lifetimeEarned), version: wallet.version.toString() })),
  );

  await insertRows(tx, 'recognitions', writes.recognitions);
  await insertRows(tx, 'allocation_logs', writes.allocationLogs);
  await insertRows(tx, 'platform_billing_logs', writes.billingLogs);
  await insertRows(tx, 'distribution_logs', writes.distributionLogs);
  await insertRows(tx, 'pool_ledger', writes.poolLedger);
  await insertRows(tx, 'lead_budget_ledger', writes.leadBudgetLedger);
  await insertRows(tx, 'wallet_ledger', writes.walletLedger);
  await insertRows(tx, 'department_ledger', writes.departmentLedger);
  for (const credit of writes.bulkCredits) await writeBulkCredits(tx, credit, bulk);
  for (const reversal of writes.bulkReversalDebits) await writeBulkReversalDebits(tx, reversal);
  await insertRows(tx, 'tenant_settings', writes.settingsVersions);
  await insertRows(tx, 'award_holds', writes.newHolds);
  await insertRows(tx, 'award_hold_decisions', writes.holdDecisions);
  await insertRows(tx, 'reversals', writes.reversals);
  await insertRows(tx, 'allocation_schedules', writes.newSchedules.map((schedule) => ({ ...scheduleColumns(schedule), tenant_id: schedule.tenantId, cadence: schedule.cadence })));
  await updateRows(tx, 'allocation_schedules', SCHEDULE_COLUMNS, [...writes.changedSchedules].map(scheduleColumns));
  await insertRows(tx, 'allocation_schedule_runs', writes.scheduleRuns);
  await addToTallies(
    tx,
    [...writes.tallyIncrements.values()].map(({ key, amount, awards }) => ({ ...key, amount: fromCents(amount), awards })),
  );
  for (const { bulkId, tallies } of writes.bulkRecipientTallies) await addBulkToRecipientTallies(tx, bulkId, tallies);

  await finishBulkAwards(tx, writes.bulkAwardEnds);
  await recordOutcomes(tx, writes.outcomes);
  await appendEvents(tx, writes.events);
}

/** What a change or a run of a schedule may set. */
const SCHEDULE_COLUMNS = {
  cron: 'text',
  time_zone: 'text',
  amount: 'numeric',
  top_up_to: 'numeric',
  when_below: 'numeric',
  currency: 'text',
  reference_note: 'text',
  invoice_pattern: 'text',
  owner_id: 'uuid',
  paused: 'boolean',
  deleted_at: 'timestamptz',
  next_run_at: 'timestamptz',
  last_run_at: 'timestamptz',
  runs: 'integer',
} as const;

const iso = (at: Date | null) => (at === null ? null : at.toISOString());
const scheduleColumns = (schedule: ScheduleRow): ScheduleColumns => ({
  id: schedule.id,
  cron: schedule.cron,
  time_zone: schedule.timeZone,
  amount: schedule.amount,
  top_up_to: schedule.topUpTo,
  when_below: schedule.whenBelow,
  currency: schedule.currency,
  reference_note: schedule.referenceNote,
  invoice_pattern: schedule.invoicePattern,
  owner_id: schedule.ownerId,
  paused: String(schedule.paused),
  deleted_at: iso(schedule.deletedAt),
  next_run_at: iso(schedule.nextRunAt),
  last_run_at: iso(schedule.lastRunAt),
  runs: String(schedule.runs),
});

/** One INSERT for a whole list; columns are matched by name through the table's row type. */
async function insertRows<T extends keyof LedgerTables>(tx: EntityManager, table: T, rows: LedgerTables[T][]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0])
    .map((column) => `"${column}"`)
    .join(', ');
  await tx.execute(`INSERT INTO ${table} (${columns}) SELECT ${columns} FROM jsonb_populate_recordset(NULL::${table}, ?::jsonb)`, [JSON.stringify(rows)], 'run');
}

/** One UPDATE for a whole list of rows keyed by id, setting the named columns. */
async function updateRows(tx: EntityManager, table: string, columns: Record<string, 'numeric' | 'bigint' | 'text' | 'uuid' | 'boolean' | 'timestamptz' | 'integer'>, rows: ({ id: string } & Record<string, string | null>)[]): Promise<void> {
  if (rows.length === 0) return;
  const names = Object.keys(columns);
  await tx.execute(
    `UPDATE ${table} t SET ${names.map((name) => `${name} = v.${name}::${columns[name]}`).join(', ')}
       FROM jsonb_to_recordset(?::jsonb) AS v(id uuid, ${names.map((name) => `${name} text`).join(', ')})
      WHERE t.id = v.id`,
    [JSON.stringify(rows)],
    'run',
  );
}
