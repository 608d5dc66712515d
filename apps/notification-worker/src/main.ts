import { EntityManager } from '@mikro-orm/postgresql';
import { createLogger, loadConfig } from '@points/config';
import { createOrm, outboxBacklog } from '@points/db';
import { createDeadLetterQueue, createNotificationQueue, createRedis } from '@points/queue';
import { Gauge } from 'prom-client';
import { createMetricsRegistry, onShutdown, registerQueueGauges, runService, startOpsServer, workerReadiness } from '@points/ops';
import { startOutboxRelay } from './outbox/outbox-relay';
import { startNotificationWorker } from './notifications/notification-worker';

/** Relays the ledger's outbox onto the notification queue, and turns events into feed entries and audit rows. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('notification-worker', config.LOG_LEVEL);
  const orm = await createOrm(config.DATABASE_URL, config.DB_POOL_MAX);
  const em = orm.em as EntityManager;
  const queueRedis = createRedis(config.REDIS_URL, 'worker');
  const workerRedis = createRedis(config.REDIS_URL, 'worker');
  const notifications = createNotificationQueue(queueRedis, config.QUEUE_PREFIX);
  const deadLetters = createDeadLetterQueue(queueRedis, config.QUEUE_PREFIX);

  const relay = startOutboxRelay(em, notifications, logger, { pollMs: config.OUTBOX_POLL_MS, batchSize: config.OUTBOX_BATCH_SIZE });
  const worker = startNotificationWorker({
    connection: workerRedis,
    prefix: config.QUEUE_PREFIX,
    em,
    deadLetters,
    logger,
    concurrency: config.NOTIFICATION_CONCURRENCY,
    defaultLowPoolThreshold: config.LOW_POOL_THRESHOLD,
  });
  const registry = createMetricsRegistry('notification-worker');
  registerQueueGauges(registry, [notifications, deadLetters]);
  new Gauge({
    name: 'points_outbox_lag_seconds',
    help: 'Age of the oldest outbox event not yet relayed (0 when none wait)',
    registers: [registry],
    async collect() {
      this.set((await outboxBacklog(em)).lagSeconds);
    },
  });
  new Gauge({
    name: 'points_outbox_unpublished',
    help: 'Outbox events not yet relayed to the notification queue',
    registers: [registry],
    async collect() {
      this.set((await outboxBacklog(em)).unpublished);
    },
  });
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
