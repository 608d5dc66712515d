import { Job, Queue, Worker } from 'bullmq';
import { EntityManager } from '@mikro-orm/postgresql';
import { CommandJob, CommandOutcome, HoldExpiryJob, QUEUES } from '@points/contracts';
import { Logger } from '@points/config';
import { markProcessing } from '@points/db';
import { WorkerSettings, workerOptions } from '@points/queue';
import { LedgerMetrics } from '@points/ops';
import { ApplyOptions, applyCommands } from '../ledger/apply-commands';
import { BatcherOptions, CommandBatcher } from './command-batcher';
import { failCommand } from './fail-command';
import { recordOutcome } from './ledger-metrics';
import { scheduleExpiryOfPending } from '../holds/schedule-expiry';

/**
 * How long a transaction for several tenants waits on a lock before its tenants
 * are tried alone. Transactions in flight here never share a tenant, so a wait
 * is on another worker's transaction: a few milliseconds for a batch, seconds
 * for a bulk award.
 */
const SHARED_LOCK_TIMEOUT_MS = 250;

export interface CommandWorkerOptions extends WorkerSettings {
  em: EntityManager;
  logger: Logger;
  apply?: ApplyOptions;
  metrics?: LedgerMetrics;
  batching?: BatcherOptions;
  /** Where an award pending approval gets the delayed job that releases its hold when its window ends. */
  holdExpiry?: Queue<HoldExpiryJob>;
}

/**
 * Consumes the command queue. Each job names one stored command; the ledger
 * applies it exactly once in effect. Jobs processed at the same time share a
 * transaction (CommandBatcher). A thrown error means "not applied,
 * try again": an outage is retried for as long as it lasts, a defect a few times
 * (retry-policy.ts), then the command is marked `failed` so no client waits forever.
 */
export function startCommandWorker(options: CommandWorkerOptions): Worker<CommandJob, CommandOutcome> {
  const { em, logger } = options;
  const batcher = new CommandBatcher(async (commandIds, shared) => {
    const outcomes = await applyCommands(em, commandIds, shared ? { lockTimeoutMs: SHARED_LOCK_TIMEOUT_MS, ...options.apply } : options.apply);
    options.metrics?.batchSize.observe(commandIds.length);
    return outcomes;
  }, options.batching);
  const worker = new Worker<CommandJob, CommandOutcome>(
    QUEUES.commands,
    async (job: Job<CommandJob>) => {
      const { commandId, type, tenantId } = CommandJob.parse(job.data);
      // A first try writes the command once, with its outcome; a retry shows it is being worked on again (and counts the try that failed).
      if (job.attemptsMade > 0) await markProcessing(em, [commandId]);
      const outcome = await batcher.submit(commandId, tenantId);
      await scheduleExpiryOfPending(options.holdExpiry, outcome);
      logger.info({ commandId, type, status: outcome.status, attempt: job.attemptsMade + 1 }, 'command applied');
      recordOutcome(options.metrics, { type, acceptedAt: job.timestamp }, outcome);
      return outcome;
    },
    workerOptions(options),
  );

  worker.on('failed', (job, error) => {
    if (!job) return;
    // A job BullMQ will not retry again has a finish time: the ledger can never apply this command.
    const final = Boolean(job.finishedOn);
    logger.warn({ commandId: job.data.commandId, attempt: job.attemptsMade, final, err: error }, 'command attempt failed');
    if (final) void failCommand(options, { id: job.data.commandId, type: job.data.type });
  });
  worker.on('error', (error) => logger.error({ err: error }, 'command worker error'));
  return worker;
}
