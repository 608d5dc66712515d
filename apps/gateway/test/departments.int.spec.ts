import { AllocationStats, DepartmentLedgerView, DepartmentView, page } from '@points/contracts';
import { TestUser, balances, insertTenantWithStaff, insertUser } from '@points/testing';
import { Stack, call, fundTenant, startStack, tokenFor } from './gateway-harness';

// Department pools over HTTP, with the real ledger worker: a tenant manager
// creates a department and funds it; its head awards from it; a lead of it is
// delegated to from it; everyone sees only the departments they have a part in;
// another tenant's department is a 404; bad input is a 400 naming the field.

let stack: Stack;
let t: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let other: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let admin: TestUser;
let lead2: TestUser;
let departmentId: string;
const tokens: Record<string, string> = {};
const wait = { prefer: 'wait=10' };

beforeAll(async () => {
  stack = await startStack();
  t = await insertTenantWithStaff(stack.db.orm.em);
  other = await insertTenantWithStaff(stack.db.orm.em);
  admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  lead2 = await insertUser(stack.db.orm.em, 'lead', t.tenantId);
  const people = { manager: t.manager, hr: t.hr, lead: t.lead, lead2, employee: t.employee, otherManager: other.manager, admin };
  for (const [name, user] of Object.entries(people)) tokens[name] = await tokenFor(user);
  expect((await fundTenant(stack, admin, t.tenantId, '1000')).status).toBe(200);
});
afterAll(() => stack.stop());

const send = (who: string, method: string, path: string, body?: unknown) => call(stack.base, method, path, { token: tokens[who], headers: wait, body });
const list = async (who: string) => page(DepartmentView).parse((await call(stack.base, 'GET', '/api/departments', { token: tokens[who] })).body).items;

it('a tenant manager creates a department with a head; it starts with an empty pool', async () => {
  const created = await send('manager', 'POST', '/api/departments', { name: 'Engineering', headId: t.lead.id });
  expect(created.status).toBe(200);
  expect(created.body.result).toMatchObject({ name: 'Engineering', parentId: null, headId: t.lead.id });
  departmentId = created.body.result.departmentId;
  expect(await list('manager')).toEqual([expect.objectContaining({ id: departmentId, balance: '0.00', held: '0.00', available: '0.00', members: 0, version: '0' })]);
});

it('bad input is a 400 naming the field, a duplicate name a 400 from the ledger, HR may not create; nothing changes', async () => {
  const before = await balances(stack.db.orm.em, t.tenantId);
  const empty = await send('manager', 'PATCH', `/api/departments/${departmentId}`, {});
  expect([empty.status, empty.body.error.details[0].field]).toEqual([400, 'name']);
  const badHead = await send('manager', 'POST', '/api/departments', { name: 'Ops', headId: 'someone' });
  expect([badHead.status, badHead.body.error.details[0].field]).toEqual([400, 'headId']);
  const duplicate = await send('manager', 'POST', '/api/departments', { name: 'engineering' });
  expect([duplicate.status, duplicate.body.error.code, duplicate.body.error.details[0].field]).toEqual([400, 'VALIDATION_FAILED', 'name']);
  expect((await send('hr', 'POST', '/api/departments', { name: 'Ops' })).status).toBe(403);
  expect(await list('manager')).toHaveLength(1);
  expect(await balances(stack.db.orm.em, t.tenantId)).toEqual(before);
});

it('funding moves points from the pool; the head awards from the department; a member lead is delegated to from it', async () => {
  const funded = await send('hr', 'POST', `/api/departments/${departmentId}/fund`, { amount: '300', description: 'Q1 budget' });
  expect(funded.body.result).toMatchObject({ direction: 'fund', pool: { newBalance: '700.00' }, department: { newBalance: '300.00' } });

  const award = await send('lead', 'POST', '/api/allocations/award-points', { userId: t.employee.id, amount: '40', departmentId });
  expect(award.body.result).toMatchObject({ source: { type: 'department_pool', newBalance: '260.00' }, wallet: { newBalance: '40.00' } });
  expect((await send('manager', 'POST', '/api/allocations/award-points', { userId: t.employee.id, amount: '1', departmentId })).body.error.code).toBe('FORBIDDEN');

  expect((await send('manager', 'PUT', `/api/users/${lead2.id}/department`, { departmentId })).body.result).toEqual({ userId: lead2.id, departmentId, previousDepartmentId: null });
  const delegated = await send('lead', 'POST', '/api/allocations/distribute-to-lead', { leadId: lead2.id, amount: '60', departmentId });
  expect(delegated.body.result).toMatchObject({ source: { type: 'department_pool', newBalance: '200.00' }, leadBudget: { newBalance: '60.00' } });
  // A lead who names no department may not delegate (the catalog's check, before anything is stored).
  const noDepartment = await send('lead', 'POST', '/api/allocations/distribute-to-lead', { leadId: lead2.id, amount: '1' });
  expect([noDepartment.status, noDepartment.body.error.code, noDepartment.body.command]).toEqual([403, 'FORBIDDEN', undefined]);

  const ledger = page(DepartmentLedgerView).parse((await call(stack.base, 'GET', `/api/departments/${departmentId}/ledger`, { token: tokens.lead })).body).items;
  expect(ledger.map((row) => [row.version, row.transactionType, row.amount, row.newBalance])).toEqual([
    ['3', 'delegation', '-60.00', '200.00'],
    ['2', 'award', '-40.00', '260.00'],
    ['1', 'department_funding', '300.00', '300.00'],
  ]);
});

it('managers see every department; a head or member sees theirs; an employee none; another tenant gets 404', async () => {
  const child = await send('manager', 'POST', '/api/departments', { name: 'Platform', parentId: departmentId });
  expect(child.status).toBe(200);
  expect((await list('hr')).map((d) => d.name)).toEqual(['Engineering', 'Platform']);
  expect((await list('lead')).map((d) => d.name)).toEqual(['Engineering']);
  expect((await list('lead2')).map((d) => [d.name, d.members])).toEqual([['Engineering', 1]]);
  expect(await list('employee')).toEqual([]);
  expect(await list('otherManager')).toEqual([]);
  for (const [who, status] of [['employee', 404], ['otherManager', 404], ['lead', 200]] as const) {
    expect([who, (await call(stack.base, 'GET', `/api/departments/${departmentId}`, { token: tokens[who] })).status]).toEqual([who, status]);
    expect([who, (await call(stack.base, 'GET', `/api/departments/${departmentId}/ledger`, { token: tokens[who] })).status]).toEqual([who, status]);
  }
  const foreign = await send('otherManager', 'POST', `/api/departments/${departmentId}/fund`, { amount: '1' });
  expect([foreign.status, foreign.body.error.code]).toEqual([404, 'NOT_FOUND']);
});

it('a rename or a new head is a PATCH; a cycle is refused; returning funds goes back to the pool', async () => {
  const children = await list('manager');
  const platform = children.find((d) => d.name === 'Platform');
  const cycle = await send('manager', 'PATCH', `/api/departments/${departmentId}`, { parentId: platform?.id });
  expect([cycle.status, cycle.body.error.details[0].field]).toEqual([400, 'parentId']);
  const renamed = await send('manager', 'PATCH', `/api/departments/${departmentId}`, { name: 'R&D', headId: t.hr.id });
  expect(renamed.body.result).toMatchObject({ name: 'R&D', headId: t.hr.id });
  const returned = await send('manager', 'POST', `/api/departments/${departmentId}/return`, { amount: '200' });
  expect(returned.body.result).toMatchObject({ direction: 'return', pool: { newBalance: '900.00' }, department: { newBalance: '0.00' } });
});

it("the tenant's stats count department pools, and the accounting check balances", async () => {
  const stats = AllocationStats.parse((await call(stack.base, 'GET', `/api/platform/allocations/stats/${t.tenantId}`, { token: tokens.admin })).body);
  expect(stats).toMatchObject({ poolBalance: '900.00', departmentPoolsTotal: '0.00', leadBudgetsTotal: '60.00', walletsTotal: '40.00', accountingCheck: { balanced: true, netAllocated: '1000.00' } });
});
