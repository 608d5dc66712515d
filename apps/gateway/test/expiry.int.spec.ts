import { AllocationStats, MeView } from '@points/contracts';
import { TestUser, insertTenantWithStaff, insertUser } from '@points/testing';
import { Stack, call, fundTenant, startStack, tokenFor } from './gateway-harness';

// Point expiry over HTTP: a tenant manager sets the policy in the settings (a
// 400 naming the field for one that does not fit, nothing changed), an employee
// sees when their points expire on GET /api/me, and the platform's stats count
// the expired account in the accounting check. (The expiry itself, with the
// clock injected over months, is tested in the ledger worker.)

let stack: Stack;
let t: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let admin: TestUser;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack();
  t = await insertTenantWithStaff(stack.db.orm.em);
  admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  for (const [name, user] of Object.entries({ manager: t.manager, employee: t.employee, employee2: t.employee2, admin })) tokens[name] = await tokenFor(user);
  expect((await fundTenant(stack, admin, t.tenantId, '1000')).status).toBe(200);
});
afterAll(() => stack.stop());

const send = (who: string, method: string, path: string, body?: unknown) => call(stack.base, method, path, { token: tokens[who], body, headers: { prefer: 'wait=10' } });
const base = { timeZone: 'Europe/Berlin', limits: {}, approvals: null };

it('refuses a policy that does not fit with a 400 naming the field, changing nothing', async () => {
  for (const [expiry, field] of [
    [{ walletMonths: 0 }, 'expiry.walletMonths'],
    [{ walletMonths: 12, noticeDays: 91 }, 'expiry.noticeDays'],
    [{ walletMonths: 12, reverseExpired: 'sometimes' }, 'expiry.reverseExpired'],
    [{ walletMonths: 12, extra: true }, 'expiry.extra'],
  ] as const) {
    const refused = await send('manager', 'PUT', '/api/settings', { ...base, expiry });
    expect([refused.status, refused.body.error.details.map((d: { field: string }) => d.field)]).toEqual([400, expect.arrayContaining([field])]);
  }
  expect((await send('manager', 'GET', '/api/settings')).body).toMatchObject({ version: 0, settings: { expiry: null } });
});

it('with a policy, an employee sees when their points expire; without one, nothing', async () => {
  expect(MeView.parse((await send('employee', 'GET', '/api/me')).body).expiries).toEqual([]);
  const set = await send('manager', 'PUT', '/api/settings', { ...base, expiry: { walletMonths: 12, noticeDays: 30 } });
  expect(set.body).toMatchObject({ status: 'succeeded', result: { settings: { expiry: { walletMonths: 12, noticeDays: 30, reverseExpired: 'reject' } } } });
  expect((await send('manager', 'POST', '/api/allocations/award-points', { userId: t.employee.id, amount: '42' })).body.status).toBe('succeeded');

  const { expiries } = MeView.parse((await send('employee', 'GET', '/api/me')).body);
  // Earned this month in Berlin: gone at midnight on the 1st, thirteen months on.
  const now = new Date();
  const berlin = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: 'numeric' }).formatToParts(now).map((p) => [p.type, Number(p.value)]));
  const expiryMonth = new Date(Date.UTC(berlin.year, berlin.month - 1 + 13, 1));
  expect(expiries).toHaveLength(1);
  expect(expiries[0].amount).toBe('42.00');
  expect(expiries[0].lastDay).toBe(new Date(expiryMonth.getTime() - 86_400_000).toISOString().slice(0, 10));
  expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', day: 'numeric', hour: 'numeric', hourCycle: 'h23' }).format(new Date(expiries[0].expiresAt))).toBe('1, 00');
  expect(MeView.parse((await send('employee2', 'GET', '/api/me')).body).expiries).toEqual([]);
});

it("the platform's stats count the expired account in the accounting check", async () => {
  const stats = AllocationStats.parse((await send('admin', 'GET', `/api/platform/allocations/stats/${t.tenantId}`)).body);
  expect(stats).toMatchObject({ expiredTotal: '0.00', accountingCheck: { balanced: true, journals: { expired: '0.00' } } });
});
