import { EntityManager } from '@mikro-orm/postgresql';
import { createLogger, loadConfig } from '@points/config';
import { createOrm } from '@points/db';
import { createDeadLetterQueue, createNotificationQueue, createRedis, checkQueueRedis } from '@points/queue';
import { createMetricsRegistry, onShutdown, registerQueueGauges, runService, startOpsServer, workerReadiness } from '@points/ops';
import { startOutboxRelay } from './outbox/outbox-relay';
import { registerOutboxGauges } from './outbox/outbox-gauges';
import { startNotificationWorker } from './notifications/notification-worker';

/** Relays the ledger's outbox onto the notification queue, and turns events into feed entries and audit rows. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('notification-worker', config.LOG_LEVEL);
  const orm = await createOrm(config.DATABASE_URL, config.DB_POOL_MAX);
  const em = orm.em as EntityManager;
  const queueRedis = createRedis(config.REDIS_URL, 'worker');
  const workerRedis = createRedis(config.REDIS_URL, 'worker');
  await checkQueueRedis(queueRedis, { production: config.NODE_ENV === 'production', allowUnsafe: config.REDIS_ALLOW_UNSAFE, logger });
  const notifications = createNotificationQueue(queueRedis, config.QUEUE_PREFIX);
  const deadLetters = createDeadLetterQueue(queueRedis, config.QUEUE_PREFIX);

  const relay = startOutboxRelay(em, notifications, logger, { pollMs: config.OUTBOX_POLL_MS, batchSize: config.OUTBOX_BATCH_SIZE, resendAfterMs: config.OUTBOX_RESEND_AFTER_MS, fullScanEveryMs: config.OUTBOX_FULL_SCAN_MS });
  const worker = startNotificationWorker({
    connection: workerRedis,
    prefix: config.QUEUE_PREFIX,
    em,
    deadLetters,
    logger,
    concurrency: config.NOTIFICATION_CONCURRENCY,
    defaultLowPoolThreshold: config.LOW_POOL_THRESHOLD,
    retry: { baseDelayMs: 500, maxDelayMs: config.LEDGER_RETRY_MAX_DELAY_MS, maxAttempts: config.LEDGER_MAX_ATTEMPTS },
  });
  const registry = createMetricsRegistry('notification-worker');
  registerQueueGauges(registry, [notifications, deadLetters]);
  registerOutboxGauges(registry, em);
  const ops = await startOpsServer(config.NOTIFICATION_WORKER_PORT, workerReadiness(orm, queueRedis, { notificationQueue: notifications }), registry, logger);
  logger.info({ port: config.NOTIFICATION_WORKER_PORT }, 'notification worker started');

  onShutdown(logger, [
    () => relay.stop(),
    () => worker.close(),
    () => notifications.close(),
    () => deadLetters.close(),
    () => new Promise((resolve) => ops.close(resolve)),
    () => orm.close(),
    async () => {
      queueRedis.disconnect();
      workerRedis.disconnect();
    },
  ]);
}

runService('notification-worker', main);
