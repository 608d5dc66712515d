import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DeadLetterJob, QUEUES } from '@points/contracts';

export function createNotificationQueue(connection: Redis, prefix: string): Queue<unknown> {
  return new Queue<unknown>(QUEUES.notifications, { connection, prefix });
}

export function createDeadLetterQueue(connection: Redis, prefix: string): Queue<DeadLetterJob> {
  return new Queue<DeadLetterJob>(QUEUES.deadLetters, { connection, prefix });
}
