import { Redis } from 'ioredis';
import { Logger } from '@points/config';
import { redisReady } from './redis';

/**
 * What makes a Redis server unsafe for the queues, as BullMQ's production guide
 * says: an eviction policy other than `noeviction` drops job keys under memory
 * pressure, and no persistence loses every queued job on a restart. (Nothing is
 * lost for good either way — the command sweeper and the outbox relay send again
 * — but every accepted command then waits for them.) Empty when the server is fine.
 */
export async function queueRedisProblems(redis: Redis): Promise<string[]> {
  let memory: Record<string, string>;
  let persistence: Record<string, string>;
  try {
    memory = parseInfo(await redis.info('memory'));
    persistence = parseInfo(await redis.info('persistence'));
  } catch (err) {
    return [`its settings cannot be read (INFO refused: ${(err as Error).message}); check maxmemory-policy and persistence by hand`];
  }
  const problems: string[] = [];
  const policy = memory.maxmemory_policy;
  if (policy && policy !== 'noeviction') problems.push(`maxmemory-policy is ${policy}: Redis may evict queue keys under memory pressure; set it to noeviction`);
  if (persistence.aof_enabled !== '1' && !(await snapshotsConfigured(redis))) {
    problems.push('persistence is off (no AOF, no RDB snapshots): a Redis restart loses every queued job; set appendonly yes');
  }
  return problems;
}

export interface RedisSafetyOptions {
  production: boolean;
  /** REDIS_ALLOW_UNSAFE: start in production anyway (a disposable or managed Redis whose settings cannot be read). */
  allowUnsafe: boolean;
  logger: Logger;
  waitMs?: number;
}

/**
 * Checks the queues' Redis at start: a warning in development, a refusal to start
 * in production (REDIS_ALLOW_UNSAFE=true skips the check). Best effort: a Redis
 * not reachable within `waitMs` is checked when it comes up, and then only
 * logged (at error in production) — a running service is not stopped.
 */
export async function checkQueueRedis(redis: Redis, options: RedisSafetyOptions): Promise<void> {
  const { logger } = options;
  if (options.production && options.allowUnsafe) {
    logger.warn('REDIS_ALLOW_UNSAFE=true: the queues\' Redis is not checked (maxmemory-policy noeviction, persistence)');
    return;
  }
  const report = (problems: string[]) =>
    logger.warn({ problems }, options.production ? 'Redis is not safe for the queues (REDIS_ALLOW_UNSAFE=true)' : 'Redis is not set up as production queues need (fine in development)');
  try {
    await redisReady(redis, options.waitMs ?? 5_000);
  } catch {
    redis.once('ready', () => {
      queueRedisProblems(redis).then(
        (problems) => problems.length > 0 && (options.production ? logger.error({ problems }, 'Redis is not safe for the queues') : report(problems)),
        () => undefined,
      );
    });
    return;
  }
  const problems = await queueRedisProblems(redis);
  if (problems.length === 0) return;
  if (options.production && !options.allowUnsafe) {
    throw new Error(`Redis is not safe for the queues in production:\n  ${problems.join('\n  ')}\n  Fix the server (docs/OPERATIONS.md), or set REDIS_ALLOW_UNSAFE=true to start anyway.`);
  }
  report(problems);
}

/** RDB snapshots configured; a server that refuses CONFIG (some managed ones) is judged by INFO alone. */
async function snapshotsConfigured(redis: Redis): Promise<boolean> {
  try {
    const [, save] = (await redis.config('GET', 'save')) as string[];
    return Boolean(save?.trim());
  } catch {
    return false;
  }
}

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}
