import { EntityManager } from '@mikro-orm/postgresql';
import { CommandType } from '@points/contracts';
import { TestDatabase, createTestDatabase, insertCommand, insertUser, journalCounts } from '@points/testing';
import { applyCommands } from '../src/ledger/apply-commands';
import { submitDueScheduleRuns } from '../src/schedules/submit-due-runs';
import { expectBooksBalanced, fundedTenant, run, runAt as runAtClock } from './ledger-harness';
import { workerHarness } from './worker-harness';

// Recurring allocations (issue #13), applied by the real ledger with the clock
// injected: each period of a calendar schedule allocates exactly once, in order,
// however often its run is submitted; a top-up tops the pool up once per dip.

let db: TestDatabase;
let em: EntityManager;
const harness = workerHarness(() => em);
beforeAll(async () => {
  db = await createTestDatabase();
  em = db.orm.em as EntityManager;
});
afterAll(async () => {
  await expectBooksBalanced(em);
  await harness.close();
  await db.drop();
});

type Tenant = Awaited<ReturnType<typeof fundedTenant>>;
type Issuer = { id: string; tenantId: string | null };

const runAt = (at: string, type: CommandType, issuer: Issuer, payload: unknown) => runAtClock(em, at, type, issuer, payload);

async function schedule(t: Tenant, at: string, terms: Record<string, unknown>): Promise<string> {
  const created = await runAt(at, 'create_schedule', t.admin, { tenantId: t.tenantId, currency: 'EUR', referenceNote: 'subscription', ...terms });
  expect(created).toMatchObject({ status: 'succeeded' });
  return (created as { result: { scheduleId: string } }).result.scheduleId;
}

const pool = async (tenantId: string) => (await em.fork().execute<{ balance: string }[]>('SELECT points_allocation_balance::text AS balance FROM tenants WHERE id = ?', [tenantId]))[0].balance;
const runsOf = (scheduleId: string) =>
  em.fork().execute<{ period_key: string; amount: string; command_id: string }[]>('SELECT period_key, amount::text, command_id FROM allocation_schedule_runs WHERE schedule_id = ? ORDER BY created_at, period_key', [scheduleId]);

describe('a monthly schedule', () => {
  it('allocates on the 1st at midnight in its time zone, once per period, with its invoice number and the allocation records', async () => {
    const t = await fundedTenant(em);
    const id = await schedule(t, '2026-11-25T10:00:00Z', { cadence: 'monthly', timeZone: 'Europe/Berlin', amount: '500', invoicePattern: 'SUB-{yyyy}-{mm}-{n}' });
    const [row] = await em.fork().execute('SELECT next_run_at FROM allocation_schedules WHERE id = ?', [id]);
    // Midnight of 1 December in Berlin is 23:00 UTC on 30 November.
    expect(new Date(row.next_run_at).toISOString()).toBe('2026-11-30T23:00:00.000Z');

    expect(await runAt('2026-11-30T22:59:59Z', 'run_schedule', t.admin, { scheduleId: id })).toMatchObject({ status: 'succeeded', result: { allocated: false, reason: 'not_due' } });
    const first = await runAt('2026-11-30T23:00:05Z', 'run_schedule', t.admin, { scheduleId: id });
    expect(first).toMatchObject({
      status: 'succeeded',
      result: { allocated: true, reason: 'allocated', periodKey: '2026-11-30T23:00:00.000Z', amount: '500.00', invoiceNumber: 'SUB-2026-12-1', pool: { previousBalance: '1000.00', newBalance: '1500.00' } },
    });
    expect((first as { result: { nextRunAt: string } }).result.nextRunAt).toMatch(/^2026-12-31T23:00:00/);
    const [log] = await em.fork().execute('SELECT amount::text, transaction_type, currency, reference_note FROM allocation_logs WHERE command_id = ?', [first.id]);
    expect(log).toEqual({ amount: '500.00', transaction_type: 'allocation', currency: 'EUR', reference_note: 'subscription' });
    const [bill] = await em.fork().execute('SELECT invoice_number FROM platform_billing_logs WHERE command_id = ?', [first.id]);
    expect(bill).toEqual({ invoice_number: 'SUB-2026-12-1' });

    // The same period again — by its key, or whatever is due an hour later — moves nothing.
    const before = await journalCounts(em);
    expect(await runAt('2026-12-01T01:00:00Z', 'run_schedule', t.admin, { scheduleId: id, periodKey: '2026-11-30T23:00:00Z' })).toMatchObject({ result: { allocated: false, reason: 'period_passed' } });
    expect(await runAt('2026-12-01T01:00:00Z', 'run_schedule', t.admin, { scheduleId: id })).toMatchObject({ result: { allocated: false, reason: 'not_due' } });
    expect(await journalCounts(em)).toEqual(before);
    expect(await pool(t.tenantId)).toBe('1500.00');
    expect(await runsOf(id)).toEqual([{ period_key: '2026-11-30T23:00:00.000Z', amount: '500.00', command_id: first.id }]);
  });

  it('catches up missed periods in order, one run each; a later period than the next due is refused', async () => {
    const t = await fundedTenant(em);
    const id = await schedule(t, '2026-01-15T00:00:00Z', { cadence: 'monthly', amount: '100', invoicePattern: 'INV-{yyyy}{mm}' });
    expect(await runAt('2026-04-20T00:00:00Z', 'run_schedule', t.admin, { scheduleId: id, periodKey: '2026-03-01T00:00:00Z' })).toMatchObject({
      status: 'rejected',
      error: { code: 'VALIDATION_FAILED', details: [{ field: 'periodKey', message: 'the next period due is 2026-02-01T00:00:00.000Z' }] },
    });
    const invoices = [];
    for (let i = 0; i < 4; i++) invoices.push(((await runAt('2026-04-20T00:00:00Z', 'run_schedule', t.admin, { scheduleId: id })) as { result: { invoiceNumber: string | null } }).result.invoiceNumber);
    expect(invoices).toEqual(['INV-202602', 'INV-202603', 'INV-202604', null]);
    expect((await runsOf(id)).map((r) => r.period_key)).toEqual(['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z']);
    expect(await pool(t.tenantId)).toBe('1300.00');
  });

  it('fired twice for one period — by the scheduler twice, or two runs at once — allocates it once; the database refuses a second run row', async () => {
    const t = await fundedTenant(em);
    const id = await schedule(t, '2026-05-10T00:00:00Z', { cadence: 'cron', cron: '0 9 * * 1', amount: '70' });
    const at = new Date('2026-05-11T09:00:30Z');
    // The scheduler, fired twice (or on two workers): one command for the period (the database is shared: other tests' schedules may be due too).
    expect(await submitDueScheduleRuns(em, harness.queues, at)).toBeGreaterThanOrEqual(1);
    expect(await submitDueScheduleRuns(em, harness.queues, at)).toBe(0);
    const submitted = await em.fork().execute<{ id: string; issuer_id: string; idempotency_key: string }[]>(
      `SELECT id, issuer_id, idempotency_key FROM accepted_commands WHERE type = 'run_schedule' AND payload->>'scheduleId' = ?`,
      [id],
    );
    expect(submitted).toEqual([{ id: expect.any(String), issuer_id: t.admin.id, idempotency_key: `schedule:${id}:2026-05-11T09:00:00.000Z` }]);
    expect(await harness.queues.commands.getJob(submitted[0].id)).toBeDefined();

    // That command and two more for the same period, applied at once.
    const more = await Promise.all([1, 2].map(() => insertCommand(em, { type: 'run_schedule', tenantId: null, issuerId: t.admin.id, payload: { scheduleId: id, periodKey: '2026-05-11T09:00:00Z' } })));
    const outcomes = await Promise.all([submitted[0].id, ...more].map(async (commandId) => (await applyCommands(em, [commandId], { now: () => at })).get(commandId)));
    expect(outcomes.map((o) => (o?.status === 'succeeded' ? (o.result as { reason: string }).reason : o?.status)).sort()).toEqual(['allocated', 'period_passed', 'period_passed']);
    expect(await pool(t.tenantId)).toBe('1070.00');

    const [ran] = await runsOf(id);
    await expect(
      em.fork().execute(`INSERT INTO allocation_schedule_runs (schedule_id, period_key, tenant_id, command_id, amount) VALUES (?, ?, ?, ?, 70)`, [id, ran.period_key, t.tenantId, more[0]]),
    ).rejects.toThrow(/allocation_schedule_runs_pkey/);
  });

  it('goes on after a refused run: the period is submitted again once its command was rejected', async () => {
    const t = await fundedTenant(em);
    const id = await schedule(t, '2026-07-01T12:00:00Z', { cadence: 'monthly', amount: '5' });
    const at = new Date('2026-08-01T00:10:00Z');
    await em.fork().execute('UPDATE users SET active = false WHERE id = ?', [t.admin.id]);
    expect(await submitDueScheduleRuns(em, harness.queues, at)).toBeGreaterThanOrEqual(1);
    const ofSchedule = () =>
      em.fork().execute<{ id: string; status: string; idempotency_key: string }[]>(
        `SELECT id, status, idempotency_key FROM commands WHERE type = 'run_schedule' AND payload->>'scheduleId' = ? ORDER BY created_at`,
        [id],
      );
    const [first] = await ofSchedule();
    expect((await applyCommands(em, [first.id], { now: () => at })).get(first.id)).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
    await em.fork().execute('UPDATE users SET active = true WHERE id = ?', [t.admin.id]);
    await submitDueScheduleRuns(em, harness.queues, at);
    const [, again] = await ofSchedule();
    expect(again.idempotency_key).toBe(`schedule:${id}:2026-08-01T00:00:00.000Z:after:${first.id}`);
    expect((await applyCommands(em, [again.id], { now: () => at })).get(again.id)).toMatchObject({ status: 'succeeded', result: { allocated: true } });
    await submitDueScheduleRuns(em, harness.queues, at);
    expect(await ofSchedule()).toHaveLength(2);
  });

  it('steps over a daylight-saving gap the cron library cannot (Lord Howe, April) to the next period', async () => {
    const t = await fundedTenant(em);
    const id = await schedule(t, '2026-04-02T00:00:00Z', { cadence: 'cron', cron: '0 2 * * *', timeZone: 'Australia/Lord_Howe', amount: '1' });
    const runs = [];
    for (const day of ['2026-04-03', '2026-04-04', '2026-04-05', '2026-04-06']) {
      const outcome = await runAt(`${day}T12:00:00Z`, 'run_schedule', t.admin, { scheduleId: id });
      expect(outcome).toMatchObject({ status: 'succeeded' });
      runs.push((outcome as { result: { periodKey: string | null } }).result.periodKey);
    }
    expect(new Set(runs).size).toBe(runs.length);
    expect(runs.every((key) => key !== null)).toBe(true);
  });
});

describe('a top-up', () => {
  it('brings the available pool up to its target when below its floor, once per dip, even racing awards', async () => {
    const t = await fundedTenant(em);
    const id = await schedule(t, '2026-06-01T00:00:00Z', { cadence: 'top_up', topUpTo: '1000', whenBelow: '500', invoicePattern: 'TOP-{n}' });
    expect(await run(em, 'run_schedule', t.admin, { scheduleId: id })).toMatchObject({ result: { allocated: false, reason: 'not_low' } });
    expect(await run(em, 'award', t.manager, { userId: t.employee.id, amount: '600' })).toMatchObject({ status: 'succeeded' });

    // Two runs (a scheduler fired twice) and an award, at once: one top-up, sized by the pool it saw.
    const runs = await Promise.all([1, 2].map(() => insertCommand(em, { type: 'run_schedule', tenantId: null, issuerId: t.admin.id, payload: { scheduleId: id } })));
    const award = await insertCommand(em, { type: 'award', tenantId: t.tenantId, issuerId: t.manager.id, payload: { userId: t.employee2.id, amount: '100' } });
    const outcomes = await Promise.all([...runs, award].map(async (commandId) => (await applyCommands(em, [commandId])).get(commandId)));
    const results = outcomes.slice(0, 2).map((o) => o?.status === 'succeeded' && (o.result as { reason: string; amount: string | null }));
    expect(results.map((r) => r && r.reason).sort()).toEqual(['allocated', 'not_low']);
    expect(outcomes[2]).toMatchObject({ status: 'succeeded' });
    const toppedUp = results.find((r) => r && r.reason === 'allocated') as { amount: string };
    // Before the award: 400 → 1000, then 900. After it: 300 → 1000.
    expect([['600.00', '900.00'], ['700.00', '1000.00']]).toContainEqual([toppedUp.amount, await pool(t.tenantId)]);
    expect(await runsOf(id)).toEqual([{ period_key: expect.stringMatching(/^top-up@\d+$/), amount: toppedUp.amount, command_id: expect.any(String) }]);
    const [bill] = await em.fork().execute('SELECT invoice_number FROM platform_billing_logs b JOIN allocation_schedule_runs r ON r.command_id = b.command_id WHERE r.schedule_id = ?', [id]);
    expect(bill).toEqual({ invoice_number: 'TOP-1' });
  });

  it('is submitted by the scheduler only while the pool is below the floor, once per pool version', async () => {
    const t = await fundedTenant(em, '100.00');
    const id = await schedule(t, '2026-06-01T00:00:00Z', { cadence: 'top_up', topUpTo: '300', whenBelow: '200' });
    expect(await submitDueScheduleRuns(em, harness.queues)).toBeGreaterThanOrEqual(1);
    expect(await submitDueScheduleRuns(em, harness.queues)).toBe(0);
    const [command] = await em.fork().execute<{ id: string }[]>(`SELECT id FROM accepted_commands WHERE type = 'run_schedule' AND payload->>'scheduleId' = ?`, [id]);
    expect((await applyCommands(em, [command.id])).get(command.id)).toMatchObject({ result: { allocated: true, amount: '200.00' } });
    expect(await pool(t.tenantId)).toBe('300.00');
    const again = await em.fork().execute<{ id: string }[]>(`SELECT id FROM accepted_commands WHERE type = 'run_schedule' AND payload->>'scheduleId' = ?`, [id]);
    expect(again).toHaveLength(1);
  });
});

describe('changing a schedule', () => {
  it('pausing skips its periods; resuming goes on from the next one; edits keep the cadence; deleting ends it', async () => {
    const t = await fundedTenant(em);
    const id = await schedule(t, '2026-01-10T00:00:00Z', { cadence: 'monthly', amount: '10' });
    expect(await runAt('2026-01-20T00:00:00Z', 'update_schedule', t.admin, { scheduleId: id, paused: true })).toMatchObject({ result: { status: 'paused', nextRunAt: null } });
    expect(await runAt('2026-02-02T00:00:00Z', 'run_schedule', t.admin, { scheduleId: id })).toMatchObject({ result: { allocated: false, reason: 'paused' } });
    const resumed = await runAt('2026-03-15T00:00:00Z', 'update_schedule', t.admin, { scheduleId: id, paused: false, amount: '25' });
    expect(resumed).toMatchObject({ result: { status: 'active', amount: '25.00', nextRunAt: expect.stringMatching(/^2026-04-01T00:00:00/) } });
    expect(await runAt('2026-04-01T00:00:00Z', 'run_schedule', t.admin, { scheduleId: id })).toMatchObject({ result: { allocated: true, amount: '25.00', periodKey: '2026-04-01T00:00:00.000Z' } });

    expect(await runAt('2026-04-02T00:00:00Z', 'update_schedule', t.admin, { scheduleId: id, topUpTo: '5' })).toMatchObject({
      status: 'rejected',
      error: { code: 'VALIDATION_FAILED', details: [{ field: 'topUpTo', message: 'not taken by a monthly schedule' }] },
    });
    expect(await runAt('2026-04-02T00:00:00Z', 'delete_schedule', t.admin, { scheduleId: id })).toMatchObject({ result: { status: 'deleted' } });
    expect(await runAt('2026-05-01T00:00:00Z', 'run_schedule', t.admin, { scheduleId: id })).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
    expect(await runAt('2026-05-01T00:00:00Z', 'update_schedule', t.admin, { scheduleId: id, amount: '1' })).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
    expect(await submitDueScheduleRuns(em, harness.queues, new Date('2026-06-01T00:00:00Z'))).toBe(0);
    expect((await runsOf(id)).map((r) => r.amount)).toEqual(['25.00']);
    const audited = await em.fork().execute<{ event_type: string }[]>(
      `SELECT event_type FROM outbox_events WHERE event_type LIKE 'schedule.%' AND payload->>'tenantId' = ? ORDER BY created_at, event_type`,
      [t.tenantId],
    );
    expect(audited.map((e) => e.event_type)).toEqual(['schedule.created', 'schedule.updated', 'schedule.skipped', 'schedule.updated', 'schedule.deleted']);
  });

  it('is for platform admins, of a tenant that exists', async () => {
    const t = await fundedTenant(em);
    expect(await run(em, 'create_schedule', t.manager, { tenantId: t.tenantId, cadence: 'monthly', amount: '1', currency: 'EUR', referenceNote: 'x' })).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
    const admin = await insertUser(em, 'platform_admin', null);
    expect(await run(em, 'create_schedule', admin, { tenantId: '00000000-0000-4000-8000-000000000000', cadence: 'monthly', amount: '1', currency: 'EUR', referenceNote: 'x' })).toMatchObject({
      status: 'rejected',
      error: { code: 'NOT_FOUND' },
    });
    expect(await run(em, 'create_schedule', admin, { tenantId: t.tenantId, cadence: 'top_up', amount: '1', currency: 'EUR', referenceNote: 'x' })).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_FAILED' } });
  });
});
