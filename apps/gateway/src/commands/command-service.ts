import { createHash } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { AppError, CommandResource, CommandType, isFinal, isManager } from '@points/contracts';
import { GroupCommit, NewCommand, Orm, QueueHint, Stored, StoredCommand, findCommand, isRowOrConflictError, storeCommand, storeCommands } from '@points/db';
import { CommandQueues, enqueueCommand, enqueueCommands } from '@points/queue';
import { Caller } from '../http/request-context';

export interface CommandServiceDeps {
  orm: Orm;
  redis: Redis;
  queues: CommandQueues;
}

export interface Submission {
  type: CommandType;
  caller: Caller;
  /** The payload as stored and re-validated by the ledger. */
  payload: unknown;
  /** What makes a retry "the same request" under an Idempotency-Key, when more than the payload (a bulk upload's rows). */
  fingerprint?: unknown;
  idempotencyKey?: string;
  requestId?: string;
  /** Companion rows stored in the same transaction as the command (a bulk upload's rows); may say how to queue it. */
  attach?: (tx: EntityManager, commandId: string) => Promise<QueueHint | void>;
}

/**
 * Accepting a command: store it in PostgreSQL (the record of what was accepted,
 * through the command store) and hand its id to its queue, in one transaction.
 * If the queue cannot take it, nothing was stored and the client gets 503 —
 * never "accepted" and then dropped. A retry under the same Idempotency-Key
 * waits for that transaction, so it never holds a 202 for a command that does
 * not stand. Every state-changing route goes through here.
 *
 * Commands arriving together are stored together (group commit): one INSERT,
 * one `addBulk`, one COMMIT for all of them, each request answered once its row
 * is durable. A command with companion rows (a bulk upload) is stored alone.
 */
export class CommandService {
  private readonly intake: GroupCommit<NewCommand, Stored>;

  constructor(private readonly deps: CommandServiceDeps) {
    this.intake = new GroupCommit((commands) => storeCommands(deps.orm.em, commands, (created) => handOver(enqueueCommands(deps.queues, created))), {
      // A row one request got wrong (a constraint it breaks) must not fail the others.
      splitOn: isRowOrConflictError,
    });
  }

  async submit(submission: Submission): Promise<StoredCommand> {
    if (this.deps.redis.status !== 'ready') throw unavailable();
    const { type, caller, payload, idempotencyKey } = submission;
    const requestHash = idempotencyKey ? hashRequest(type, submission.fingerprint ?? payload) : null;
    const newCommand: NewCommand = { type, tenantId: caller.tenantId, issuerId: caller.userId, payload, idempotencyKey, requestHash, requestId: submission.requestId };
    const { command, created } = await (submission.attach ? this.storeAlone(newCommand, submission.attach) : this.intake.submit(newCommand));
    // Same key, same request: the same command. Same key, another request: 409.
    if (!created && command.requestHash !== requestHash) throw idempotencyKeyReused(command.id);
    return command;
  }

  private storeAlone(newCommand: NewCommand, attach: NonNullable<Submission['attach']>): Promise<Stored> {
    const { orm, queues } = this.deps;
    return storeCommand(orm.em, newCommand, { attach, accept: (stored, hint) => handOver(enqueueCommand(queues, { ...stored, payload: newCommand.payload }, hint)) });
  }

  find(id: string): Promise<StoredCommand | undefined> {
    return findCommand(this.deps.orm.em, id);
  }

  /** Polls until the command is final or the wait is over; returns the latest state. */
  async waitForOutcome(command: StoredCommand, waitSeconds: number): Promise<StoredCommand> {
    const deadline = Date.now() + waitSeconds * 1000;
    let current = command;
    let delay = 20;
    while (!isFinal(current.status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))));
      delay = Math.min(delay * 2, 250);
      const latest = await this.find(current.id);
      if (!latest) throw new Error(`command ${current.id} vanished`);
      current = latest;
    }
    return current;
  }
}

/** Who may read a command: its issuer, a platform admin, or the managers of its tenant. */
export function canRead(caller: Caller, command: StoredCommand): boolean {
  if (caller.role === 'platform_admin' || command.issuerId === caller.userId) return true;
  return isManager(caller.role) && command.tenantId !== null && command.tenantId === caller.tenantId;
}

export function toResource(command: StoredCommand): CommandResource {
  return {
    commandId: command.id,
    type: command.type,
    status: command.status,
    ...(command.result ? { result: command.result } : {}),
    ...(command.error ? { error: command.error as CommandResource['error'] } : {}),
    createdAt: command.createdAt,
    completedAt: command.completedAt,
  };
}

/** What makes two requests "the same" for an Idempotency-Key: the command type and its normalised content. */
export function hashRequest(type: CommandType, content: unknown): string {
  return createHash('sha256').update(`${type}:${canonicalJson(content)}`).digest('hex');
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

function idempotencyKeyReused(commandId: string): AppError {
  return new AppError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with a different request', [
    { field: 'Idempotency-Key', message: 'reused with another body', commandId },
  ]);
}

function unavailable(): AppError {
  return new AppError('SERVICE_UNAVAILABLE', 'the command queue is unavailable; nothing was accepted, try again shortly');
}

/** The queue takes the commands within 3 s, or none is accepted (503). */
function handOver(enqueued: Promise<void>): Promise<void> {
  return withTimeout(enqueued, 3_000).catch(() => {
    throw unavailable();
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}
