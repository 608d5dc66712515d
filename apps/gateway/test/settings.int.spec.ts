import { SettingsView, MeView } from '@points/contracts';
import { TestUser, balances, insertTenantWithStaff, insertUser } from '@points/testing';
import { Stack, call, fundTenant, startStack, tokenFor } from './gateway-harness';

// GET/PUT /api/settings and the limits they set, over HTTP with the real ledger
// worker: who may read and change them, a 400 naming the field with nothing
// changed, LIMIT_EXCEEDED under Prefer: wait, GET /api/me's usage, isolation.

let stack: Stack;
let t: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let other: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let admin: TestUser;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack();
  t = await insertTenantWithStaff(stack.db.orm.em);
  other = await insertTenantWithStaff(stack.db.orm.em);
  admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  for (const [name, user] of Object.entries({ manager: t.manager, hr: t.hr, lead: t.lead, employee: t.employee, otherManager: other.manager })) tokens[name] = await tokenFor(user);
  expect((await fundTenant(stack, admin, t.tenantId, '10000')).status).toBe(200);
});
afterAll(() => stack.stop());

const getSettings = (who: string) => call(stack.base, 'GET', '/api/settings', { token: tokens[who] });
const putSettings = (who: string, body: unknown, headers: Record<string, string> = { prefer: 'wait=10' }) => call(stack.base, 'PUT', '/api/settings', { token: tokens[who], body, headers });

describe('GET /api/settings', () => {
  it('answers the defaults, version 0, for a tenant that never set any; managers and HR admins may read, others may not', async () => {
    const read = await getSettings('hr');
    expect(read.status).toBe(200);
    expect(SettingsView.parse(read.body)).toEqual({
      tenantId: t.tenantId,
      version: 0,
      settings: { timeZone: 'UTC', limits: { perAward: null, perGiver: null, perRecipient: null, reciprocal: null }, approvals: null, reversals: null, expiry: null, budgetReturn: null },
      updatedAt: null,
      updatedBy: null,
    });
    expect((await getSettings('lead')).body.error.code).toBe('FORBIDDEN');
    expect((await getSettings('employee')).status).toBe(403);
  });
});

describe('PUT /api/settings', () => {
  it('a tenant manager replaces them: 200 under Prefer: wait, a new version, read back as written', async () => {
    const put = await putSettings('manager', { timeZone: 'europe/berlin', limits: { perAward: 250, perGiver: { amount: '1000', period: 'month' } }, approvals: null });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ type: 'update_settings', status: 'succeeded', result: { version: 1, settings: { timeZone: 'Europe/Berlin', limits: { perAward: '250.00' } } } });
    const read = await getSettings('manager');
    expect(read.body).toMatchObject({ version: 1, updatedBy: t.manager.id, settings: { limits: { perGiver: { amount: '1000.00', period: 'month' } } } });
  });

  it.each([
    ['an unknown time zone', { timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    ['an offset instead of a zone', { timeZone: '+02:00' }, 'timeZone'],
    ['a period the platform does not know', { limits: { perGiver: { amount: '10', period: 'year' } } }, 'limits.perGiver.period'],
    ['a negative cap', { limits: { perAward: '-5' } }, 'limits.perAward'],
    ['an unknown field', { limits: { perDay: '5' } }, 'limits.perDay'],
    ['a fractional award count', { limits: { reciprocal: { maxAwards: 1.5, period: 'week' } } }, 'limits.reciprocal.maxAwards'],
    ['approvals left out (a PUT that meant to change a limit must not switch them off)', { timeZone: 'UTC', limits: {} }, 'approvals'],
  ])('refuses %s with a 400 naming the field, and changes nothing', async (_name, body, field) => {
    const before = (await getSettings('manager')).body;
    const refused = await putSettings('manager', body);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('VALIDATION_FAILED');
    expect(refused.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect((await getSettings('manager')).body).toEqual(before);
  });

  it('an HR admin may not change them (403), and nothing changes', async () => {
    const before = (await getSettings('manager')).body;
    const refused = await putSettings('hr', {});
    expect(refused.status).toBe(403);
    expect((await getSettings('manager')).body).toEqual(before);
  });

  it("another tenant's settings are its own", async () => {
    expect((await getSettings('otherManager')).body).toMatchObject({ tenantId: other.tenantId, version: 0 });
  });
});

describe('limits over HTTP', () => {
  it('an award past a limit is 422 LIMIT_EXCEEDED naming the limit, and nothing moves', async () => {
    const before = await balances(stack.db.orm.em, t.tenantId);
    const refused = await call(stack.base, 'POST', '/api/allocations/award-points', { token: tokens.manager, headers: { prefer: 'wait=10' }, body: { userId: t.employee.id, amount: '250.01' } });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'LIMIT_EXCEEDED', details: [{ field: 'amount', limit: 'perAward', limitAmount: '250.00' }] });
    expect(refused.body.command).toMatchObject({ status: 'rejected' });
    expect(await balances(stack.db.orm.em, t.tenantId)).toEqual(before);
  });

  it('GET /api/me shows each limit with what is used and what remains this period', async () => {
    const award = await call(stack.base, 'POST', '/api/allocations/award-points', { token: tokens.manager, headers: { prefer: 'wait=10' }, body: { userId: t.employee.id, amount: '200' } });
    expect(award.status).toBe(200);
    const me = MeView.parse((await call(stack.base, 'GET', '/api/me', { token: tokens.manager })).body);
    expect(me.limits).toMatchObject({ timeZone: 'Europe/Berlin', perAward: '250.00', asGiver: { amount: '1000.00', period: 'month', used: '200.00', remaining: '800.00' }, asRecipient: null });
    expect(new Date(me.limits?.asGiver?.periodStart as string).getTime()).toBeLessThanOrEqual(Date.now());
    const employee = MeView.parse((await call(stack.base, 'GET', '/api/me', { token: tokens.employee })).body);
    expect(employee.limits?.asGiver).toMatchObject({ used: '0.00', remaining: '1000.00' });
  });

  it('the OpenAPI document lists both routes and the new codes', async () => {
    const doc = (await call(stack.base, 'GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths['/api/settings']).sort()).toEqual(['get', 'put']);
    expect(JSON.stringify(doc.paths['/api/allocations/award-points'].post.responses['422'])).toContain('LIMIT_EXCEEDED');
    expect(JSON.stringify(doc.paths['/api/recognitions'].post.responses['422'])).toContain('RECIPROCAL_LIMIT_EXCEEDED');
  });
});
