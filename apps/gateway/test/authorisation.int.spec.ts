import { issueToken } from '@points/auth';
import { Role } from '@points/contracts';
import { TestUser, insertCommand, insertTenantWithStaff, insertUser } from '@points/testing';
import { JWT_SECRET, Stack, call, startStack, tokenFor } from './gateway-harness';

let stack: Stack;
let a: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let b: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let admin: TestUser;
const users: Record<Role, () => TestUser> = {
  platform_admin: () => admin,
  tenant_manager: () => a.manager,
  hr_admin: () => a.hr,
  lead: () => a.lead,
  employee: () => a.employee,
};
let commandOfA: string;

beforeAll(async () => {
  stack = await startStack({ worker: false });
  a = await insertTenantWithStaff(stack.db.orm.em);
  b = await insertTenantWithStaff(stack.db.orm.em);
  admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  // The bulk route refuses at once what the source cannot cover: give the sources something
  // (set directly: no worker runs here, and only roles are under test).
  await stack.db.orm.em.fork().execute('UPDATE tenants SET points_allocation_balance = 100 WHERE id = ?', [a.tenantId]);
  await stack.db.orm.em.fork().execute('UPDATE lead_budgets SET balance = 100 WHERE user_id = ?', [a.lead.id]);
  commandOfA = await insertCommand(stack.db.orm.em, { type: 'award', tenantId: a.tenantId, issuerId: a.lead.id, payload: { userId: a.employee.id, amount: '1.00' } });
});
afterAll(() => stack.stop());

const ALL: Role[] = ['platform_admin', 'tenant_manager', 'hr_admin', 'lead', 'employee'];
const MANAGERS: Role[] = ['tenant_manager', 'hr_admin'];
const TENANT: Role[] = ['tenant_manager', 'hr_admin', 'lead', 'employee'];

interface RouteCase {
  method: 'GET' | 'POST';
  path: () => string;
  allowed: Role[];
  ok: number;
  body?: (role: Role) => unknown;
}

const ROUTES: RouteCase[] = [
  { method: 'POST', path: () => '/api/platform/tenants', allowed: ['platform_admin'], ok: 201, body: () => ({ name: 'New', slug: `new-${Math.random().toString(36).slice(2, 10)}` }) },
  { method: 'GET', path: () => '/api/platform/tenants', allowed: ['platform_admin'], ok: 200 },
  { method: 'POST', path: () => '/api/platform/allocations/allocate', allowed: ['platform_admin'], ok: 202, body: () => ({ tenantId: a.tenantId, amount: '1', currency: 'USD', referenceNote: 'x' }) },
  { method: 'POST', path: () => '/api/platform/allocations/clawback', allowed: ['platform_admin'], ok: 202, body: () => ({ tenantId: a.tenantId, amount: '1', referenceNote: 'x' }) },
  { method: 'GET', path: () => `/api/platform/allocations/history/${a.tenantId}`, allowed: ['platform_admin'], ok: 200 },
  { method: 'GET', path: () => `/api/platform/allocations/stats/${a.tenantId}`, allowed: ['platform_admin'], ok: 200 },
  { method: 'GET', path: () => '/api/platform/allocations/all', allowed: ['platform_admin'], ok: 200 },
  {
    method: 'POST',
    path: () => '/api/users',
    allowed: ['platform_admin', ...MANAGERS],
    ok: 202,
    body: (role) => ({ email: `u-${Math.random().toString(36).slice(2)}@x.test`, displayName: 'U', role: 'employee', ...(role === 'platform_admin' ? { tenantId: a.tenantId } : {}) }),
  },
  { method: 'GET', path: () => '/api/users', allowed: MANAGERS, ok: 200 },
  { method: 'GET', path: () => '/api/me', allowed: ALL, ok: 200 },
  { method: 'GET', path: () => '/api/allocations/pool', allowed: MANAGERS, ok: 200 },
  { method: 'POST', path: () => '/api/allocations/distribute-to-lead', allowed: MANAGERS, ok: 202, body: () => ({ leadId: a.lead.id, amount: '1' }) },
  { method: 'POST', path: () => '/api/allocations/award-points', allowed: ['tenant_manager', 'hr_admin', 'lead'], ok: 202, body: () => ({ userId: a.employee2.id, amount: '1' }) },
  { method: 'GET', path: () => '/api/allocations/history', allowed: ['tenant_manager', 'hr_admin', 'lead'], ok: 200 },
  { method: 'GET', path: () => '/api/allocations/history/tenant', allowed: MANAGERS, ok: 200 },
  {
    method: 'POST',
    path: () => '/api/recognitions',
    allowed: TENANT,
    ok: 202,
    body: (role) => ({ recipientId: a.employee2.id, points: role === 'employee' ? '0' : '1', message: 'thanks' }),
  },
  { method: 'POST', path: () => '/api/allocations/bulk-awards', allowed: ['tenant_manager', 'hr_admin', 'lead'], ok: 202, body: () => ({ items: [{ userId: a.employee2.id, amount: '1' }] }) },
  { method: 'GET', path: () => '/api/feed', allowed: TENANT, ok: 200 },
  { method: 'GET', path: () => '/api/wallets/me/ledger', allowed: TENANT, ok: 200 },
  { method: 'GET', path: () => `/api/platform/audit?tenantId=${a.tenantId}`, allowed: ['platform_admin'], ok: 200 },
  { method: 'GET', path: () => '/api/audit', allowed: MANAGERS, ok: 200 },
  { method: 'GET', path: () => `/api/commands/${commandOfA}`, allowed: ['platform_admin', 'tenant_manager', 'hr_admin', 'lead'], ok: 200 },
];

const label = (r: RouteCase) => `${r.method} ${r.path.toString().replace(/^\(\) => /, '')}`;

describe.each(ROUTES.map((r) => [label(r), r] as const))('%s', (_name, route) => {
  it.each(ALL)('as %s', async (role) => {
    const response = await call(stack.base, route.method, route.path(), { token: await tokenFor(users[role]()), body: route.body?.(role) });
    // An employee may not read a lead's command: it is reported as missing, not forbidden.
    const denied = route.path().startsWith('/api/commands/') ? 404 : 403;
    expect({ role, status: response.status }).toEqual({ role, status: route.allowed.includes(role) ? route.ok : denied });
    if (!route.allowed.includes(role)) expect(response.body.error.code).toBe(denied === 404 ? 'NOT_FOUND' : 'FORBIDDEN');
  });

  it.each([
    ['no token', async () => undefined],
    ['an expired token', async () => tokenFor(a.manager, -60)],
    ['a forged token', async () => issueToken('another-secret-0123456789', { sub: admin.id, role: 'platform_admin', tenantId: null })],
    ['a token whose role claim was changed', async () => issueToken(JWT_SECRET, { sub: a.employee.id, role: 'platform_admin', tenantId: null })],
    ['a token naming another tenant', async () => issueToken(JWT_SECRET, { sub: a.manager.id, role: 'tenant_manager', tenantId: b.tenantId })],
    ['a garbage token', async () => 'not.a.jwt'],
  ])('with %s → 401', async (_what, token) => {
    const response = await call(stack.base, route.method, route.path(), { token: await token(), body: route.body?.('platform_admin') });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('UNAUTHENTICATED');
  });
});

describe('tenant isolation', () => {
  it("another tenant's manager gets 404 for a command, and never sees the other tenant's users", async () => {
    const token = await tokenFor(b.manager);
    expect((await call(stack.base, 'GET', `/api/commands/${commandOfA}`, { token })).status).toBe(404);
    const list = await call(stack.base, 'GET', '/api/users?limit=200', { token });
    expect(list.body.items.map((u: { tenantId: string }) => u.tenantId)).toEqual(Array(list.body.items.length).fill(b.tenantId));
  });

  it('an unknown tenant id is 404 for a platform admin, and an unknown command id is 404', async () => {
    const token = await tokenFor(admin);
    expect((await call(stack.base, 'GET', '/api/platform/allocations/stats/00000000-0000-4000-8000-000000000000', { token })).status).toBe(404);
    expect((await call(stack.base, 'GET', '/api/platform/allocations/history/00000000-0000-4000-8000-000000000000', { token })).status).toBe(404);
    expect((await call(stack.base, 'GET', '/api/commands/not-a-uuid', { token })).status).toBe(404);
  });

  it('a deactivated user is locked out at once, whatever their token says', async () => {
    const user = await insertUser(stack.db.orm.em, 'employee', a.tenantId, { active: false });
    expect((await call(stack.base, 'GET', '/api/me', { token: await tokenFor(user) })).status).toBe(401);
  });
});
