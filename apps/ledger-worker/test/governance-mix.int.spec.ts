import { EntityManager } from '@mikro-orm/postgresql';
import { CommandType, PendingAwardResult } from '@points/contracts';
import { TestDatabase, TestUser, createTestDatabase, insertCommand, insertUser, seededRandom } from '@points/testing';
import { applyCommands } from '../src/ledger/apply-commands';
import { expireHolds } from '../src/holds/expire-holds';
import { expectBooksBalanced, fundedTenant, run, settingsWith } from './ledger-harness';

// A seeded random mix of 1,000 commands over two tenants with budget governance
// switched on and off as it goes — settings changes, spend limits, awards above
// and below the approval threshold, approvals, declines, expiries, delegations,
// recognitions, clawbacks, and department pools funded, returned, spent by
// their heads and delegated from, with heads and members changing — applied in batches of every size, some at once.
// Afterwards every invariant holds: the accounting check (invariant 2), every
// journal chain and every source's held amount (invariant 3 and the holds),
// every command decided, and each current tally equal to what its journal says.

const SEED = Number(process.env.MIX_SEED ?? 20261125);
const COMMANDS = 1_000;

let db: TestDatabase;
let em: EntityManager;
beforeAll(async () => {
  db = await createTestDatabase(10);
  em = db.orm.em as EntityManager;
});
afterAll(() => db.drop());

type Tenant = Awaited<ReturnType<typeof fundedTenant>> & { people: TestUser[]; leads: TestUser[]; departments: { id: string; head: TestUser }[] };

it(`keeps every invariant after ${COMMANDS} random governed commands (seed ${SEED})`, async () => {
  const random = seededRandom(SEED);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const amount = (max: number) => (1 + Math.floor(random() * max * 100) / 100).toFixed(2);

  const tenants: Tenant[] = [];
  for (let i = 0; i < 2; i++) {
    const t = await fundedTenant(em, '20000.00');
    const leads = [t.lead, await insertUser(em, 'lead', t.tenantId)];
    const people = [t.employee, t.employee2, ...leads, await insertUser(em, 'employee', t.tenantId), await insertUser(em, 'employee', t.tenantId)];
    for (const lead of leads) await run(em, 'delegate', t.manager, { leadId: lead.id, amount: '2000' });
    const departments = [];
    for (const [name, head] of [['Sales', leads[0]], ['People', t.hr]] as const) {
      const created = await run(em, 'create_department', t.manager, { name, headId: head.id });
      departments.push({ id: (created as { result: { departmentId: string } }).result.departmentId, head });
    }
    await run(em, 'set_user_department', t.manager, { userId: leads[1].id, departmentId: departments[0].id });
    tenants.push({ ...t, people, leads, departments });
  }
  const pending: { id: string; tenant: Tenant }[] = [];

  const settingsFor = () =>
    random() < 0.25
      ? settingsWith()
      : {
          timeZone: pick(['UTC', 'Europe/Berlin', 'Asia/Tokyo', 'America/Los_Angeles']),
          limits: {
            perAward: random() < 0.5 ? amount(300) : null,
            perGiver: random() < 0.5 ? { amount: amount(3000), period: pick(['week', 'month', 'quarter'] as const) } : null,
            perRecipient: random() < 0.5 ? { amount: amount(2000), period: pick(['week', 'month', 'quarter'] as const) } : null,
            reciprocal: random() < 0.3 ? { maxAwards: Math.floor(random() * 3), period: pick(['week', 'month'] as const) } : null,
          },
          approvals: random() < 0.6 ? { threshold: amount(150), windowHours: 1 + Math.floor(random() * 48) } : null,
        };

  /** One random command, stored as the gateway would; returns its id and type. */
  async function randomCommand(): Promise<{ id: string; type: CommandType; tenant: Tenant }> {
    const t = pick(tenants);
    const roll = random();
    const store = async (type: CommandType, issuer: TestUser, payload: unknown) => ({ id: await insertCommand(em, { type, tenantId: issuer.tenantId, issuerId: issuer.id, payload }), type, tenant: t });
    if (roll < 0.04) return store('update_settings', t.manager, settingsFor());
    if (roll < 0.09 && pending.length > 0) {
      const index = Math.floor(random() * pending.length);
      const [hold] = pending.splice(index, 1);
      const approver = random() < 0.5 ? hold.tenant.hr : hold.tenant.manager;
      return random() < 0.7
        ? store('approve_award', approver, { approvalId: hold.id })
        : store('decline_award', approver, { approvalId: hold.id, reason: 'mix' });
    }
    if (roll < 0.12) return store('delegate', t.manager, { leadId: pick(t.leads).id, amount: amount(200) });
    if (roll < 0.13) return store('clawback', t.admin, { tenantId: t.tenantId, amount: amount(50), referenceNote: 'mix' });
    const department = pick(t.departments);
    if (roll < 0.15) return store('fund_department', pick([t.manager, t.hr]), { departmentId: department.id, amount: amount(400) });
    if (roll < 0.16) return store('return_department_funds', t.manager, { departmentId: department.id, amount: amount(200) });
    if (roll < 0.17) return store('delegate', pick([t.manager, department.head]), { leadId: t.leads[1].id, amount: amount(100), departmentId: department.id });
    if (roll < 0.175) return store('set_user_department', t.manager, { userId: t.leads[1].id, departmentId: random() < 0.2 ? null : department.id });
    if (roll < 0.18) {
      // A new head (the ledger may refuse a giver who no longer heads it: that is part of the mix).
      department.head = pick([t.manager, t.hr, ...t.leads]);
      return store('update_department', t.manager, { departmentId: department.id, headId: department.head.id });
    }
    if (roll < 0.22) {
      const recipient = pick(t.people.filter((p) => p.id !== department.head.id));
      return store('award', department.head, { userId: recipient.id, amount: amount(250), departmentId: department.id });
    }
    const giver = pick([t.manager, t.hr, ...t.leads]);
    const recipient = pick(t.people.filter((p) => p.id !== giver.id));
    if (roll < 0.3) return store('recognition', giver, { recipientId: recipient.id, points: random() < 0.2 ? '0' : amount(80), message: 'mix' });
    return store('award', giver, { userId: recipient.id, amount: amount(250) });
  }

  let applied = 0;
  while (applied < COMMANDS) {
    // A few transactions at once, each of 1–20 commands.
    const batches: { id: string; type: CommandType; tenant: Tenant }[][] = [];
    for (let b = 0; b < 1 + Math.floor(random() * 3) && applied < COMMANDS; b++) {
      const batch = [];
      for (let n = 0; n < 1 + Math.floor(random() * 20) && applied < COMMANDS; n++, applied++) batch.push(await randomCommand());
      batches.push(batch);
    }
    const results = await Promise.allSettled(batches.map((batch) => applyCommands(em, batch.map((c) => c.id))));
    for (const [i, result] of results.entries()) {
      // A batch that failed (a deadlock, a lock timeout) is retried one command at a time, as the worker does.
      const outcomes = result.status === 'fulfilled' ? result.value : new Map();
      for (const command of batches[i]) {
        const outcome = outcomes.get(command.id) ?? (await applyCommands(em, [command.id])).get(command.id);
        expect(outcome).toBeDefined();
        if (outcome?.status === 'succeeded' && command.type === 'award' && (outcome.result as PendingAwardResult).status === 'pending_approval') pending.push({ id: command.id, tenant: command.tenant });
      }
    }
    // Now and then every hold whose window would have ended by tomorrow is released.
    if (random() < 0.05) await expireHolds(em, pending.splice(0).map((hold) => hold.id), { now: new Date(Date.now() + 49 * 3_600_000) });
  }

  await expectBooksBalanced(em);
  expect(await em.fork().execute(`SELECT count(*)::int AS n FROM accepted_commands a WHERE NOT EXISTS (SELECT 1 FROM command_outcomes o WHERE o.command_id = a.id)`)).toEqual([{ n: 0 }]);
  // Each giver's and recipient's tally of the tenant's current epoch says what the journal says for its period.
  const drift = await em.fork().execute(
    `SELECT t.scope, t.user_id, t.amount, j.amount AS journal
       FROM spend_tallies t
       JOIN LATERAL (SELECT coalesce(sum(d.amount), 0) AS amount FROM distribution_logs d
                      WHERE d.tenant_id = t.tenant_id AND d.transaction_type IN ('award', 'recognition', 'bulk_award')
                        AND d.created_at >= t.period_start AND d.created_at < t.period_end
                        AND CASE t.scope WHEN 'giver' THEN d.from_user_id = t.user_id ELSE d.to_user_id = t.user_id END) j ON true
      WHERE t.scope IN ('giver', 'recipient')
        AND t.epoch = (SELECT s.tally_epoch FROM tenant_settings s WHERE s.tenant_id = t.tenant_id ORDER BY s.version DESC LIMIT 1)
        AND t.amount <> j.amount`,
  );
  expect(drift).toEqual([]);
  const outcomes = await em.fork().execute<{ type: string; status: string; n: number }[]>(`SELECT type, status, count(*)::int AS n FROM commands GROUP BY 1, 2 ORDER BY 1, 2`);
  // The mix exercised what it is meant to: held, approved, declined, refused by limits.
  const count = (type: string, status: string) => outcomes.find((o) => o.type === type && o.status === status)?.n ?? 0;
  expect(count('approve_award', 'succeeded')).toBeGreaterThan(0);
  expect(count('decline_award', 'succeeded')).toBeGreaterThan(0);
  expect(count('fund_department', 'succeeded')).toBeGreaterThan(0);
  expect(count('return_department_funds', 'succeeded')).toBeGreaterThan(0);
  const [fromDepartments] = await em.fork().execute<{ awards: number; delegations: number }[]>(
    `SELECT count(*) FILTER (WHERE transaction_type = 'award')::int AS awards, count(*) FILTER (WHERE transaction_type = 'delegation')::int AS delegations
       FROM distribution_logs WHERE source_type = 'department_pool'`,
  );
  expect(fromDepartments.awards).toBeGreaterThan(0);
  expect(fromDepartments.delegations).toBeGreaterThan(0);
  const refusals = await em.fork().execute<{ code: string }[]>(`SELECT DISTINCT error->>'code' AS code FROM commands WHERE status = 'rejected'`);
  expect(refusals.map((r) => r.code)).toEqual(expect.arrayContaining(['LIMIT_EXCEEDED']));
}, 240_000);
