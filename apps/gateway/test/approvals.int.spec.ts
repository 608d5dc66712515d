import { ApprovalView, PoolView, page } from '@points/contracts';
import { TestUser, balances, insertTenantWithStaff, insertUser } from '@points/testing';
import { Stack, call, fundTenant, startStack, tokenFor } from './gateway-harness';

// Approvals with holds over HTTP, with the real ledger worker: an award above
// the threshold answers pending_approval and holds its points; approvers list
// and decide it; the giver, another tenant and a second decision are refused.

let stack: Stack;
let t: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let other: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let admin: TestUser;
const tokens: Record<string, string> = {};
const wait = { prefer: 'wait=10' };

beforeAll(async () => {
  stack = await startStack();
  t = await insertTenantWithStaff(stack.db.orm.em);
  other = await insertTenantWithStaff(stack.db.orm.em);
  admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  for (const [name, user] of Object.entries({ manager: t.manager, hr: t.hr, employee: t.employee, employee2: t.employee2, otherManager: other.manager })) tokens[name] = await tokenFor(user);
  expect((await fundTenant(stack, admin, t.tenantId, '1000')).status).toBe(200);
  const settings = await call(stack.base, 'PUT', '/api/settings', { token: tokens.manager, headers: wait, body: { timeZone: 'UTC', limits: {}, approvals: { threshold: '100', windowHours: 48 } } });
  expect(settings.status).toBe(200);
});
afterAll(() => stack.stop());

const award = (amount: string) => call(stack.base, 'POST', '/api/allocations/award-points', { token: tokens.manager, headers: wait, body: { userId: t.employee.id, amount } });
const decide = (who: string, id: string, verb: 'approve' | 'decline', body?: unknown) => call(stack.base, 'POST', `/api/approvals/${id}/${verb}`, { token: tokens[who], headers: wait, body });
const approvals = async (who: string, status = 'pending') => page(ApprovalView).parse((await call(stack.base, 'GET', `/api/approvals?status=${status}`, { token: tokens[who] })).body).items;

it('an award above the threshold answers 200 pending_approval, and its points show as held, not available', async () => {
  const pending = await award('150');
  expect(pending.status).toBe(200);
  expect(pending.body.result).toMatchObject({ status: 'pending_approval', approvalId: pending.body.commandId, source: { held: '150.00', available: '850.00' } });
  const pool = PoolView.parse((await call(stack.base, 'GET', '/api/allocations/pool', { token: tokens.manager })).body);
  expect(pool).toMatchObject({ balance: '1000.00', held: '150.00', available: '850.00' });
  expect((await balances(stack.db.orm.em, t.tenantId)).wallets[t.employee.id]).toBe('0.00');
});

it('approvers see every pending award of the tenant; the recipient sees theirs as pending; nobody else does', async () => {
  const [pending] = await approvals('hr');
  expect(pending).toMatchObject({ giverId: t.manager.id, recipientId: t.employee.id, amount: '150.00', status: 'pending', decidedAt: null });
  expect((await approvals('employee')).map((a) => a.id)).toEqual([pending.id]);
  expect(await approvals('employee2')).toEqual([]);
  expect(await approvals('otherManager')).toEqual([]);
});

it('the giver may not approve (403), another tenant finds nothing (404), a bad id is a 400 naming it; nothing changes', async () => {
  const [pending] = await approvals('hr');
  const before = await balances(stack.db.orm.em, t.tenantId);
  expect((await decide('manager', pending.id, 'approve', {})).body.error.code).toBe('FORBIDDEN');
  expect((await decide('otherManager', pending.id, 'decline', { reason: 'no' })).status).toBe(404);
  const bad = await decide('hr', 'not-a-uuid', 'approve');
  expect(bad.status).toBe(400);
  expect(bad.body.error.details[0].field).toBe('approvalId');
  expect((await decide('hr', pending.id, 'decline', {})).body.error.details[0].field).toBe('reason');
  expect(await balances(stack.db.orm.em, t.tenantId)).toEqual(before);
});

it('an approver approves (no body needed): the points move; a second decision is 409 ALREADY_DECIDED', async () => {
  const [pending] = await approvals('hr');
  const approved = await decide('hr', pending.id, 'approve');
  expect(approved.status).toBe(200);
  expect(approved.body).toMatchObject({ type: 'approve_award', status: 'succeeded', result: { decision: 'approved', award: { amount: '150.00' }, source: { balance: '850.00', held: '0.00' } } });
  expect((await balances(stack.db.orm.em, t.tenantId)).wallets[t.employee.id]).toBe('150.00');

  const again = await decide('manager', pending.id, 'decline', { reason: 'changed my mind' });
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('ALREADY_DECIDED');
  expect(await approvals('hr')).toEqual([]);
  expect((await approvals('hr', 'all'))[0]).toMatchObject({ id: pending.id, status: 'approved', decidedBy: t.hr.id });
});

it('a bulk award with a row above the threshold is held whole: pending_approval on its status, listed as kind bulk_award, posted when approved', async () => {
  const bulk = await call(stack.base, 'POST', '/api/allocations/bulk-awards', {
    token: tokens.manager,
    headers: wait,
    body: { description: 'launch', items: [{ userId: t.employee.id, amount: '120' }, { userId: t.employee2.id, amount: '30' }] },
  });
  expect(bulk.status).toBe(202);
  const bulkId = bulk.body.bulkId as string;
  let progress = bulk.body;
  for (let tries = 0; ['queued', 'validating', 'applying'].includes(progress.status) && tries < 100; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    progress = (await call(stack.base, 'GET', bulk.body.statusUrl, { token: tokens.manager })).body;
  }
  expect(progress).toMatchObject({ status: 'pending_approval', processed: 2, succeeded: 0, totalAmount: '150.00', completedAt: null });
  const command = (await call(stack.base, 'GET', `/api/commands/${bulkId}`, { token: tokens.manager })).body;
  expect(command).toMatchObject({ status: 'succeeded', result: { status: 'pending_approval', recipients: 2, totalAmount: '150.00', source: { held: '150.00' } } });
  const [listed] = await approvals('hr');
  expect(listed).toMatchObject({ id: bulkId, kind: 'bulk_award', recipientId: null, amount: '150.00', status: 'pending' });
  const before = await balances(stack.db.orm.em, t.tenantId);

  const approved = await decide('hr', bulkId, 'approve', { reason: 'launch team' });
  expect(approved.body).toMatchObject({ status: 'succeeded', result: { decision: 'approved', award: null, bulkAward: { bulkId, recipients: 2, totalAmount: '150.00' } } });
  expect((await call(stack.base, 'GET', `/api/allocations/bulk-awards/${bulkId}`, { token: tokens.manager })).body).toMatchObject({ status: 'succeeded', succeeded: 2 });
  const after = await balances(stack.db.orm.em, t.tenantId);
  expect(after.wallets[t.employee2.id]).toBe((Number(before.wallets[t.employee2.id]) + 30).toFixed(2));
});

it('the OpenAPI document lists the approval routes with their codes', async () => {
  const doc = (await call(stack.base, 'GET', '/openapi.json')).body;
  expect(Object.keys(doc.paths['/api/approvals/{approvalId}/approve'])).toEqual(['post']);
  expect(JSON.stringify(doc.paths['/api/approvals/{approvalId}/approve'].post.responses['409'])).toContain('ALREADY_DECIDED');
  expect(doc.paths['/api/approvals'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['status', 'limit', 'cursor']));
});
