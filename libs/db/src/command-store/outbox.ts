import { EntityManager } from '@mikro-orm/postgresql';
import { LedgerEvent } from '@points/contracts';

/**
 * The transactional outbox: the ledger appends its events in the same
 * transaction as the balance change; the relay claims unpublished ones, hands
 * them to the queue and marks them published. The only code that writes `outbox`.
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

export interface UnpublishedEvent {
  id: string;
  eventType: string;
  payload: unknown;
}

/** Oldest first; SKIP LOCKED, so two relays split the backlog instead of sending it twice. */
export async function claimUnpublishedEvents(tx: EntityManager, limit: number): Promise<UnpublishedEvent[]> {
  return tx.execute<UnpublishedEvent[]>(
    `SELECT id, event_type AS "eventType", payload FROM outbox WHERE published_at IS NULL
      ORDER BY created_at, id LIMIT ? FOR UPDATE SKIP LOCKED`,
    [limit],
  );
}

export async function markEventsPublished(tx: EntityManager, ids: string[]): Promise<void> {
  await tx.execute(`UPDATE outbox SET published_at = now() WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`, [JSON.stringify(ids)], 'run');
}

/** How many events wait to be relayed, and the age of the oldest (0 when none wait). */
export async function outboxBacklog(em: EntityManager): Promise<{ unpublished: number; lagSeconds: number }> {
  const [row] = await em.fork().execute<{ unpublished: string; lag: string | null }[]>(
    `SELECT count(*)::text AS unpublished, extract(epoch FROM now() - min(created_at))::text AS lag FROM outbox WHERE published_at IS NULL`,
  );
  return { unpublished: Number(row?.unpublished ?? 0), lagSeconds: Number(row?.lag ?? 0) };
}
