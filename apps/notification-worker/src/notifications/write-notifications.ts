import { EntityManager } from '@mikro-orm/postgresql';
import { NotificationRows } from './notification-rows';

/**
 * Writes an event's feed entry and audit rows, in the caller's transaction. The
 * unique event_id makes a second delivery of the same event a no-op: exactly
 * once is enforced by the database, not by this code remembering anything. Raw
 * SQL on purpose: ON CONFLICT (event_id) DO NOTHING is the point, and it reports
 * what was new.
 */
export async function writeNotifications(tx: EntityManager, rows: NotificationRows): Promise<{ feed: number; audit: number }> {
  let feed = 0;
  if (rows.feed) {
    const result = await tx.execute(
      `INSERT INTO feed (id, event_id, tenant_id, actor_id, target_user_id, type, message, points, reference_id, created_at)
       SELECT id, event_id, tenant_id, actor_id, target_user_id, type, message, points, reference_id, created_at
         FROM jsonb_populate_record(NULL::feed, ?::jsonb)
       ON CONFLICT (event_id) DO NOTHING`,
      [JSON.stringify(rows.feed)],
      'run',
    );
    feed = (result as { affectedRows?: number }).affectedRows ?? 0;
  }
  const result = await tx.execute(
    `INSERT INTO audit_log (id, event_id, tenant_id, actor_id, action, entity_type, entity_id, before, after, request_id, created_at)
     SELECT id, event_id, tenant_id, actor_id, action, entity_type, entity_id, before, after, request_id, created_at
       FROM jsonb_populate_recordset(NULL::audit_log, ?::jsonb)
     ON CONFLICT (event_id) DO NOTHING`,
    [JSON.stringify(rows.audit)],
    'run',
  );
  return { feed, audit: (result as { affectedRows?: number }).affectedRows ?? 0 };
}
