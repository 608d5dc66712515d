import { EntityManager } from '@mikro-orm/postgresql';
import { Job, Queue, Worker } from 'bullmq';
import { DeadLetterJob, NotificationJob, QUEUES, toCents } from '@points/contracts';
import { Logger } from '@points/config';
import { GroupCommit, deadLetterEvent, isTransientError } from '@points/db';
import { WorkerSettings, workerOptions } from '@points/queue';
import { Delivery, deliverEvents } from './deliver-events';

export interface NotificationWorkerOptions extends WorkerSettings {
  em: EntityManager;
  deadLetters: Queue<DeadLetterJob>;
  logger: Logger;
  defaultLowPoolThreshold: string;
  /** Test seam for crash injection: runs after the rows are committed, before the job is acknowledged. */
  afterWrite?: () => void | Promise<void>;
}

/**
 * Consumes notification jobs. Each names an outbox event, which becomes its
 * feed and audit rows, exactly once (deliver-events.ts); jobs taken at the same
 * time are delivered in one transaction (group commit). A job that names no
 * outbox event (forged) writes nothing and goes to the dead-letter queue with
 * the reason; an event that breaks the contract is dead-lettered in the outbox.
 * Neither blocks the jobs behind it. An outage is retried for as long as it
 * lasts; a job that keeps failing otherwise (a defect) dead-letters its event.
 */
export function startNotificationWorker(options: NotificationWorkerOptions): Worker<NotificationJob, Delivery | { outcome: 'not-a-notification-job' }> {
  const { em, logger } = options;
  const defaultThreshold = toCents(options.defaultLowPoolThreshold);
  const setAside = (job: Job, reason: string) =>
    options.deadLetters.add('unknown-event', { source: QUEUES.notifications, jobId: job.id, reason, payload: job.data, failedAt: new Date().toISOString() }, { jobId: `unknown-${job.id}` });

  // One transaction for the events of the jobs in hand; an event that breaks the batch in any way but an outage is retried alone.
  const deliveries = new GroupCommit<string, Delivery>((eventIds) => deliverEvents(em, eventIds, defaultThreshold), { splitOn: (error) => !isTransientError(error) });

  const worker = new Worker<NotificationJob, Delivery | { outcome: 'not-a-notification-job' }>(
    QUEUES.notifications,
    async (job) => {
      const request = NotificationJob.safeParse(job.data);
      if (!request.success) {
        await setAside(job, 'not a notification job: it must name an outbox event ({ eventId })');
        logger.warn({ jobId: job.id }, 'a job that is not a notification job was sent to the dead-letter queue');
        return { outcome: 'not-a-notification-job' };
      }
      // As PostgreSQL prints ids, so the batch's answer for this event is found.
      const delivery = await deliveries.submit(request.data.eventId.toLowerCase());
      await options.afterWrite?.();
      if (delivery.outcome === 'unknown-event') {
        await setAside(job, `no event ${request.data.eventId} in the outbox: a forged job, or one from another deployment`);
        logger.warn({ jobId: job.id, eventId: request.data.eventId }, 'a job naming no outbox event was sent to the dead-letter queue');
      }
      if (delivery.outcome === 'dead-lettered') logger.error({ eventId: request.data.eventId, reason: delivery.reason }, 'event dead-lettered in the outbox');
      if (delivery.outcome === 'delivered' && delivery.lowPool) {
        logger.warn({ alert: 'pool.low_balance', ...delivery.lowPool, eventId: request.data.eventId }, 'tenant pool fell below its threshold');
      }
      return delivery;
    },
    workerOptions(options),
  );
  worker.on('failed', (job, err) => {
    const final = Boolean(job?.finishedOn);
    logger.error({ jobId: job?.id, attempt: job?.attemptsMade, final, err }, 'notification attempt failed');
    const eventId = NotificationJob.safeParse(job?.data).data?.eventId;
    if (final && eventId) {
      // Dead-lettered on its row, with the reason; then the job goes, so a replay (docs/OPERATIONS.md) can publish it afresh.
      deadLetterEvent(em.fork(), eventId, `notification job failed for good after ${job?.attemptsMade} attempts: ${err.message}`)
        .then(() => job?.remove())
        .catch((e: unknown) => logger.error({ err: e, eventId }, 'could not dead-letter the event (the relay will)'));
    }
  });
  worker.on('error', (err) => logger.error({ err }, 'notification worker error'));
  return worker;
}
