import { EntityManager } from '@mikro-orm/postgresql';
import { LedgerEvent } from '@points/contracts';
import { openTransactionsHorizon } from './open-transactions';

/**
 * The transactional outbox: the ledger appends its events in the same
 * transaction as the balance change; the relay claims unpublished ones, hands
 * them to the queue and marks them published (and hands them again while they
 * stay undelivered); the notification worker marks each delivered in the
 * transaction that writes its feed and audit rows, or dead-letters it. The only
 * code that writes `outbox`.
 */
export async function appendEvents(tx: EntityManager, events: LedgerEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event) => ({ id: event.eventId, event_type: event.type, tenant_id: event.tenantId, command_id: event.commandId, payload: event }));
  await tx.execute(
    `INSERT INTO outbox (id, event_type, tenant_id, command_id, payload)
     SELECT id, event_type, tenant_id, command_id, payload FROM jsonb_populate_recordset(NULL::outbox, ?::jsonb)`,
    [JSON.stringify(rows)],
    'run',
  );
}

/** An event on its way to the notification queue; the job carries only its id. */
export interface EventToPublish {
  id: string;
  eventType: string;
}

/**
 * Events never handed to the queue, oldest first; SKIP LOCKED, so two relays
 * split the backlog instead of sending it twice. `since` (see
 * `unpublishedHorizon`) starts the index scan past the entries of rows already
 * published — dead until vacuum, and each one a heap visit.
 */
export async function claimUnpublishedEvents(tx: EntityManager, limit: number, since?: string): Promise<EventToPublish[]> {
  return tx.execute<EventToPublish[]>(
    `SELECT id, event_type AS "eventType" FROM outbox WHERE published_at IS NULL ${since ? 'AND created_at >= ?::timestamptz' : ''}
      ORDER BY created_at, id LIMIT ? FOR UPDATE SKIP LOCKED`,
    since ? [since, limit] : [limit],
  );
}

/**
 * A time before which no event can still appear unpublished once a claim that
 * follows has drained the outbox (an event's created_at is its transaction's
 * start). Read before the claim, in the relay's transaction. The relay's
 * periodic full claim covers what this cannot see (another role's sessions) and
 * anything skipped while locked by another relay.
 */
export const unpublishedHorizon = openTransactionsHorizon;

/**
 * Events handed to the queue more than `olderThanMs` ago and still neither
 * delivered nor dead-lettered: their job may have been lost (a Redis restart
 * without persistence, a flush), or may still be waiting in a long queue.
 */
export async function claimUndeliveredEvents(tx: EntityManager, olderThanMs: number, limit: number): Promise<EventToPublish[]> {
  return tx.execute<EventToPublish[]>(
    `SELECT id, event_type AS "eventType" FROM outbox
      WHERE published_at < now() - make_interval(secs => ?) AND delivered_at IS NULL AND dead_lettered_at IS NULL
      ORDER BY published_at LIMIT ? FOR UPDATE SKIP LOCKED`,
    [olderThanMs / 1000, limit],
  );
}

/** Handed to the queue (again) now. */
export async function markEventsPublished(tx: EntityManager, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.execute(`UPDATE outbox SET published_at = now() WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`, [JSON.stringify(ids)], 'run');
}

export interface EventForDelivery {
  id: string;
  payload: unknown;
  state: 'pending' | 'delivered' | 'dead-lettered';
}

/** The outbox rows notification jobs name, locked (in id order) until their delivery commits; an id with no row (a forged job) is absent. */
export async function lockEventsForDelivery(tx: EntityManager, eventIds: string[]): Promise<Map<string, EventForDelivery>> {
  const rows = await tx.execute<{ id: string; payload: unknown; delivered: boolean; dead: boolean }[]>(
    `SELECT id, payload, delivered_at IS NOT NULL AS delivered, dead_lettered_at IS NOT NULL AS dead FROM outbox
      WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) ORDER BY id FOR UPDATE`,
    [JSON.stringify(eventIds)],
  );
  return new Map(rows.map((row) => [row.id, { id: row.id, payload: row.payload, state: row.delivered ? 'delivered' : row.dead ? 'dead-lettered' : 'pending' }]));
}

/** Their feed and audit rows are written (call in the transaction that wrote them). */
export async function markEventsDelivered(tx: EntityManager, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await tx.execute(
    `UPDATE outbox SET delivered_at = now(), published_at = coalesce(published_at, now()) WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`,
    [JSON.stringify(eventIds)],
    'run',
  );
}

/** An event that can never be delivered, with the reason an operator reads before replaying it (docs/OPERATIONS.md). */
export async function deadLetterEvent(em: EntityManager, eventId: string, reason: string): Promise<boolean> {
  const result = await em.execute(
    `UPDATE outbox SET dead_lettered_at = now(), dead_letter_reason = ? WHERE id = ? AND delivered_at IS NULL AND dead_lettered_at IS NULL`,
    [reason.slice(0, 2000), eventId],
    'run',
  );
  return ((result as { affectedRows?: number }).affectedRows ?? 0) > 0;
}

export interface OutboxBacklog {
  /** Events not yet handed to the queue, and the age of the oldest in seconds (0 when none wait). */
  unpublished: number;
  lagSeconds: number;
  /** Events handed to the queue whose feed and audit rows are not written yet. */
  undelivered: number;
  deadLettered: number;
}

/** Read for the gauges, each count from its partial index; given up after 2 s (the scrape answers with the last values). */
export async function outboxBacklog(em: EntityManager): Promise<OutboxBacklog> {
  const [row] = await em.fork().transactional(async (tx) => {
    await tx.execute(`SET LOCAL statement_timeout = '2s'`);
    return tx.execute<{ unpublished: string; lag: string | null; undelivered: string; dead: string }[]>(
      `SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL)::text AS unpublished,
              (SELECT extract(epoch FROM now() - min(created_at)) FROM outbox WHERE published_at IS NULL)::text AS lag,
              (SELECT count(*) FROM outbox WHERE published_at IS NOT NULL AND delivered_at IS NULL AND dead_lettered_at IS NULL)::text AS undelivered,
              (SELECT count(*) FROM outbox WHERE dead_lettered_at IS NOT NULL)::text AS dead`,
    );
  });
  return { unpublished: Number(row?.unpublished ?? 0), lagSeconds: Number(row?.lag ?? 0), undelivered: Number(row?.undelivered ?? 0), deadLettered: Number(row?.dead ?? 0) };
}
