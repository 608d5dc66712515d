import { insertTenantWithStaff, insertUser } from '@points/testing';
import { Stack, call, startStack, tokenFor } from './gateway-harness';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.stop());

const wait = { prefer: 'wait=10' };

it("the seed's data-flow example through HTTP only: allocate 50,000 → award 1,000 → the accounting check balances", async () => {
  const t = await insertTenantWithStaff(stack.db.orm.em);
  const admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  const adminToken = await tokenFor(admin);
  const managerToken = await tokenFor(t.manager);

  const allocation = await call(stack.base, 'POST', '/api/platform/allocations/allocate', {
    token: adminToken,
    headers: wait,
    body: { tenantId: t.tenantId, amount: '50000', currency: 'USD', referenceNote: 'Annual plan', invoiceNumber: 'INV-2026-001' },
  });
  expect(allocation.status).toBe(200);
  expect(allocation.body).toMatchObject({ type: 'allocate', status: 'succeeded', result: { previousBalance: '0.00', newBalance: '50000.00' } });

  const recognition = await call(stack.base, 'POST', '/api/recognitions', {
    token: managerToken,
    headers: wait,
    body: { recipientId: t.employee.id, points: 1000, message: 'Shipped the launch' },
  });
  expect(recognition.status).toBe(200);
  expect(recognition.body.result).toMatchObject({
    source: { type: 'tenant_pool', previousBalance: '50000.00', newBalance: '49000.00' },
    wallet: { previousBalance: '0.00', newBalance: '1000.00' },
  });

  const pool = await call(stack.base, 'GET', '/api/allocations/pool', { token: managerToken });
  expect(pool.body).toMatchObject({ tenantId: t.tenantId, balance: '49000.00' });

  const me = await call(stack.base, 'GET', '/api/me', { token: await tokenFor(t.employee) });
  expect(me.body).toMatchObject({ user: { id: t.employee.id, role: 'employee' }, wallet: { balance: '1000.00', lifetimeEarned: '1000.00' }, leadBudget: null });

  const stats = await call(stack.base, 'GET', `/api/platform/allocations/stats/${t.tenantId}`, { token: adminToken });
  expect(stats.status).toBe(200);
  expect(stats.body).toMatchObject({
    totalAllocated: '50000.00',
    poolBalance: '49000.00',
    walletsTotal: '1000.00',
    accountingCheck: { balanced: true, netAllocated: '50000.00', heldPerJournals: '50000.00', heldPerBalances: '50000.00' },
  });

  const history = await call(stack.base, 'GET', `/api/platform/allocations/history/${t.tenantId}`, { token: adminToken });
  expect(history.body.items).toEqual([expect.objectContaining({ transactionType: 'allocation', amount: '50000.00', invoiceNumber: 'INV-2026-001' })]);
});

it('a lead spends a delegated budget; the command resource and histories show it', async () => {
  const t = await insertTenantWithStaff(stack.db.orm.em);
  const admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  const [adminToken, managerToken, leadToken] = await Promise.all([tokenFor(admin), tokenFor(t.manager), tokenFor(t.lead)]);
  await call(stack.base, 'POST', '/api/platform/allocations/allocate', { token: adminToken, headers: wait, body: { tenantId: t.tenantId, amount: '100', currency: 'EUR', referenceNote: 'x' } });
  const delegation = await call(stack.base, 'POST', '/api/allocations/distribute-to-lead', { token: managerToken, headers: wait, body: { leadId: t.lead.id, amount: '40' } });
  expect(delegation.body.result).toMatchObject({ leadBudget: { previousBalance: '0.00', newBalance: '40.00' } });

  const award = await call(stack.base, 'POST', '/api/allocations/award-points', { token: leadToken, body: { userId: t.employee.id, amount: '15.50' } });
  expect(award.status).toBe(202);
  expect(award.headers.get('location')).toBe(award.body.statusUrl);
  const outcome = await poll(stack.base, award.body.statusUrl, leadToken);
  expect(outcome).toMatchObject({ status: 'succeeded', result: { source: { type: 'lead_budget', newBalance: '24.50' } } });

  const own = await call(stack.base, 'GET', '/api/allocations/history', { token: leadToken });
  expect(own.body.items).toEqual([expect.objectContaining({ transactionType: 'award', amount: '15.50', sourceType: 'lead_budget' })]);
  const all = await call(stack.base, 'GET', '/api/allocations/history/tenant', { token: managerToken });
  expect(all.body.items.map((i: { transactionType: string }) => i.transactionType)).toEqual(['award', 'delegation']);
  const ledger = await call(stack.base, 'GET', '/api/wallets/me/ledger', { token: await tokenFor(t.employee) });
  expect(ledger.body.items).toEqual([expect.objectContaining({ amount: '15.50', previousBalance: '0.00', newBalance: '15.50', version: '1' })]);
});

async function poll(base: string, url: string, token: string) {
  for (let i = 0; i < 100; i++) {
    const response = await call(base, 'GET', url, { token });
    if (!['queued', 'processing'].includes(response.body.status)) return response.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('command did not finish');
}

