import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { HoldExpiryJob, QUEUES } from '@points/contracts';
import { LEDGER_BACKOFF } from './retry-policy';

export function createHoldExpiryQueue(connection: Redis, prefix: string): Queue<HoldExpiryJob> {
  return new Queue<HoldExpiryJob>(QUEUES.holdExpiry, { connection, prefix });
}

/** A job that fires when the hold's window ends; one per hold (job id = hold id), so scheduling twice is a no-op. */
export async function scheduleHoldExpiry(queue: Queue<HoldExpiryJob>, holds: { holdId: string; expiresAt: Date }[], now = Date.now()): Promise<void> {
  if (holds.length === 0) return;
  await queue.addBulk(
    holds.map(({ holdId, expiresAt }) => ({
      name: 'expire',
      data: { holdId },
      opts: { jobId: holdId, delay: Math.max(0, expiresAt.getTime() - now), attempts: 10, backoff: { type: LEDGER_BACKOFF }, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } },
    })),
  );
}
