import { InferEntity, defineEntity } from '@mikro-orm/core';
import { jsonb, nullable, oneOf, references, text, timestamp, uuid } from './columns';
import { AcceptedCommandSchema } from './accepted-command';
import { btreeIndex, horizonRow, table } from './table';

/**
 * Transactional outbox: an event written with the balance change, relayed
 * afterwards. Inserted once, never changed; what became of it is its outcome
 * (`outbox_outcomes`), and the `outbox` view shows the two together.
 */
export const OutboxEventSchema = table(
  'OutboxEvent',
  'outbox_events',
  {
    eventType: text(),
    /** No foreign key: a platform-level event may name no tenant. */
    tenantId: nullable(uuid()),
    commandId: references(AcceptedCommandSchema, 'command_id', 'outbox_events_command_id_fkey'),
    payload: jsonb(),
  },
  {
    // The relay walks events in creation order from its horizon (outbox_relay).
    indexes: [btreeIndex('outbox_events', 'outbox_events_created_at', 'created_at, id')],
  },
);
export type OutboxEvent = InferEntity<typeof OutboxEventSchema>;

/** What became of an event: delivered (its feed and audit rows are written) or dead-lettered, and why. One row per event. */
export const OutboxOutcomeSchema = defineEntity({
  name: 'OutboxOutcome',
  tableName: 'outbox_outcomes',
  properties: {
    eventId: references(OutboxEventSchema, 'event_id', 'outbox_outcomes_event_id_fkey').primary(),
    status: oneOf(['delivered', 'dead_lettered']),
    reason: nullable(text()),
    settledAt: timestamp().defaultRaw('now()'),
  },
  checks: [{ name: 'outbox_outcomes_reason_check', expression: `(status = 'dead_lettered') = (reason IS NOT NULL)` }],
  indexes: [btreeIndex('outbox_outcomes', 'outbox_outcomes_dead_lettered', 'settled_at', { where: `status = 'dead_lettered'::text` })],
});
export type OutboxOutcomeRecord = InferEntity<typeof OutboxOutcomeSchema>;

/** The relay's horizon: every event created before `settled_before` has its outcome. One row. */
export const OutboxRelaySchema = horizonRow('OutboxRelay', 'outbox_relay', 'settledBefore');
