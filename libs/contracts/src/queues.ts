import { z } from 'zod';
import { CommandTypeSchema } from './commands';

/** Every BullMQ queue of the system, by role. The prefix is configured per deployment. */
export const QUEUES = {
  commands: 'commands',
  notifications: 'notifications',
  deadLetters: 'dead-letters',
  bulkAwards: 'bulk-awards',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/**
 * A command job carries only ids: the worker re-reads the command, the issuer
 * and every account from PostgreSQL, so nothing in Redis is trusted for money.
 * The job id is the command id, so enqueuing the same command twice is a no-op.
 */
export const CommandJob = z.object({
  commandId: z.uuid(),
  type: CommandTypeSchema,
  /**
   * targetTenantOf(command): the worker batches one tenant's commands together. A
   * batching hint only — the ledger re-reads the command and trusts nothing else
   * in the job. Absent on jobs enqueued before it existed.
   */
  tenantId: z.uuid().nullable().optional(),
});
export type CommandJob = z.infer<typeof CommandJob>;

/** A notification job carries the outbox event as written; the worker validates it before use. */
export const DeadLetterJob = z.object({
  source: z.string(),
  jobId: z.string().optional(),
  reason: z.string(),
  payload: z.unknown(),
  failedAt: z.string(),
});
export type DeadLetterJob = z.infer<typeof DeadLetterJob>;

/** A bulk award job names the bulk (its command id); the rows are in PostgreSQL. */
export const BulkAwardJob = z.object({ bulkId: z.uuid() });
export type BulkAwardJob = z.infer<typeof BulkAwardJob>;
