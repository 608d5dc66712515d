import { ScheduleResult, page } from '@points/contracts';
import { TestUser, balances, insertTenantWithStaff, insertUser, journalCounts } from '@points/testing';
import { Stack, call, fundTenant, startStack, tokenFor } from './gateway-harness';

// Recurring allocations over HTTP, with the real ledger worker and its job
// scheduler ticking every second: a platform admin schedules, lists, pauses,
// runs and deletes; a top-up due is allocated by the scheduler on its own;
// terms that do not fit are a 400 naming the field, and nothing is stored.

let stack: Stack;
let t: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let admin: TestUser;
const tokens: Record<string, string> = {};
const wait = { prefer: 'wait=10' };

beforeAll(async () => {
  stack = await startStack({ workerEnv: { SCHEDULE_TICK_MS: '1000' } });
  t = await insertTenantWithStaff(stack.db.orm.em);
  admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  tokens.admin = await tokenFor(admin);
  tokens.manager = await tokenFor(t.manager);
  expect((await fundTenant(stack, admin, t.tenantId, '100')).status).toBe(200);
});
afterAll(() => stack.stop());

const send = (method: string, path: string, body?: unknown, who = 'admin') => call(stack.base, method, path, { token: tokens[who], headers: wait, body });
const list = async (query = '') => page(ScheduleResult).parse((await call(stack.base, 'GET', `/api/platform/schedules${query}`, { token: tokens.admin })).body).items;
const terms = { currency: 'EUR', referenceNote: 'plan' };

it('a monthly schedule: created, listed with its next run, paused, resumed and deleted — each a command with its audit event', async () => {
  const created = await send('POST', '/api/platform/schedules', { tenantId: t.tenantId, cadence: 'monthly', timeZone: 'europe/berlin', amount: '250', invoicePattern: 'ACME-{yyyy}{mm}', ...terms });
  expect(created.status).toBe(200);
  const schedule = ScheduleResult.parse(created.body.result);
  expect(schedule).toMatchObject({ cadence: 'monthly', cron: '0 0 1 * *', timeZone: 'Europe/Berlin', amount: '250.00', status: 'active', runs: 0, ownerId: admin.id });
  // Midnight on the next 1st, in Berlin.
  const next = new Date(schedule.nextRunAt as string);
  expect(next > new Date()).toBe(true);
  expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).format(next)).toBe('1, 00:00');
  expect((await list(`?tenantId=${t.tenantId}`)).map((s) => [s.scheduleId, s.nextRunAt])).toContainEqual([schedule.scheduleId, schedule.nextRunAt]);

  const paused = await send('PATCH', `/api/platform/schedules/${schedule.scheduleId}`, { paused: true });
  expect(paused.body.result).toMatchObject({ status: 'paused', nextRunAt: null });
  // Run now: not due (paused), nothing moves.
  expect((await send('POST', `/api/platform/schedules/${schedule.scheduleId}/run`)).body.result).toMatchObject({ allocated: false, reason: 'paused' });
  expect((await send('PATCH', `/api/platform/schedules/${schedule.scheduleId}`, { paused: false })).body.result).toMatchObject({ status: 'active', nextRunAt: schedule.nextRunAt });
  expect((await send('POST', `/api/platform/schedules/${schedule.scheduleId}/run`)).body.result).toMatchObject({ allocated: false, reason: 'not_due' });

  const deleted = await send('DELETE', `/api/platform/schedules/${schedule.scheduleId}`);
  expect([deleted.status, deleted.body.result.status]).toEqual([200, 'deleted']);
  expect((await list()).map((s) => s.scheduleId)).not.toContain(schedule.scheduleId);
  expect((await list('?includeDeleted=true')).map((s) => s.scheduleId)).toContain(schedule.scheduleId);
  const events = await stack.db.orm.em
    .fork()
    .execute<{ event_type: string }[]>(`SELECT event_type FROM outbox_events WHERE event_type LIKE 'schedule.%' AND payload->'schedule'->>'scheduleId' = ? OR payload->'after'->>'scheduleId' = ? ORDER BY created_at`, [
      schedule.scheduleId,
      schedule.scheduleId,
    ]);
  expect(events.map((e) => e.event_type)).toEqual(['schedule.created', 'schedule.updated', 'schedule.updated', 'schedule.deleted']);
});

it('a top-up is allocated by the scheduler on its own once the pool is below its floor, once', async () => {
  const created = await send('POST', '/api/platform/schedules', { tenantId: t.tenantId, cadence: 'top_up', topUpTo: '400', whenBelow: '150', ...terms });
  const { scheduleId } = created.body.result;
  // The pool holds 100: below the floor. The next tick (every second here) tops it up to 400.
  const deadline = Date.now() + 15_000;
  while ((await balances(stack.db.orm.em, t.tenantId)).pool !== '400.00' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect((await balances(stack.db.orm.em, t.tenantId)).pool).toBe('400.00');
  await new Promise((r) => setTimeout(r, 2_500));
  const [listed] = (await list(`?tenantId=${t.tenantId}`)).filter((s) => s.scheduleId === scheduleId);
  expect(listed).toMatchObject({ cadence: 'top_up', runs: 1, nextRunAt: null, lastRunAt: expect.any(String) });
  expect((await balances(stack.db.orm.em, t.tenantId)).pool).toBe('400.00');
  await send('DELETE', `/api/platform/schedules/${scheduleId}`);
});

it('terms that do not fit the cadence, a cron that fires every minute or not at all, and a manager are refused; nothing is stored', async () => {
  const before = await journalCounts(stack.db.orm.em);
  const cases: [Record<string, unknown>, string][] = [
    [{ cadence: 'monthly' }, 'amount'],
    [{ cadence: 'monthly', amount: '5', cron: '0 9 * * 1' }, 'cron'],
    [{ cadence: 'cron', amount: '5' }, 'cron'],
    [{ cadence: 'cron', amount: '5', cron: '* * * * *' }, 'cron'],
    [{ cadence: 'cron', amount: '5', cron: '0 0 31 2 *' }, 'cron'],
    [{ cadence: 'cron', amount: '5', cron: '0 0 * * * *' }, 'cron'],
    [{ cadence: 'cron', amount: '5', cron: '0 H * * *' }, 'cron'],
    [{ cadence: 'cron', amount: '5', cron: '0 0 31 2,4,6,9,11 *' }, 'cron'],
    [{ cadence: 'top_up', topUpTo: '10', whenBelow: '20' }, 'whenBelow'],
    [{ cadence: 'top_up', topUpTo: '10', whenBelow: '5', amount: '1' }, 'amount'],
    [{ cadence: 'monthly', amount: '5', timeZone: 'Mars/Olympus' }, 'timeZone'],
    [{ cadence: 'weekly', amount: '5' }, 'cadence'],
  ];
  for (const [body, field] of cases) {
    const refused = await send('POST', '/api/platform/schedules', { tenantId: t.tenantId, ...terms, ...body });
    expect([refused.status, refused.body.error.code, refused.body.error.details.map((d: { field: string }) => d.field)]).toEqual([400, 'VALIDATION_FAILED', expect.arrayContaining([field])]);
  }
  const manager = await send('POST', '/api/platform/schedules', { tenantId: t.tenantId, cadence: 'monthly', amount: '5', ...terms }, 'manager');
  expect(manager.status).toBe(403);
  const empty = await send('PATCH', '/api/platform/schedules/00000000-0000-4000-8000-000000000000', {});
  expect([empty.status, empty.body.error.details[0].field]).toEqual([400, 'paused']);
  const smuggled = await send('DELETE', '/api/platform/schedules/00000000-0000-4000-8000-000000000000', { tenantId: t.tenantId });
  expect([smuggled.status, smuggled.body.error.details[0].field]).toEqual([400, 'tenantId']);
  const missing = await send('DELETE', '/api/platform/schedules/00000000-0000-4000-8000-000000000000');
  expect([missing.status, missing.body.error.code]).toEqual([404, 'NOT_FOUND']);
  expect(await journalCounts(stack.db.orm.em)).toEqual(before);
  expect(await stack.db.orm.em.fork().execute(`SELECT count(*)::int AS n FROM accepted_commands WHERE type = 'create_schedule' AND issuer_id = ?`, [t.manager.id])).toEqual([{ n: 0 }]);
});
