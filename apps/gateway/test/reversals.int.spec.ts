import { randomUUID } from 'node:crypto';
import { FeedEntryView, WalletLedgerView, page } from '@points/contracts';
import { TestUser, balances, insertTenantWithStaff, insertUser } from '@points/testing';
import { Stack, call, fundTenant, startStack, tokenFor } from './gateway-harness';

// Reversals over HTTP, with the real ledger worker: a tenant manager reverses an
// award with a reason; the recipient's wallet history shows the correcting
// entry, the feed shows the award reversed, a repeat answers with the first; the
// recipient, another tenant and a reason left out are refused, changing nothing.

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
  for (const [name, user] of Object.entries({ manager: t.manager, employee: t.employee, otherManager: other.manager })) tokens[name] = await tokenFor(user);
  expect((await fundTenant(stack, admin, t.tenantId, '500')).status).toBe(200);
});
afterAll(() => stack.stop());

const send = (who: string, path: string, body: unknown) => call(stack.base, 'POST', path, { token: tokens[who], headers: wait, body });
const feed = async () => page(FeedEntryView).parse((await call(stack.base, 'GET', '/api/feed', { token: tokens.employee })).body).items;

it('a manager reverses an award: the wallet history shows the correction, the feed shows it reversed, a repeat answers with the first', async () => {
  const award = await send('manager', '/api/allocations/award-points', { userId: t.employee.id, amount: '75', description: 'launch' });
  expect(award.body.status).toBe('succeeded');
  // The feed entry, as the notification worker writes it for the award's event.
  await stack.db.orm.em.fork().execute(
    `INSERT INTO feed (id, event_id, tenant_id, actor_id, target_user_id, type, message, points, reference_id)
     SELECT ?, o.id, o.tenant_id, ?, ?, 'award', 'launch', 75, o.command_id FROM outbox_events o WHERE o.command_id = ? AND o.event_type = 'points.awarded'`,
    [randomUUID(), t.manager.id, t.employee.id, award.body.commandId],
  );
  expect((await feed()).map((entry) => entry.reversed)).toEqual([false]);

  const reversal = await send('manager', `/api/reversals/${award.body.commandId}`, { reason: 'wrong colleague' });
  expect(reversal.status).toBe(200);
  expect(reversal.body.result).toMatchObject({ originalCommandId: award.body.commandId, alreadyReversed: false, amount: '75.00', wallet: { newBalance: '0.00' }, source: { type: 'tenant_pool', newBalance: '500.00' } });
  expect((await feed()).map((entry) => entry.reversed)).toEqual([true]);
  const history = page(WalletLedgerView).parse((await call(stack.base, 'GET', '/api/wallets/me/ledger', { token: tokens.employee })).body).items;
  expect(history.map((row) => [row.transactionType, row.amount, row.newBalance])).toEqual([
    ['reversal', '-75.00', '0.00'],
    ['award', '75.00', '75.00'],
  ]);

  const again = await send('manager', `/api/reversals/${award.body.commandId}`, { reason: 'again' });
  expect(again.body.result).toMatchObject({ alreadyReversed: true, reversalId: reversal.body.commandId });
});

it('the recipient may not reverse (403), another tenant finds nothing (404), a reason is required (400); nothing changes', async () => {
  const award = await send('manager', '/api/allocations/award-points', { userId: t.employee2.id, amount: '5' });
  const before = await balances(stack.db.orm.em, t.tenantId);
  const forbidden = await send('employee', `/api/reversals/${award.body.commandId}`, { reason: 'mine' });
  expect([forbidden.status, forbidden.body.error.code]).toEqual([403, 'FORBIDDEN']);
  const foreign = await send('otherManager', `/api/reversals/${award.body.commandId}`, { reason: 'not mine' });
  expect([foreign.status, foreign.body.error.code]).toEqual([404, 'NOT_FOUND']);
  const noReason = await send('manager', `/api/reversals/${award.body.commandId}`, {});
  expect([noReason.status, noReason.body.error.details[0].field]).toEqual([400, 'reason']);
  const badId = await send('manager', '/api/reversals/not-an-id', { reason: 'x' });
  expect([badId.status, badId.body.error.details[0].field]).toEqual([400, 'commandId']);
  expect(await balances(stack.db.orm.em, t.tenantId)).toEqual(before);
});

it('a manager reverses a whole bulk award over HTTP: every recipient gives their row back, the pool gets the total', async () => {
  const before = await balances(stack.db.orm.em, t.tenantId);
  const bulk = await send('manager', '/api/allocations/bulk-awards', { description: 'Q4', items: [{ userId: t.employee.id, amount: '8' }, { userId: t.employee2.id, amount: '2' }] });
  const bulkId = bulk.body.bulkId ?? bulk.body.commandId;
  const deadline = Date.now() + 15_000;
  while ((await call(stack.base, 'GET', `/api/allocations/bulk-awards/${bulkId}`, { token: tokens.manager })).body.status !== 'succeeded' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const reversal = await send('manager', `/api/reversals/${bulkId}`, { reason: 'sent twice' });
  expect([reversal.status, reversal.body.result]).toEqual([200, expect.objectContaining({ originalCommandId: bulkId, amount: '10.00', recipients: 2, recipientId: null, wallet: null, source: expect.objectContaining({ type: 'tenant_pool' }) })]);
  expect(await balances(stack.db.orm.em, t.tenantId)).toEqual(before);
});
