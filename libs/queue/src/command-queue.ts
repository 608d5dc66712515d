import { JobsOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CommandJob, CommandQueueKey, CommandType, QUEUES, commandSpec, targetTenantOf } from '@points/contracts';

/** The queues that carry commands to the ledger worker, by the key the command catalog names. */
export type CommandQueues = Record<CommandQueueKey, Queue<CommandJob>>;

export function createCommandQueues(connection: Redis, prefix: string): CommandQueues {
  return {
    commands: new Queue<CommandJob>(QUEUES.commands, { connection, prefix }),
    bulkAwards: new Queue<CommandJob>(QUEUES.bulkAwards, { connection, prefix }),
  };
}

/**
 * Retry policy for transient failures (business rejections never throw, so are
 * never retried). A bulk job retries less often and later: a crash mid-job rolls
 * back, and the retry redoes the whole job once.
 */
export function commandJobOptions(queue: CommandQueueKey, maxAttempts: number): JobsOptions {
  switch (queue) {
    case 'commands':
      return { attempts: maxAttempts, backoff: { type: 'exponential', delay: 200 }, removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: { age: 7 * 24 * 3600 } };
    case 'bulkAwards':
      return { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } };
  }
}

/** Enqueues a stored command on its catalog queue; the job id is the command id, so a repeat is a no-op. */
export async function enqueueCommand(
  queues: CommandQueues,
  command: { id: string; type: CommandType; tenantId: string | null; payload: unknown },
  maxAttempts: number,
): Promise<void> {
  const queue = commandSpec(command.type).queue;
  const job: CommandJob = { commandId: command.id, type: command.type, tenantId: targetTenantOf(command) };
  await queues[queue].add(command.type, job, { ...commandJobOptions(queue, maxAttempts), jobId: command.id });
}
