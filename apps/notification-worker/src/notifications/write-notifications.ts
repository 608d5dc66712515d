import { EntityManager } from '@mikro-orm/postgresql';
import { NotificationRows } from './notification-rows';

/**
 * Writes events' feed entries and audit rows, in the caller's transaction, one
 * INSERT per table for the whole batch. The unique event_id makes a second
 * delivery of the same event a no-op: exactly once is enforced by the database,
 * not by this code remembering anything. Raw SQL on purpose: ON CONFLICT
 * (event_id) DO NOTHING is the point, and RETURNING says what was new. Returns,
 * per event in order, how many of its rows were new.
 */
export async function writeNotifications(tx: EntityManager, events: NotificationRows[]): Promise<{ feed: number; audit: number }[]> {
  const feedRows = events.flatMap((rows) => (rows.feed ? [rows.feed] : []));
  const auditRows = events.flatMap((rows) => rows.audit);
  const newFeed = feedRows.length === 0 ? new Set<string>() : await insertNew(tx, 'feed', FEED_COLUMNS, feedRows);
  const newAudit = auditRows.length === 0 ? new Set<string>() : await insertNew(tx, 'audit_log', AUDIT_COLUMNS, auditRows);
  return events.map((rows) => ({
    feed: rows.feed && newFeed.has(rows.feed.id) ? 1 : 0,
    audit: rows.audit.filter((row) => newAudit.has(row.id)).length,
  }));
}

const FEED_COLUMNS = 'id, event_id, tenant_id, actor_id, target_user_id, type, message, points, reference_id, created_at';
const AUDIT_COLUMNS = 'id, event_id, tenant_id, actor_id, action, entity_type, entity_id, before, after, request_id, created_at';

/** Inserts the rows that are new (by event_id); returns their ids. */
async function insertNew(tx: EntityManager, table: 'feed' | 'audit_log', columns: string, rows: { id: string }[]): Promise<Set<string>> {
  const inserted = await tx.execute<{ id: string }[]>(
    `INSERT INTO ${table} (${columns})
     SELECT ${columns} FROM jsonb_populate_recordset(NULL::${table}, ?::jsonb)
     ON CONFLICT (event_id) DO NOTHING
     RETURNING id`,
    [JSON.stringify(rows)],
  );
  return new Set(inserted.map((row) => row.id));
}
