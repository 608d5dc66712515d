import { randomUUID } from 'node:crypto';
import { insertTenant, insertUser } from '@points/testing';
import { databaseMigratedTo } from './migration-harness';

// Migration 20261124080000 splits an outbox event into the event and what became
// of it. On a database that already holds events in every state, the `outbox`
// view must show each delivery and dead letter as the table did, the relay's
// horizon must start at the oldest event without an outcome, and going down must
// give the table back.

const BEFORE = 'Migration20261124070000_command_outcomes';
const COLUMNS = `id, event_type, tenant_id, command_id, payload, created_at::text, delivered_at::text, dead_lettered_at::text, dead_letter_reason`;

const { em, sql, up, down } = databaseMigratedTo(BEFORE);

it('every event reads the same through the view after the migration, and the same from the table after going down', async () => {
  const tenantId = await insertTenant(em());
  const manager = await insertUser(em(), 'tenant_manager', tenantId);
  // As the release before this migration stored it (today's command store writes columns added since).
  const commandId = randomUUID();
  await sql(`INSERT INTO accepted_commands (id, type, tenant_id, issuer_id, payload) VALUES (?, 'award', ?, ?, '{}')`, [commandId, tenantId, manager.id]);
  const states = {
    unpublished: { minutesAgo: 50, set: '' },
    published: { minutesAgo: 40, set: 'published_at = now()' },
    delivered: { minutesAgo: 30, set: 'published_at = now(), delivered_at = now()' },
    deadLettered: { minutesAgo: 20, set: `published_at = now(), dead_lettered_at = now(), dead_letter_reason = 'invalid event'` },
  };
  const ids: Record<string, string> = {};
  for (const [state, { minutesAgo, set }] of Object.entries(states)) {
    ids[state] = randomUUID();
    await sql(`INSERT INTO outbox (id, event_type, tenant_id, command_id, payload, created_at) VALUES (?, 'points.awarded', ?, ?, ?, now() - make_interval(mins => ?))`, [
      ids[state],
      tenantId,
      commandId,
      JSON.stringify({ state }),
      minutesAgo,
    ]);
    if (set) await sql(`UPDATE outbox SET ${set} WHERE id = ?`, [ids[state]]);
  }
  const before = await sql(`SELECT ${COLUMNS} FROM outbox ORDER BY created_at`);

  await up();
  expect(await sql(`SELECT ${COLUMNS} FROM outbox ORDER BY created_at`)).toEqual(before);
  expect(await sql(`SELECT event_id, status, reason FROM outbox_outcomes ORDER BY status`)).toEqual([
    { event_id: ids.deadLettered, status: 'dead_lettered', reason: 'invalid event' },
    { event_id: ids.delivered, status: 'delivered', reason: null },
  ]);
  // The relay's horizon starts at the oldest event without an outcome: the unpublished one.
  expect(await sql(`SELECT (SELECT settled_before FROM outbox_relay) = (SELECT created_at FROM outbox_events WHERE id = ?) AS at_oldest`, [ids.unpublished])).toEqual([{ at_oldest: true }]);

  await down();
  const after = await sql<Record<string, unknown>>(`SELECT ${COLUMNS}, published_at IS NOT NULL AS published FROM outbox ORDER BY created_at`);
  expect(after.map(({ published: _published, ...event }) => event)).toEqual(before);
  // Back down, everything without an outcome is unpublished: the old relay hands it over again (a job id per event keeps it once).
  expect(after.map((event) => event.published)).toEqual([false, false, true, true]);
});
