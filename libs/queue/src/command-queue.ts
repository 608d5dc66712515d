import { JobsOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Command, CommandJob, QUEUES } from '@points/contracts';

/** Retry policy for transient failures; business rejections never throw, so never retry. */
export function commandJobOptions(maxAttempts: number): JobsOptions {
  return {
    attempts: maxAttempts,
    backoff: { type: 'exponential', delay: 200 },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

export function createCommandQueue(connection: Redis, prefix: string): Queue<CommandJob> {
  return new Queue<CommandJob>(QUEUES.commands, { connection, prefix });
}

/** Enqueues a stored command; the job id is the command id, so a repeat is a no-op. */
export async function enqueueCommand(
  queue: Queue<CommandJob>,
  command: Pick<Command, 'id' | 'type'>,
  maxAttempts: number,
): Promise<void> {
  await queue.add(command.type, { commandId: command.id, type: command.type }, {
    ...commandJobOptions(maxAttempts),
    jobId: command.id,
  });
}
