import { Job, Worker } from 'bullmq';
import { EntityManager } from '@mikro-orm/postgresql';
import { HoldExpiryJob, QUEUES } from '@points/contracts';
import { Logger } from '@points/config';
import { overdueHolds } from '@points/db';
import { WorkerSettings, workerOptions } from '@points/queue';
import { expireHolds } from './expire-holds';

/**
 * Releases a pending award's hold when its delayed job fires (scheduled by the
 * command worker once the hold is committed). A job that fires early, twice or
 * after a decision releases nothing.
 */
export function startHoldExpiryWorker(options: WorkerSettings & { em: EntityManager; logger: Logger }): Worker<HoldExpiryJob, string[]> {
  const worker = new Worker<HoldExpiryJob, string[]>(
    QUEUES.holdExpiry,
    async (job: Job<HoldExpiryJob>) => {
      const released = await expireHolds(options.em, [HoldExpiryJob.parse(job.data).holdId]);
      if (released.length > 0) options.logger.info({ holdId: job.data.holdId }, 'released an expired hold');
      return released;
    },
    workerOptions(options),
  );
  worker.on('error', (error) => options.logger.error({ err: error }, 'hold expiry worker error'));
  return worker;
}

/**
 * The net behind the delayed jobs: a job lost with Redis, or one scheduled by
 * a worker that died between the commit and the schedule, is caught here —
 * every `intervalMs`, overdue undecided holds are released in chunks.
 */
export function startHoldExpirySweep(em: EntityManager, logger: Logger, intervalMs: number): () => void {
  let running = false;
  const sweep = async () => {
    let total = 0;
    for (;;) {
      const due = await overdueHolds(em, new Date(), 100);
      if (due.length === 0) return total;
      const released = await expireHolds(em, due);
      total += released.length;
      if (released.length === 0) return total;
    }
  };
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .then((released) => released > 0 && logger.warn({ released }, 'released overdue holds the expiry jobs had not'))
      .catch((err: unknown) => logger.error({ err }, 'hold expiry sweep failed'))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
