import { DelayedError, Job, Worker } from 'bullmq';
import { EntityManager } from '@mikro-orm/postgresql';
import { HoldExpiryJob, QUEUES } from '@points/contracts';
import { Logger } from '@points/config';
import { dateOf, overdueHolds } from '@points/db';
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
    async (job: Job<HoldExpiryJob>, token?: string) => {
      const { holdId } = HoldExpiryJob.parse(job.data);
      const released = await expireHolds(options.em, [holdId]);
      if (released.length > 0) options.logger.info({ holdId }, 'released an expired hold');
      // Fired before the database's clock says the window ended (the clocks differ): wait the rest, as a delayed job again.
      const notYet = released.length === 0 ? await undecidedUntil(options.em, holdId) : null;
      if (notYet && token) {
        await job.moveToDelayed(Date.now() + Math.max(1_000, notYet.getTime() - Date.now()), token);
        throw new DelayedError();
      }
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
      let released = 0;
      // One hold (one source) per transaction: a source locked elsewhere for a while (a bulk award) holds back only its own.
      for (const holdId of due) released += (await expireHolds(em, [holdId])).length;
      total += released;
      if (released === 0) return total;
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

/** When an undecided hold's window ends, by the database's clock, if it has not ended yet; null if it is decided or due. */
async function undecidedUntil(em: EntityManager, holdId: string): Promise<Date | null> {
  const [row] = await em.fork().execute<{ expires_at: string; now: string }[]>(
    `SELECT h.expires_at, now() AS now FROM award_holds h
      WHERE h.id = ? AND h.expires_at > now() AND NOT EXISTS (SELECT 1 FROM award_hold_decisions d WHERE d.hold_id = h.id)`,
    [holdId],
  );
  if (!row) return null;
  // The remaining time, on this process's clock.
  return new Date(Date.now() + dateOf(row.expires_at).getTime() - dateOf(row.now).getTime());
}
