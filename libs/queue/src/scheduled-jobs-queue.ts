import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUES } from '@points/contracts';

/** The periodic jobs of the ledger worker (recurring allocations, point expiry), one BullMQ job scheduler each. */
export type ScheduledJobName = 'allocation-schedules' | 'point-expiry';

export function createScheduledJobsQueue(connection: Redis, prefix: string): Queue {
  return new Queue(QUEUES.scheduledJobs, { connection, prefix });
}

/**
 * Every `everyMs`, one job named `name`: a job scheduler is one per name in
 * Redis, so several workers upserting it still make one job per interval.
 */
export async function scheduleEvery(queue: Queue, name: ScheduledJobName, everyMs: number): Promise<void> {
  await queue.upsertJobScheduler(name, { every: everyMs }, { name, opts: { removeOnComplete: { count: 100 }, removeOnFail: { age: 7 * 24 * 3600 } } });
}
