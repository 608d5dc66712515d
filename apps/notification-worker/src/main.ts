import { createLogger, loadConfig } from '@points/config';
import { createOrm } from '@points/db';
import { createRedis } from '@points/queue';
import { migrationsCheck, onShutdown, postgresCheck, redisCheck, startOpsServer } from '@points/ops';

/**
 * Writes feed entries and audit events from the ledger's outbox events.
 * Not built yet (issue #4): today it only proves it can reach its dependencies.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('notification-worker', config.LOG_LEVEL);
  const orm = await createOrm(config.DATABASE_URL, config.DB_POOL_MAX);
  const redis = createRedis(config.REDIS_URL, 'worker');
  const ops = await startOpsServer(config.NOTIFICATION_WORKER_PORT, {
    postgres: postgresCheck(orm),
    migrations: migrationsCheck(orm),
    redis: redisCheck(redis),
  });
  logger.info({ port: config.NOTIFICATION_WORKER_PORT }, 'notification worker started');
  onShutdown(logger, [() => new Promise((resolve) => ops.close(resolve)), () => orm.close(), async () => redis.disconnect()]);
}

main().catch((error: unknown) => {
  createLogger('notification-worker').fatal({ err: error }, 'notification worker failed to start');
  process.exit(1);
});
