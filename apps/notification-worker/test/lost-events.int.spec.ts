import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { readForScrape } from '@points/ops';
import { PrivatePostgres, PrivateRedis, insertEmployees, insertTenantWithStaff, insertUser, startPrivatePostgres, startPrivateRedis } from '@points/testing';
import { registerOutboxGauges } from '../src/outbox/outbox-gauges';
import { NotificationWorld, count, notificationProblems, notificationWorld } from './notification-harness';

/**
 * Invariant 5 when the queue loses its jobs or the database goes away: an event
 * counts as delivered only once its feed and audit rows are written, and the
 * relay sends again whatever stays undelivered. Redis and PostgreSQL here are
 * private servers; OUTAGE_SECONDS=300 reproduces the 5-minute outage of
 * docs/RELIABILITY.md.
 */
const OUTAGE_MS = Number(process.env.OUTAGE_SECONDS ?? 10) * 1000;
const AWARDS = 100;

let redis: PrivateRedis;
let pg: PrivatePostgres;
let world: NotificationWorld;
let t: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let employees: { id: string }[];

beforeAll(async () => {
  redis = await startPrivateRedis();
  pg = await startPrivatePostgres();
  world = await notificationWorld({ redisUrl: redis.url, postgresUrl: pg.url });
  t = await insertTenantWithStaff(world.em);
  employees = await insertEmployees(world.em, t.tenantId, 20);
  const admin = await insertUser(world.em, 'platform_admin', null);
  await world.submit('allocate', admin, { tenantId: t.tenantId, amount: '100000.00', currency: 'USD', referenceNote: 'start' });
  world.startRelay();
  world.startWorker();
  await world.settle();
  await world.stopInProcess();
}, 60_000);
afterAll(async () => {
  await world?.close();
  await redis?.kill();
  await pg?.destroy();
});
afterEach(() => world.stopInProcess());

async function pending() {
  const [row] = await world.em.fork().execute<{ open: string }[]>(`SELECT (SELECT count(*) FROM commands WHERE status IN ('queued', 'processing'))::text AS open`);
  return { open: Number(row.open), queued: (await world.notifications.getJobCounts('waiting')).waiting };
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Awards applied by the ledger and their events handed to the queue, with no notification worker running: a backlog in Redis. */
async function queuedBacklog(): Promise<string[]> {
  world.startRelay();
  const ids: string[] = [];
  for (let i = 0; i < AWARDS; i++) ids.push(await world.submit('award', t.manager, { userId: employees[i % employees.length].id, amount: '1.00', description: `award ${i}` }));
  await waitFor(async () => {
    const p = await pending();
    return p.open === 0 && p.queued === AWARDS;
  });
  expect(await world.notifications.getJobCounts('waiting')).toEqual({ waiting: AWARDS });
  return ids;
}

async function expectEveryAwardInTheFeed(ids: string[]) {
  expect(await count(world.em, `SELECT count(*) FROM feed f JOIN outbox o ON o.id = f.event_id WHERE o.command_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`, [JSON.stringify(ids)])).toBe(ids.length);
  expect(await notificationProblems(world.em)).toEqual([]);
}

it('Redis flushed with a backlog of notification jobs: every event is sent again and delivered once', async () => {
  const ids = await queuedBacklog();
  const client = new Redis(redis.url);
  await client.flushall();
  client.disconnect();

  world.startWorker();
  await world.settle();
  await expectEveryAwardInTheFeed(ids);
});

it('Redis restarted without persistence with a backlog: every event is sent again and delivered once', async () => {
  const ids = await queuedBacklog();
  await redis.kill();
  await redis.restart();

  world.startWorker();
  await world.settle();
  await expectEveryAwardInTheFeed(ids);
});

it('PostgreSQL stopped while the worker delivers a backlog, for longer than a defect’s attempts: every event is delivered once it is back', async () => {
  const ids = await queuedBacklog();
  const registry = new Registry();
  registerOutboxGauges(registry, world.em);
  await registry.metrics();
  await pg.stop();
  // Two attempts for a defect, a second between retries: the old policy gave up within seconds.
  world.startWorker({ retry: { baseDelayMs: 200, maxDelayMs: 1000, maxAttempts: 2 } });
  // The outbox gauges still answer a scrape, with their last values, while the database is gone.
  const scrape = await readForScrape(() => registry.metrics(), 10_000);
  expect(scrape).toMatch(/points_outbox_undelivered \d/);
  await new Promise((r) => setTimeout(r, OUTAGE_MS));
  await pg.start();

  await world.settle(120_000);
  await expectEveryAwardInTheFeed(ids);
  expect(await count(world.em, 'SELECT count(*) FROM outbox WHERE dead_lettered_at IS NOT NULL')).toBe(0);
}, 60_000 + 3 * OUTAGE_MS);
