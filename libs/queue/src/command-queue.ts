import { JobsOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BulkAwardJob, CommandJob, CommandType, QUEUES, targetTenantOf } from '@points/contracts';

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
  command: { id: string; type: CommandType; tenantId: string | null; payload: unknown },
  maxAttempts: number,
): Promise<void> {
  await queue.add(command.type, { commandId: command.id, type: command.type, tenantId: targetTenantOf(command) }, {
    ...commandJobOptions(maxAttempts),
    jobId: command.id,
  });
}

export function createBulkAwardQueue(connection: Redis, prefix: string): Queue<BulkAwardJob> {
  return new Queue<BulkAwardJob>(QUEUES.bulkAwards, { connection, prefix });
}

/** A bulk job retries for longer: a crash mid-job rolls back, and the retry redoes the whole job once. */
export async function enqueueBulkAward(queue: Queue<BulkAwardJob>, bulkId: string): Promise<void> {
  await queue.add('bulk_award', { bulkId }, { jobId: bulkId, attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } });
}
