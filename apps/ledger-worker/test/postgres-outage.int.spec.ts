import { EntityManager } from '@mikro-orm/postgresql';
import { enqueueCommand } from '@points/queue';
import {
  AppProcess,
  PrivatePostgres,
  TestDatabase,
  balances,
  createTestDatabase,
  freePort,
  insertBulkAward,
  insertCommand,
  insertEmployees,
  insertTenantWithStaff,
  insertUser,
  startAppProcess,
  startPrivatePostgres,
  testRedisUrl,
} from '@points/testing';
import { accountingCheck, journalProblems, run } from './ledger-harness';
import { waitUntilFinal, workerHarness } from './worker-harness';

/**
 * Invariant 4 under an outage: PostgreSQL (a private server) goes away while
 * the ledger worker has a backlog, for longer than the attempts a defect gets.
 * OUTAGE_SECONDS=180 reproduces the 3-minute outage of RELIABILITY.md.
 */
const OUTAGE_MS = Number(process.env.OUTAGE_SECONDS ?? 15) * 1000;
const ATTEMPTS_FOR_A_DEFECT = 2;

let pg: PrivatePostgres;
let db: TestDatabase;
let worker: AppProcess | undefined;
const em = () => db.orm.em as EntityManager;
const harness = workerHarness(em);

beforeAll(async () => {
  pg = await startPrivatePostgres();
  db = await createTestDatabase(4, pg.url);
});
afterAll(async () => {
  await worker?.stop();
  await harness.close();
  await db?.orm.close(true);
  await pg?.destroy();
});

it('PostgreSQL stopped under load for longer than a defect’s attempts: every accepted command ends succeeded or rejected, each applied once', async () => {
  const t = await insertTenantWithStaff(em());
  const admin = await insertUser(em(), 'platform_admin', null);
  const employees = await insertEmployees(em(), t.tenantId, 20);
  await run(em(), 'allocate', admin, { tenantId: t.tenantId, amount: '1000.00', currency: 'USD', referenceNote: 'initial' });
  // Stored while PostgreSQL is up, as the gateway would (it refuses commands while it is down).
  const stored = [];
  const expectedWallets = Object.fromEntries(employees.map((u) => [u.id, 2]));
  for (let i = 0; i < 200; i++) {
    const recipient = i % 10 === 9 ? t.manager : employees[i % employees.length];
    if (recipient !== t.manager) expectedWallets[recipient.id] += 1;
    const payload = { userId: recipient.id, amount: '1.00' };
    stored.push({ id: await insertCommand(em(), { type: 'award', tenantId: t.tenantId, issuerId: t.manager.id, payload }), type: 'award' as const, tenantId: t.tenantId, payload });
  }
  const bulk = await insertBulkAward(em(), { tenantId: t.tenantId, issuerId: t.manager.id, description: 'during the outage', rows: employees.map((u) => ({ userRef: u.id, amountText: '2.00', description: null })) });
  const ids = [...stored.map((c) => c.id), bulk.id];

  const opsPort = await freePort();
  worker = await startAppProcess(
    'ledger-worker',
    {
      DATABASE_URL: db.url,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: harness.prefix,
      LEDGER_WORKER_PORT: String(opsPort),
      LEDGER_CONCURRENCY: '8',
      LEDGER_MAX_ATTEMPTS: String(ATTEMPTS_FOR_A_DEFECT),
      LEDGER_RETRY_MAX_DELAY_MS: '1000',
      COMMAND_SWEEP_INTERVAL_MS: '1000',
      COMMAND_STUCK_AFTER_MS: '3000',
    },
    'ledger worker started',
  );
  // Half the backlog is being applied when PostgreSQL goes away; the rest arrives during the outage.
  for (const command of stored.slice(0, 100)) await enqueueCommand(harness.queues, command);
  await pg.stop();
  for (const command of stored.slice(100)) await enqueueCommand(harness.queues, command);
  await enqueueCommand(harness.queues, { id: bulk.id, type: 'bulk_award', tenantId: t.tenantId, payload: null });
  // An operator's scrape during the outage answers, promptly, and crashes nothing.
  const scrape = await fetch(`http://127.0.0.1:${opsPort}/metrics`);
  expect(scrape.status).toBe(200);
  expect(await scrape.text()).toMatch(/points_queue_jobs\{queue="commands"/);
  expect((await fetch(`http://127.0.0.1:${opsPort}/readyz`)).status).toBe(503);
  await new Promise((r) => setTimeout(r, OUTAGE_MS));
  await pg.start();

  const outcomes = await waitUntilFinal(em(), ids, 60_000 + OUTAGE_MS);
  expect(worker.child.exitCode).toBeNull();
  const statuses = [...outcomes.values()].map((o) => (o.status === 'rejected' ? `rejected ${o.error?.code}` : o.status));
  const count = (status: string) => statuses.filter((s) => s === status).length;
  // Awards to oneself are refused by the rules; every other command took effect.
  expect({ succeeded: count('succeeded'), rejected: count('rejected FORBIDDEN'), failed: count('failed') }).toEqual({ succeeded: 181, rejected: 20, failed: 0 });
  // The outage outlasted the attempts a defect gets: only waiting it out got these commands through.
  const attempts = await Promise.all(stored.slice(100).map(async (c) => (await harness.queues.commands.getJob(c.id))?.attemptsMade ?? 0));
  expect(Math.max(...attempts)).toBeGreaterThan(ATTEMPTS_FOR_A_DEFECT);

  // Exactly once: 180 awards and 20 bulk credits of 2.00 each, and the books balance.
  const after = await balances(em(), t.tenantId);
  expect(after.pool).toBe(`${1000 - 180 - 40}.00`);
  for (const u of employees) expect(after.wallets[u.id]).toBe(`${expectedWallets[u.id]}.00`);
  expect(await accountingCheck(em())).toEqual([expect.objectContaining({ balanced: true })]);
  expect(await journalProblems(em())).toEqual([]);
}, 180_000 + OUTAGE_MS * 2);
