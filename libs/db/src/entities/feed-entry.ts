import { InferEntity } from '@mikro-orm/core';
import { money, nullable, references, text, uuid } from './columns';
import { btreeIndex, table } from './table';
import { TenantSchema } from './tenant';
import { UserSchema } from './user';

/** A tenant's activity feed, written by the notification worker once per event. */
export const FeedEntrySchema = table(
  'FeedEntry',
  'feed',
  {
    eventId: uuid().unique('feed_event_id_key'),
    tenantId: references(TenantSchema, 'tenant_id', 'feed_tenant_id_fkey'),
    actorId: references(UserSchema, 'actor_id', 'feed_actor_id_fkey'),
    targetUserId: nullable(references(UserSchema, 'target_user_id', 'feed_target_user_id_fkey')),
    type: text(),
    message: nullable(text()),
    points: money().defaultRaw('0'),
    referenceId: nullable(uuid()),
  },
  {
    checks: [{ name: 'feed_points_check', expression: 'points >= 0' }],
    indexes: [btreeIndex('feed', 'feed_tenant', 'tenant_id, created_at DESC, id DESC')],
  },
);
export type FeedEntry = InferEntity<typeof FeedEntrySchema>;
