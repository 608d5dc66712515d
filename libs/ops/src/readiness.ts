import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Orm, pendingMigrations } from '@points/db';

export type ReadinessCheck = () => Promise<void>;
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
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

/** Runs every check concurrently with a short timeout; ready only if all pass. */
export async function checkReadiness(checks: Record<string, ReadinessCheck>, timeoutMs = 2_000): Promise<ReadinessReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), timeoutMs);
        return [name, { ok: true }] as const;
      } catch (error) {
        return [name, { ok: false, error: (error as Error).message }] as const;
      }
    }),
  );
  return { ready: entries.every(([, result]) => result.ok), checks: Object.fromEntries(entries) };
}
