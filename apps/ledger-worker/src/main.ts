import { createLogger, loadConfig } from '@points/config';
import { createOrm } from '@points/db';
import { createCommandQueues, createHoldExpiryQueue, createRedis, checkQueueRedis, createScheduledJobsQueue, scheduleEvery } from '@points/queue';
import { createMetricsRegistry, ledgerMetrics, onShutdown, registerQueueGauges, runService, startOpsServer, workerReadiness } from '@points/ops';
import { startCommandWorker } from './worker/command-worker';
import { startCommandSweeper } from './worker/command-sweeper';
import { startBulkAwardWorker } from './bulk/bulk-worker';
import { startBulkRowsPurge } from './bulk/bulk-rows-purge';
import { startHoldExpirySweep, startHoldExpiryWorker } from './holds/hold-expiry-worker';
import { startScheduledJobsWorker } from './schedules/scheduled-jobs-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('ledger-worker', config.LOG_LEVEL);
  const orm = await createOrm(config.DATABASE_URL, config.DB_POOL_MAX);
  const workerRedis = createRedis(config.REDIS_URL, 'worker');
  const queueRedis = createRedis(config.REDIS_URL, 'worker');
  await checkQueueRedis(queueRedis, { production: config.NODE_ENV === 'production', allowUnsafe: config.REDIS_ALLOW_UNSAFE, logger });
  const queues = createCommandQueues(queueRedis, config.QUEUE_PREFIX);
  const holdExpiry = createHoldExpiryQueue(queueRedis, config.QUEUE_PREFIX);
  const scheduledJobs = createScheduledJobsQueue(queueRedis, config.QUEUE_PREFIX);

  const registry = createMetricsRegistry('ledger-worker');
  registerQueueGauges(registry, [...Object.values(queues), holdExpiry, scheduledJobs]);
  const metrics = ledgerMetrics(registry);

  const worker = startCommandWorker({
    connection: workerRedis,
    prefix: config.QUEUE_PREFIX,
    em: orm.em,
    logger,
    concurrency: config.LEDGER_CONCURRENCY,
    metrics,
    holdExpiry,
    retry: { baseDelayMs: 200, maxDelayMs: config.LEDGER_RETRY_MAX_DELAY_MS, maxAttempts: config.LEDGER_MAX_ATTEMPTS },
  });
  const bulkRedis = createRedis(config.REDIS_URL, 'worker');
  // A bulk award retries later: each attempt redoes the whole job.
  const bulkRetry = { baseDelayMs: 1_000, maxDelayMs: config.LEDGER_RETRY_MAX_DELAY_MS, maxAttempts: Math.min(config.LEDGER_MAX_ATTEMPTS, 5) };
  const bulkWorker = startBulkAwardWorker({ connection: bulkRedis, prefix: config.QUEUE_PREFIX, em: orm.em, logger, metrics, retry: bulkRetry, holdExpiry });
  const stopSweeper = startCommandSweeper({ em: orm.em, queues, logger, metrics }, {
    intervalMs: config.COMMAND_SWEEP_INTERVAL_MS,
    stuckAfterMs: config.COMMAND_STUCK_AFTER_MS,
    fullSweepEveryMs: config.COMMAND_FULL_SWEEP_MS,
  });
  const holdRedis = createRedis(config.REDIS_URL, 'worker');
  const holdWorker = startHoldExpiryWorker({ connection: holdRedis, prefix: config.QUEUE_PREFIX, concurrency: 4, em: orm.em, logger });
  const stopHoldSweep = startHoldExpirySweep(orm.em, logger, 60_000);
  const scheduledRedis = createRedis(config.REDIS_URL, 'worker');
  const scheduledWorker = startScheduledJobsWorker({ connection: scheduledRedis, prefix: config.QUEUE_PREFIX, concurrency: 1, em: orm.em, queues, logger });
  await scheduleEvery(scheduledJobs, 'allocation-schedules', config.SCHEDULE_TICK_MS);
  await scheduleEvery(scheduledJobs, 'point-expiry', config.EXPIRY_TICK_MS);
  const stopPurge = startBulkRowsPurge(orm.em, logger, { retentionDays: config.BULK_ROWS_RETENTION_DAYS, intervalMs: 10 * 60_000 });
  const ops = await startOpsServer(config.LEDGER_WORKER_PORT, workerReadiness(orm, queueRedis, { commandQueue: queues.commands }), registry, logger);
  logger.info({ port: config.LEDGER_WORKER_PORT, concurrency: config.LEDGER_CONCURRENCY }, 'ledger worker started');

  onShutdown(logger, [
    async () => stopSweeper(),
    async () => stopPurge(),
    async () => stopHoldSweep(),
    () => worker.close(),
    () => bulkWorker.close(),
    () => holdWorker.close(),
    () => scheduledWorker.close(),
    () => Promise.all([...Object.values(queues), holdExpiry, scheduledJobs].map((queue) => queue.close())),
    () => new Promise((resolve) => ops.close(resolve)),
    () => orm.close(),
    async () => {
      for (const redis of [workerRedis, bulkRedis, holdRedis, scheduledRedis, queueRedis]) redis.disconnect();
    },
  ]);
}

runService('ledger-worker', main);
