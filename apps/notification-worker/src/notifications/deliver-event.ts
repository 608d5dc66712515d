import { EntityManager } from '@mikro-orm/postgresql';
import { Cents, LedgerEvent, toCents } from '@points/contracts';
import { TenantSchema, deadLetterEvent, lockEventForDelivery, markEventDelivered } from '@points/db';
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
 * Delivers one outbox event in one transaction: its feed entry and audit rows
 * are written and the event is marked delivered together, so an event counts
 * as delivered exactly when its rows exist. The event comes from the outbox,
 * never from the job; one whose payload breaks the contract is dead-lettered
 * there with the reason.
 */
export async function deliverEvent(em: EntityManager, eventId: string, defaultLowPoolThreshold: Cents): Promise<Delivery> {
  return em.fork().transactional(async (tx): Promise<Delivery> => {
    const stored = await lockEventForDelivery(tx, eventId);
    if (!stored) return { outcome: 'unknown-event' };
    if (stored.state !== 'pending') return { outcome: 'already-done' };
    const parsed = parseStoredEvent(stored);
    if ('reason' in parsed) {
      await deadLetterEvent(tx, stored.id, parsed.reason);
      return { outcome: 'dead-lettered', reason: parsed.reason };
    }
    const { event } = parsed;
    const threshold = await lowPoolThreshold(tx, event, defaultLowPoolThreshold);
    const rows = notificationRows(event, (tenantId) => (tenantId === event.tenantId ? threshold : defaultLowPoolThreshold));
    const written = await writeNotifications(tx, rows);
    await markEventDelivered(tx, stored.id);
    return { outcome: 'delivered', ...written, lowPool: written.audit > 0 ? rows.lowPool : null };
  });
}

/** The event in the row, if it keeps the contract and is the row's own event; else why not. */
function parseStoredEvent(stored: { id: string; payload: unknown }): { event: LedgerEvent } | { reason: string } {
  const parsed = LedgerEvent.safeParse(stored.payload);
  if (!parsed.success) return { reason: `invalid event: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
  if (parsed.data.eventId !== stored.id) return { reason: `invalid event: eventId: the payload names ${parsed.data.eventId}, not its outbox row` };
  return { event: parsed.data };
}

async function lowPoolThreshold(tx: EntityManager, event: LedgerEvent, fallback: Cents): Promise<Cents> {
  if (!event.tenantId) return fallback;
  const tenant = await tx.findOne(TenantSchema, event.tenantId, { fields: ['lowBalanceThreshold'] });
  return tenant?.lowBalanceThreshold ? toCents(tenant.lowBalanceThreshold) : fallback;
}
