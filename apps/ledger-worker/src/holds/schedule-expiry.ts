import { Queue } from 'bullmq';
import { CommandOutcome, HoldExpiryJob } from '@points/contracts';
import { scheduleHoldExpiry } from '@points/queue';

/**
 * An award or bulk award that succeeded as pending_approval gets the delayed job
 * that releases its hold when its window ends. Called after the commit, never
 * inside the ledger transaction; if it fails the job is retried (the outcome
 * stands) and the minute's sweep is the net.
 */
export async function scheduleExpiryOfPending(queue: Queue<HoldExpiryJob> | undefined, outcome: CommandOutcome): Promise<void> {
  if (!queue || outcome.status !== 'succeeded' || !('status' in outcome.result) || outcome.result.status !== 'pending_approval') return;
  await scheduleHoldExpiry(queue, [{ holdId: outcome.result.approvalId, expiresAt: new Date(outcome.result.expiresAt) }]);
}
