import { setTimeout as sleep } from 'node:timers/promises';
import { EntityManager } from '@mikro-orm/postgresql';
import pino from 'pino';
import { createHoldExpiryQueue, createRedis } from '@points/queue';
import { TestDatabase, createTestDatabase, insertCommand, testRedisUrl } from '@points/testing';
import { applyCommands } from '../src/ledger/apply-commands';
import { startHoldExpirySweep, startHoldExpiryWorker } from '../src/holds/hold-expiry-worker';
import { TEST_RETRY, workerHarness } from './worker-harness';
import { fundedTenant, run, settingsWith } from './ledger-harness';

// The hold's expiry end to end on real Redis: the command worker schedules the
// delayed job once the hold commits, the hold-expiry worker releases it when it
// fires; the sweep releases one whose job never existed.

let db: TestDatabase;
const em = () => db.orm.em as EntityManager;
const harness = workerHarness(em);
const silent = pino({ level: 'silent' });

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await harness.close();
  await db.drop();
});

const decisionOf = async (holdId: string) => (await em().fork().execute('SELECT decision FROM award_hold_decisions WHERE hold_id = ?', [holdId]))[0]?.decision;
const held = async (tenantId: string) => (await em().fork().execute('SELECT points_held FROM tenants WHERE id = ?', [tenantId]))[0].points_held;

async function until(check: () => Promise<boolean>, ms = 15_000) {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(100)) if (await check()) return;
  throw new Error('timed out');
}

it('the command worker schedules the expiry job for the end of the window; when it fires, the hold is released, once', async () => {
  const t = await fundedTenant(em());
  await run(em(), 'update_settings', t.manager, settingsWith({ approvals: { threshold: '10', windowHours: 1 } }));
  const queueRedis = createRedis(testRedisUrl(), 'worker');
  const holdExpiry = createHoldExpiryQueue(queueRedis, harness.prefix);
  // The ledger's clock a little under an hour behind: the hour-long window ends in about 3 s.
  harness.startWorker({ holdExpiry, apply: { now: () => new Date(Date.now() - 3_600_000 + 3_000) } });
  const expiryRedis = createRedis(testRedisUrl(), 'worker');
  const expiryWorker = startHoldExpiryWorker({ connection: expiryRedis, prefix: harness.prefix, concurrency: 2, retry: TEST_RETRY, em: em(), logger: silent });
  try {
    const award = await harness.submit('award', t.manager, { userId: t.employee.id, amount: '50' });
    await until(async () => (await holdExpiry.getJob(award)) !== undefined);
    const job = await holdExpiry.getJob(award);
    expect(job?.opts.delay).toBeGreaterThan(1_000);
    expect(job?.opts.delay).toBeLessThan(3_500);
    expect(await held(t.tenantId)).toBe('50.00');

    await until(async () => (await decisionOf(award)) === 'expired');
    expect(await held(t.tenantId)).toBe('0.00');

    // Fired again (a retry, a second schedule): nothing more happens.
    await holdExpiry.add('expire', { holdId: award }, { jobId: `${award}-again` });
    await until(async () => (await holdExpiry.getJob(`${award}-again`))?.finishedOn !== undefined);
    expect(await em().fork().execute('SELECT count(*)::int AS n FROM award_hold_decisions WHERE hold_id = ?', [award])).toEqual([{ n: 1 }]);
    expect(await held(t.tenantId)).toBe('0.00');
  } finally {
    await harness.closeWorkers();
    await expiryWorker.close();
    await holdExpiry.close();
    queueRedis.disconnect();
    expiryRedis.disconnect();
  }
});

it('a job that fires before the database says the window ended waits the rest, then releases the hold', async () => {
  const t = await fundedTenant(em());
  await run(em(), 'update_settings', t.manager, settingsWith({ approvals: { threshold: '10', windowHours: 1 } }));
  const id = await insertCommand(em(), { type: 'award', tenantId: t.tenantId, issuerId: t.manager.id, payload: { userId: t.employee.id, amount: '50' } });
  // Its window ends in about 2 s; the job is scheduled to fire at once, as a fast clock would.
  await applyCommands(em(), [id], { now: () => new Date(Date.now() - 3_600_000 + 2_000) });
  const queueRedis = createRedis(testRedisUrl(), 'worker');
  const expiryRedis = createRedis(testRedisUrl(), 'worker');
  const holdExpiry = createHoldExpiryQueue(queueRedis, harness.prefix);
  const expiryWorker = startHoldExpiryWorker({ connection: expiryRedis, prefix: harness.prefix, concurrency: 2, retry: TEST_RETRY, em: em(), logger: silent });
  try {
    await holdExpiry.add('expire', { holdId: id }, { jobId: id });
    await until(async () => (await holdExpiry.getJob(id))?.isDelayed() ?? false);
    expect(await decisionOf(id)).toBeUndefined();
    await until(async () => (await decisionOf(id)) === 'expired');
    expect(await held(t.tenantId)).toBe('0.00');
  } finally {
    await expiryWorker.close();
    await holdExpiry.close();
    queueRedis.disconnect();
    expiryRedis.disconnect();
  }
});

it('the sweep releases an overdue hold whose job was lost', async () => {
  const t = await fundedTenant(em());
  await run(em(), 'update_settings', t.manager, settingsWith({ approvals: { threshold: '10', windowHours: 1 } }));
  // Judged two hours ago: its window ended an hour ago, and no job was ever scheduled.
  const id = await insertCommand(em(), { type: 'award', tenantId: t.tenantId, issuerId: t.manager.id, payload: { userId: t.employee.id, amount: '50' } });
  await applyCommands(em(), [id], { now: () => new Date(Date.now() - 2 * 3_600_000) });
  expect(await held(t.tenantId)).toBe('50.00');

  const stop = startHoldExpirySweep(em(), silent, 100);
  try {
    await until(async () => (await decisionOf(id)) === 'expired');
  } finally {
    stop();
  }
  expect(await held(t.tenantId)).toBe('0.00');
});
