import { randomUUID } from 'node:crypto';
import { toCents } from '@points/contracts';
import { insertTenantWithStaff, insertUser } from '@points/testing';
import { deliverEvents } from '../src/notifications/deliver-events';
import { NotificationWorld, count, notificationWorld, removePlantedEvent } from './notification-harness';

// The notification worker delivers the events of the jobs in hand in one
// transaction. Without the relay here, the events stay in the outbox until the
// test hands them over itself, as a batch.

let world: NotificationWorld;
beforeAll(async () => {
  world = await notificationWorld();
});
afterAll(() => world.close());

async function waitForEvents(commandIds: string[]): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const rows = await world.em.fork().execute<{ id: string; command_id: string }[]>('SELECT id, command_id FROM outbox WHERE command_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)', [JSON.stringify(commandIds)]);
    if (rows.length >= commandIds.length) return commandIds.map((id) => rows.find((row) => row.command_id === id)?.id as string);
    if (Date.now() > deadline) throw new Error('the ledger wrote no events');
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('one batch: each event gets its own outcome, the good ones their rows, each tenant its own low-pool threshold read once', async () => {
  const [a, b] = [await insertTenantWithStaff(world.em), await insertTenantWithStaff(world.em)];
  // Tenant a watches its pool at 450.00; tenant b uses the default (100.00).
  await world.em.fork().execute('UPDATE tenants SET low_balance_threshold = 450 WHERE id = ?', [a.tenantId]);
  const admin = await insertUser(world.em, 'platform_admin', null);
  const funds = [await world.submit('allocate', admin, { tenantId: a.tenantId, amount: '500', currency: 'USD', referenceNote: 'a' }), await world.submit('allocate', admin, { tenantId: b.tenantId, amount: '500', currency: 'USD', referenceNote: 'b' })];
  await waitForEvents(funds);
  const awards = [await world.submit('award', a.manager, { userId: a.employee.id, amount: '60' }), await world.submit('award', b.manager, { userId: b.employee.id, amount: '60' })];
  const [awardA, awardB] = await waitForEvents(awards);
  const [fundA, fundB] = await waitForEvents(funds);
  const [bad] = await world.em.fork().execute<{ id: string }[]>(
    `INSERT INTO outbox_events (id, event_type, tenant_id, command_id, payload) VALUES (gen_random_uuid(), 'points.awarded', ?, ?, '{"type": "points.awarded"}') RETURNING id`,
    [a.tenantId, awards[0]],
  );
  const forged = randomUUID();

  const deliveries = await deliverEvents(world.em, [fundA, awardA, forged, bad.id, fundB, awardB, awardA], toCents('100.00'));

  expect(deliveries.map((d) => d.outcome)).toEqual(['delivered', 'delivered', 'unknown-event', 'dead-lettered', 'delivered', 'delivered', 'delivered']);
  expect(deliveries[1]).toEqual({ outcome: 'delivered', feed: 1, audit: 2, lowPool: { tenantId: a.tenantId, balance: '440.00', threshold: '450.00' } });
  expect(deliveries[5]).toEqual({ outcome: 'delivered', feed: 1, audit: 1, lowPool: null });
  expect(await count(world.em, 'SELECT count(*) FROM feed WHERE event_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)', [JSON.stringify([awardA, awardB])])).toBe(2);
  expect(await count(world.em, 'SELECT count(*) FROM audit_log WHERE tenant_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)', [JSON.stringify([a.tenantId, b.tenantId])])).toBe(5);
  expect(await count(world.em, 'SELECT count(*) FROM outbox WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) AND delivered_at IS NOT NULL', [JSON.stringify([fundA, awardA, fundB, awardB])])).toBe(4);
  expect(await count(world.em, 'SELECT count(*) FROM outbox WHERE id = ? AND dead_lettered_at IS NOT NULL', [bad.id])).toBe(1);

  // The same batch again writes nothing.
  const again = await deliverEvents(world.em, [fundA, awardA, forged, bad.id, fundB, awardB], toCents('100.00'));
  expect(again.map((d) => d.outcome)).toEqual(['already-done', 'already-done', 'unknown-event', 'already-done', 'already-done', 'already-done']);
  expect(await count(world.em, 'SELECT count(*) FROM audit_log WHERE tenant_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)', [JSON.stringify([a.tenantId, b.tenantId])])).toBe(5);
  await removePlantedEvent(world.em, bad.id);
});
