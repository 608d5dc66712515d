import { EntityManager } from '@mikro-orm/postgresql';
import { Worker } from 'bullmq';
import { BulkAwardJob, QUEUES } from '@points/contracts';
import { Logger } from '@points/config';
import { WorkerSettings, workerOptions } from '@points/queue';
import { LedgerMetrics } from '@points/ops';
import { BulkOptions, processBulkAward } from './apply-bulk-award';

/** One bulk award at a time per process: each holds its source's lock for the length of its transaction. */
export interface BulkAwardWorkerOptions extends Omit<WorkerSettings, 'concurrency'> {
  em: EntityManager;
  logger: Logger;
  bulk?: BulkOptions;
  metrics?: LedgerMetrics;
}

export function startBulkAwardWorker(options: BulkAwardWorkerOptions): Worker<BulkAwardJob> {
  const worker = new Worker<BulkAwardJob>(
    QUEUES.bulkAwards,
    async (job) => {
      const { bulkId } = BulkAwardJob.parse(job.data);
      const started = Date.now();
      let validatedAt: number | undefined;
      const status = await processBulkAward(options.em, bulkId, {
        ...options.bulk,
        // bull-board shows a number as the job's progress bar, and the log lines under it.
        // Best effort and not awaited: the database row is the progress of record.
        onProgress: ({ status: phase, processed, total }) => {
          if (phase === 'applying') validatedAt ??= Date.now();
          Promise.all([
            job.updateProgress(Math.floor((processed / total) * 100)),
            job.log(phase === 'validating' ? `validating ${total} rows` : `applied ${processed} of ${total} rows`),
          ]).catch((err: Error) => options.logger.warn({ bulkId, err: err.message }, 'could not record bulk progress on the job'));
        },
      });
      const finished = Date.now();
      options.logger.info({ bulkId, status, ms: finished - started, validateMs: (validatedAt ?? finished) - started, applyMs: validatedAt ? finished - validatedAt : 0 }, 'bulk award finished');
      await job.log(`finished: ${status}`).catch(() => undefined);
      options.metrics?.commands.inc({ type: 'bulk_award', status });
      options.metrics?.commandLatency.observe({ type: 'bulk_award', status }, Math.max(0, Date.now() - job.timestamp) / 1000);
      if (status === 'succeeded' && options.metrics) {
        const [row] = await options.em.fork().execute<{ total: number; total_amount: string; source: string }[]>(
          `SELECT b.total, b.total_amount, c.result->'source'->>'type' AS source FROM bulk_awards b JOIN commands c ON c.id = b.id WHERE b.id = ?`,
          [bulkId],
        );
        options.metrics.awards.inc({ source: row.source }, row.total);
        options.metrics.pointsAwarded.inc({ source: row.source }, Number(row.total_amount));
      }
      return { status };
    },
    workerOptions({ ...options, concurrency: 1 }, 60_000),
  );
  worker.on('failed', (job, err) => {
    options.logger.error({ bulkId: job?.data.bulkId, attempt: job?.attemptsMade, err }, 'bulk award attempt failed');
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
      void options.em
        .fork()
        .execute(
          `WITH c AS (UPDATE commands SET status = 'failed', error = '{"code":"INTERNAL","message":"the bulk award could not be applied; nothing was changed"}'::jsonb,
                        updated_at = now(), completed_at = now() WHERE id = ? AND status IN ('queued', 'processing') RETURNING id)
           UPDATE bulk_awards SET status = 'failed', updated_at = now(), completed_at = now() WHERE id IN (SELECT id FROM c)`,
          [job.data.bulkId],
          'run',
        )
        .catch((e: unknown) => options.logger.error({ err: e }, 'could not mark bulk award failed'));
    }
  });
  worker.on('error', (err) => options.logger.error({ err }, 'bulk worker error'));
  return worker;
}
