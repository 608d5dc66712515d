import { TestUser, balances, insertEmployees, insertTenantWithStaff, insertUser } from '@points/testing';
import { Stack, call, startStack, tokenFor } from './gateway-harness';

let stack: Stack;
let t: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let staff: TestUser[];
let managerToken: string;

beforeAll(async () => {
  stack = await startStack();
  t = await insertTenantWithStaff(stack.db.orm.em);
  const admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  staff = await insertEmployees(stack.db.orm.em, t.tenantId, 5000);
  managerToken = await tokenFor(t.manager);
  const funded = await call(stack.base, 'POST', '/api/platform/allocations/allocate', {
    token: await tokenFor(admin),
    headers: { prefer: 'wait=10' },
    body: { tenantId: t.tenantId, amount: '100000', currency: 'USD', referenceNote: 'bulk' },
  });
  expect(funded.status).toBe(200);
}, 60_000);
afterAll(() => stack.stop());

async function until(statusUrl: string, token: string, done: (body: Record<string, unknown>) => boolean) {
  const seen: Record<string, unknown>[] = [];
  for (let i = 0; i < 600; i++) {
    const response = await call(stack.base, 'GET', statusUrl, { token });
    seen.push(response.body);
    if (done(response.body)) return seen;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`bulk award did not finish: ${JSON.stringify(seen[seen.length - 1])}`);
}
const finished = (body: Record<string, unknown>) => ['succeeded', 'rejected', 'failed'].includes(body.status as string);

it('a 5,000-row JSON bulk award is applied in full, with progress visible while it runs', async () => {
  const before = await balances(stack.db.orm.em, t.tenantId);
  const accepted = await call(stack.base, 'POST', '/api/allocations/bulk-awards', {
    token: managerToken,
    body: { description: 'Year-end thanks', items: staff.map((u) => ({ userId: u.id, amount: '1.25' })) },
  });
  expect(accepted.status).toBe(202);
  // A fast worker may already have started by the time the 202 is written.
  expect(accepted.body).toMatchObject({ status: expect.stringMatching(/^(queued|validating|applying)$/), total: 5000 });
  expect(accepted.headers.get('location')).toBe(accepted.body.statusUrl);

  const seen = [accepted.body, ...(await until(accepted.body.statusUrl, managerToken, finished))];
  expect(seen.some((s) => s.status === 'validating' || s.status === 'applying')).toBe(true);
  expect(seen[seen.length - 1]).toMatchObject({ status: 'succeeded', total: 5000, processed: 5000, succeeded: 5000, failed: 0, totalAmount: '6250.00', errors: [] });
  const after = await balances(stack.db.orm.em, t.tenantId);
  expect(Number(after.pool)).toBe(Number(before.pool) - 6250);
  expect(staff.every((u) => after.wallets[u.id] === '1.25')).toBe(true);
  // Rows: one wallet ledger row per recipient, none twice.
  const [{ n }] = await stack.db.orm.em.fork().execute<{ n: string }[]>('SELECT count(DISTINCT wallet_id)::text AS n FROM wallet_ledger WHERE command_id = ?', [accepted.body.bulkId]);
  expect(n).toBe('5000');

  // The queue dashboard shows the same progress on the job, and its log.
  const adminToken = await tokenFor(await insertUser(stack.db.orm.em, 'platform_admin', null));
  let job: Record<string, unknown> = {};
  for (let i = 0; i < 50 && job.progress !== 100; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 100));
    job = (await call(stack.base, 'GET', `/admin/queues/api/queues/bulk-awards/${accepted.body.bulkId}`, { token: adminToken })).body.job ?? {};
  }
  expect(job.progress).toBe(100);
  const logs = await call(stack.base, 'GET', `/admin/queues/api/queues/bulk-awards/${accepted.body.bulkId}/logs`, { token: adminToken });
  expect(logs.body).toEqual(expect.arrayContaining(['validating 5000 rows', 'applied 5000 of 5000 rows']));
}, 60_000);

it('a 5,000-row CSV bulk award by email is applied in full', async () => {
  const before = await balances(stack.db.orm.em, t.tenantId);
  const csv = ['email,amount,description', ...staff.map((u, i) => `${u.email},0.50,"row ${i + 1}, with a comma"`)].join('\n');
  const accepted = await call(stack.base, 'POST', '/api/allocations/bulk-awards?description=CSV%20run', { token: managerToken, rawBody: csv, headers: { 'content-type': 'text/csv' } });
  expect(accepted.status).toBe(202);
  const seen = await until(accepted.body.statusUrl, managerToken, finished);
  expect(seen[seen.length - 1]).toMatchObject({ status: 'succeeded', succeeded: 5000, totalAmount: '2500.00' });
  expect(Number((await balances(stack.db.orm.em, t.tenantId)).pool)).toBe(Number(before.pool) - 2500);
  const [row] = await stack.db.orm.em.fork().execute<{ description: string }[]>('SELECT description FROM distribution_logs WHERE command_id = ? AND to_user_id = ?', [accepted.body.bulkId, staff[0].id]);
  expect(row.description).toBe('row 1, with a comma');
}, 60_000);

it('a CSV with row errors is rejected with row numbers, and nothing moves', async () => {
  const before = await balances(stack.db.orm.em, t.tenantId);
  const csv = `userId,amount,description\n${staff[0].id},1.00,ok\nnobody@example.test,1.00,unknown\n${staff[1].id},abc,bad amount\n${staff[0].id},1.00,duplicate\n`;
  const accepted = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: managerToken, rawBody: csv, headers: { 'content-type': 'text/csv' } });
  const seen = await until(accepted.body.statusUrl, managerToken, finished);
  expect(seen[seen.length - 1]).toMatchObject({
    status: 'rejected',
    failed: 3,
    errors: [
      { row: 2, field: 'userId', message: 'no such user in this tenant' },
      { row: 3, field: 'amount', message: expect.any(String) },
      { row: 4, field: 'userId', message: 'duplicate recipient: also on row 1' },
    ],
  });
  expect(await balances(stack.db.orm.em, t.tenantId)).toEqual(before);
});

it('refuses an unreadable upload with 400, and shows a bulk award only to its creator and the managers', async () => {
  const badHeader = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: managerToken, rawBody: 'who,how much\nx,1', headers: { 'content-type': 'text/csv' } });
  expect(badHeader.status).toBe(400);
  const empty = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: managerToken, body: { items: [] } });
  expect(empty.status).toBe(400);

  const leadToken = await tokenFor(t.lead);
  const delegated = await call(stack.base, 'POST', '/api/allocations/distribute-to-lead', { token: managerToken, headers: { prefer: 'wait=10' }, body: { leadId: t.lead.id, amount: '10' } });
  expect(delegated.status).toBe(200);
  const accepted = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: leadToken, body: { items: [{ userId: staff[0].id, amount: '1' }] } });
  await until(accepted.body.statusUrl, leadToken, finished);
  expect((await call(stack.base, 'GET', accepted.body.statusUrl, { token: managerToken })).status).toBe(200);
  const otherLead = await insertUser(stack.db.orm.em, 'lead', t.tenantId);
  expect((await call(stack.base, 'GET', accepted.body.statusUrl, { token: await tokenFor(otherLead) })).status).toBe(404);
  const other = await insertTenantWithStaff(stack.db.orm.em);
  expect((await call(stack.base, 'GET', accepted.body.statusUrl, { token: await tokenFor(other.manager) })).status).toBe(404);
});

it('Idempotency-Key: a retried upload returns the same bulk award and applies once; another upload under the key is 409', async () => {
  const before = await balances(stack.db.orm.em, t.tenantId);
  const csv = `userId,amount\n${staff[10].id},2.00\n${staff[11].id},3.00\n`;
  const send = (body: string) =>
    call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: managerToken, rawBody: body, headers: { 'content-type': 'text/csv', 'idempotency-key': 'bulk-retry-1' } });
  const [first, second] = await Promise.all([send(csv), send(csv)]);
  expect(first.body.bulkId).toBe(second.body.bulkId);
  await until(first.body.statusUrl, managerToken, finished);
  const third = await send(csv);
  expect(third.status).toBe(202);
  expect(third.body).toMatchObject({ bulkId: first.body.bulkId, status: 'succeeded' });
  expect(Number((await balances(stack.db.orm.em, t.tenantId)).pool)).toBe(Number(before.pool) - 5);

  const other = await send(`userId,amount\n${staff[10].id},9.00\n`);
  expect(other.status).toBe(409);
  expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
});

it('an upload whose media type only resembles text/csv is a 400, and an empty or unknown query parameter is ignored as before', async () => {
  const before = await balances(stack.db.orm.em, t.tenantId);
  const csv = `userId,amount\n${staff[20].id},1.00\n`;
  const lookalike = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: managerToken, rawBody: csv, headers: { 'content-type': 'text/csvx' } });
  expect(lookalike.status).toBe(400);
  expect(lookalike.body.error.code).toBe('VALIDATION_FAILED');
  expect(await balances(stack.db.orm.em, t.tenantId)).toEqual(before);

  const accepted = await call(stack.base, 'POST', '/api/allocations/bulk-awards?description=&utm=x', { token: managerToken, rawBody: csv, headers: { 'content-type': 'text/csv; charset=utf-8' } });
  expect(accepted.status).toBe(202);
  const seen = await until(accepted.body.statusUrl, managerToken, finished);
  expect(seen[seen.length - 1]).toMatchObject({ status: 'succeeded', totalAmount: '1.00' });
  const [row] = await stack.db.orm.em.fork().execute<{ description: string | null }[]>('SELECT description FROM bulk_awards WHERE id = ?', [accepted.body.bulkId]);
  expect(row.description).toBeNull();
});

it('a rejected bulk award carries its code, on the resource and on each row error; a total above the largest amount is INSUFFICIENT_BALANCE, not a failure', async () => {
  const before = await balances(stack.db.orm.em, t.tenantId);
  const tooMuch = `userId,amount\n${staff[30].id},5000000000000.00\n${staff[31].id},5000000000000.00\n`;
  // Refused before anything is stored: the amounts alone exceed the pool (the ledger would refuse it too, with the source locked).
  const refused = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: managerToken, rawBody: tooMuch, headers: { 'content-type': 'text/csv' } });
  expect(refused.status).toBe(422);
  expect(refused.body.error).toMatchObject({ code: 'INSUFFICIENT_BALANCE', details: [{ field: 'items', requested: '10000000000000.00' }] });

  const badRow = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: managerToken, body: { items: [{ userId: staff[32].id, amount: '1.001' }] } });
  const rejected = await until(badRow.body.statusUrl, managerToken, finished);
  expect(rejected[rejected.length - 1]).toMatchObject({ status: 'rejected', code: 'VALIDATION_FAILED', errors: [{ row: 1, field: 'amount', code: 'VALIDATION_FAILED' }] });
  expect(await balances(stack.db.orm.em, t.tenantId)).toEqual(before);
});
