import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { createdAt, jsonb, references, text, timestamp, uuid } from './columns';
import { IsoTimestamp } from './iso-timestamp.type';

/** Transactional outbox: written with the balance change, relayed afterwards. */
export interface OutboxEvent {
  /** Columns with a DEFAULT: optional in em.create. */
  [OptionalProps]?: 'createdAt';
  id: string;
  eventType: string;
  /** No foreign key: a platform-level event may name no tenant. */
  tenantId: string | null;
  commandId: string;
  payload: Record<string, unknown>;
  createdAt: IsoTimestamp;
  publishedAt: IsoTimestamp | null;
}

export const OutboxEventSchema = new EntitySchema<OutboxEvent>({
  name: 'OutboxEvent',
  tableName: 'outbox',
  properties: {
    id: uuid({ primary: true }),
    eventType: text(),
    tenantId: uuid({ nullable: true }),
    commandId: references('CommandRecord', 'command_id', 'outbox_command_id_fkey'),
    payload: jsonb(),
    createdAt: createdAt(),
    publishedAt: timestamp({ nullable: true }),
  },
  indexes: [
    // The relay's work list, in order: only unpublished events are indexed.
    { name: 'outbox_unpublished', expression: 'CREATE INDEX outbox_unpublished ON public.outbox USING btree (created_at, id) WHERE (published_at IS NULL)' },
  ],
});
