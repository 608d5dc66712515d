import { JobsOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CommandJob, CommandQueueKey, CommandType, QUEUES, commandSpec, targetTenantOf } from '@points/contracts';
import { ATTEMPTS_UNTIL_DEFECT, LEDGER_BACKOFF } from './retry-policy';

/** The queues that carry commands to the ledger worker, by the key the command catalog names. */
export type CommandQueues = Record<CommandQueueKey, Queue<CommandJob>>;

export function createCommandQueues(connection: Redis, prefix: string): CommandQueues {
  return {
    commands: new Queue<CommandJob>(QUEUES.commands, { connection, prefix }),
    bulkAwards: new Queue<CommandJob>(QUEUES.bulkAwards, { connection, prefix }),
  };
}

/**
 * How long finished jobs are kept (the database holds the record). Retries
 * follow the worker's ledger backoff (retry-policy.ts): business rejections
 * never throw, so are never retried; outages are waited out; defects fail.
 */
export function commandJobOptions(queue: CommandQueueKey): JobsOptions {
  const retries = { attempts: ATTEMPTS_UNTIL_DEFECT, backoff: { type: LEDGER_BACKOFF } };
  switch (queue) {
    case 'commands':
      return { ...retries, removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: { age: 7 * 24 * 3600 } };
    case 'bulkAwards':
      return { ...retries, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } };
  }
}

/**
 * Enqueues a stored command on its catalog queue; the job id is the command id,
 * so a repeat is a no-op. A `priority` (1 first) orders jobs that wait; a job
 * without one goes before them all (the sweeper's, already late).
 */
export async function enqueueCommand(
  queues: CommandQueues,
  command: { id: string; type: CommandType; tenantId: string | null; payload: unknown },
  options: { priority?: number } = {},
): Promise<void> {
  const queue = commandSpec(command.type).queue;
  const job: CommandJob = { commandId: command.id, type: command.type, tenantId: targetTenantOf(command) };
  await queues[queue].add(command.type, job, { ...commandJobOptions(queue), jobId: command.id, ...(options.priority ? { priority: options.priority } : {}) });
}

/** Enqueues stored commands with one `addBulk` per queue (the gateway's group commit); job ids as `enqueueCommand`'s. */
export async function enqueueCommands(queues: CommandQueues, commands: { id: string; type: CommandType; tenantId: string | null; payload: unknown }[]): Promise<void> {
  const byQueue = new Map<CommandQueueKey, Parameters<Queue<CommandJob>['addBulk']>[0]>();
  for (const command of commands) {
    const queue = commandSpec(command.type).queue;
    const job: CommandJob = { commandId: command.id, type: command.type, tenantId: targetTenantOf(command) };
    const jobs = byQueue.get(queue) ?? [];
    jobs.push({ name: command.type, data: job, opts: { ...commandJobOptions(queue), jobId: command.id } });
    byQueue.set(queue, jobs);
  }
  await Promise.all([...byQueue].map(([queue, jobs]) => queues[queue].addBulk(jobs)));
}
