import { DepartmentView, MeView, PoolView } from '@points/contracts';
import { TestUser, insertTenantWithStaff, insertUser, seededRandom } from '@points/testing';
import { Stack, call, fundTenant, startStack, tokenFor } from './gateway-harness';

// Balances as of a past moment (issue #13's "balance as of"): the pool, a
// department pool, a lead budget and a wallet — through awards, approvals,
// transfers and a reversal — answered from their journals and checked against a
// replay of those journals at 100 random moments; a moment to come, or before the
// account existed, is a 400 naming asOf. (The commands run one at a time, so the
// journals' stamps follow their versions here.)

let stack: Stack;
let t: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let admin: TestUser;
let departmentId: string;
const tokens: Record<string, string> = {};
const wait = { prefer: 'wait=10' };

/** Microsecond UTC timestamps as text, one format for the journal and the moments, so they compare as strings. */
const US = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

beforeAll(async () => {
  stack = await startStack();
  t = await insertTenantWithStaff(stack.db.orm.em);
  admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  for (const [name, user] of Object.entries({ manager: t.manager, hr: t.hr, lead: t.lead, employee: t.employee })) tokens[name] = await tokenFor(user);
  const send = async (who: string, path: string, body: unknown, method = 'POST') => {
    const response = await call(stack.base, method, path, { token: tokens[who], headers: wait, body });
    expect([path, response.body.status]).toEqual([path, 'succeeded']);
    return { ...response.body.result, commandId: response.body.commandId as string };
  };
  expect((await fundTenant(stack, admin, t.tenantId, '1000')).status).toBe(200);
  await send('manager', '/api/allocations/distribute-to-lead', { leadId: t.lead.id, amount: '100' });
  await send('lead', '/api/allocations/award-points', { userId: t.employee.id, amount: '30' });
  departmentId = (await send('manager', '/api/departments', { name: 'Ops', headId: t.lead.id })).departmentId;
  await send('manager', `/api/departments/${departmentId}/fund`, { amount: '200' });
  await send('lead', '/api/allocations/award-points', { userId: t.employee.id, amount: '45.50', departmentId });
  await send('manager', '/api/settings', { timeZone: 'UTC', limits: {}, approvals: { threshold: '100', windowHours: 24 } }, 'PUT');
  const held = await send('manager', '/api/allocations/award-points', { userId: t.employee.id, amount: '150' });
  await send('hr', `/api/approvals/${held.approvalId}/approve`, {});
  await send('manager', `/api/departments/${departmentId}/return`, { amount: '4.50' });
  const mistake = await send('lead', '/api/allocations/award-points', { userId: t.employee.id, amount: '12' });
  await send('manager', `/api/reversals/${mistake.commandId}`, { reason: 'wrong colleague' });
  await send('lead', '/api/allocations/award-points', { userId: t.employee.id, amount: '0.01' });
});

afterAll(() => stack.stop());

interface JournalRow {
  at: string;
  amount: string;
}

/** An account's journal, oldest first, with microsecond times. */
const journal = (table: string, column: string, id: string) =>
  stack.db.orm.em.fork().execute<JournalRow[]>(`SELECT to_char(created_at AT TIME ZONE 'UTC', ${US}) AS at, amount::text FROM ${table} WHERE ${column} = ? ORDER BY version`, [id]);

/** The balance a replay of the journal gives at a moment: the sum of every amount committed by then, in cents. */
const replay = (rows: JournalRow[], at: string) => rows.filter((row) => row.at <= at).reduce((sum, row) => sum + Math.round(Number(row.amount) * 100), 0);
const cents = (decimal: string) => Math.round(Number(decimal) * 100);

const get = async (who: string, path: string) => call(stack.base, 'GET', path, { token: tokens[who] });

it('the pool, a department pool, a lead budget and a wallet as of 100 random moments equal a replay of their journals', async () => {
  const [ids] = await stack.db.orm.em.fork().execute<{ budget: string; wallet: string; first: string; last: string }[]>(
    `SELECT (SELECT id FROM lead_budgets WHERE user_id = ?) AS budget, (SELECT id FROM wallets WHERE user_id = ?) AS wallet,
            to_char(GREATEST((SELECT created_at FROM tenants WHERE id = ?), (SELECT created_at FROM departments WHERE id = ?)) AT TIME ZONE 'UTC', ${US}) AS first,
            to_char(now() AT TIME ZONE 'UTC', ${US}) AS last`,
    [t.lead.id, t.employee.id, t.tenantId, departmentId],
  );
  const journals = {
    pool: await journal('pool_ledger', 'tenant_id', t.tenantId),
    department: await journal('department_ledger', 'department_id', departmentId),
    budget: await journal('lead_budget_ledger', 'lead_budget_id', ids.budget),
    wallet: await journal('wallet_ledger', 'wallet_id', ids.wallet),
  };
  expect(journals.pool.length).toBeGreaterThanOrEqual(5);
  // Random moments across the history, and every journal row's own moment (a row counts at its exact time).
  const random = seededRandom(1313);
  const span = [Date.parse(ids.first), Date.parse(ids.last)];
  const moments = [
    ...Array.from({ length: 100 - journals.pool.length }, () => new Date(span[0] + random() * (span[1] - span[0])).toISOString().replace('Z', `${Math.floor(random() * 1000).toString().padStart(3, '0')}Z`)),
    ...journals.pool.map((row) => row.at),
  ].filter((at) => at >= ids.first && at <= ids.last);
  expect(moments.length).toBeGreaterThanOrEqual(90);

  for (const at of moments) {
    const query = `?asOf=${encodeURIComponent(at)}`;
    const pool = PoolView.parse((await get('manager', `/api/allocations/pool${query}`)).body);
    const department = DepartmentView.parse((await get('manager', `/api/departments/${departmentId}${query}`)).body);
    const lead = MeView.parse((await get('lead', `/api/me${query}`)).body);
    const employee = MeView.parse((await get('employee', `/api/me${query}`)).body);
    expect({ at, pool: cents(pool.balance), department: cents(department.balance), budget: cents(lead.leadBudget?.balance ?? '-1'), wallet: cents(employee.wallet?.balance ?? '-1') }).toEqual({
      at,
      pool: replay(journals.pool, at),
      department: replay(journals.department, at),
      budget: replay(journals.budget, at),
      wallet: replay(journals.wallet, at),
    });
    // Nothing spends a wallet: what it had earned then (credits less reversals) is its balance then.
    expect(cents(employee.wallet?.lifetimeEarned ?? '-1')).toBe(replay(journals.wallet, at));
  }
}, 120_000);

it('what the pool held for an award pending approval shows as held while it was pending, and not before or after', async () => {
  const [hold] = await stack.db.orm.em.fork().execute<{ made: string; decided: string; amount: string }[]>(
    `SELECT to_char(h.created_at AT TIME ZONE 'UTC', ${US}) AS made, to_char(d.decided_at AT TIME ZONE 'UTC', ${US}) AS decided, h.amount::text
       FROM award_holds h JOIN award_hold_decisions d ON d.hold_id = h.id WHERE h.tenant_id = ?`,
    [t.tenantId],
  );
  const heldAt = async (at: string) => PoolView.parse((await get('manager', `/api/allocations/pool?asOf=${encodeURIComponent(at)}`)).body);
  const whileHeld = await heldAt(hold.made);
  expect(whileHeld.held).toBe('150.00');
  expect(cents(whileHeld.available)).toBe(cents(whileHeld.balance) - 15000);
  const before = new Date(Date.parse(hold.made) - 1).toISOString();
  expect((await heldAt(before)).held).toBe('0.00');
  expect((await heldAt(hold.decided)).held).toBe('0.00');
});

it('a moment to come, before the account existed, or malformed is a 400 naming asOf; without asOf the balance is today’s', async () => {
  const future = await get('manager', `/api/allocations/pool?asOf=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`);
  expect([future.status, future.body.error.code, future.body.error.details[0].field]).toEqual([400, 'VALIDATION_FAILED', 'asOf']);
  const ancient = await get('employee', `/api/me?asOf=${encodeURIComponent('2001-01-01T00:00:00Z')}`);
  expect([ancient.status, ancient.body.error.details[0]]).toEqual([400, { field: 'asOf', message: 'is before the account existed' }]);
  for (const bad of ['yesterday', '2026-13-01T00:00:00Z', '0000-01-01T00:00:00Z', '2026-01-01T00:00:00+23:59', '2026-01-01']) {
    const response = await get('manager', `/api/departments/${departmentId}?asOf=${encodeURIComponent(bad)}`);
    expect([bad, response.status, response.body.error?.details?.[0]?.field]).toEqual([bad, 400, 'asOf']);
  }
  // A platform admin has no wallet: a moment to come is refused all the same.
  const adminFuture = await call(stack.base, 'GET', `/api/me?asOf=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`, { token: await tokenFor(admin) });
  expect([adminFuture.status, adminFuture.body.error?.details?.[0]?.field]).toEqual([400, 'asOf']);
  const now = PoolView.parse((await get('manager', '/api/allocations/pool')).body);
  const [row] = await stack.db.orm.em.fork().execute<{ balance: string }[]>('SELECT points_allocation_balance::text AS balance FROM tenants WHERE id = ?', [t.tenantId]);
  expect(now.balance).toBe(row.balance);
});
