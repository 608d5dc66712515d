import { EntityManager } from '@mikro-orm/postgresql';
import { Cents, LedgerEvent, toCents } from '@points/contracts';
import { deadLetterEvent, lockEventsForDelivery, markEventsDelivered } from '@points/db';
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
 * feed entries and audit rows are written set-based and the events marked
 * delivered together, so an event counts as delivered exactly when its rows
 * exist. Each event comes from the outbox, never from the job; one whose
 * payload breaks the contract is dead-lettered there with the reason. Returns
 * one delivery per id, in order.
 */
export async function deliverEvents(em: EntityManager, eventIds: string[], defaultLowPoolThreshold: Cents): Promise<Delivery[]> {
  return em.fork().transactional(async (tx): Promise<Delivery[]> => {
    const stored = await lockEventsForDelivery(tx, eventIds);
    const deliveries = new Map<string, Delivery>();
    const events: LedgerEvent[] = [];
    for (const row of stored.values()) {
      if (row.state !== 'pending') {
        deliveries.set(row.id, { outcome: 'already-done' });
        continue;
      }
      const parsed = parseStoredEvent(row);
      if ('reason' in parsed) {
        await deadLetterEvent(tx, row.id, parsed.reason);
        deliveries.set(row.id, { outcome: 'dead-lettered', reason: parsed.reason });
      } else events.push(parsed.event);
    }
    const thresholds = await lowPoolThresholds(tx, events);
    const rows = events.map((event) => notificationRows(event, (tenantId) => thresholds.get(tenantId) ?? defaultLowPoolThreshold));
    const written = await writeNotifications(tx, rows);
    await markEventsDelivered(
      tx,
      events.map((event) => event.eventId),
    );
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
