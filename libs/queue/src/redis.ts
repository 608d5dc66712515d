import IORedis, { Redis, RedisOptions } from 'ioredis';

/**
 * BullMQ needs `maxRetriesPerRequest: null` on connections used by workers
 * (blocking commands must wait out a Redis restart). Producers in a request
 * path want the opposite: fail fast so the gateway can answer 503 instead of
 * hanging, hence the two flavours.
 */
export function createRedis(url: string, purpose: 'worker' | 'producer', extra: RedisOptions = {}): Redis {
  return new IORedis(url, {
    maxRetriesPerRequest: purpose === 'worker' ? null : 1,
    enableOfflineQueue: purpose === 'worker',
    connectTimeout: 2_000,
    ...extra,
  });
}

/** Resolves once the connection is ready (or at once if it already is). */
export function redisReady(redis: Redis, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis not ready after ${timeoutMs} ms`)), timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
