import { randomUUID } from 'node:crypto';
import { insertTenantWithStaff, insertUser } from '@points/testing';
import { Stack, call, startStack, tokenFor } from './gateway-harness';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(() => stack.stop());

/** Rows as the notification worker writes them (that worker is tested on its own). */
async function feedEntry(tenantId: string, actorId: string, targetId: string, message: string) {
  await stack.db.orm.em.fork().execute(
    `INSERT INTO feed (id, event_id, tenant_id, actor_id, target_user_id, type, message, points) VALUES (?, ?, ?, ?, ?, 'recognition', ?, 5)`,
    [randomUUID(), randomUUID(), tenantId, actorId, targetId, message],
  );
  await stack.db.orm.em.fork().execute(
    `INSERT INTO audit_log (id, event_id, tenant_id, actor_id, action, entity_type, entity_id, after) VALUES (?, ?, ?, ?, 'recognition.created', 'recognition', ?, '{}')`,
    [randomUUID(), randomUUID(), tenantId, actorId, randomUUID()],
  );
}

it('the feed and the audit trail are tenant-scoped: tenant B never sees tenant A’s entries', async () => {
  const a = await insertTenantWithStaff(stack.db.orm.em);
  const b = await insertTenantWithStaff(stack.db.orm.em);
  const admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  await feedEntry(a.tenantId, a.manager.id, a.employee.id, 'for A');
  await feedEntry(b.tenantId, b.manager.id, b.employee.id, 'for B');

  const feedA = await call(stack.base, 'GET', '/api/feed', { token: await tokenFor(a.employee2) });
  expect(feedA.body.items).toEqual([
    expect.objectContaining({ message: 'for A', points: '5.00', actor: { id: a.manager.id, displayName: expect.any(String) }, target: { id: a.employee.id, displayName: expect.any(String) } }),
  ]);
  const feedB = await call(stack.base, 'GET', '/api/feed', { token: await tokenFor(b.lead) });
  expect(feedB.body.items.map((i: { message: string }) => i.message)).toEqual(['for B']);

  const auditB = await call(stack.base, 'GET', '/api/audit', { token: await tokenFor(b.hr) });
  expect(auditB.body.items.map((i: { tenantId: string }) => i.tenantId)).toEqual([b.tenantId]);
  const platform = await call(stack.base, 'GET', `/api/platform/audit?tenantId=${a.tenantId}`, { token: await tokenFor(admin) });
  expect(platform.body.items.map((i: { tenantId: string }) => i.tenantId)).toEqual([a.tenantId]);
  const everything = await call(stack.base, 'GET', '/api/platform/audit', { token: await tokenFor(admin) });
  expect(everything.body.items).toHaveLength(2);
});
