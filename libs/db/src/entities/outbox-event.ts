import { InferEntity } from '@mikro-orm/core';
import { jsonb, nullable, references, text, timestamp, uuid } from './columns';
import { CommandRecordSchema } from './command-record';
import { btreeIndex, table } from './table';

/** Transactional outbox: written with the balance change, relayed afterwards. */
export const OutboxEventSchema = table(
  'OutboxEvent',
  'outbox',
  {
    eventType: text(),
    /** No foreign key: a platform-level event may name no tenant. */
    tenantId: nullable(uuid()),
    commandId: references(CommandRecordSchema, 'command_id', 'outbox_command_id_fkey'),
    payload: jsonb(),
    publishedAt: nullable(timestamp()),
  },
  {
    // The relay's work list, in order: only unpublished events are indexed.
    indexes: [btreeIndex('outbox', 'outbox_unpublished', 'created_at, id', { where: 'published_at IS NULL' })],
  },
);
export type OutboxEvent = InferEntity<typeof OutboxEventSchema>;
