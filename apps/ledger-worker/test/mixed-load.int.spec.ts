import { EntityManager } from '@mikro-orm/postgresql';
import pino from 'pino';
import { createRedis, enqueueCommand } from '@points/queue';
import { TestDatabase, balances, createTestDatabase, insertBulkAward, insertEmployees, insertTenantWithStaff, insertUser, testRedisUrl } from '@points/testing';
import { startBulkAwardWorker } from '../src/bulk/bulk-worker';
import { accountingCheck, journalProblems, run } from './ledger-harness';
import { waitUntilFinal, workerHarness } from './worker-harness';

let db: TestDatabase;
const em = () => db.orm.em as EntityManager;
const harness = workerHarness(em);

beforeAll(async () => {
  db = await createTestDatabase(20);
});
afterAll(async () => {
  await harness.close();
  await db.drop();
});

it('a bulk award and batched single awards on the same pool and wallets at once: no deadlock, nothing lost, the books balance', async () => {
  const t = await insertTenantWithStaff(em());
  const admin = await insertUser(em(), 'platform_admin', null);
  await run(em(), 'allocate', admin, { tenantId: t.tenantId, amount: '10000.00', currency: 'USD', referenceNote: 'start' });
  await run(em(), 'delegate', t.manager, { leadId: t.lead.id, amount: '500.00' });
  const employees = await insertEmployees(em(), t.tenantId, 2_000);

  harness.startWorker({ concurrency: 32 });
  const connection = createRedis(testRedisUrl(), 'worker');
  // Small chunks keep the bulk transaction open for a while, holding the pool and the wallets it has touched.
  const bulkWorker = startBulkAwardWorker({ connection, prefix: harness.prefix, em: em(), logger: pino({ level: 'silent' }), bulk: { chunkSize: 100 } });
  try {
    const bulkId = (await insertBulkAward(em(), { tenantId: t.tenantId, issuerId: t.manager.id, description: 'all hands', rows: employees.map((u) => ({ userRef: u.id, amountText: '1.00', description: null })) })).id;
    await enqueueCommand(harness.queues, { id: bulkId, type: 'bulk_award', tenantId: t.tenantId, payload: null });
    // Meanwhile: awards from the pool and from the lead's budget, to the same wallets the bulk credits.
    const singles = await Promise.all(
      employees.slice(0, 300).map((u, i) => harness.submit('award', i % 3 === 0 ? t.lead : t.hr, { userId: u.id, amount: '1.00' })),
    );

    const outcomes = await waitUntilFinal(em(), [...singles, bulkId], 60_000);
    expect([...outcomes.values()].filter((o) => o.status !== 'succeeded')).toEqual([]);
  } finally {
    await bulkWorker.close();
    connection.disconnect();
  }

  const after = await balances(em(), t.tenantId);
  expect(after.pool).toBe((10000 - 500 - 2000 - 200).toFixed(2)); // delegated, bulk, 200 single awards from the pool
  expect(after.budgets[t.lead.id]).toBe((500 - 100).toFixed(2)); // 100 from the lead's budget
  employees.forEach((u, i) => expect(after.wallets[u.id]).toBe(i < 300 ? '2.00' : '1.00'));
  expect(await journalProblems(em())).toEqual([]);
  expect((await accountingCheck(em())).every((row) => row.balanced)).toBe(true);
}, 90_000);
