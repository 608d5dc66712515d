import { EntityManager } from '@mikro-orm/postgresql';
import { expirePoints, returnUnspentBudgets } from '@points/db';
import { CommandType } from '@points/contracts';
import { TestDatabase, TestUser, createTestDatabase, insertUser, seededRandom } from '@points/testing';
import { applyCommands } from '../src/ledger/apply-commands';
import { submitDueScheduleRuns } from '../src/schedules/submit-due-runs';
import { accountingCheck, expectBooksBalanced, fundedTenant, runAt, settingsWith } from './ledger-harness';
import { workerHarness } from './worker-harness';

// Points over time (issue #13): a seeded random mix spanning 18 simulated
// months, the clock injected — awards, delegations, recognitions and reversals
// every few days, recurring allocations (monthly, cron, top-up) submitted by the
// scheduler and applied, point expiry and budget returns run as the days pass, in tenants of
// different zones and policies. Every few weeks, and at the end, the books
// balance (invariant 2, expired points included) and every journal chains.

const SEED = Number(process.env.MONTHS_SEED ?? 20261125);
const DAYS = 548;
const STEP_DAYS = 4;

let db: TestDatabase;
let em: EntityManager;
const harness = workerHarness(() => em);
beforeAll(async () => {
  db = await createTestDatabase(6);
  em = db.orm.em as EntityManager;
});
afterAll(async () => {
  await harness.close();
  await db.drop();
});

type Tenant = Awaited<ReturnType<typeof fundedTenant>> & { people: TestUser[] };

it(`keeps the books over 18 simulated months of awards, schedules, reversals and expiry (seed ${SEED})`, async () => {
  const random = seededRandom(SEED);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const amount = (max: number) => (1 + Math.floor(random() * max * 100) / 100).toFixed(2);
  const start = Date.parse('2025-01-01T00:00:00Z');
  const dayAt = (day: number) => new Date(start + day * 86_400_000 + Math.floor(random() * 86_400_000));
  const apply = (at: Date, type: CommandType, issuer: { id: string; tenantId: string | null }, payload: unknown) => runAt(em, at, type, issuer, payload);

  const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'];
  const tenants: Tenant[] = [];
  for (const [i, timeZone] of zones.entries()) {
    const t = await fundedTenant(em, '3000.00');
    const people = [t.employee, t.employee2, t.lead, await insertUser(em, 'employee', t.tenantId), await insertUser(em, 'employee', t.tenantId)];
    const at = new Date(start);
    const expiry = { walletMonths: 1 + i * 2, noticeDays: 10, reverseExpired: i % 2 === 0 ? 'reject' : 'what_remains' };
    const budgetReturn = i === 2 ? null : { period: i === 0 ? 'month' : 'quarter' };
    expect(await apply(at, 'update_settings', t.manager, settingsWith({ timeZone, expiry, budgetReturn }))).toMatchObject({ status: 'succeeded' });
    const schedule = (terms: Record<string, unknown>) => apply(at, 'create_schedule', t.admin, { tenantId: t.tenantId, currency: 'EUR', referenceNote: 'plan', timeZone, ...terms });
    await schedule({ cadence: 'monthly', amount: '400' });
    if (i !== 1) await schedule({ cadence: 'cron', cron: '0 9 * * 1', amount: '25' });
    await schedule({ cadence: 'top_up', topUpTo: '1500', whenBelow: '300' });
    tenants.push({ ...t, people });
  }

  const given: { tenant: Tenant; commandId: string }[] = [];
  let expired = 0;
  let returned = 0;
  let allocatedBySchedule = 0;
  for (let day = 0; day <= DAYS; day += STEP_DAYS) {
    for (const t of tenants) {
      for (let n = Math.floor(random() * 4); n > 0; n--) {
        const at = dayAt(day);
        const roll = random();
        let applied;
        if (roll < 0.35) applied = await apply(at, 'award', t.manager, { userId: pick(t.people.filter((p) => p.id !== t.lead.id)).id, amount: amount(60) });
        else if (roll < 0.5) applied = await apply(at, 'delegate', t.manager, { leadId: t.lead.id, amount: amount(150) });
        else if (roll < 0.7) applied = await apply(at, 'award', t.lead, { userId: pick(t.people.filter((p) => p.id !== t.lead.id)).id, amount: amount(30) });
        else if (roll < 0.85) applied = await apply(at, 'recognition', t.lead, { recipientId: t.employee.id, points: random() < 0.2 ? '0' : amount(10), message: 'thanks' });
        else if (given.length > 0) {
          const earlier = pick(given.filter((g) => g.tenant === t));
          if (earlier) await apply(at, 'reverse_award', t.manager, { commandId: earlier.commandId, reason: 'mix' });
        }
        if (applied?.status === 'succeeded') given.push({ tenant: t, commandId: applied.id });
      }
    }
    // The scheduler and the expiry job, as their ticks fire, at the end of the step's day.
    const tick = new Date(start + (day + 1) * 86_400_000 - 1);
    await submitDueScheduleRuns(em, harness.queues, tick);
    const due = await em.fork().execute<{ id: string }[]>(`SELECT id FROM commands WHERE type = 'run_schedule' AND status = 'queued' ORDER BY created_at`);
    for (const { id } of due) {
      const outcome = (await applyCommands(em, [id], { now: () => tick })).get(id);
      if (outcome?.status === 'succeeded' && (outcome.result as { allocated: boolean }).allocated) allocatedBySchedule += 1;
    }
    expired += Number((await expirePoints(em, { now: tick, tenantIds: tenants.map((t) => t.tenantId) })).amount);
    returned += Number((await returnUnspentBudgets(em, { now: tick, tenantIds: tenants.map((t) => t.tenantId) })).amount);
    if (day % (STEP_DAYS * 8) === 0) expect((await accountingCheck(em)).filter((row) => !row.balanced)).toEqual([]);
  }

  await expectBooksBalanced(em);
  // Every schedule kind ran, and points expired under every tenant's policy.
  expect(allocatedBySchedule).toBeGreaterThan(18 * 3);
  expect(expired).toBeGreaterThan(0);
  expect(returned).toBeGreaterThan(0);
  const perTenant = await em.fork().execute<{ tenant_id: string; balance: string }[]>('SELECT tenant_id, balance::text FROM expired_accounts WHERE tenant_id = ANY(?::uuid[])', [
    `{${tenants.map((t) => t.tenantId).join(',')}}`,
  ]);
  expect(perTenant.filter((row) => Number(row.balance) > 0)).toHaveLength(tenants.length);
  // A year after the last day every lot has matured: one more run empties every wallet — none is missed — and the books still balance.
  await expirePoints(em, { now: new Date(start + (DAYS + 400) * 86_400_000), tenantIds: tenants.map((t) => t.tenantId) });
  const left = await em.fork().execute<{ balance: string }[]>('SELECT balance::text FROM wallets WHERE tenant_id = ANY(?::uuid[]) AND balance <> 0', [`{${tenants.map((t) => t.tenantId).join(',')}}`]);
  expect(left).toEqual([]);
  await expectBooksBalanced(em);
}, 300_000);
