import { createLogger, loadConfig } from '@points/config';
import { createOrm } from '@points/db';
import { checkQueueRedis, createCommandQueues, createDeadLetterQueue, createHoldExpiryQueue, createNotificationQueue, createRedis, createScheduledJobsQueue } from '@points/queue';
import { createMetricsRegistry, onShutdown, runService } from '@points/ops';
import { createGateway } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const orm = await createOrm(config.DATABASE_URL, config.DB_POOL_MAX);
  const redis = createRedis(config.REDIS_URL, 'producer');
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection problem'));
  const queues = createCommandQueues(redis, config.QUEUE_PREFIX);
  const otherQueues = [createNotificationQueue(redis, config.QUEUE_PREFIX), createDeadLetterQueue(redis, config.QUEUE_PREFIX), createHoldExpiryQueue(redis, config.QUEUE_PREFIX), createScheduledJobsQueue(redis, config.QUEUE_PREFIX)];
  const gateway = createGateway({
    orm,
    redis,
    queues,
    otherQueues,
    metrics: createMetricsRegistry('gateway'),
    logger,
    jwtSecret: config.JWT_SECRET,
    jwtMaxTtlSeconds: config.JWT_MAX_TTL_SECONDS,
    trustProxy: config.TRUST_PROXY,
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    bodyLimit: config.BODY_LIMIT,
    bulkMaxPendingPerTenant: config.BULK_MAX_PENDING_PER_TENANT,
  });
  // Give Redis a moment so the first commands are not refused; without it the gateway still serves reads.
  await checkQueueRedis(redis, { production: config.NODE_ENV === 'production', allowUnsafe: config.REDIS_ALLOW_UNSAFE, logger });
  if (redis.status !== 'ready') logger.warn('Redis is not reachable yet: commands get 503 until it is');
  const server = gateway.app.listen(config.PORT, () => logger.info({ port: config.PORT }, 'gateway listening'));

  // Drain: stop accepting, let in-flight requests finish (up to 10 s), then close connections.
  onShutdown(logger, [
    async () => gateway.markShuttingDown(),
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, 10_000).unref();
      }),
    () => Promise.all(Object.values(queues).map((q) => q.close())),
    () => Promise.all(otherQueues.map((q) => q.close())),
    () => orm.close(),
    async () => redis.disconnect(),
  ]);
}

runService('gateway', main);
