import { EntityManager } from '@mikro-orm/postgresql';
import { TestDatabase, balances, createTestDatabase, insertBulkAward, insertTenantWithStaff, insertUser, journalCounts } from '@points/testing';
import { purgeFinishedBulkRows } from '@points/db';
import { processBulkAward } from '../src/bulk/process-bulk-award';
import { accountingCheck, journalProblems, run } from './ledger-harness';

let db: TestDatabase;
const em = () => db.orm.em as EntityManager;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

async function tenantWithEmployees(pool: string, employees: number) {
  const t = await insertTenantWithStaff(em());
  const admin = await insertUser(em(), 'platform_admin', null);
  await run(em(), 'allocate', admin, { tenantId: t.tenantId, amount: pool, currency: 'USD', referenceNote: 'x' });
  const staff = [];
  for (let i = 0; i < employees; i++) staff.push(await insertUser(em(), 'employee', t.tenantId));
  return { ...t, admin, staff };
}

const bulkRow = (userRef: string, amountText: string) => ({ userRef, amountText, description: null });

it('applies every row in one transaction, with one source journal row and a wallet journal row per recipient', async () => {
  const t = await tenantWithEmployees('1000.00', 30);
  const bulkId = (await insertBulkAward(em(), {
    tenantId: t.tenantId,
    issuerId: t.manager.id,
    description: 'Q4 thanks',
    rows: t.staff.map((u, i) => bulkRow(i % 2 ? u.id : u.email.toUpperCase(), `${i + 1}.50`)),
  })).id;
  expect((await processBulkAward(em(), bulkId, { chunkSize: 7 })).status).toBe('succeeded');

  const total = t.staff.reduce((sum, _u, i) => sum + (i + 1) * 100 + 50, 0) / 100;
  const after = await balances(em(), t.tenantId);
  expect(after.pool).toBe((1000 - total).toFixed(2));
  t.staff.forEach((u, i) => expect(after.wallets[u.id]).toBe(`${i + 1}.50`));
  const [bulk] = await em().fork().execute('SELECT status, processed, succeeded, failed, total_amount FROM bulk_awards WHERE id = ?', [bulkId]);
  expect(bulk).toEqual({ status: 'succeeded', processed: 30, succeeded: 30, failed: 0, total_amount: total.toFixed(2) });
  // One try, counted once (it was marked processing, without counting, while it ran).
  expect(await em().fork().execute('SELECT status, attempts FROM commands WHERE id = ?', [bulkId])).toEqual([{ status: 'succeeded', attempts: 1 }]);
  const [{ n }] = await em().fork().execute<{ n: string }[]>('SELECT count(*)::text AS n FROM pool_ledger WHERE command_id = ?', [bulkId]);
  expect(n).toBe('1');
  expect(await journalProblems(em())).toEqual([]);
  expect((await accountingCheck(em())).every((r) => r.balanced)).toBe(true);
  const [event] = await em().fork().execute<{ event_type: string }[]>('SELECT event_type FROM outbox WHERE command_id = ?', [bulkId]);
  expect(event.event_type).toBe('bulk_award.completed');
});

it('rejects a job with mixed row errors, listing each with its row number, and moves nothing', async () => {
  const t = await tenantWithEmployees('1000.00', 3);
  const other = await insertTenantWithStaff(em());
  const before = { balances: await balances(em(), t.tenantId), journals: await journalCounts(em()) };
  const bulkId = (await insertBulkAward(em(), {
    tenantId: t.tenantId,
    issuerId: t.manager.id,
    description: null,
    rows: [
      bulkRow(t.staff[0].id, '5'),
      bulkRow('00000000-0000-4000-8000-000000000000', '5'),
      bulkRow(other.employee.id, '5'),
      bulkRow(t.staff[1].id, '1.001'),
      bulkRow(t.staff[0].id, '2'),
      bulkRow(t.manager.id, '1'),
      bulkRow(t.staff[2].email, '-3'),
    ],
  })).id;
  expect((await processBulkAward(em(), bulkId)).status).toBe('rejected');

  const [bulk] = await em().fork().execute<{ status: string; failed: number; errors: { row: number; field: string; message: string }[] }[]>('SELECT status, failed, errors FROM bulk_awards WHERE id = ?', [bulkId]);
  expect(bulk.status).toBe('rejected');
  expect(bulk.failed).toBe(6);
  expect(bulk.errors).toEqual([
    { row: 2, field: 'userId', message: 'no such user in this tenant', code: 'VALIDATION_FAILED' },
    { row: 3, field: 'userId', message: 'no such user in this tenant', code: 'VALIDATION_FAILED' },
    { row: 4, field: 'amount', message: expect.stringContaining('at most 2 places'), code: 'VALIDATION_FAILED' },
    { row: 5, field: 'userId', message: 'duplicate recipient: also on row 1', code: 'VALIDATION_FAILED' },
    { row: 6, field: 'userId', message: 'you cannot award yourself', code: 'VALIDATION_FAILED' },
    { row: 7, field: 'amount', message: expect.stringContaining('greater than 0'), code: 'VALIDATION_FAILED' },
  ]);
  expect({ balances: await balances(em(), t.tenantId), journals: await journalCounts(em()) }).toEqual(before);
});

it('rejects a job whose total exceeds the source, moving nothing; a lead is checked against their own budget', async () => {
  const t = await tenantWithEmployees('100.00', 2);
  await run(em(), 'delegate', t.manager, { leadId: t.lead.id, amount: '10' });
  const before = { balances: await balances(em(), t.tenantId), journals: await journalCounts(em()) };
  const fromPool = (await insertBulkAward(em(), { tenantId: t.tenantId, issuerId: t.hr.id, description: null, rows: [bulkRow(t.staff[0].id, '50'), bulkRow(t.staff[1].id, '40.01')] })).id;
  const fromBudget = (await insertBulkAward(em(), { tenantId: t.tenantId, issuerId: t.lead.id, description: null, rows: [bulkRow(t.staff[0].id, '6'), bulkRow(t.staff[1].id, '4.01')] })).id;

  expect((await processBulkAward(em(), fromPool)).status).toBe('rejected');
  expect((await processBulkAward(em(), fromBudget)).status).toBe('rejected');
  const [command] = await em().fork().execute<{ error: { code: string } }[]>('SELECT error FROM commands WHERE id = ?', [fromBudget]);
  expect(command.error.code).toBe('INSUFFICIENT_BALANCE');
  expect({ balances: await balances(em(), t.tenantId), journals: await journalCounts(em()) }).toEqual(before);
});

it('a job that crashes mid-way rolls back; run again, it credits each recipient exactly once; progress was visible meanwhile', async () => {
  const t = await tenantWithEmployees('1000.00', 25);
  const bulkId = (await insertBulkAward(em(), { tenantId: t.tenantId, issuerId: t.manager.id, description: null, rows: t.staff.map((u) => bulkRow(u.id, '2')) })).id;
  const seen: { status: string; processed: number }[] = [];
  const watch = async () => {
    const [row] = await em().fork().execute<{ status: string; processed: number }[]>('SELECT status, processed FROM bulk_awards WHERE id = ?', [bulkId]);
    seen.push(row);
  };

  await expect(
    processBulkAward(em(), bulkId, {
      chunkSize: 10,
      afterChunk: async (processed) => {
        await watch();
        if (processed >= 20) throw Object.assign(new Error('worker killed'), { code: '57P01' });
      },
    }),
  ).rejects.toThrow('worker killed');
  expect((await balances(em(), t.tenantId)).pool).toBe('1000.00');
  expect(seen.map((s) => s.status)).toEqual(['applying', 'applying']);
  expect(seen[1].processed).toBe(10); // chunk 1's progress is visible while chunk 2 runs

  expect((await processBulkAward(em(), bulkId, { chunkSize: 10 })).status).toBe('succeeded');
  expect((await processBulkAward(em(), bulkId, { chunkSize: 10 })).status).toBe('succeeded');
  const after = await balances(em(), t.tenantId);
  expect(after.pool).toBe('950.00');
  for (const u of t.staff) expect(after.wallets[u.id]).toBe('2.00');
  expect(await journalProblems(em())).toEqual([]);
});

it('a recipient deactivated between validation and the apply transaction rejects the job with their row, and moves nothing', async () => {
  const t = await tenantWithEmployees('1000.00', 4);
  const bulkId = (await insertBulkAward(em(), { tenantId: t.tenantId, issuerId: t.manager.id, description: null, rows: t.staff.map((u) => bulkRow(u.id, '3')) })).id;
  const before = { balances: await balances(em(), t.tenantId), journals: await journalCounts(em()) };

  const { status } = await processBulkAward(em(), bulkId, {
    afterValidation: async () => {
      await em().fork().execute('UPDATE users SET active = false WHERE id = ?', [t.staff[2].id]);
    },
  });
  expect(status).toBe('rejected');
  const [bulk] = await em().fork().execute<{ status: string; failed: number; errors: unknown[] }[]>('SELECT status, failed, errors FROM bulk_awards WHERE id = ?', [bulkId]);
  expect(bulk).toEqual({ status: 'rejected', failed: 1, errors: [{ row: 3, field: 'userId', message: 'no such user in this tenant', code: 'VALIDATION_FAILED' }] });
  const [command] = await em().fork().execute<{ status: string; error: { code: string; details: unknown[] } }[]>('SELECT status, error FROM commands WHERE id = ?', [bulkId]);
  expect(command).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_FAILED', details: [{ field: 'items[3].userId', message: 'no such user in this tenant' }] } });
  expect({ balances: await balances(em(), t.tenantId), journals: await journalCounts(em()) }).toEqual(before);
});

it("a lead's bulk award locks the lead's budget and the recipients' wallets, not the tenant pool (the tenant's other commands go on)", async () => {
  const t = await tenantWithEmployees('1000.00', 3);
  await run(em(), 'delegate', t.manager, { leadId: t.lead.id, amount: '100' });
  const bulkId = (await insertBulkAward(em(), { tenantId: t.tenantId, issuerId: t.lead.id, description: null, rows: t.staff.map((u) => bulkRow(u.id, '1')) })).id;
  const tryLock = (table: string, column: string, id: string) =>
    em()
      .fork()
      .transactional(async (tx) => {
        await tx.execute(`SELECT 1 FROM ${table} WHERE ${column} = ? FOR NO KEY UPDATE NOWAIT`, [id]);
        return 'free';
      })
      .catch((error: { code?: string }) => (error.code === '55P03' ? 'locked' : Promise.reject(error)));
  const seen: Record<string, string> = {};

  const outcome = await processBulkAward(em(), bulkId, {
    afterChunk: async () => {
      seen.pool = await tryLock('tenants', 'id', t.tenantId);
      seen.budget = await tryLock('lead_budgets', 'user_id', t.lead.id);
      seen.wallet = await tryLock('wallets', 'user_id', t.staff[0].id);
    },
  });
  expect(outcome.status).toBe('succeeded');
  expect(seen).toEqual({ pool: 'free', budget: 'locked', wallet: 'locked' });
  expect((await balances(em(), t.tenantId)).budgets[t.lead.id]).toBe('97.00');
});

it('the uploaded rows of a bulk award finished longer ago than the retention are purged; the award, its journals and its row errors stay', async () => {
  const t = await tenantWithEmployees('1000.00', 4);
  const upload = (rows: { userRef: string; amountText: string; description: null }[]) =>
    insertBulkAward(em(), { tenantId: t.tenantId, issuerId: t.manager.id, description: 'retention', rows }).then((b) => b.id);
  const old = await upload(t.staff.map((u) => bulkRow(u.id, '1.00')));
  const oldRejected = await upload([bulkRow('nobody@example.test', '1.00')]);
  const recent = await upload(t.staff.map((u) => bulkRow(u.id, '2.00')));
  const pending = await upload(t.staff.map((u) => bulkRow(u.id, '3.00')));
  for (const id of [old, oldRejected, recent]) await processBulkAward(em(), id);
  await em().fork().execute(`UPDATE bulk_awards SET completed_at = now() - interval '31 days' WHERE id IN (?, ?)`, [old, oldRejected]);
  await em().fork().execute(`UPDATE bulk_awards SET created_at = now() - interval '40 days' WHERE id = ?`, [pending]);
  const kept = async () => em().fork().execute<Record<string, unknown>[]>('SELECT id, status, succeeded, failed, total_amount, errors FROM bulk_awards WHERE tenant_id = ? ORDER BY id', [t.tenantId]);
  const before = { awards: await kept(), journals: await journalCounts(em()), balances: await balances(em(), t.tenantId) };

  expect(await purgeFinishedBulkRows(em(), 30)).toBe(2);
  expect(await purgeFinishedBulkRows(em(), 30)).toBe(0);

  const rows = await em().fork().execute<{ id: string; n: number }[]>('SELECT bulk_award_id AS id, count(*)::int AS n FROM bulk_award_items WHERE bulk_award_id IN (?, ?, ?, ?) GROUP BY 1', [old, oldRejected, recent, pending]);
  expect(Object.fromEntries(rows.map((r) => [r.id, r.n]))).toEqual({ [recent]: 4, [pending]: 4 });
  expect({ awards: await kept(), journals: await journalCounts(em()), balances: await balances(em(), t.tenantId) }).toEqual(before);
  expect((before.awards.find((a) => a.id === oldRejected)?.errors as unknown[]).length).toBe(1);
  expect(await journalProblems(em())).toEqual([]);
});

it('a total above the largest amount a balance can hold is rejected INSUFFICIENT_BALANCE by the ledger, never retried into failed', async () => {
  const t = await tenantWithEmployees('1000.00', 2);
  const bulkId = (await insertBulkAward(em(), { tenantId: t.tenantId, issuerId: t.manager.id, description: null, rows: t.staff.map((u) => bulkRow(u.id, '9999999999999.99')) })).id;
  const before = await balances(em(), t.tenantId);
  expect(await processBulkAward(em(), bulkId)).toMatchObject({ status: 'rejected', error: { code: 'INSUFFICIENT_BALANCE' } });
  expect(await balances(em(), t.tenantId)).toEqual(before);
});
