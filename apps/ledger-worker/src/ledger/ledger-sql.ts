import { EntityManager } from '@mikro-orm/postgresql';
import { CommandOutcome, Role, fromCents, toCents } from '@points/contracts';
import { LedgerState, emptyLedgerState } from './ledger-state';
import { LedgerWrites, Row } from './ledger-writes';

/**
 * The ledger's SQL, kept in one place. Lists travel as one JSON parameter, so a
 * batch of any size costs the same few round-trips. Locks are always taken in
 * the same order — commands, then tenants, lead budgets, wallets, each sorted
 * by id — so two transactions can never wait on each other in a cycle.
 */
export interface StoredCommandRow {
  id: string;
  type: string;
  tenant_id: string | null;
  issuer_id: string;
  payload: unknown;
  status: string;
  result: unknown;
  error: unknown;
  request_id: string | null;
}

const json = (value: unknown) => JSON.stringify(value);

export async function lockCommands(em: EntityManager, ids: string[]): Promise<StoredCommandRow[]> {
  return em.execute<StoredCommandRow[]>(
    `SELECT id, type, tenant_id, issuer_id, payload, status, result, error, request_id
       FROM commands
      WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
      ORDER BY id
        FOR NO KEY UPDATE`,
    [json(ids)],
  );
}

export interface AccountKeys {
  userIds: string[];
  tenantIds: string[];
  /** Users whose lead budget and wallet may change. */
  accountUserIds: string[];
  emails: string[];
}

/** Reads the users and locks every account a batch may touch. */
export async function lockLedgerState(em: EntityManager, keys: AccountKeys): Promise<LedgerState> {
  const state = emptyLedgerState();
  const users = await em.execute<{ id: string; tenant_id: string | null; role: Role; active: boolean; email: string; display_name: string }[]>(
    `SELECT id, tenant_id, role, active, email, display_name FROM users
      WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`,
    [json(unique(keys.userIds))],
  );
  for (const user of users) {
    state.users.set(user.id, { id: user.id, tenantId: user.tenant_id, role: user.role, active: user.active, email: user.email, displayName: user.display_name });
  }

  const tenants = await em.execute<{ id: string; balance: string; version: string }[]>(
    `SELECT id, points_allocation_balance AS balance, pool_version AS version FROM tenants
      WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
      ORDER BY id FOR NO KEY UPDATE`,
    [json(unique(keys.tenantIds))],
  );
  for (const t of tenants) state.pools.set(t.id, { tenantId: t.id, balance: toCents(t.balance), version: BigInt(t.version) });

  const accountUsers = json(unique(keys.accountUserIds));
  const budgets = await em.execute<{ id: string; user_id: string; tenant_id: string; balance: string; version: string }[]>(
    `SELECT id, user_id, tenant_id, balance, version FROM lead_budgets
      WHERE user_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
      ORDER BY id FOR NO KEY UPDATE`,
    [accountUsers],
  );
  for (const b of budgets) {
    state.leadBudgets.set(b.user_id, { id: b.id, userId: b.user_id, tenantId: b.tenant_id, balance: toCents(b.balance), version: BigInt(b.version) });
  }

  const wallets = await em.execute<{ id: string; user_id: string; tenant_id: string; balance: string; lifetime_earned: string; version: string }[]>(
    `SELECT id, user_id, tenant_id, balance, lifetime_earned, version FROM wallets
      WHERE user_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
      ORDER BY id FOR NO KEY UPDATE`,
    [accountUsers],
  );
  for (const w of wallets) {
    state.wallets.set(w.user_id, {
      id: w.id,
      userId: w.user_id,
      tenantId: w.tenant_id,
      balance: toCents(w.balance),
      lifetimeEarned: toCents(w.lifetime_earned),
      version: BigInt(w.version),
    });
  }

  if (keys.emails.length > 0) {
    const taken = await em.execute<{ email: string }[]>(
      `SELECT lower(email) AS email FROM users WHERE lower(email) IN (SELECT jsonb_array_elements_text(?::jsonb))`,
      [json(unique(keys.emails))],
    );
    for (const row of taken) state.takenEmails.add(row.email);
  }
  return state;
}

/** Writes a planned batch: new rows first, then balances, journals, outcomes, outbox. */
export async function writeLedgerBatch(em: EntityManager, writes: LedgerWrites): Promise<void> {
  await insertRows(em, 'users', writes.newUsers);
  await insertRows(em, 'wallets', writes.newWallets);
  await insertRows(em, 'lead_budgets', writes.newLeadBudgets);

  const pools = [...writes.touchedPools];
  if (pools.length > 0) {
    await em.execute(
      `UPDATE tenants t SET points_allocation_balance = v.balance::numeric, pool_version = v.version::bigint
         FROM jsonb_to_recordset(?::jsonb) AS v(id uuid, balance text, version text)
        WHERE t.id = v.id`,
      [json(pools.map((p) => ({ id: p.tenantId, balance: fromCents(p.balance), version: p.version.toString() })))],
      'run',
    );
  }
  const budgets = [...writes.touchedLeadBudgets];
  if (budgets.length > 0) {
    await em.execute(
      `UPDATE lead_budgets b SET balance = v.balance::numeric, version = v.version::bigint
         FROM jsonb_to_recordset(?::jsonb) AS v(id uuid, balance text, version text)
        WHERE b.id = v.id`,
      [json(budgets.map((b) => ({ id: b.id, balance: fromCents(b.balance), version: b.version.toString() })))],
      'run',
    );
  }
  const wallets = [...writes.touchedWallets];
  if (wallets.length > 0) {
    await em.execute(
      `UPDATE wallets w SET balance = v.balance::numeric, lifetime_earned = v.lifetime_earned::numeric, version = v.version::bigint
         FROM jsonb_to_recordset(?::jsonb) AS v(id uuid, balance text, lifetime_earned text, version text)
        WHERE w.id = v.id`,
      [json(wallets.map((w) => ({ id: w.id, balance: fromCents(w.balance), lifetime_earned: fromCents(w.lifetimeEarned), version: w.version.toString() })))],
      'run',
    );
  }

  await insertRows(em, 'recognitions', writes.recognitions);
  await insertRows(em, 'allocation_logs', writes.allocationLogs);
  await insertRows(em, 'platform_billing_logs', writes.billingLogs);
  await insertRows(em, 'distribution_logs', writes.distributionLogs);
  await insertRows(em, 'pool_ledger', writes.poolLedger as unknown as Row[]);
  await insertRows(em, 'lead_budget_ledger', writes.leadBudgetLedger as unknown as Row[]);
  await insertRows(em, 'wallet_ledger', writes.walletLedger as unknown as Row[]);
  await recordOutcomes(em, writes.outcomes);
  await insertRows(
    em,
    'outbox',
    writes.events.map((event) => ({ id: event.eventId, event_type: event.type, tenant_id: event.tenantId, command_id: event.commandId, payload: event })),
  );
}

/** Moves commands to their final status. Only unfinished commands can change. */
export async function recordOutcomes(em: EntityManager, outcomes: Map<string, CommandOutcome>): Promise<void> {
  if (outcomes.size === 0) return;
  const rows = [...outcomes].map(([id, outcome]) => ({
    id,
    status: outcome.status,
    result: outcome.status === 'succeeded' ? outcome.result : null,
    error: outcome.status === 'succeeded' ? null : outcome.error,
  }));
  await em.execute(
    `UPDATE commands c
        SET status = v.status, result = v.result, error = v.error, updated_at = now(), completed_at = now()
       FROM jsonb_to_recordset(?::jsonb) AS v(id uuid, status text, result jsonb, error jsonb)
      WHERE c.id = v.id AND c.status IN ('queued', 'processing')`,
    [json(rows)],
    'run',
  );
}

/**
 * One INSERT for a whole list: the rows travel as a JSON array and are typed by
 * the target table's own row type, so columns are matched by name.
 */
async function insertRows(em: EntityManager, table: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const list = columns.map((c) => `"${c}"`).join(', ');
  await em.execute(
    `INSERT INTO ${table} (${list}) SELECT ${list} FROM jsonb_populate_recordset(NULL::${table}, ?::jsonb)`,
    [json(rows)],
    'run',
  );
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort();
}
