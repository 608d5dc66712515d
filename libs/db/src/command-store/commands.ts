import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { COMMAND_FAILED, CommandOutcome, CommandStatus, CommandType, ErrorBody, UNFINISHED_STATUSES } from '@points/contracts';
import { toIsoTimestamp } from '../entities/iso-timestamp.type';
import { markBulkAwardsFailed } from './bulk-awards';

// The one owner of the `commands` table. The gateway stores a command (or finds
// the one a retry names) and hands it to its queue in one transaction; the ledger
// worker marks it processing, records its outcome in the same transaction as its
// effect, or marks it failed when it can never be applied. No other code writes
// this table, so every rule about a command's lifecycle is written here once.

const UNFINISHED = `status IN (${UNFINISHED_STATUSES.map((status) => `'${status}'`).join(', ')})`;
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
 * Stores an accepted command as `queued`, with its companion rows and its
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
    `INSERT INTO commands (id, type, tenant_id, issuer_id, payload, idempotency_key, request_hash, request_id)
     SELECT id, type, tenant_id, issuer_id, payload, idempotency_key, request_hash, request_id
       FROM jsonb_to_recordset(?::jsonb)
         AS v(arrival int, id uuid, type text, tenant_id uuid, issuer_id uuid, payload jsonb, idempotency_key text, request_hash text, request_id text)
      ORDER BY issuer_id, idempotency_key, arrival
     ON CONFLICT (issuer_id, idempotency_key) DO NOTHING
     RETURNING ${STORED_COLUMNS}`,
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

/** A command as the ledger applies it: locked, with the payload to re-validate. */
export interface LockedCommand {
  id: string;
  type: string;
  tenantId: string | null;
  issuerId: string;
  payload: unknown;
  status: CommandStatus;
  result: unknown;
  error: ErrorBody | null;
  requestId: string | null;
}

/** Locks the commands (sorted by id, like every lock the ledger takes) for the caller's transaction. */
export async function lockCommands(tx: EntityManager, ids: string[]): Promise<LockedCommand[]> {
  return tx.execute<LockedCommand[]>(
    `SELECT id, type, tenant_id AS "tenantId", issuer_id AS "issuerId", payload, status, result, error, request_id AS "requestId"
       FROM commands
      WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
      ORDER BY id
        FOR NO KEY UPDATE`,
    [json(ids)],
  );
}

/**
 * A worker is working on these commands (again): `processing`. A retry counts
 * the try that failed (`retry`); a first try is counted with its outcome, which
 * is how a command's row is written only once more when its first try succeeds
 * (the ledger worker marks only retries; a bulk award, long, marks every try so
 * its progress shows). So `attempts` counts the tries the ledger made and saw end.
 */
export async function markProcessing(em: EntityManager, ids: string[], options: { retry: boolean } = { retry: true }): Promise<void> {
  await em.fork().execute(
    `UPDATE commands SET status = 'processing', attempts = attempts + ?, updated_at = now()
      WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) AND ${UNFINISHED}`,
    [options.retry ? 1 : 0, json(ids)],
    'run',
  );
}

/** Moves commands to their final status; a command already final never changes. Returns the ids that did. */
export async function recordOutcomes(tx: EntityManager, outcomes: Map<string, CommandOutcome>): Promise<string[]> {
  if (outcomes.size === 0) return [];
  const rows = [...outcomes].map(([id, outcome]) => ({
    id,
    status: outcome.status,
    result: outcome.status === 'succeeded' ? outcome.result : null,
    error: outcome.status === 'succeeded' ? null : outcome.error,
  }));
  const changed = await tx.execute<{ id: string }[]>(
    `UPDATE commands c
        SET status = v.status, result = v.result, error = v.error, attempts = c.attempts + 1, updated_at = now(), completed_at = now()
       FROM jsonb_to_recordset(?::jsonb) AS v(id uuid, status text, result jsonb, error jsonb)
      WHERE c.id = v.id AND c.${UNFINISHED}
  RETURNING c.id`,
    [json(rows)],
  );
  return changed.map((row) => row.id);
}

/** The ledger will never apply this command (its attempts are used up): `failed`, so no client waits forever. */
/** Returns whether the command was unfinished (and is now `failed`); false for one already final or never stored. */
export async function markFailed(em: EntityManager, id: string): Promise<boolean> {
  return em.fork().transactional(async (tx) => {
    const changed = await recordOutcomes(tx, new Map([[id, { status: 'failed', error: COMMAND_FAILED }]]));
    await markBulkAwardsFailed(tx, changed);
    return changed.length > 0;
  });
}

/** Commands accepted but not finished for a while: their job may have been lost (see the sweeper). */
export async function findUnfinishedCommands(
  em: EntityManager,
  olderThanMs: number,
  limit = 1000,
): Promise<{ id: string; type: CommandType; tenantId: string | null; payload: unknown }[]> {
  return em.fork().execute(
    `SELECT id, type, tenant_id AS "tenantId", payload FROM commands
      WHERE ${UNFINISHED} AND updated_at < now() - make_interval(secs => ?)
      ORDER BY updated_at LIMIT ?`,
    [olderThanMs / 1000, limit],
  );
}
