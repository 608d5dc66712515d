import { EntityManager } from '@mikro-orm/postgresql';
import { Cents, LedgerEvent, toCents } from '@points/contracts';
import { EventOutcome, readEventsForDelivery, settleEvents } from '@points/db';
import { NotificationRows, notificationRows } from './notification-rows';
import { writeNotifications } from './write-notifications';

export type Delivery =
  | { outcome: 'delivered'; feed: number; audit: number; lowPool: NotificationRows['lowPool'] }
  /** Delivered or dead-lettered before: a repeated job. */
  | { outcome: 'already-done' }
  | { outcome: 'dead-lettered'; reason: string }
  /** No such event in the outbox: a forged job, or one from another deployment. */
  | { outcome: 'unknown-event' };

/**
 * Delivers outbox events in one transaction (the worker's group commit): their
 * outcomes are recorded first — one row per event, so an event another
 * transaction is delivering is waited for and then left alone — and the feed
 * entries and audit rows of those this transaction settled are written
 * set-based, so an event counts as delivered exactly when its rows exist. Each
 * event comes from the outbox, never from the job; one whose payload breaks the
 * contract is dead-lettered there with the reason. Returns one delivery per id,
 * in order.
 */
export async function deliverEvents(em: EntityManager, eventIds: string[], defaultLowPoolThreshold: Cents): Promise<Delivery[]> {
  return em.fork().transactional(async (tx): Promise<Delivery[]> => {
    const stored = await readEventsForDelivery(tx, eventIds);
    const deliveries = new Map<string, Delivery>();
    const outcomes: EventOutcome[] = [];
    const parsedEvents = new Map<string, LedgerEvent>();
    for (const row of stored.values()) {
      if (row.settled) {
        deliveries.set(row.id, { outcome: 'already-done' });
        continue;
      }
      const parsed = parseStoredEvent(row);
      if ('reason' in parsed) outcomes.push({ eventId: row.id, status: 'dead_lettered', reason: parsed.reason });
      else {
        outcomes.push({ eventId: row.id, status: 'delivered' });
        parsedEvents.set(row.id, parsed.event);
      }
    }
    const settledHere = await settleEvents(tx, outcomes);
    const events: LedgerEvent[] = [];
    for (const outcome of outcomes) {
      if (!settledHere.has(outcome.eventId)) deliveries.set(outcome.eventId, { outcome: 'already-done' });
      else if (outcome.status === 'dead_lettered') deliveries.set(outcome.eventId, { outcome: 'dead-lettered', reason: outcome.reason ?? '' });
      else events.push(parsedEvents.get(outcome.eventId) as LedgerEvent);
    }
    const thresholds = await lowPoolThresholds(tx, events);
    const rows = events.map((event) => notificationRows(event, (tenantId) => thresholds.get(tenantId) ?? defaultLowPoolThreshold));
    const written = await writeNotifications(tx, rows);
    events.forEach((event, index) => {
      const { feed, audit } = written[index];
      deliveries.set(event.eventId, { outcome: 'delivered', feed, audit, lowPool: audit > 0 ? rows[index].lowPool : null });
    });
    return eventIds.map((id) => deliveries.get(id) ?? { outcome: 'unknown-event' });
  });
}

/** The event in the row, if it keeps the contract and is the row's own event; else why not. */
function parseStoredEvent(stored: { id: string; payload: unknown }): { event: LedgerEvent } | { reason: string } {
  const parsed = LedgerEvent.safeParse(stored.payload);
  if (!parsed.success) return { reason: `invalid event: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
  if (parsed.data.eventId !== stored.id) return { reason: `invalid event: eventId: the payload names ${parsed.data.eventId}, not its outbox row` };
  return { event: parsed.data };
}

/** The low-pool thresholds tenants set, read once for the whole batch (a tenant without one uses the default). */
async function lowPoolThresholds(tx: EntityManager, events: LedgerEvent[]): Promise<Map<string, Cents>> {
  const tenantIds = [...new Set(events.flatMap((event) => (event.tenantId ? [event.tenantId] : [])))];
  if (tenantIds.length === 0) return new Map();
  const rows = await tx.execute<{ id: string; threshold: string }[]>(
    `SELECT id, low_balance_threshold::text AS threshold FROM tenants
      WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) AND low_balance_threshold IS NOT NULL`,
    [JSON.stringify(tenantIds)],
  );
  return new Map(rows.map((row) => [row.id, toCents(row.threshold)]));
}
