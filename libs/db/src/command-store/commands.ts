import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { COMMAND_FAILED, CommandOutcome, CommandResult, CommandStatus, CommandType, ErrorBody } from '@points/contracts';
import { toIsoTimestamp } from '../entities/iso-timestamp.type';
import { markBulkAwardsFailed } from './bulk-awards';
import { openTransactionsHorizon } from './open-transactions';
import { IDS } from '../id-list';

// The one owner of a command's rows. The gateway stores a command (or finds the
// one a retry names) and hands it to its queue in one transaction: a row of
// `accepted_commands`, inserted once. The ledger worker records its outcome, a
// row of `command_outcomes`, in the same transaction as its effect, or marks it
// failed when it can never be applied. Readers see the two together through the
// `commands` view. No other code writes these tables, so every rule about a
// command's lifecycle is written here once.

const json = (value: unknown) => JSON.stringify(value);

export interface NewCommand {
  id?: string;
  type: CommandType;
  tenantId: string | null;
  issuerId: string;
  payload: unknown;
  idempotencyKey?: string | null;
  /** What makes a retry under the same Idempotency-Key "the same request". */
  requestHash?: string | null;
  requestId?: string | null;
}

/** A command as its issuer sees it (timestamps as ISO 8601 with microseconds). */
export interface StoredCommand {
  id: string;
  type: CommandType;
  tenantId: string | null;
  issuerId: string;
  status: CommandStatus;
  result: Record<string, unknown> | null;
  error: ErrorBody | null;
  requestHash: string | null;
  createdAt: string;
  completedAt: string | null;
}

const STORED_COLUMNS = `id, type, tenant_id AS "tenantId", issuer_id AS "issuerId", status, result, error, request_hash AS "requestHash",
  created_at AS "createdAt", completed_at AS "completedAt"`;
/** The same, for a command just accepted (it has no outcome yet). */
const ACCEPTED_COLUMNS = `id, type, tenant_id AS "tenantId", issuer_id AS "issuerId", status, NULL::jsonb AS result, NULL::jsonb AS error,
  request_hash AS "requestHash", created_at AS "createdAt", NULL::timestamptz AS "completedAt"`;

/** Timestamps as the API shows them (the driver hands PostgreSQL's text). */
const stored = (row: StoredCommand): StoredCommand => ({ ...row, createdAt: toIsoTimestamp(row.createdAt), completedAt: row.completedAt === null ? null : toIsoTimestamp(row.completedAt) });

/** What else happens when a command is stored, inside its transaction. */
export interface StoreSteps {
  /** Writes its companion rows (a bulk award's uploaded rows); may say how to queue it. */
  attach?: (tx: EntityManager, commandId: string) => Promise<QueueHint | void>;
  /**
   * Hands it on (the gateway: to its queue). If this throws, nothing was
   * stored. A retry under the same Idempotency-Key waits for this transaction,
   * so it finds a command that stands, or none at all.
   */
  accept?: (command: StoredCommand, hint: QueueHint) => Promise<void>;
}

/** How the command's job should be queued, decided while storing it. */
export interface QueueHint {
  /** BullMQ priority (1 first): a tenant's later bulk awards wait behind other tenants' earlier ones. */
  priority?: number;
}

/**
 * Stores an accepted command (`queued`), with its companion rows and its
 * hand-over in the same transaction. A retry under an Idempotency-Key the
 * issuer already used stores nothing and returns the command that key names
 * (`created: false`).
 */
export async function storeCommand(em: EntityManager, command: NewCommand, steps: StoreSteps = {}): Promise<Stored> {
  const id = command.id ?? randomUUID();
  const store = async (db: EntityManager) => {
    const [result] = await insertCommands(db, [{ ...command, id }]);
    if (!result.created) return result;
    const hint = (await steps.attach?.(db, id)) ?? {};
    await steps.accept?.(result.command, hint);
    return result;
  };
  // A lone INSERT needs no transaction of its own; companion rows and the hand-over must commit with it.
  return steps.attach || steps.accept ? em.fork().transactional(store) : store(em.fork());
}

/** A stored command, and whether this call stored it (false: an earlier request under the same Idempotency-Key did). */
export interface Stored {
  command: StoredCommand;
  created: boolean;
}

/**
 * Group commit for accepting commands: stores many with one multi-row INSERT
 * and hands the new ones over (`accept`: the gateway's one `addBulk`) in the
 * same transaction, so one COMMIT serves them all. Results are in input order;
 * each means what `storeCommand`'s does. If `accept` throws, none is stored.
 */
export async function storeCommands(
  em: EntityManager,
  commands: NewCommand[],
  accept?: (created: (StoredCommand & { payload: unknown })[]) => Promise<void>,
): Promise<Stored[]> {
  return em.fork().transactional(async (tx) => {
    const results = await insertCommands(tx, commands.map((command) => ({ ...command, id: command.id ?? randomUUID() })));
    const created = results.flatMap((result, index) => (result.created ? [{ ...result.command, payload: commands[index].payload }] : []));
    if (created.length > 0) await accept?.(created);
    return results;
  });
}

/**
 * One INSERT for the lot; a command whose Idempotency-Key its issuer already
 * used is not inserted, and the command that key names is returned instead
 * (also when the earlier one is in the same list: the first to arrive is
 * stored). Rows go in in key order, so two such INSERTs running at once take
 * their key locks in the same order.
 */
async function insertCommands(db: EntityManager, commands: (NewCommand & { id: string })[]): Promise<Stored[]> {
  const rows = commands.map((command, arrival) => ({
    arrival,
    id: command.id,
    type: command.type,
    tenant_id: command.tenantId,
    issuer_id: command.issuerId,
    payload: command.payload,
    idempotency_key: command.idempotencyKey ?? null,
    request_hash: command.requestHash ?? null,
    request_id: command.requestId ?? null,
  }));
  const inserted = await db.execute<StoredCommand[]>(
    // The tenant's settings version committed now is the one the command is judged by, whenever it is applied.
    `INSERT INTO accepted_commands (id, type, tenant_id, issuer_id, payload, idempotency_key, request_hash, request_id, settings_version)
     SELECT id, type, tenant_id, issuer_id, payload, idempotency_key, request_hash, request_id,
            (SELECT max(s.version) FROM tenant_settings s WHERE s.tenant_id = v.tenant_id)
       FROM jsonb_to_recordset(?::jsonb)
         AS v(arrival int, id uuid, type text, tenant_id uuid, issuer_id uuid, payload jsonb, idempotency_key text, request_hash text, request_id text)
      ORDER BY issuer_id, idempotency_key, arrival
     ON CONFLICT (issuer_id, idempotency_key) DO NOTHING
     RETURNING ${ACCEPTED_COLUMNS}`,
    [json(rows)],
  );
  const byId = new Map(inserted.map((row) => [row.id, stored(row)]));
  const replays = commands.filter((command) => !byId.has(command.id));
  // A conflict was with a committed row, or one of this INSERT's own (an INSERT waits for a concurrent one to commit or roll back).
  const existing =
    replays.length === 0
      ? []
      : await db.execute<(StoredCommand & { idempotencyKey: string })[]>(
          `SELECT ${STORED_COLUMNS}, idempotency_key AS "idempotencyKey" FROM commands
            WHERE (issuer_id, idempotency_key) IN (SELECT issuer_id, idempotency_key FROM jsonb_to_recordset(?::jsonb) AS k(issuer_id uuid, idempotency_key text))`,
          [json(replays.map((command) => ({ issuer_id: command.issuerId, idempotency_key: command.idempotencyKey })))],
        );
  const byKey = new Map(existing.map(({ idempotencyKey, ...row }) => [`${row.issuerId}:${idempotencyKey}`, stored(row)]));
  return commands.map((command) => {
    const own = byId.get(command.id);
    if (own) return { command: own, created: true };
    const named = byKey.get(`${command.issuerId}:${command.idempotencyKey}`);
    if (!named) throw new Error(`command ${command.id} was neither stored nor named by its Idempotency-Key`);
    return { command: named, created: false };
  });
}

export async function findCommand(em: EntityManager, id: string): Promise<StoredCommand | undefined> {
  const [row] = await em.fork().execute<StoredCommand[]>(`SELECT ${STORED_COLUMNS} FROM commands WHERE id = ?`, [id]);
  return row && stored(row);
}

/** A command as the ledger applies it: locked, with the payload to re-validate and its outcome if it has one. */
export interface LockedCommand {
  id: string;
  type: string;
  tenantId: string | null;
  issuerId: string;
  payload: unknown;
  requestId: string | null;
  /** The tenant settings' version in force when it was accepted; null: the defaults. */
  settingsVersion: number | null;
  /** The locking transaction's start (`now()`, the time its journal rows are stamped with), read with the lock. */
  transactionStart: string;
  outcome: CommandOutcome | null;
}

/**
 * Locks the commands (sorted by id, like every lock the ledger takes) for the
 * caller's transaction, then reads their outcomes: in a statement of its own, so
 * an outcome committed while this waited for a lock is seen.
 */
export async function lockCommands(tx: EntityManager, ids: string[]): Promise<LockedCommand[]> {
  const rows = await lockAccepted<Omit<LockedCommand, 'outcome'>>(
    tx,
    ids,
    `id, type, tenant_id AS "tenantId", issuer_id AS "issuerId", payload, request_id AS "requestId", settings_version AS "settingsVersion", now() AS "transactionStart"`,
  );
  const outcomes = await findOutcomes(tx, rows.map((row) => row.id));
  return rows.map((row) => ({ ...row, outcome: outcomes.get(row.id) ?? null }));
}

/**
 * The lock every writer of a command takes first (in id order): the ledger
 * deciding it, the sweeper failing it, a retry marking it processing. A later
 * statement of the same transaction sees whatever outcome was committed while
 * this waited.
 */
async function lockAccepted<Row = { id: string }>(tx: EntityManager, ids: string[], columns = 'id'): Promise<Row[]> {
  return tx.execute<Row[]>(`SELECT ${columns} FROM accepted_commands WHERE id IN (${IDS}) ORDER BY id FOR NO KEY UPDATE`, [json(ids)]);
}

/** The outcomes recorded for these commands (a command still to be decided is absent). */
export async function findOutcomes(tx: EntityManager, ids: string[]): Promise<Map<string, CommandOutcome>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.execute<{ id: string; status: 'succeeded' | 'rejected' | 'failed'; result: unknown; error: ErrorBody | null }[]>(
    `SELECT command_id AS id, status, result, error FROM command_outcomes WHERE command_id IN (${IDS})`,
    [json(ids)],
  );
  return new Map(
    rows.map((row) => [row.id, row.status === 'succeeded' ? { status: row.status, result: row.result as CommandResult } : { status: row.status, error: row.error as ErrorBody }]),
  );
}

/**
 * A worker is working on these commands (again): `processing`. A retry counts
 * the try that failed (`retry`); a first try is counted with its outcome, which
 * is how an accepted command's row is never written again when its first try
 * succeeds (the ledger worker marks only retries; a bulk award, long, marks
 * every try so its progress shows). So `attempts` counts the tries the ledger
 * made and saw end.
 */
export async function markProcessing(em: EntityManager, ids: string[], options: { retry: boolean } = { retry: true }): Promise<void> {
  await em.fork().transactional(async (tx) => {
    await lockAccepted(tx, ids);
    await tx.execute(
      `UPDATE accepted_commands SET status = 'processing', attempts = attempts + ?, updated_at = now()
        WHERE id IN (SELECT id FROM undecided_commands WHERE id IN (${IDS}))`,
      [options.retry ? 1 : 0, json(ids)],
      'run',
    );
  });
}

/**
 * Records the ledger's decisions, in the transaction that applies them: one row
 * each, keyed by the command id, so a second decision about a command is a
 * primary-key violation that rolls its transaction back.
 */
export async function recordOutcomes(tx: EntityManager, outcomes: Map<string, CommandOutcome>): Promise<void> {
  await insertOutcomes(tx, outcomes, '');
}

/** Inserts outcomes; `onConflict` says what a command already decided does. Returns the ids recorded. */
async function insertOutcomes(tx: EntityManager, outcomes: Map<string, CommandOutcome>, onConflict: '' | 'ON CONFLICT (command_id) DO NOTHING'): Promise<string[]> {
  if (outcomes.size === 0) return [];
  const rows = [...outcomes].map(([id, outcome]) => ({
    id,
    status: outcome.status,
    result: outcome.status === 'succeeded' ? outcome.result : null,
    error: outcome.status === 'succeeded' ? null : outcome.error,
  }));
  const recorded = await tx.execute<{ id: string }[]>(
    `INSERT INTO command_outcomes (command_id, status, result, error, attempts)
     SELECT v.id, v.status, v.result, v.error, a.attempts + 1
       FROM jsonb_to_recordset(?::jsonb) AS v(id uuid, status text, result jsonb, error jsonb)
       JOIN accepted_commands a ON a.id = v.id
      ORDER BY v.id
     ${onConflict}
  RETURNING command_id AS id`,
    [json(rows)],
  );
  return recorded.map((row) => row.id);
}

/**
 * The ledger will never apply this command (its attempts are used up): `failed`,
 * so no client waits forever. Returns whether the command was undecided (and is
 * now `failed`); false for one already decided or never stored.
 */
export async function markFailed(em: EntityManager, id: string): Promise<boolean> {
  return em.fork().transactional(async (tx) => {
    await lockAccepted(tx, [id]);
    const recorded = await insertOutcomes(tx, new Map([[id, { status: 'failed', error: COMMAND_FAILED }]]), 'ON CONFLICT (command_id) DO NOTHING');
    await markBulkAwardsFailed(tx, recorded);
    return recorded.length > 0;
  });
}

export interface UndecidedCommand {
  id: string;
  type: CommandType;
  tenantId: string | null;
  payload: unknown;
}

/**
 * Commands accepted but not decided, whose row has not changed for `olderThanMs`:
 * their job may have been lost (see the sweeper). Walks `accepted_commands` in
 * acceptance order from the stored horizon, before which every command is
 * decided, and moves the horizon up to the oldest command still undecided.
 *
 * A command's created_at is its transaction's start, so one not yet committed is
 * no older than the oldest transaction open now (read first, as the outbox relay
 * does): the horizon never passes it. `fromStart` walks the whole table instead,
 * for what the horizon cannot see (a session of another database role open for
 * more than `lagMs`, a clock set back): the sweeper does so now and then.
 */
export async function findUndecidedCommands(
  em: EntityManager,
  olderThanMs: number,
  {
    limit = 1000,
    lagMs = 60_000,
    fromStart = false,
  }: { limit?: number; /** The horizon stays this far behind now at least. */ lagMs?: number; fromStart?: boolean } = {},
): Promise<UndecidedCommand[]> {
  return em.fork().transactional(async (tx) => {
    const openSince = await openTransactionsHorizon(tx);
    const [{ horizon }] = await tx.execute<{ horizon: string }[]>(`SELECT decided_before::text AS horizon FROM command_sweep`);
    const from = fromStart ? '-infinity' : horizon;
    const stuck = await tx.execute<UndecidedCommand[]>(
      `SELECT id, type, tenant_id AS "tenantId", payload FROM undecided_commands
        WHERE created_at >= ?::timestamptz AND updated_at < now() - make_interval(secs => ?)
        ORDER BY created_at LIMIT ?`,
      [from, olderThanMs / 1000, limit],
    );
    const [oldest] = await tx.execute<{ createdAt: string }[]>(
      `SELECT created_at::text AS "createdAt" FROM undecided_commands WHERE created_at >= ?::timestamptz ORDER BY created_at LIMIT 1`,
      [horizon],
    );
    // A minute behind now at least: the margin for a session the activity view does not show.
    await tx.execute(`UPDATE command_sweep SET decided_before = greatest(decided_before, least(?::timestamptz, ?::timestamptz, now() - make_interval(secs => ?)))`, [
      oldest?.createdAt ?? openSince,
      openSince,
      lagMs / 1000,
    ]);
    return stuck;
  });
}
