import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Logger } from '@points/config';
import { Orm, pendingMigrations } from '@points/db';

export type ReadinessCheck = () => Promise<void>;
/**
 * What `/readyz` answers: which checks pass, never why one fails. Error texts can
 * name hosts, users, SQL or migrations, and `/readyz` is anonymous; they go to the
 * server's log instead (see `readinessProbe`).
 */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean }>;
}

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);

export const postgresCheck = (orm: Orm): ReadinessCheck => async () => {
  await orm.em.fork().execute('SELECT 1');
};

export const migrationsCheck = (orm: Orm): ReadinessCheck => async () => {
  const pending = await pendingMigrations(orm);
  if (pending.length > 0) throw new Error(`pending migrations: ${pending.join(', ')}`);
};

export const redisCheck = (redis: Redis): ReadinessCheck => async () => {
  const answer = await redis.ping();
  if (answer !== 'PONG') throw new Error(`unexpected PING answer ${answer}`);
};

/**
 * A worker is ready when PostgreSQL answers with every migration applied, Redis
 * answers, and each of its queues does — through the queue's own connection, not
 * just a ping.
 */
export function workerReadiness(orm: Orm, redis: Redis, queues: Record<string, Queue>): Record<string, ReadinessCheck> {
  const queueChecks = Object.entries(queues).map(([name, queue]) => [name, async () => void (await queue.getJobCounts('waiting'))]);
  return { postgres: postgresCheck(orm), migrations: migrationsCheck(orm), redis: redisCheck(redis), ...Object.fromEntries(queueChecks) };
}

/** Runs every check concurrently with a short timeout; the error text of each failing check, by name. */
async function runChecks(checks: Record<string, ReadinessCheck>, timeoutMs: number): Promise<{ report: ReadinessReport; failures: Map<string, string> }> {
  const failures = new Map<string, string>();
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), timeoutMs);
        return [name, { ok: true }] as const;
      } catch (error) {
        failures.set(name, error instanceof Error ? error.message : String(error));
        return [name, { ok: false }] as const;
      }
    }),
  );
  return { report: { ready: failures.size === 0, checks: Object.fromEntries(entries) }, failures };
}

/** Runs every check concurrently with a short timeout; ready only if all pass. The report says which failed, not why. */
export async function checkReadiness(checks: Record<string, ReadinessCheck>, timeoutMs = 2_000): Promise<ReadinessReport> {
  return (await runChecks(checks, timeoutMs)).report;
}

/**
 * `checkReadiness` for a `/readyz` endpoint, logging why a check fails: a warning
 * with its error text when it starts failing (not again on every probe while it
 * stays down), and an info line when it passes again.
 */
export function readinessProbe(checks: Record<string, ReadinessCheck>, logger: Logger, timeoutMs = 2_000): () => Promise<ReadinessReport> {
  const failing = new Set<string>();
  return async () => {
    const { report, failures } = await runChecks(checks, timeoutMs);
    for (const [check, error] of failures) {
      if (failing.has(check)) continue;
      failing.add(check);
      logger.warn({ check, err: error }, 'readiness check failing');
    }
    for (const check of failing) {
      if (failures.has(check)) continue;
      failing.delete(check);
      logger.info({ check }, 'readiness check passing again');
    }
    return report;
  };
}
