import { createHash, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { AppError, CommandJob, CommandResource, CommandType, ErrorBody, FINAL_STATUSES, StoredCommandType } from '@points/contracts';
import { Orm } from '@points/db';
import { enqueueCommand } from '@points/queue';
import { Caller } from '../http/request-context';

export interface CommandServiceDeps {
  orm: Orm;
  redis: Redis;
  queue: Queue<CommandJob>;
  maxAttempts: number;
}

interface CommandRow {
  id: string;
  type: StoredCommandType;
  tenant_id: string | null;
  issuer_id: string;
  status: CommandResource['status'];
  result: Record<string, unknown> | null;
  error: ErrorBody | null;
  request_hash: string | null;
  created_at: string;
  completed_at: string | null;
}

const COMMAND_COLUMNS = `id, type, tenant_id, issuer_id, status, result, error, request_hash,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
  to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS completed_at`;
const SELECT_COMMAND = `SELECT ${COMMAND_COLUMNS} FROM commands`;

/**
 * Accepting a command: store it in PostgreSQL (the record of what was accepted),
 * then hand its id to the queue. If the queue cannot take it, the stored row is
 * withdrawn and the client gets 503 — never "accepted" and then dropped.
 */
export class CommandService {
  constructor(private readonly deps: CommandServiceDeps) {}

  async submit(input: { type: CommandType; caller: Caller; payload: unknown; idempotencyKey?: string; requestId?: string }): Promise<CommandRow> {
    const { orm, redis } = this.deps;
    if (redis.status !== 'ready') throw unavailable();
    const requestHash = input.idempotencyKey ? hashRequest(input.type, input.payload) : null;
    const id = randomUUID();
    const inserted = await orm.em.fork().execute<CommandRow[]>(
      `INSERT INTO commands (id, type, tenant_id, issuer_id, payload, idempotency_key, request_hash, request_id)
       VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?)
       ON CONFLICT (issuer_id, idempotency_key) DO NOTHING
       RETURNING ${COMMAND_COLUMNS}`,
      [id, input.type, input.caller.tenantId, input.caller.userId, JSON.stringify(input.payload), input.idempotencyKey ?? null, requestHash, input.requestId ?? null],
    );
    if (inserted.length === 0) return this.replay(input.caller.userId, input.idempotencyKey as string, requestHash as string);

    try {
      await withTimeout(enqueueCommand(this.deps.queue, { id, type: input.type, tenantId: input.caller.tenantId, payload: input.payload }, this.deps.maxAttempts), 3_000);
    } catch {
      const withdrawn = await orm.em.fork().execute(`DELETE FROM commands WHERE id = ? AND status = 'queued'`, [id], 'run');
      // If a worker already took it, the enqueue did reach Redis: the command stands.
      if ((withdrawn as { affectedRows?: number }).affectedRows !== 0) throw unavailable();
    }
    return inserted[0];
  }

  /** Same key, same body: the same command. Same key, another body: 409. */
  private async replay(issuerId: string, key: string, requestHash: string): Promise<CommandRow> {
    const [existing] = await this.deps.orm.em.fork().execute<CommandRow[]>(`${SELECT_COMMAND} WHERE issuer_id = ? AND idempotency_key = ?`, [issuerId, key]);
    if (!existing) throw unavailable();
    if (existing.request_hash !== requestHash) throw idempotencyKeyReused(existing.id);
    return existing;
  }

  async find(id: string): Promise<CommandRow | undefined> {
    const [row] = await this.deps.orm.em.fork().execute<CommandRow[]>(`${SELECT_COMMAND} WHERE id = ?`, [id]);
    return row;
  }

  private async mustFind(id: string): Promise<CommandRow> {
    const row = await this.find(id);
    if (!row) throw new Error(`command ${id} vanished`);
    return row;
  }

  /** Polls until the command is final or the wait is over; returns the latest row. */
  async waitForOutcome(row: CommandRow, waitSeconds: number): Promise<CommandRow> {
    const deadline = Date.now() + waitSeconds * 1000;
    let current = row;
    let delay = 20;
    while (!FINAL_STATUSES.includes(current.status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))));
      delay = Math.min(delay * 2, 250);
      current = await this.mustFind(current.id);
    }
    return current;
  }
}

/** Who may read a command: its issuer, a platform admin, or the managers of its tenant. */
export function canRead(caller: Caller, row: CommandRow): boolean {
  if (caller.role === 'platform_admin' || row.issuer_id === caller.userId) return true;
  return (caller.role === 'tenant_manager' || caller.role === 'hr_admin') && row.tenant_id !== null && row.tenant_id === caller.tenantId;
}

export function toResource(row: CommandRow): CommandResource {
  return {
    commandId: row.id,
    type: row.type,
    status: row.status,
    ...(row.result ? { result: row.result } : {}),
    ...(row.error ? { error: row.error as CommandResource['error'] } : {}),
    createdAt: row.created_at,
    completedAt: row.completed_at,
  };
}

export type { CommandRow };

/** What makes two requests "the same" for an Idempotency-Key: the command type and its normalised payload. */
export function hashRequest(type: StoredCommandType, payload: unknown): string {
  return createHash('sha256').update(`${type}:${canonicalJson(payload)}`).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function idempotencyKeyReused(commandId: string): AppError {
  return new AppError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with a different request', [
    { field: 'Idempotency-Key', message: 'reused with another body', commandId },
  ]);
}

function unavailable(): AppError {
  return new AppError('SERVICE_UNAVAILABLE', 'the command queue is unavailable; nothing was accepted, try again shortly');
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}
