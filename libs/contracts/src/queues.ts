import { z } from 'zod';
import { CommandTypeSchema } from './commands';

/**
 * A command job carries only ids: the worker re-reads the command, the issuer
 * and every account from PostgreSQL, so nothing in Redis is trusted for money.
 * The job id is the command id, so enqueuing the same command twice is a no-op.
 * Bulk awards travel on their own queue with the same job shape.
 */
export const CommandJob = z.object({
  commandId: z.uuid(),
  type: CommandTypeSchema,
  /**
   * targetTenantOf(command): the worker batches one tenant's commands together.
   * A batching hint only: the ledger re-reads the command and trusts nothing else in the job.
   */
  tenantId: z.uuid().nullable(),
});
export type CommandJob = z.infer<typeof CommandJob>;

/**
 * A notification job names an outbox event and nothing else: the worker reads
 * the event from the outbox, so a job forged into Redis can only ask for the
 * delivery of an event the ledger really committed. The job id is the event id.
 */
export const NotificationJob = z.object({ eventId: z.uuid() });
export type NotificationJob = z.infer<typeof NotificationJob>;

/**
 * A notification job that names no outbox event (forged, or from another
 * deployment), kept with the reason for an operator to see. Events that exist
 * but cannot be delivered are dead-lettered in the outbox itself.
 */
export const DeadLetterJob = z.object({
  source: z.string(),
  jobId: z.string().optional(),
  reason: z.string(),
  payload: z.unknown(),
  failedAt: z.string(),
});
export type DeadLetterJob = z.infer<typeof DeadLetterJob>;

/**
 * A delayed job that releases a pending award's hold when its window ends. It
 * names the hold only: the ledger re-reads it and releases it only if it is
 * still undecided and past its expiry, so a job fired twice, early or after a
 * decision does nothing. The job id is the hold id.
 */
export const HoldExpiryJob = z.object({ holdId: z.uuid() });
export type HoldExpiryJob = z.infer<typeof HoldExpiryJob>;
