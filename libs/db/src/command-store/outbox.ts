import { EntityManager } from '@mikro-orm/postgresql';
import { LedgerEvent } from '@points/contracts';
import { openTransactionsHorizon } from './open-transactions';

/**
 * The transactional outbox, each fact written once: the ledger appends its
 * events (`outbox_events`) in the same transaction as the balance change; the
 * relay reads the events without an outcome from its horizon (`outbox_relay`)
 * and hands them to the queue until they have one; the notification worker
 * records each event's outcome (`outbox_outcomes`) in the transaction that
 * writes its feed and audit rows, or dead-letters it. The only code that writes
 * those tables.
 */
export async function appendEvents(tx: EntityManager, events: LedgerEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event) => ({ id: event.eventId, event_type: event.type, tenant_id: event.tenantId, command_id: event.commandId, payload: event }));
  await tx.execute(
    `INSERT INTO outbox_events (id, event_type, tenant_id, command_id, payload)
     SELECT id, event_type, tenant_id, command_id, payload FROM jsonb_populate_recordset(NULL::outbox_events, ?::jsonb)`,
    [JSON.stringify(rows)],
    'run',
  );
}

/** An event on its way to the notification queue; the job carries only its id. */
export interface EventToPublish {
  id: string;
  eventType: string;
  createdAt: string;
}

/**
 * The relay's horizon, locked for this relay's transaction: every event created
 * before it has its outcome. `undefined` when another relay holds it (that relay
 * is reading the same events now; this one has nothing to add).
 */
export async function lockRelayHorizon(tx: EntityManager): Promise<string | undefined> {
  const [row] = await tx.execute<{ settled_before: string }[]>(`SELECT settled_before::text FROM outbox_relay WHERE id = 1 FOR NO KEY UPDATE SKIP LOCKED`);
  return row?.settled_before;
}

/**
 * Events without an outcome created at or after `from` (and after `after`, the
 * last of a previous page), oldest first, at most `limit`. The scan walks an
 * index nothing rewrites, from the horizon, so it reads only events in flight.
 */
export async function unsettledEvents(tx: EntityManager, from: string, limit: number, after?: EventToPublish): Promise<EventToPublish[]> {
  return tx.execute<EventToPublish[]>(
    `SELECT e.id, e.event_type AS "eventType", e.created_at::text AS "createdAt" FROM outbox_events e
      WHERE e.created_at >= ?::timestamptz ${after ? 'AND (e.created_at, e.id) > (?::timestamptz, ?::uuid)' : ''}
        AND NOT EXISTS (SELECT 1 FROM outbox_outcomes o WHERE o.event_id = e.id)
      ORDER BY e.created_at, e.id LIMIT ?`,
    after ? [from, after.createdAt, after.id, limit] : [from, limit],
  );
}

/**
 * A time before which no event can appear without being in a scan that follows
 * (an event's created_at is its transaction's start): read it before the scan,
 * in the relay's transaction. See `openTransactionsHorizon`.
 */
export const eventsHorizon = openTransactionsHorizon;

/**
 * Moves the relay's horizon (locked by `lockRelayHorizon` in this transaction)
 * to the oldest event still without an outcome, or to `openSince` (read by
 * `eventsHorizon` before the scan) when that is earlier or none is left.
 */
export async function moveRelayHorizon(tx: EntityManager, settledBefore: string, oldestUnsettled: string | undefined, openSince: string): Promise<void> {
  await tx.execute(
    `UPDATE outbox_relay SET settled_before = v.at FROM (SELECT least(coalesce(?::timestamptz, 'infinity'), ?::timestamptz) AS at) v
      WHERE id = 1 AND v.at <> ?::timestamptz`,
    [oldestUnsettled ?? null, openSince, settledBefore],
    'run',
  );
}

/**
 * The safety net behind the horizon: an event created before it and still
 * without an outcome (written by a transaction the horizon could not see: another
 * database role's) moves the horizon back to it. Reads every event before the
 * horizon — run it rarely. Returns the new horizon when it moved.
 */
export async function reopenHiddenEvents(em: EntityManager): Promise<string | undefined> {
  const [row] = await em.execute<{ settled_before: string }[]>(
    `WITH hidden AS (
       SELECT min(e.created_at) AS at FROM outbox_events e, outbox_relay r
        WHERE e.created_at < r.settled_before AND NOT EXISTS (SELECT 1 FROM outbox_outcomes o WHERE o.event_id = e.id))
     UPDATE outbox_relay r SET settled_before = h.at FROM hidden h
      WHERE r.id = 1 AND h.at < r.settled_before
     RETURNING r.settled_before::text`,
  );
  return row?.settled_before;
}

export interface EventForDelivery {
  id: string;
  payload: unknown;
  /** It has an outcome already: a repeated job. */
  settled: boolean;
}

/** The events notification jobs name, with whether they are settled; an id with no event (a forged job) is absent. */
export async function readEventsForDelivery(tx: EntityManager, eventIds: string[]): Promise<Map<string, EventForDelivery>> {
  const rows = await tx.execute<{ id: string; payload: unknown; settled: boolean }[]>(
    `SELECT e.id, e.payload, EXISTS (SELECT 1 FROM outbox_outcomes o WHERE o.event_id = e.id) AS settled FROM outbox_events e
      WHERE e.id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`,
    [JSON.stringify(eventIds)],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

export interface EventOutcome {
  eventId: string;
  status: 'delivered' | 'dead_lettered';
  reason?: string;
}

/**
 * Records outcomes, each at most once: returns the ids this call recorded. An
 * event settled meanwhile by another transaction (a concurrent delivery of the
 * same event waits here until that one commits) is left out, and the caller
 * writes nothing for it. Call in the transaction that writes the feed and audit rows.
 */
export async function settleEvents(tx: EntityManager, outcomes: EventOutcome[]): Promise<Set<string>> {
  if (outcomes.length === 0) return new Set();
  const rows = outcomes
    .map((outcome) => ({ event_id: outcome.eventId, status: outcome.status, reason: outcome.reason === undefined ? null : outcome.reason.slice(0, 2000) }))
    .sort((a, b) => a.event_id.localeCompare(b.event_id));
  const recorded = await tx.execute<{ event_id: string }[]>(
    `INSERT INTO outbox_outcomes (event_id, status, reason)
     SELECT event_id, status, reason FROM jsonb_populate_recordset(NULL::outbox_outcomes, ?::jsonb)
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [JSON.stringify(rows)],
  );
  return new Set(recorded.map((row) => row.event_id));
}

/** An event that can never be delivered, with the reason an operator reads before replaying it (docs/OPERATIONS.md); false if it was settled already. */
export async function deadLetterEvent(em: EntityManager, eventId: string, reason: string): Promise<boolean> {
  return (await settleEvents(em, [{ eventId, status: 'dead_lettered', reason }])).size > 0;
}

export interface OutboxBacklog {
  /** Events without an outcome, and the age of the oldest in seconds (0 when none wait). */
  undelivered: number;
  lagSeconds: number;
  deadLettered: number;
}

/** Read for the gauges, from the relay's horizon on; given up after 2 s (the scrape answers with the last values). */
export async function outboxBacklog(em: EntityManager): Promise<OutboxBacklog> {
  const [row] = await em.fork().transactional(async (tx) => {
    await tx.execute(`SET LOCAL statement_timeout = '2s'`);
    return tx.execute<{ undelivered: string; lag: string | null; dead: string }[]>(
      `WITH unsettled AS (
         SELECT e.created_at FROM outbox_events e, outbox_relay r
          WHERE e.created_at >= r.settled_before AND NOT EXISTS (SELECT 1 FROM outbox_outcomes o WHERE o.event_id = e.id))
       SELECT (SELECT count(*) FROM unsettled)::text AS undelivered,
              (SELECT extract(epoch FROM now() - min(created_at)) FROM unsettled)::text AS lag,
              (SELECT count(*) FROM outbox_outcomes WHERE status = 'dead_lettered')::text AS dead`,
    );
  });
  return { undelivered: Number(row?.undelivered ?? 0), lagSeconds: Math.max(0, Number(row?.lag ?? 0)), deadLettered: Number(row?.dead ?? 0) };
}
