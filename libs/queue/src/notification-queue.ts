import { JobsOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DeadLetterJob, NotificationJob, QUEUES } from '@points/contracts';
import { ATTEMPTS_UNTIL_DEFECT, LEDGER_BACKOFF } from './retry-policy';

export function createNotificationQueue(connection: Redis, prefix: string): Queue<NotificationJob> {
  return new Queue<NotificationJob>(QUEUES.notifications, { connection, prefix });
}

export function createDeadLetterQueue(connection: Redis, prefix: string): Queue<DeadLetterJob> {
  return new Queue<DeadLetterJob>(QUEUES.deadLetters, { connection, prefix });
}

/** Retried as commands are (an outage is waited out, a defect is not); the outbox keeps the record, so finished jobs go soon. */
const NOTIFICATION_JOB: JobsOptions = {
  attempts: ATTEMPTS_UNTIL_DEFECT,
  backoff: { type: LEDGER_BACKOFF },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Hands outbox events to the notification queue; the job id is the event id, so an event still queued is not added twice. */
export async function publishEvents(queue: Queue<NotificationJob>, events: { id: string; eventType: string }[]): Promise<void> {
  if (events.length === 0) return;
  await queue.addBulk(events.map((event) => ({ name: event.eventType, data: { eventId: event.id }, opts: { ...NOTIFICATION_JOB, jobId: event.id } })));
}
