import { createLogger, loadConfig } from '@points/config';
import { createOrm } from '@points/db';
import { createRedis } from '@points/queue';
import { onShutdown } from '@points/ops';
import { createApp } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const orm = await createOrm(config.DATABASE_URL, config.DB_POOL_MAX);
  const redis = createRedis(config.REDIS_URL, 'producer');
  const app = createApp({ orm, redis });
  const server = app.listen(config.PORT, () => logger.info({ port: config.PORT }, 'gateway listening'));
  onShutdown(logger, [
    () => new Promise((resolve) => server.close(resolve)),
    () => orm.close(),
    async () => redis.disconnect(),
  ]);
}

main().catch((error: unknown) => {
  createLogger('gateway').fatal({ err: error }, 'gateway failed to start');
  process.exit(1);
});
