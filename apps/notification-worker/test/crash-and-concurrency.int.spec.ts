import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { insertTenantWithStaff, insertUser, seededRandom } from '@points/testing';
import { NotificationWorld, count, notificationProblems, notificationWorld } from './notification-harness';

const ROOT = resolve(__dirname, '../../..');
const POINTS = ['before-publish', 'after-publish', 'after-write'] as const;

let world: NotificationWorld;
beforeAll(async () => {
  world = await notificationWorld();
});
afterAll(() => world.close());
afterEach(() => world.stopInProcess());

/** A tenant whose pool is funded before anything else is submitted (commands submitted together may apply in any order). */
async function fundedTenant(pool: string) {
  const t = await insertTenantWithStaff(world.em);
  const admin = await insertUser(world.em, 'platform_admin', null);
  await world.submit('allocate', admin, { tenantId: t.tenantId, amount: pool, currency: 'USD', referenceNote: 'start' });
  await commandsFinished();
  return t;
}

async function commandsFinished() {
  for (let i = 0; i < 300; i++) {
    if ((await count(world.em, "SELECT count(*) FROM commands WHERE status IN ('queued', 'processing')")) === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('commands did not finish');
}

/** Runs the crashing child until it dies at its point (or kills it after a while: a crash at an arbitrary point). */
function runUntilCrash(point: string): Promise<{ signal: string | null; crashedAt: string | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/notification-worker/test/fixtures/crashing-notifier.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...world.env, CRASH_AT: point },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let crashedAt: string | null = null;
  child.stdout.on('data', (chunk: Buffer) => {
    const match = /CRASHING_AT (\S+)/.exec(chunk.toString());
    if (match) crashedAt = match[1];
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((done) =>
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      done({ signal, crashedAt });
    }),
  );
}

it('SIGKILLed at each crash point, 20 times on a seeded schedule, then recovered: every event has its feed and audit rows exactly once', async () => {
  const random = seededRandom(4242);
  const t = await fundedTenant('100000');
  await commandsFinished();
  const crashes: string[] = [];

  for (let round = 0; round < 20; round++) {
    const point = POINTS[Math.floor(random() * POINTS.length)];
    for (let i = 0; i < 3 + Math.floor(random() * 4); i++) {
      const recipient = random() < 0.5 ? t.employee : t.employee2;
      if (random() < 0.5) await world.submit('award', t.manager, { userId: recipient.id, amount: '1.00', description: `round ${round}` });
      else await world.submit('recognition', t.hr, { recipientId: recipient.id, points: '2', message: `round ${round}` });
    }
    await commandsFinished();
    const { signal, crashedAt } = await runUntilCrash(point);
    expect(signal).toBe('SIGKILL');
    crashes.push(crashedAt ?? `${point} (killed from outside)`);
  }
  // Every round died exactly where it was told to, and the schedule covered all three points.
  expect(crashes.every((c) => (POINTS as readonly string[]).includes(c))).toBe(true);
  expect(new Set(crashes)).toEqual(new Set(POINTS));

  world.startRelay();
  world.startWorker();
  await world.settle();

  expect(await notificationProblems(world.em)).toEqual([]);
  const events = await count(world.em, 'SELECT count(*) FROM outbox');
  expect(await count(world.em, "SELECT count(*) FROM audit_log WHERE action <> 'pool.low_balance'")).toBe(events);
  expect(await count(world.em, 'SELECT count(*) FROM feed')).toBe(await count(world.em, "SELECT count(*) FROM outbox WHERE event_type IN ('points.awarded', 'recognition.created')"));
}, 240_000);

it('two relays and two notification workers on 1,000 events: still exactly once', async () => {
  const t = await fundedTenant('1000');
  for (let i = 0; i < 1000; i++) {
    await world.submit(i % 2 ? 'award' : 'recognition', t.manager, i % 2 ? { userId: t.employee.id, amount: '0.50' } : { recipientId: t.employee2.id, points: '0.25', message: `#${i}` });
  }
  await commandsFinished();
  world.startRelay();
  world.startRelay();
  world.startWorker();
  world.startWorker();
  await world.settle(120_000);

  expect(await notificationProblems(world.em)).toEqual([]);
  expect(await count(world.em, 'SELECT count(*) FROM feed WHERE tenant_id = ?', [t.tenantId])).toBe(1000);
  expect(await count(world.em, "SELECT count(*) FROM audit_log WHERE tenant_id = ? AND action <> 'pool.low_balance'", [t.tenantId])).toBe(
    await count(world.em, 'SELECT count(*) FROM outbox WHERE tenant_id = ?', [t.tenantId]),
  );
}, 180_000);

