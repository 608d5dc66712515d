import { Job, Worker } from 'bullmq';
import { EntityManager } from '@mikro-orm/postgresql';
import { CommandJob, CommandOutcome, ErrorBody, QUEUES } from '@points/contracts';
import { Logger } from '@points/config';
import { WorkerSettings, workerOptions } from '@points/queue';
import { LedgerMetrics } from '@points/ops';
import { ApplyOptions, applyCommands } from '../ledger/apply-commands';
import { recordOutcomes } from '../ledger/ledger-sql';
import { BatcherOptions, CommandBatcher } from './command-batcher';

export interface CommandWorkerOptions extends WorkerSettings {
  em: EntityManager;
  logger: Logger;
  apply?: ApplyOptions;
  metrics?: LedgerMetrics;
  batching?: BatcherOptions;
}

/**
 * Consumes the command queue. Each job names one stored command; the ledger
 * applies it exactly once in effect. Jobs of one tenant processed at the same
 * time share a transaction (CommandBatcher). A thrown error means "not applied, try again"
 * (BullMQ retries with backoff); once the attempts are used up the command is
 * marked `failed` so no client waits forever.
 */
export function startCommandWorker(options: CommandWorkerOptions): Worker<CommandJob, CommandOutcome> {
  const { em, logger } = options;
  const batcher = new CommandBatcher(async (commandIds) => {
    await markProcessing(em, commandIds);
    const outcomes = await applyCommands(em, commandIds, options.apply);
    options.metrics?.batchSize.observe(commandIds.length);
    return outcomes;
  }, options.batching);
  const worker = new Worker<CommandJob, CommandOutcome>(
    QUEUES.commands,
    async (job: Job<CommandJob>) => {
      const { commandId, tenantId } = CommandJob.parse(job.data);
      const outcome = await batcher.submit(commandId, tenantId);
      logger.info({ commandId, type: job.data.type, status: outcome.status, attempt: job.attemptsMade + 1 }, 'command applied');
      recordMetrics(options.metrics, job, outcome);
      return outcome;
    },
    workerOptions(options),
  );

  worker.on('failed', (job, error) => {
    if (!job) return;
    const exhausted = job.attemptsMade >= (job.opts.attempts ?? 1);
    logger.warn({ commandId: job.data.commandId, attempt: job.attemptsMade, exhausted, err: error }, 'command attempt failed');
    if (exhausted) {
      const failure: ErrorBody = { code: 'INTERNAL', message: 'the command could not be applied; nothing was changed' };
      void em
        .fork()
        .transactional((tx) => recordOutcomes(tx, new Map([[job.data.commandId, { status: 'failed', error: failure }]])))
        .catch((err: unknown) => logger.error({ err, commandId: job.data.commandId }, 'could not mark command failed'));
    }
  });
  worker.on('error', (error) => logger.error({ err: error }, 'command worker error'));
  return worker;
}

async function markProcessing(em: EntityManager, commandIds: string[]): Promise<void> {
  await em.fork().execute(
    `UPDATE commands SET status = 'processing', attempts = attempts + 1, updated_at = now()
      WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) AND status IN ('queued', 'processing')`,
    [JSON.stringify(commandIds)],
    'run',
  );
}

/** Accepted-to-applied latency uses the job's enqueue time, which the gateway sets as it accepts the command. */
function recordMetrics(metrics: LedgerMetrics | undefined, job: Job<CommandJob>, outcome: CommandOutcome): void {
  if (!metrics) return;
  const labels = { type: job.data.type, status: outcome.status };
  metrics.commandLatency.observe(labels, Math.max(0, Date.now() - job.timestamp) / 1000);
  metrics.commands.inc(labels);
  if (outcome.status !== 'succeeded' || (job.data.type !== 'award' && job.data.type !== 'recognition')) return;
  const result = outcome.result as { amount?: string; source?: { type: string } | null };
  if (!result.source) return; // a 0-point kudos moves nothing
  metrics.awards.inc({ source: result.source.type });
  metrics.pointsAwarded.inc({ source: result.source.type }, Number(result.amount ?? 0));
}
