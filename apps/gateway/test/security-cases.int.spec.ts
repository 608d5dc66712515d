/**
 * Security cases from the issue that the other gateway suites do not already
 * cover. Already covered elsewhere, and not repeated here:
 *   - forged, expired, unsigned, HS512, over-long-lived, wrong-audience tokens; a token
 *     whose role claim was changed or that names another tenant; a user inserted
 *     inactive (security.int.spec.ts, authorisation.int.spec.ts);
 *   - another tenant's manager reading a command or a bulk award: 404
 *     (authorisation.int.spec.ts, bulk-awards.int.spec.ts);
 *   - one smuggled field per command route (validation.int.spec.ts);
 *   - 413 on an award past 100 kb (abuse-limits.int.spec.ts, validation.int.spec.ts);
 *   - 429 RATE_LIMITED with Retry-After (outages.int.spec.ts, abuse-limits.int.spec.ts).
 * Here: tokens that went stale in the users table, every body and path field
 * holding another tenant's id, every client-sent field that must not bind on
 * every JSON route, 413 on every route (the bulk route's own 20 MB limit
 * included), deeply nested JSON, and text that must be stored and returned verbatim.
 */
import { randomUUID } from 'node:crypto';
import { TestUser, insertTenantWithStaff, insertUser } from '@points/testing';
import { Stack, call, startStack, tokenFor } from './gateway-harness';
import { Snapshot, errorModelViolation, limitInBytes, moneyOf, rawRequest, snapshot, waitForQuiet } from './adversarial';

type Staff = Awaited<ReturnType<typeof insertTenantWithStaff>>;
let stack: Stack;
let a: Staff;
let b: Staff;
let admin: TestUser;
/** Ids of tenant B's own resources: a command and a bulk award. */
const foreign = { commandId: '', bulkId: '', departmentId: '' };
const A_SETTINGS = { timeZone: 'UTC', limits: {}, approvals: { threshold: '5', windowHours: 24 } };
interface DocumentedOperation {
  description?: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  responses?: Record<string, { description?: string }>;
}
let document: { paths: Record<string, Record<string, DocumentedOperation>> };

const em = () => stack.db.orm.em;
const post = async (path: string, as: TestUser, body: unknown, headers: Record<string, string> = {}) => call(stack.base, 'POST', path, { token: await tokenFor(as), body, headers });
const waitFor = async (path: string, as: TestUser, body: unknown) => post(path, as, body, { prefer: 'wait=20' });
const get = async (path: string, as: TestUser) => call(stack.base, 'GET', path, { token: await tokenFor(as) });

async function fund(t: Staff) {
  expect((await waitFor('/api/platform/allocations/allocate', admin, { tenantId: t.tenantId, amount: '10000', currency: 'USD', referenceNote: 'security' })).status).toBe(200);
  expect((await waitFor('/api/allocations/distribute-to-lead', t.manager, { leadId: t.lead.id, amount: '100' })).status).toBe(200);
}

beforeAll(async () => {
  stack = await startStack();
  a = await insertTenantWithStaff(em());
  b = await insertTenantWithStaff(em());
  admin = await insertUser(em(), 'platform_admin', null);
  await fund(a);
  await fund(b);
  // A's awards above 5 points wait for approval, so the approval routes have something to decide.
  expect((await call(stack.base, 'PUT', '/api/settings', { token: await tokenFor(a.manager), headers: { prefer: 'wait=20' }, body: A_SETTINGS })).status).toBe(200);
  foreign.commandId = (await waitFor('/api/allocations/award-points', b.manager, { userId: b.employee.id, amount: '1' })).body.commandId;
  foreign.bulkId = (await post('/api/allocations/bulk-awards', b.manager, { items: [{ userId: b.employee2.id, amount: '1' }] })).body.bulkId;
  foreign.departmentId = (await waitFor('/api/departments', b.manager, { name: 'B only', headId: b.lead.id })).body.result.departmentId;
  await waitForQuiet(em());
  document = (await call(stack.base, 'GET', '/openapi.json')).body as typeof document;
}, 120_000);
afterAll(() => stack?.stop());

/** Every operation in the OpenAPI document, with its roles. */
function operations() {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op, roles: (/Roles: ([a-z_, ]+)\./.exec(op.description ?? '')?.[1] ?? '').split(', ').filter(Boolean) })),
  );
}

/** Tenant B as it was, and tenant A's money as it was (A may gain a rejected command row). */
async function expectNothingMoved(before: Snapshot) {
  await waitForQuiet(em());
  const after = await snapshot(em());
  expect(after.tenants[b.tenantId]).toEqual(before.tenants[b.tenantId]);
  expect(moneyOf(after)).toEqual(moneyOf(before));
}

describe('tokens that no longer match the users table', () => {
  it("a token issued while the user was active is refused once they are deactivated: reads, commands and their own command's status are 401, and nothing changes", async () => {
    const manager = await insertUser(em(), 'tenant_manager', a.tenantId);
    const token = await tokenFor(manager);
    const accepted = await call(stack.base, 'POST', '/api/allocations/award-points', { token, headers: { prefer: 'wait=20' }, body: { userId: a.employee.id, amount: '1' } });
    expect(accepted.status).toBe(200);
    await em().fork().execute('UPDATE users SET active = false WHERE id = ?', [manager.id]);
    const before = await snapshot(em());

    const attempts = [
      await call(stack.base, 'GET', '/api/me', { token }),
      await call(stack.base, 'GET', `/api/commands/${accepted.body.commandId}`, { token }),
      await call(stack.base, 'POST', '/api/allocations/award-points', { token, headers: { prefer: 'wait=5' }, body: { userId: a.employee.id, amount: '1' } }),
      await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token, body: { items: [{ userId: a.employee.id, amount: '1' }] } }),
      await call(stack.base, 'POST', '/api/users', { token, body: { email: `x-${randomUUID()}@example.test`, displayName: 'X', role: 'tenant_manager' } }),
    ];
    expect(attempts.map((r) => [r.status, r.body.error?.code])).toEqual(Array(attempts.length).fill([401, 'UNAUTHENTICATED']));
    await waitForQuiet(em());
    expect(await snapshot(em())).toEqual(before);
  });

  it("a demoted manager's old token is refused (401), and a new token gets the role the users table says (403 for an award)", async () => {
    const manager = await insertUser(em(), 'tenant_manager', a.tenantId);
    const oldToken = await tokenFor(manager);
    await em().fork().execute("UPDATE users SET role = 'employee' WHERE id = ?", [manager.id]);
    const before = await snapshot(em());
    const award = { userId: a.employee.id, amount: '1' };
    const stale = await call(stack.base, 'POST', '/api/allocations/award-points', { token: oldToken, headers: { prefer: 'wait=5' }, body: award });
    expect([stale.status, stale.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const fresh = await call(stack.base, 'POST', '/api/allocations/award-points', { token: await tokenFor({ ...manager, role: 'employee' }), headers: { prefer: 'wait=5' }, body: award });
    expect([fresh.status, fresh.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await call(stack.base, 'GET', '/api/allocations/pool', { token: oldToken })).status).toBe(401);
    await waitForQuiet(em());
    expect(await snapshot(em())).toEqual(before);
  });

  it("a promoted employee's old token is refused too (401): the token must match the table, not merely ask for less", async () => {
    const employee = await insertUser(em(), 'employee', a.tenantId);
    const oldToken = await tokenFor(employee);
    await em().fork().execute("UPDATE users SET role = 'hr_admin' WHERE id = ?", [employee.id]);
    expect((await call(stack.base, 'GET', '/api/me', { token: oldToken })).status).toBe(401);
    const promoted = await call(stack.base, 'GET', '/api/allocations/pool', { token: await tokenFor({ ...employee, role: 'hr_admin' }) });
    expect(promoted.status).toBe(200);
    expect(promoted.body.tenantId).toBe(a.tenantId);
  });

  it("a platform admin moved into a tenant: the old admin token (no tenant) is refused on platform and tenant routes alike, and allocates nothing", async () => {
    const former = await insertUser(em(), 'platform_admin', null);
    const oldToken = await tokenFor(former);
    await em().fork().execute("UPDATE users SET role = 'tenant_manager', tenant_id = ? WHERE id = ?", [a.tenantId, former.id]);
    const before = await snapshot(em());
    const allocate = await call(stack.base, 'POST', '/api/platform/allocations/allocate', {
      token: oldToken,
      headers: { prefer: 'wait=5' },
      body: { tenantId: b.tenantId, amount: '1000', currency: 'USD', referenceNote: 'stale admin' },
    });
    expect([allocate.status, allocate.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect((await call(stack.base, 'GET', '/api/platform/tenants', { token: oldToken })).status).toBe(401);
    expect((await call(stack.base, 'GET', '/api/users', { token: oldToken })).status).toBe(401);
    await waitForQuiet(em());
    expect(await snapshot(em())).toEqual(before);
  });
});

describe("another tenant's ids", () => {
  const COMMANDS: [string, () => TestUser, string, () => Record<string, unknown>][] = [
    ['a lead of B as leadId', () => a.manager, '/api/allocations/distribute-to-lead', () => ({ leadId: b.lead.id, amount: '1' })],
    ['an employee of B as userId (manager, from the pool)', () => a.manager, '/api/allocations/award-points', () => ({ userId: b.employee.id, amount: '1' })],
    ['an employee of B as userId (lead, from the budget)', () => a.lead, '/api/allocations/award-points', () => ({ userId: b.employee.id, amount: '1' })],
    ["B's manager as userId (HR admin)", () => a.hr, '/api/allocations/award-points', () => ({ userId: b.manager.id, amount: '1' })],
    ['an employee of B as recipientId (manager)', () => a.manager, '/api/recognitions', () => ({ recipientId: b.employee.id, points: '1', message: 'thanks' })],
    ['an employee of B as recipientId (lead)', () => a.lead, '/api/recognitions', () => ({ recipientId: b.employee.id, points: '1', message: 'thanks' })],
    ['an employee of B as recipientId (0-point kudos)', () => a.employee, '/api/recognitions', () => ({ recipientId: b.employee.id, points: '0', message: 'thanks' })],
  ];

  it.each(COMMANDS)('%s: 404 NOT_FOUND (the command is rejected), nothing moves in either tenant, and nothing about B is revealed', async (_name, as, path, body) => {
    const before = await snapshot(em());
    const response = await waitFor(path, as(), body());
    expect({ status: response.status, code: response.body.error?.code, command: response.body.command?.status }).toEqual({ status: 404, code: 'NOT_FOUND', command: 'rejected' });
    expect(JSON.stringify(response.body)).not.toMatch(new RegExp([b.tenantId, b.employee.email, b.manager.email].join('|')));
    await expectNothingMoved(before);
  });

  it('without Prefer: wait, the same award is accepted (202) and then rejected NOT_FOUND; nothing moves', async () => {
    const before = await snapshot(em());
    const accepted = await post('/api/allocations/award-points', a.manager, { userId: b.employee2.id, amount: '1' });
    expect(accepted.status).toBe(202);
    await waitForQuiet(em());
    const status = await get(accepted.body.statusUrl, a.manager);
    expect(status.body).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
    await expectNothingMoved(before);
  });

  it.each([
    ['JSON, by userId and by email', 'application/json', () => JSON.stringify({ items: [{ userId: b.employee.id, amount: '1' }, { email: b.employee2.email, amount: '1' }, { userId: a.employee.id, amount: '1' }] })],
    ['CSV, by userId', 'text/csv', () => `userId,amount\n${b.employee.id},1\n${b.lead.id},1\n${a.employee.id},1\n`],
    ['CSV, by email', 'text/csv', () => `email,amount\n${b.employee.email},1\n${b.manager.email.toUpperCase()},1\n${a.employee.email},1\n`],
  ])("a bulk award naming B's users (%s) is rejected row by row; nothing moves in either tenant (all or nothing)", async (_name, type, body) => {
    const before = await snapshot(em());
    const accepted = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: await tokenFor(a.manager), rawBody: body(), headers: { 'content-type': type } });
    expect(accepted.status).toBe(202);
    await waitForQuiet(em());
    const status = await get(accepted.body.statusUrl, a.manager);
    expect(status.body.status).toBe('rejected');
    // Rows 1 and 2 name B's users: each reported as not found, never resolved to B's wallets.
    const badRows = (status.body.errors as { row: number; code: string }[]).filter((e) => e.row === 1 || e.row === 2);
    expect(badRows.map((e) => e.row).sort()).toEqual([1, 2]);
    expect(badRows.every((e) => e.code === 'NOT_FOUND' || e.code === 'VALIDATION_FAILED')).toBe(true);
    expect(JSON.stringify(status.body)).not.toMatch(new RegExp([b.tenantId, b.employee.id, b.lead.id].join('|')));
    await expectNothingMoved(before);
  });

  it("a tenant manager cannot name B as the tenant of a new user (400), and nothing changes", async () => {
    const before = await snapshot(em());
    const response = await waitFor('/api/users', a.manager, { email: `x-${randomUUID()}@example.test`, displayName: 'X', role: 'employee', tenantId: b.tenantId });
    expect([response.status, response.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(response.body.error.details).toEqual([expect.objectContaining({ field: 'tenantId' })]);
    expect(await snapshot(em())).toEqual(before);
  });

  it("every path id of every route, as each of A's roles: B's resource is 404 (or the route's 403), never B's data", async () => {
    const ids: Record<string, string> = { commandId: foreign.commandId, bulkId: foreign.bulkId, tenantId: b.tenantId, departmentId: foreign.departmentId };
    const seen: string[] = [];
    for (const { method, path, op } of operations()) {
      const params = (op.parameters ?? []).filter((p) => p.in === 'path');
      if (method !== 'GET' || params.length === 0) continue;
      expect({ path, unknown: params.map((p) => p.name).filter((name) => !(name in ids)) }).toEqual({ path, unknown: [] });
      const url = params.reduce((p, param) => p.replace(`{${param.name}}`, ids[param.name]), path);
      for (const as of [a.manager, a.hr, a.lead, a.employee]) {
        const response = await get(url, as);
        seen.push(`${as.role} GET ${path} → ${response.status}`);
        expect({ role: as.role, path, status: [403, 404].includes(response.status) }).toEqual({ role: as.role, path, status: true });
        expect(errorModelViolation(response.status, response.body, JSON.stringify(response.body))).toBeNull();
        expect(JSON.stringify(response.body)).not.toMatch(new RegExp([b.tenantId, b.employee.id, b.employee2.id].join('|')));
      }
    }
    expect(seen.length).toBeGreaterThanOrEqual(12);
  });

  it("B's tenantId in the query of every tenant read is refused (400) or ignored, never used to show B", async () => {
    const reads = operations().filter(({ method, path, op, roles }) => method === 'GET' && !path.includes('{') && roles.includes('tenant_manager') && !(op.parameters ?? []).some((p) => p.name === 'tenantId'));
    expect(reads.length).toBeGreaterThanOrEqual(5);
    const b_ = new RegExp([b.tenantId, b.manager.id, b.hr.id, b.lead.id, b.employee.id, b.employee2.id].join('|'));
    for (const { path } of reads) {
      const response = await get(`${path}?tenantId=${b.tenantId}`, a.manager);
      expect({ path, status: [200, 400].includes(response.status), code: response.status === 400 ? response.body.error?.code : 'ignored' }).toEqual({
        path,
        status: true,
        code: response.status === 400 ? 'VALIDATION_FAILED' : 'ignored',
      });
      expect(JSON.stringify(response.body)).not.toMatch(b_);
    }
    // The one list that takes a tenantId is the platform admin's audit trail.
    expect((await get(`/api/platform/audit?tenantId=${b.tenantId}`, a.manager)).status).toBe(403);
  });
});

describe('client-sent fields that must not bind', () => {
  /**
   * A valid body per JSON route and who may send it (and, for a route with a
   * path parameter, the path to send it to); a route added without one here
   * fails the first test.
   */
  const schedule = async () => (await waitFor('/api/platform/schedules', admin, { tenantId: a.tenantId, cadence: 'monthly', amount: '1', currency: 'USD', referenceNote: 'bind' })).body.result.scheduleId as string;
  const pendingAward = async () => (await waitFor('/api/allocations/award-points', a.manager, { userId: a.employee.id, amount: '6' })).body.commandId as string;
  /** A department of A with 5 points in its pool. */
  const fundedDepartment = async () => {
    const departmentId = (await waitFor('/api/departments', a.manager, { name: `bind-${randomUUID().slice(0, 8)}` })).body.result.departmentId as string;
    expect((await waitFor(`/api/departments/${departmentId}/fund`, a.manager, { amount: '5' })).status).toBe(200);
    return departmentId;
  };
  const VALID: Record<string, () => Promise<[TestUser, Record<string, unknown>, string?]> | [TestUser, Record<string, unknown>]> = {
    '/api/reversals/{commandId}': async () => [
      a.manager,
      { reason: 'bind' },
      `/api/reversals/${(await waitFor('/api/allocations/award-points', a.manager, { userId: a.employee.id, amount: '1' })).body.commandId}`,
    ],
    '/api/platform/allocations/{commandId}/reverse': async () => [
      admin,
      { reason: 'bind' },
      `/api/platform/allocations/${(await waitFor('/api/platform/allocations/allocate', admin, { tenantId: a.tenantId, amount: '1', currency: 'USD', referenceNote: 'bind' })).body.commandId}/reverse`,
    ],
    '/api/platform/schedules': () => [admin, { tenantId: a.tenantId, cadence: 'monthly', amount: '1', currency: 'USD', referenceNote: 'bind' }],
    '/api/platform/schedules/{scheduleId}': async () => [admin, { amount: '2' }, `/api/platform/schedules/${await schedule()}`],
    '/api/platform/schedules/{scheduleId}/run': async () => [admin, {}, `/api/platform/schedules/${await schedule()}/run`],
    '/api/departments': () => [a.manager, { name: `bind-${randomUUID().slice(0, 8)}` }],
    '/api/departments/{departmentId}': async () => [a.manager, { name: `bind-${randomUUID().slice(0, 8)}` }, `/api/departments/${await fundedDepartment()}`],
    '/api/users/{userId}/department': async () => [a.manager, { departmentId: await fundedDepartment() }, `/api/users/${a.lead.id}/department`],
    '/api/settings': () => [a.manager, A_SETTINGS],
    '/api/departments/{departmentId}/fund': async () => [a.manager, { amount: '1' }, `/api/departments/${await fundedDepartment()}/fund`],
    '/api/departments/{departmentId}/return': async () => [a.hr, { amount: '1' }, `/api/departments/${await fundedDepartment()}/return`],
    '/api/approvals/{approvalId}/approve': async () => [a.hr, {}, `/api/approvals/${await pendingAward()}/approve`],
    '/api/approvals/{approvalId}/decline': async () => [a.hr, { reason: 'bind' }, `/api/approvals/${await pendingAward()}/decline`],
    '/api/platform/tenants': () => [admin, { name: 'Bind test', slug: `bind-${randomUUID().slice(0, 8)}` }],
    '/api/platform/allocations/allocate': () => [admin, { tenantId: a.tenantId, amount: '1', currency: 'USD', referenceNote: 'bind' }],
    '/api/platform/allocations/clawback': () => [admin, { tenantId: a.tenantId, amount: '1', referenceNote: 'bind' }],
    '/api/users': () => [a.manager, { email: `bind-${randomUUID().slice(0, 8)}@example.test`, displayName: 'Bind', role: 'employee' }],
    '/api/allocations/distribute-to-lead': () => [a.manager, { leadId: a.lead.id, amount: '1' }],
    '/api/allocations/award-points': () => [a.lead, { userId: a.employee.id, amount: '1' }],
    '/api/recognitions': () => [a.manager, { recipientId: a.employee.id, points: '1', message: 'bind' }],
    '/api/allocations/bulk-awards': () => [a.manager, { items: [{ userId: a.employee.id, amount: '1' }] }],
  };
  const SMUGGLED = (): Record<string, unknown> => ({ tenantId: b.tenantId, role: 'platform_admin', balance: '1000000.00', status: 'succeeded', issuerId: b.manager.id });
  const jsonRoutes = () => operations().filter(({ method, op }) => ['POST', 'PUT', 'PATCH'].includes(method) && op.requestBody?.content['application/json']);
  /** A JSON command route's call, waiting for the outcome. */
  const send = async (method: string, path: string, as: TestUser, body: unknown) => call(stack.base, method, path, { token: await tokenFor(as), body, headers: { prefer: 'wait=20' } });

  it('every JSON route has a valid body here, and it is accepted (the control for the cases below)', async () => {
    expect(jsonRoutes().map((r) => r.path).filter((path) => !VALID[path])).toEqual([]);
    for (const { method, path } of jsonRoutes()) {
      const [as, body, concrete = path] = await VALID[path]();
      const response = await send(method, concrete, as, body);
      expect({ path, status: response.status, ok: [200, 201, 202].includes(response.status) }).toEqual({ path, status: response.status, ok: true });
    }
    await waitForQuiet(em());
  });

  it('tenantId, role, balance, status and issuerId on every JSON route: 400 naming the field (strict schemas), or ignored, never used', async () => {
    const outcomes: string[] = [];
    for (const { method, path, op } of jsonRoutes()) {
      const properties = Object.keys(op.requestBody?.content['application/json'].schema.properties ?? {});
      for (const [field, value] of Object.entries(SMUGGLED())) {
        // A field the route really takes (tenantId for allocate, role for a new user) is not smuggled there.
        if (properties.includes(field)) continue;
        const [as, body, concrete = path] = await VALID[path]();
        await waitForQuiet(em());
        const before = await snapshot(em());
        const response = await send(method, concrete, as, { ...body, [field]: value });
        outcomes.push(`${path} ${field} → ${response.status}`);
        if (response.status === 400) {
          expect(response.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.stringContaining(field) })]));
          expect(await snapshot(em())).toEqual(before);
          continue;
        }
        // Accepted: then it was ignored. The stored command is the caller's, in the caller's tenant, and B is untouched.
        expect({ path, field, status: response.status, ok: [200, 201, 202].includes(response.status) }).toEqual({ path, field, status: response.status, ok: true });
        await waitForQuiet(em());
        const after = await snapshot(em());
        expect(after.tenants[b.tenantId]).toEqual(before.tenants[b.tenantId]);
        const id = response.body.commandId ?? response.body.bulkId;
        if (id) {
          const [stored] = await em().fork().execute<{ tenant_id: string | null; issuer_id: string }[]>('SELECT tenant_id, issuer_id FROM commands WHERE id = ?', [id]);
          expect(stored).toEqual({ tenant_id: as.tenantId, issuer_id: as.id });
        }
      }
    }
    expect(outcomes.length).toBeGreaterThanOrEqual(30);
  });

  it("a manager creating a user may not make them a platform admin, nor set their tenant (400); nothing changes", async () => {
    const before = await snapshot(em());
    for (const extra of [{ role: 'platform_admin' }, { tenantId: a.tenantId }, { active: false }, { id: randomUUID() }]) {
      const response = await waitFor('/api/users', a.manager, { email: `x-${randomUUID().slice(0, 8)}@example.test`, displayName: 'X', role: 'employee', ...extra });
      expect({ extra, status: response.status, code: response.body.error?.code }).toEqual({ extra, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect(await snapshot(em())).toEqual(before);
  });

  it("extra keys in a bulk award's rows (tenantId, issuerId, balance, status, role) are ignored: the award comes from A's pool, goes to A's user, and B is untouched", async () => {
    await waitForQuiet(em());
    const before = await snapshot(em());
    const row = { userId: a.employee2.id, amount: '2', ...SMUGGLED(), wallet: { balance: '999' } };
    const accepted = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: await tokenFor(a.manager), rawBody: JSON.stringify({ items: [row] }).replace('"wallet"', '"__proto__":{"amount":"999"},"wallet"') });
    expect(accepted.status).toBe(202);
    await waitForQuiet(em());
    const status = await get(accepted.body.statusUrl, a.manager);
    expect(status.body).toMatchObject({ status: 'succeeded', succeeded: 1, totalAmount: '2.00' });
    const after = await snapshot(em());
    expect(after.tenants[b.tenantId]).toEqual(before.tenants[b.tenantId]);
    const [wallet] = await em().fork().execute<{ balance: string }[]>('SELECT balance::text FROM wallets WHERE user_id = ?', [a.employee2.id]);
    const [previous] = /=([\d.]+)\//.exec(before.tenants[a.tenantId].wallets.split(',').find((w) => w.startsWith(a.employee2.id)) ?? '')?.slice(1) ?? [];
    expect(Number(wallet.balance) - Number(previous)).toBe(2);
    const [stored] = await em().fork().execute<{ tenant_id: string; issuer_id: string }[]>('SELECT tenant_id, issuer_id FROM commands WHERE id = ?', [accepted.body.bulkId]);
    expect(stored).toEqual({ tenant_id: a.tenantId, issuer_id: a.manager.id });
  });
});

describe('body limits and nesting', () => {
  const bodyRoutes = () => operations().filter(({ method, op }) => method === 'POST' && op.requestBody);
  /** The limit the route's documented 413 names, else the harness's BODY_LIMIT (the bulk route: its own 20 MB). */
  const limitOf = (op: DocumentedOperation, path: string) =>
    limitInBytes(/larger than (\d+(?:\.\d+)?\s*[kmg]?b)\b/i.exec(op.responses?.['413']?.description ?? '')?.[1] ?? (path.includes('bulk') ? '20mb' : '100kb'));

  it('one byte past its limit, every route with a body answers 413 with the SPEC error body naming the body, as JSON and as CSV, and stores nothing', async () => {
    const checked: string[] = [];
    for (const { path, op } of bodyRoutes()) {
      const limit = limitOf(op, path);
      const caller = VALID_CALLER(path);
      for (const type of Object.keys(op.requestBody?.content ?? {})) {
        const head = type === 'text/csv' ? `userId,amount,description\n${a.employee.id},1,` : '{"description":"';
        const tail = type === 'text/csv' ? '\n' : '"}';
        const body = head + 'x'.repeat(limit + 1 - head.length - tail.length) + tail;
        expect(Buffer.byteLength(body)).toBe(limit + 1);
        const before = await snapshot(em());
        const response = await rawRequest(stack.base, { method: 'POST', path, headers: { authorization: `Bearer ${await tokenFor(caller)}`, 'content-type': type }, body });
        checked.push(`${path} ${type} ${limit + 1} bytes → ${response.status}`);
        expect({ path, type, status: response.status }).toEqual({ path, type, status: 413 });
        expect(response.json).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.any(String), details: [expect.objectContaining({ field: 'body' })] } });
        expect(await snapshot(em())).toEqual(before);
      }
    }
    expect(checked.some((line) => line.includes('bulk-awards text/csv 20971521'))).toBe(true);
  }, 180_000);

  const deep = (depth: number, kind: 'arrays' | 'objects' | 'in a field') =>
    kind === 'arrays'
      ? `${'['.repeat(depth)}${']'.repeat(depth)}`
      : kind === 'objects'
        ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
        : `{"description":${'['.repeat(depth)}${']'.repeat(depth)}}`;

  // Was a 500 (a stack overflow walking the body); refused at MAX_NESTING levels since.
  it('deeply nested JSON (10,000 and 45,000 levels, under the 100 kb limit; 1,000,000 on the bulk route) is a 4xx with the SPEC error body on every route, and stores nothing', async () => {
    const failures: string[] = [];
    const before = await snapshot(em());
    for (const { path } of bodyRoutes()) {
      const depths = path.includes('bulk') ? [10_000, 45_000, 1_000_000] : [10_000, 45_000];
      for (const depth of depths) {
        for (const kind of ['arrays', 'objects', 'in a field'] as const) {
          const response = await rawRequest(stack.base, { method: 'POST', path, headers: { authorization: `Bearer ${await tokenFor(VALID_CALLER(path))}`, 'content-type': 'application/json' }, body: deep(depth, kind) });
          const violation = errorModelViolation(response.status, response.json, response.text);
          if (violation) failures.push(`POST ${path} ${depth} nested ${kind}: ${violation}`);
        }
      }
    }
    expect(await snapshot(em())).toEqual(before);
    expect(failures).toEqual([]);
  }, 120_000);

  it('deeply nested JSON, whatever it is answered today, stores nothing and leaves the gateway serving', async () => {
    const before = await snapshot(em());
    for (const { path } of bodyRoutes()) {
      const response = await rawRequest(stack.base, { method: 'POST', path, headers: { authorization: `Bearer ${await tokenFor(VALID_CALLER(path))}`, 'content-type': 'application/json' }, body: deep(45_000, 'in a field') });
      expect(response.status).toBeGreaterThanOrEqual(400);
    }
    await waitForQuiet(em());
    expect(await snapshot(em())).toEqual(before);
    expect((await get('/api/me', a.manager)).status).toBe(200);
  });

  it('nesting well below that depth (1,000 levels) is a 400 on every route (the same requests, shallower)', async () => {
    for (const { path } of bodyRoutes()) {
      for (const kind of ['arrays', 'objects', 'in a field'] as const) {
        const response = await rawRequest(stack.base, { method: 'POST', path, headers: { authorization: `Bearer ${await tokenFor(VALID_CALLER(path))}`, 'content-type': 'application/json' }, body: deep(1_000, kind) });
        expect({ path, kind, status: response.status, code: (response.json as { error?: { code?: string } })?.error?.code }).toEqual({ path, kind, status: 400, code: 'VALIDATION_FAILED' });
      }
    }
  });
});

/** Who may post to a route, for the size and nesting cases. */
function VALID_CALLER(path: string): TestUser {
  return path.startsWith('/api/platform') ? admin : a.manager;
}

describe('text stored and returned verbatim', () => {
  /** SQL metacharacters and unicode that must survive byte for byte (no trimming: none of them starts or ends with a space). */
  const PIECES = [
    "Robert'); DROP TABLE users;--",
    "' OR '1'='1' /*",
    '%_\\ $1 $$ ::text E\'\\x00\'',
    '🎉🏆 👨‍👩‍👧‍👦',
    'مرحبا بالعالم',
    'שלום \u202Egnp.exe\u202C',
    'e\u0301 n\u0303 Z̴̡̛͓a̶l̷g̶o̸',
    '"q" <b>&amp;</b>',
    '\u2028\u2029\uFEFF',
    '😀\u200D\u2640\uFE0F',
  ];
  const TEXT = PIECES.join(' | ');
  const SHORT = "'; DROP--🎉 مرحبا e\u0301 \u202Ex";

  it('is at most the length of the shortest field it goes in', () => {
    expect(TEXT.length).toBeLessThanOrEqual(200);
    expect(SHORT.length).toBeLessThanOrEqual(100);
    expect(TEXT.normalize('NFC')).not.toBe(TEXT);
  });

  const findBy = <T extends Record<string, unknown>>(items: T[], key: string, value: unknown) => items.find((item) => item[key] === value);

  it("a tenant's name, an allocation's note and invoice number", async () => {
    const slug = `verbatim-${randomUUID().slice(0, 8)}`;
    const created = await post('/api/platform/tenants', admin, { name: TEXT, slug });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe(TEXT);
    const listed = await get('/api/platform/tenants?limit=200', admin);
    expect(findBy(listed.body.items, 'slug', slug)?.name).toBe(TEXT);

    const allocated = await waitFor('/api/platform/allocations/allocate', admin, { tenantId: created.body.id, amount: '5', currency: 'USD', referenceNote: TEXT, invoiceNumber: SHORT });
    expect(allocated.status).toBe(200);
    const history = await get(`/api/platform/allocations/history/${created.body.id}`, admin);
    expect(history.body.items[0]).toMatchObject({ referenceNote: TEXT, invoiceNumber: SHORT });
  });

  it("a new user's display name", async () => {
    const email = `verbatim-${randomUUID().slice(0, 8)}@example.test`;
    expect((await waitFor('/api/users', a.manager, { email, displayName: TEXT, role: 'employee' })).status).toBe(200);
    const users = await get('/api/users?limit=200', a.manager);
    expect(findBy(users.body.items, 'email', email)?.displayName).toBe(TEXT);
  });

  it("a delegation's and an award's description, a recognition's message, a bulk award's descriptions (JSON and CSV)", async () => {
    const delegated = await waitFor('/api/allocations/distribute-to-lead', a.manager, { leadId: a.lead.id, amount: '1', description: TEXT });
    const awarded = await waitFor('/api/allocations/award-points', a.manager, { userId: a.employee.id, amount: '1', description: TEXT });
    const recognised = await waitFor('/api/recognitions', a.manager, { recipientId: a.employee.id, points: '1', message: TEXT });
    for (const response of [delegated, awarded, recognised]) expect(response.status).toBe(200);

    const bulkJson = await post('/api/allocations/bulk-awards', a.manager, { description: TEXT, items: [{ userId: a.employee2.id, amount: '1', description: TEXT }] });
    const csvCell = `"${TEXT.replace(/"/g, '""')}"`;
    const bulkCsv = await call(stack.base, 'POST', `/api/allocations/bulk-awards?description=${encodeURIComponent(TEXT)}`, {
      token: await tokenFor(a.manager),
      rawBody: `userId,amount,description\n${a.employee2.id},1,${csvCell}\n`,
      headers: { 'content-type': 'text/csv' },
    });
    expect([bulkJson.status, bulkCsv.status]).toEqual([202, 202]);
    await waitForQuiet(em());
    for (const bulk of [bulkJson, bulkCsv]) expect((await get(bulk.body.statusUrl, a.manager)).body.status).toBe('succeeded');

    const history = await get('/api/allocations/history/tenant?limit=200', a.manager);
    const byCommand = (id: string) => (history.body.items as { commandId: string; description: string | null }[]).filter((item) => item.commandId === id).map((item) => item.description);
    expect(byCommand(delegated.body.commandId)).toEqual([TEXT]);
    expect(byCommand(awarded.body.commandId)).toEqual([TEXT]);
    expect(byCommand(recognised.body.commandId)).toEqual([TEXT]);
    expect(byCommand(bulkJson.body.bulkId)).toEqual([TEXT]);
    expect(byCommand(bulkCsv.body.bulkId)).toEqual([TEXT]);
    const stored = await em().fork().execute<{ description: string | null }[]>('SELECT description FROM bulk_awards WHERE id IN (?, ?)', [bulkJson.body.bulkId, bulkCsv.body.bulkId]);
    expect(stored.map((row) => row.description)).toEqual([TEXT, TEXT]);
    const [recognition] = await em().fork().execute<{ message: string }[]>('SELECT message FROM recognitions WHERE command_id = ?', [recognised.body.commandId]);
    expect(recognition.message).toBe(TEXT);
  });
});
