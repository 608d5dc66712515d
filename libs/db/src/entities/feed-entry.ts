import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { createdAt, money, references, text, uuid } from './columns';
import { IsoTimestamp } from './iso-timestamp.type';

/** A tenant's activity feed, written by the notification worker once per event. */
export interface FeedEntry {
  /** Columns with a DEFAULT: optional in em.create. */
  [OptionalProps]?: 'points' | 'createdAt';
  id: string;
  eventId: string;
  tenantId: string;
  actorId: string;
  targetUserId: string | null;
  type: string;
  message: string | null;
  points: string;
  referenceId: string | null;
  createdAt: IsoTimestamp;
}

export const FeedEntrySchema = new EntitySchema<FeedEntry>({
  name: 'FeedEntry',
  tableName: 'feed',
  properties: {
    id: uuid({ primary: true }),
    eventId: uuid({ unique: 'feed_event_id_key' }),
    tenantId: references('Tenant', 'tenant_id', 'feed_tenant_id_fkey'),
    actorId: references('User', 'actor_id', 'feed_actor_id_fkey'),
    targetUserId: references('User', 'target_user_id', 'feed_target_user_id_fkey', { nullable: true }),
    type: text(),
    message: text({ nullable: true }),
    points: money({ defaultRaw: '0' }),
    referenceId: uuid({ nullable: true }),
    createdAt: createdAt(),
  },
  checks: [{ name: 'feed_points_check', expression: 'points >= 0' }],
  indexes: [{ name: 'feed_tenant', expression: 'CREATE INDEX feed_tenant ON public.feed USING btree (tenant_id, created_at DESC, id DESC)' }],
});
