import { randomUUID } from 'node:crypto';
import { insertCommand, insertTenantWithStaff } from '@points/testing';
import { ClaimStart, relayOutboxBatch } from '../src/outbox/outbox-relay';
import { NotificationWorld, notificationWorld } from './notification-harness';

// The relay starts each claim at the horizon of the last claim that drained the
// outbox, past the dead index entries of published rows. These pin that no
// event is left behind by it: not one whose transaction was still open, not one
// set back to unpublished (a replay), which the periodic full claim picks up.

let world: NotificationWorld;
let commandId: string;
beforeAll(async () => {
  world = await notificationWorld();
  const t = await insertTenantWithStaff(world.em);
  commandId = await insertCommand(world.em, { type: 'award', tenantId: t.tenantId, issuerId: t.manager.id, payload: {} });
});
afterAll(() => world.close());

const settings = { batchSize: 100, resendAfterMs: 60_000 };
const insertEvent = (db = world.em.fork(), ageSeconds = 0) =>
  db
    .execute<{ id: string }[]>(`INSERT INTO outbox (id, event_type, command_id, payload, created_at) VALUES (?, 'test.event', ?, '{}', now() - make_interval(secs => ?)) RETURNING id`, [
      randomUUID(),
      commandId,
      ageSeconds,
    ])
    .then(([row]) => row.id);
const published = async (id: string) => (await world.em.fork().execute<{ p: boolean }[]>('SELECT published_at IS NOT NULL AS p FROM outbox WHERE id = ?', [id]))[0].p;

it('an event whose transaction was open while a claim drained the outbox is claimed by the next claim from the horizon', async () => {
  const start = new ClaimStart(60_000);
  await relayOutboxBatch(world.em, world.notifications, settings, start); // the first claim is a full one
  await insertEvent();
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let lateId = '';
  // A transaction that writes its event now (created_at = its start) and commits after the next claim.
  const late = world.em.fork().transactional(async (tx) => {
    lateId = await insertEvent(tx);
    await held;
  });
  await new Promise((r) => setTimeout(r, 1_500)); // longer than the horizon's margin
  const early = await insertEvent();

  expect(await relayOutboxBatch(world.em, world.notifications, settings, start)).toBeGreaterThanOrEqual(2);
  expect(await published(early)).toBe(true);
  release();
  await late;
  expect(await published(lateId)).toBe(false);

  expect(start.next()).toBeDefined(); // not a full claim
  expect(await relayOutboxBatch(world.em, world.notifications, settings, start)).toBe(1);
  expect(await published(lateId)).toBe(true);
});

it('an event set back to unpublished behind the horizon is claimed by the next full claim', async () => {
  let clock = 0;
  const start = new ClaimStart(10_000, () => clock);
  const id = await insertEvent(world.em.fork(), 5); // older than the horizon's margin
  await relayOutboxBatch(world.em, world.notifications, settings, start);
  expect(await published(id)).toBe(true);
  await relayOutboxBatch(world.em, world.notifications, settings, start); // moves the horizon past it
  await world.notifications.remove(id);
  await world.em.fork().execute('UPDATE outbox SET published_at = NULL WHERE id = ?', [id]); // as the documented replay does

  clock += 9_999;
  expect(start.next()).toBeDefined();
  expect(await relayOutboxBatch(world.em, world.notifications, settings, start)).toBe(0);
  clock += 1;
  expect(start.next()).toBeUndefined();
  expect(await relayOutboxBatch(world.em, world.notifications, settings, start)).toBe(1);
  expect(await published(id)).toBe(true);
});
