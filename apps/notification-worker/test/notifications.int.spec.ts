import { randomUUID } from 'node:crypto';
import { insertTenantWithStaff, insertUser } from '@points/testing';
import { NotificationWorld, count, notificationProblems, notificationWorld, removePlantedEvent } from './notification-harness';

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

it('budget governance: departments, held awards and a held bulk award — an audit row each, feed entries only for what was posted, and the notification check clean', async () => {
  const t = await insertTenantWithStaff(world.em);
  const admin = await insertUser(world.em, 'platform_admin', null);
  await world.submit('allocate', admin, { tenantId: t.tenantId, amount: '1000', currency: 'USD', referenceNote: 'plan' });
  await world.settle();
  await world.submit('update_settings', t.manager, { timeZone: 'UTC', limits: {}, approvals: { threshold: '50', windowHours: 24 } });
  const created = await world.submit('create_department', t.manager, { name: 'Sales', headId: t.lead.id });
  await world.settle();
  const { departmentId } = await world.resultOf<{ departmentId: string }>(created);
  const funded = await world.submit('fund_department', t.manager, { departmentId, amount: '200' });
  await world.settle();
  const fromDepartment = await world.submit('award', t.lead, { userId: t.employee.id, amount: '20', departmentId });
  const approvedAward = await world.submit('award', t.manager, { userId: t.employee.id, amount: '80' });
  const declinedAward = await world.submit('award', t.manager, { userId: t.employee2.id, amount: '70' });
  const bulk = await world.submitBulkAward(t.manager, 'launch', [{ userRef: t.employee.id, amountText: '60' }, { userRef: t.employee2.id, amountText: '10' }]);
  await world.settle();
  const approval = await world.submit('approve_award', t.hr, { approvalId: approvedAward });
  const decline = await world.submit('decline_award', t.hr, { approvalId: declinedAward, reason: 'not now' });
  const bulkApproval = await world.submit('approve_award', t.hr, { approvalId: bulk });
  await world.settle();

  const feed = await world.em.fork().execute<Record<string, string>[]>(
    'SELECT f.type, f.actor_id, f.points, o.command_id FROM feed f JOIN outbox o ON o.id = f.event_id WHERE f.tenant_id = ? ORDER BY f.points DESC',
    [t.tenantId],
  );
  expect(feed).toEqual([
    { type: 'award', actor_id: t.manager.id, points: '80.00', command_id: approval },
    { type: 'bulk_award', actor_id: t.manager.id, points: '70.00', command_id: bulkApproval },
    { type: 'award', actor_id: t.lead.id, points: '20.00', command_id: fromDepartment },
  ]);
  const actions = await world.em.fork().execute<{ command_id: string; action: string }[]>(
    'SELECT o.command_id, a.action FROM audit_log a JOIN outbox o ON o.id = a.event_id WHERE a.tenant_id = ?',
    [t.tenantId],
  );
  const actionOf = (id: string) => actions.filter((row) => row.command_id === id).map((row) => row.action);
  expect([created, funded, approvedAward, decline, bulk, bulkApproval].map(actionOf)).toEqual([
    ['department.created'],
    ['department.transferred'],
    ['award.pending_approval'],
    ['award.hold_released'],
    ['bulk_award.pending_approval'],
    ['bulk_award.approved'],
  ]);
  expect(await notificationProblems(world.em)).toEqual([]);
}, 120_000);

it('an event that breaks the contract is dead-lettered in the outbox with the reason, and the next event is still delivered', async () => {
  const t = await insertTenantWithStaff(world.em);
  const admin = await insertUser(world.em, 'platform_admin', null);
  const first = await world.submit('allocate', admin, { tenantId: t.tenantId, amount: '5', currency: 'USD', referenceNote: 'before the bad one' });
  await world.settle();
  // A defect upstream: the ledger committed an event its consumer cannot read.
  const [bad] = await world.em.fork().execute<{ id: string }[]>(
    `INSERT INTO outbox_events (id, event_type, tenant_id, command_id, payload) VALUES (gen_random_uuid(), 'points.awarded', ?, ?, '{"type": "points.awarded", "amount": -1}') RETURNING id`,
    [t.tenantId, first],
  );
  const next = await world.submit('allocate', admin, { tenantId: t.tenantId, amount: '5', currency: 'USD', referenceNote: 'after the bad one' });
  await world.settle();

  const [row] = await world.em.fork().execute<{ reason: string; delivered: boolean }[]>('SELECT dead_letter_reason AS reason, delivered_at IS NOT NULL AS delivered FROM outbox WHERE id = ?', [bad.id]);
  expect(row.delivered).toBe(false);
  expect(row.reason).toMatch(/^invalid event: .*eventId/);
  expect(await count(world.em, 'SELECT count(*) FROM audit_log WHERE event_id = ?', [bad.id])).toBe(0);
  expect(await count(world.em, 'SELECT count(*) FROM audit_log a JOIN outbox o ON o.id = a.event_id WHERE o.command_id = ?', [next])).toBe(1);
  // The operator sees it in the check, by its reason.
  expect(await notificationProblems(world.em)).toEqual([{ problem: `dead-lettered: ${row.reason}`, ref: bad.id, kind: 'points.awarded' }]);
  await removePlantedEvent(world.em, bad.id);
});

it('a forged job writes nothing: one naming no outbox event, or not naming one at all, goes to the dead-letter queue', async () => {
  const before = await count(world.em, 'SELECT (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM feed)');
  const forged = randomUUID();
  await world.notifications.add('points.awarded', { eventId: forged }, { jobId: 'forged-1' });
  await world.notifications.add('points.awarded', { type: 'points.awarded', tenantId: randomUUID(), amount: '1000000' } as never, { jobId: 'forged-2' });
  await world.settle();
  await waitFor(async () => (await world.deadLetters.getJobCounts('waiting')).waiting === 2);

  const dead = (await world.deadLetters.getJobs(['waiting'])).map((job) => job.data).sort((a, b) => String(a.jobId).localeCompare(String(b.jobId)));
  expect(dead).toEqual([
    expect.objectContaining({ source: 'notifications', jobId: 'forged-1', payload: { eventId: forged }, reason: expect.stringMatching(/no event .* in the outbox/) }),
    expect.objectContaining({ source: 'notifications', jobId: 'forged-2', reason: expect.stringMatching(/not a notification job/) }),
  ]);
  expect(await count(world.em, 'SELECT (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM feed)')).toBe(before);
  expect(await notificationProblems(world.em)).toEqual([]);
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
