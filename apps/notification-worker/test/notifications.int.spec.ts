import { insertTenantWithStaff, insertUser } from '@points/testing';
import { NotificationWorld, count, notificationProblems, notificationWorld } from './notification-harness';

let world: NotificationWorld;
beforeAll(async () => {
  world = await notificationWorld();
  world.startRelay();
  world.startWorker();
});
afterAll(() => world.close());

it('every command type produces exactly its feed and audit rows, with the right content', async () => {
  const t = await insertTenantWithStaff(world.em);
  const admin = await insertUser(world.em, 'platform_admin', null);
  const allocate = await world.submit('allocate', admin, { tenantId: t.tenantId, amount: '500.00', currency: 'USD', referenceNote: 'plan', invoiceNumber: 'INV-9' });
  await world.settle();
  const delegate = await world.submit('delegate', t.manager, { leadId: t.lead.id, amount: '100' });
  await world.settle();
  const award = await world.submit('award', t.lead, { userId: t.employee.id, amount: '20', description: 'release' });
  const recognition = await world.submit('recognition', t.manager, { recipientId: t.employee2.id, points: '5', message: 'Thanks for the review!' });
  const kudos = await world.submit('recognition', t.employee, { recipientId: t.employee2.id, points: '0', message: 'high five' });
  const rejected = await world.submit('award', t.manager, { userId: t.employee.id, amount: '999999' });
  const user = await world.submit('create_user', t.hr, { email: 'new@x.test', displayName: 'Newbie', role: 'employee' });
  const clawback = await world.submit('clawback', admin, { tenantId: t.tenantId, amount: '300', referenceNote: 'unused' });
  await world.settle();

  const feed = await world.em.fork().execute<Record<string, string>[]>(
    'SELECT f.type, f.actor_id, f.target_user_id, f.points, f.message, o.command_id FROM feed f JOIN outbox o ON o.id = f.event_id WHERE f.tenant_id = ? ORDER BY f.points DESC',
    [t.tenantId],
  );
  expect(feed).toEqual([
    { type: 'award', actor_id: t.lead.id, target_user_id: t.employee.id, points: '20.00', message: 'release', command_id: award },
    { type: 'recognition', actor_id: t.manager.id, target_user_id: t.employee2.id, points: '5.00', message: 'Thanks for the review!', command_id: recognition },
    { type: 'recognition', actor_id: t.employee.id, target_user_id: t.employee2.id, points: '0.00', message: 'high five', command_id: kudos },
  ]);

  const audit = await world.em.fork().execute<{ action: string; entity_type: string; command_id: string | null; actor_id: string; after: Record<string, unknown> }[]>(
    'SELECT a.action, a.entity_type, o.command_id, a.actor_id, a.after FROM audit_log a LEFT JOIN outbox o ON o.id = a.event_id WHERE a.tenant_id = ?',
    [t.tenantId],
  );
  const byCommand = (id: string) => audit.filter((row) => row.command_id === id).map((row) => `${row.action}/${row.entity_type}`);
  expect(byCommand(allocate)).toEqual(['points.allocated/tenant_pool']);
  expect(byCommand(delegate)).toEqual(['points.delegated/lead_budget']);
  expect(byCommand(award)).toEqual(['points.awarded/wallet']);
  expect(byCommand(recognition)).toEqual(['recognition.created/recognition']);
  expect(byCommand(kudos)).toEqual(['recognition.created/recognition']);
  expect(byCommand(rejected)).toEqual(['command.rejected/command']);
  expect(byCommand(user)).toEqual(['user.created/user']);
  expect(byCommand(clawback)).toEqual(['points.clawed_back/tenant_pool']);
  expect(audit.find((row) => row.command_id === allocate)?.after).toMatchObject({ balance: '500.00', amount: '500.00', currency: 'USD', invoiceNumber: 'INV-9' });
  expect(audit.find((row) => row.command_id === rejected)?.after).toMatchObject({ error: { code: 'INSUFFICIENT_BALANCE' } });

  // The clawback took the pool from 395.00 to 95.00, below the 100.00 threshold: one alert.
  const alerts = audit.filter((row) => row.action === 'pool.low_balance');
  expect(alerts).toEqual([expect.objectContaining({ entity_type: 'tenant_pool', after: expect.objectContaining({ balance: '95.00', threshold: '100.00' }) })]);
  expect(await notificationProblems(world.em)).toEqual([]);
});

it('an invalid event goes to the dead-letter queue with the reason, and the next valid event is still processed', async () => {
  const t = await insertTenantWithStaff(world.em);
  const admin = await insertUser(world.em, 'platform_admin', null);
  await world.notifications.add('points.awarded', { type: 'points.awarded', eventId: 'not-a-uuid', amount: -1 }, { jobId: 'bad-event-1' });
  const next = await world.submit('allocate', admin, { tenantId: t.tenantId, amount: '5', currency: 'USD', referenceNote: 'after the bad one' });
  await world.settle();

  const dead = await world.deadLetters.getJobs(['waiting']);
  expect(dead).toHaveLength(1);
  expect(dead[0].data).toMatchObject({ source: 'notifications', jobId: 'bad-event-1', payload: { eventId: 'not-a-uuid' } });
  expect(dead[0].data.reason).toMatch(/eventId/);
  expect(await count(world.em, 'SELECT count(*) FROM audit_log a JOIN outbox o ON o.id = a.event_id WHERE o.command_id = ?', [next])).toBe(1);
});
