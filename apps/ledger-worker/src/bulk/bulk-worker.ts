import { EntityManager } from '@mikro-orm/postgresql';
import { Job, Queue, Worker } from 'bullmq';
import { CommandJob, HoldExpiryJob, QUEUES } from '@points/contracts';
import { Logger } from '@points/config';
import { WorkerSettings, workerOptions } from '@points/queue';
import { LedgerMetrics } from '@points/ops';
import { failCommand } from '../worker/fail-command';
import { recordOutcome } from '../worker/ledger-metrics';
import { scheduleExpiryOfPending } from '../holds/schedule-expiry';
import { BulkOptions, processBulkAward } from './process-bulk-award';

export interface BulkAwardWorkerOptions extends Omit<WorkerSettings, 'concurrency'> {
  em: EntityManager;
  logger: Logger;
  bulk?: BulkOptions;
  metrics?: LedgerMetrics;
  /** Where a bulk award held for approval gets the delayed job that releases its hold when its window ends. */
  holdExpiry?: Queue<HoldExpiryJob>;
}

/**
 * Consumes the bulk-award queue, one bulk award at a time per process: each holds
 * its source's lock for the length of its transaction. Progress goes to the
 * database (of record) and, best effort, onto the BullMQ job for the dashboard.
 */
export function startBulkAwardWorker(options: BulkAwardWorkerOptions): Worker<CommandJob> {
  const { em, logger } = options;
  const worker = new Worker<CommandJob>(
    QUEUES.bulkAwards,
    async (job: Job<CommandJob>) => {
      const { commandId: bulkId } = CommandJob.parse(job.data);
      const started = Date.now();
      let validatedAt: number | undefined;
      const outcome = await processBulkAward(em, bulkId, {
        ...options.bulk,
        retry: job.attemptsMade > 0,
        // bull-board shows a number as the job's progress bar, and the log lines under it.
        // Best effort and not awaited: the database row is the progress of record.
        onProgress: ({ status: phase, processed, total }) => {
          if (phase === 'applying') validatedAt ??= Date.now();
          Promise.all([
            job.updateProgress(Math.floor((processed / total) * 100)),
            job.log(phase === 'validating' ? `validating ${total} rows` : `applied ${processed} of ${total} rows`),
          ]).catch((err: Error) => logger.warn({ bulkId, err: err.message }, 'could not record bulk progress on the job'));
        },
      });
      await scheduleExpiryOfPending(options.holdExpiry, outcome);
      const finished = Date.now();
      const { status } = outcome;
      logger.info({ bulkId, status, ms: finished - started, validateMs: (validatedAt ?? finished) - started, applyMs: validatedAt ? finished - validatedAt : 0 }, 'bulk award finished');
      await job.log(`finished: ${status}`).catch(() => undefined);
      recordOutcome(options.metrics, { type: 'bulk_award', acceptedAt: job.timestamp }, outcome);
      return { status };
    },
    workerOptions({ ...options, concurrency: 1 }, 60_000),
  );
  worker.on('failed', (job, err) => {
    logger.error({ bulkId: job?.data.commandId, attempt: job?.attemptsMade, final: Boolean(job?.finishedOn), err }, 'bulk award attempt failed');
    if (job?.finishedOn) void failCommand(options, { id: job.data.commandId, type: job.data.type });
  });
  worker.on('error', (err) => logger.error({ err }, 'bulk worker error'));
  return worker;
}
