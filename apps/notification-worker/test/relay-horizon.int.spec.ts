import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { reopenHiddenEvents } from '@points/db';
import { insertCommand, insertTenantWithStaff } from '@points/testing';
import { HandedOver } from '../src/outbox/handed-over';
import { relayOutboxBatch } from '../src/outbox/outbox-relay';
import { NotificationWorld, notificationWorld } from './notification-harness';

// The relay reads the events without an outcome from its horizon (every event
// before it has one), over an index nothing rewrites. These pin that no event is
// left behind by it: not one whose transaction was still open, not one whose
// dead letter is deleted for a replay, not one the horizon cannot see (the full
// scan's case) — and that nothing rewrites an event.

let world: NotificationWorld;
let commandId: string;
beforeAll(async () => {
  world = await notificationWorld();
  const t = await insertTenantWithStaff(world.em);
  commandId = await insertCommand(world.em, { type: 'award', tenantId: t.tenantId, issuerId: t.manager.id, payload: {} });
});
afterAll(() => world.close());

const settings = { batchSize: 100, resendAfterMs: 60_000 };
const sql = <T extends object>(text: string, params: unknown[] = [], db: EntityManager = world.em.fork()) => db.execute<T[]>(text, params);
const insertEvent = (db = world.em.fork(), ageSeconds = 0) =>
  sql<{ id: string }>(
    `INSERT INTO outbox_events (id, event_type, command_id, payload, created_at) VALUES (?, 'test.event', ?, '{}', now() - make_interval(secs => ?)) RETURNING id`,
    [randomUUID(), commandId, ageSeconds],
    db,
  ).then(([row]) => row.id);
const handedOver = async (id: string) => (await world.notifications.getJob(id)) !== undefined;
/** Times as microseconds since the epoch, exact. */
const horizon = async () => Number((await sql<{ at: string }>(`SELECT (extract(epoch FROM settled_before) * 1e6)::bigint::text AS at FROM outbox_relay`))[0].at);
const createdAt = async (id: string, db?: EntityManager) =>
  Number((await sql<{ at: string }>(`SELECT (extract(epoch FROM created_at) * 1e6)::bigint::text AS at FROM outbox_events WHERE id = ?`, [id], db))[0].at);
/** What the notification worker records when it cannot deliver an event. */
const deadLetter = (id: string) => sql(`INSERT INTO outbox_outcomes (event_id, status, reason) VALUES (?, 'dead_lettered', 'test')`, [id]);
const deliver = (id: string) => sql(`INSERT INTO outbox_outcomes (event_id, status) VALUES (?, 'delivered')`, [id]);

it('an event whose transaction was open during a pass is handed over by the next pass: the horizon waits for it', async () => {
  const handed = new HandedOver();
  await relayOutboxBatch(world.em, world.notifications, settings, handed);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let lateId = '';
  let lateCreatedAt = 0;
  // A transaction that writes its event now (created_at = its start) and commits after the next pass.
  const late = world.em.fork().transactional(async (tx) => {
    lateId = await insertEvent(tx);
    lateCreatedAt = await createdAt(lateId, tx);
    await held;
  });
  try {
    await new Promise((r) => setTimeout(r, 1_500)); // longer than the horizon's margin
    const early = await insertEvent();
    await deliver(early); // settled at once: only the open transaction can hold the horizon back

    expect(await relayOutboxBatch(world.em, world.notifications, settings, handed)).toBe(0);
    expect(await horizon()).toBeLessThanOrEqual(lateCreatedAt);
  } finally {
    release();
    await late;
  }
  expect(await handedOver(lateId)).toBe(false);
  expect(await relayOutboxBatch(world.em, world.notifications, settings, handed)).toBe(1);
  expect(await handedOver(lateId)).toBe(true);
  await deliver(lateId);
  await new Promise((r) => setTimeout(r, 1_100)); // past the horizon's margin
  await relayOutboxBatch(world.em, world.notifications, settings, handed);
  expect(await horizon()).toBeGreaterThan(await createdAt(lateId));
});

it('an event handed over once is not handed over again on every pass, only after resendAfterMs if its job is gone', async () => {
  let clock = 0;
  const handed = new HandedOver(() => clock);
  const id = await insertEvent();
  expect(await relayOutboxBatch(world.em, world.notifications, settings, handed)).toBe(1);
  expect(await relayOutboxBatch(world.em, world.notifications, settings, handed)).toBe(0);
  await world.notifications.remove(id); // Redis lost the job
  clock += settings.resendAfterMs - 1;
  expect(await relayOutboxBatch(world.em, world.notifications, settings, handed)).toBe(0);
  clock += 1;
  expect(await relayOutboxBatch(world.em, world.notifications, settings, handed)).toBe(1);
  expect(await handedOver(id)).toBe(true);
  await deliver(id);
});

it('deleting a dead letter (the documented replay) moves the horizon back to its event, and the next pass hands it over', async () => {
  const handed = new HandedOver();
  const id = await insertEvent(world.em.fork(), 5); // older than the horizon's margin
  await relayOutboxBatch(world.em, world.notifications, settings, handed);
  await deadLetter(id);
  await world.notifications.remove(id);
  await relayOutboxBatch(world.em, world.notifications, settings, handed); // moves the horizon past it
  expect(await horizon()).toBeGreaterThan(await createdAt(id));

  await sql('DELETE FROM outbox_outcomes WHERE event_id = ?', [id]);
  expect(await horizon()).toBe(await createdAt(id));
  expect(await relayOutboxBatch(world.em, world.notifications, settings, new HandedOver())).toBe(1);
  expect(await handedOver(id)).toBe(true);
  await deliver(id);
});

it('an event behind the horizon the horizon could not see (another role) is found by the full scan', async () => {
  await relayOutboxBatch(world.em, world.notifications, settings, new HandedOver());
  const hidden = await insertEvent(world.em.fork(), 3_600);
  expect(await relayOutboxBatch(world.em, world.notifications, settings, new HandedOver())).toBe(0);
  expect(await handedOver(hidden)).toBe(false);

  expect(await reopenHiddenEvents(world.em.fork())).toBeDefined();
  expect(await horizon()).toBe(await createdAt(hidden));
  expect(await relayOutboxBatch(world.em, world.notifications, settings, new HandedOver())).toBe(1);
  expect(await handedOver(hidden)).toBe(true);
  await deliver(hidden);
  expect(await reopenHiddenEvents(world.em.fork())).toBeUndefined();
});

describe('each fact about an event is written once', () => {
  it('an event is never rewritten: relaying and delivering it leave its row as the ledger wrote it', async () => {
    const id = await insertEvent();
    const xmin = async () => (await sql<{ xmin: string; xmax: string }>('SELECT xmin::text, xmax::text FROM outbox_events WHERE id = ?', [id]))[0];
    const written = await xmin();
    await relayOutboxBatch(world.em, world.notifications, settings, new HandedOver());
    await deliver(id);
    expect((await xmin()).xmin).toBe(written.xmin);
    await expect(sql(`UPDATE outbox_events SET event_type = 'x' WHERE id = ?`, [id])).rejects.toMatchObject({ code: '23001' });
    await expect(sql('DELETE FROM outbox_events WHERE id = ?', [id])).rejects.toMatchObject({ code: '23001' });
    await expect(sql('TRUNCATE outbox_events CASCADE')).rejects.toMatchObject({ code: '23001' });
  });

  it('an event has one outcome; a delivery is history, a dead letter may be deleted (replay), a delivery only under points.redeliver', async () => {
    const id = await insertEvent();
    await deliver(id);
    await expect(deadLetter(id)).rejects.toMatchObject({ code: '23505' });
    await expect(sql(`UPDATE outbox_outcomes SET settled_at = now() WHERE event_id = ?`, [id])).rejects.toMatchObject({ code: '23001' });
    await expect(sql('DELETE FROM outbox_outcomes WHERE event_id = ?', [id])).rejects.toMatchObject({ code: '23001' });
    await world.em.fork().transactional(async (tx) => {
      await tx.execute(`SET LOCAL points.redeliver = 'on'`);
      await tx.execute('DELETE FROM outbox_outcomes WHERE event_id = ?', [id]);
    });
    expect(await sql('SELECT 1 FROM outbox_outcomes WHERE event_id = ?', [id])).toEqual([]);
    await deliver(id);
  });
});
