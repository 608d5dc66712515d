import { InferEntity } from '@mikro-orm/core';
import { jsonb, nullable, references, text, timestamp, uuid } from './columns';
import { AcceptedCommandSchema } from './accepted-command';
import { btreeIndex, table } from './table';

/**
 * Transactional outbox: written with the balance change, relayed afterwards.
 * Published = handed to the queue (at least once); delivered = its feed and
 * audit rows are written; dead-lettered = it never can be, and why.
 */
export const OutboxEventSchema = table(
  'OutboxEvent',
  'outbox',
  {
    eventType: text(),
    /** No foreign key: a platform-level event may name no tenant. */
    tenantId: nullable(uuid()),
    commandId: references(AcceptedCommandSchema, 'command_id', 'outbox_command_id_fkey'),
    payload: jsonb(),
    publishedAt: nullable(timestamp()),
    deliveredAt: nullable(timestamp()),
    deadLetteredAt: nullable(timestamp()),
    deadLetterReason: nullable(text()),
  },
  {
    indexes: [
      // The relay's work lists: events never published, in order; events published but not delivered, oldest publication first.
      btreeIndex('outbox', 'outbox_unpublished', 'created_at, id', { where: 'published_at IS NULL' }),
      btreeIndex('outbox', 'outbox_undelivered', 'published_at', { where: '(published_at IS NOT NULL) AND (delivered_at IS NULL) AND (dead_lettered_at IS NULL)' }),
      btreeIndex('outbox', 'outbox_dead_lettered', 'dead_lettered_at', { where: 'dead_lettered_at IS NOT NULL' }),
    ],
    checks: [
      { name: 'outbox_dead_letter_reason_check', expression: '(dead_lettered_at IS NULL) = (dead_letter_reason IS NULL)' },
      { name: 'outbox_delivered_or_dead_check', expression: '(delivered_at IS NULL) OR (dead_lettered_at IS NULL)' },
    ],
  },
);
export type OutboxEvent = InferEntity<typeof OutboxEventSchema>;
