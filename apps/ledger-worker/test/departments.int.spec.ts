import { EntityManager } from '@mikro-orm/postgresql';
import { DepartmentResult, PendingAwardResult } from '@points/contracts';
import { insertCommand, insertUser, journalCounts } from '@points/testing';
import { z } from 'zod';
import { applyCommands } from '../src/ledger/apply-commands';
import { expireHolds } from '../src/holds/expire-holds';
import { accountingCheck, fundedTenant as fundedTenantIn, run, settingsWith, ledgerDatabase } from './ledger-harness';

// Department pools (issue #12), applied by the real ledger: a department's pool
// is funded from the tenant pool and returned to it, journaled on both sides;
// its head awards from it; a manager or its head delegates from it to a lead
// who belongs to it. Every refusal moves nothing.

let em: EntityManager;
ledgerDatabase((db) => (em = db));

type Tenant = Awaited<ReturnType<typeof fundedTenantIn>>;

const departmentOf = (outcome: { status: string; result?: unknown }) => (outcome as { result: z.infer<typeof DepartmentResult> }).result.departmentId;

/** A funded tenant with a department headed by its lead, the lead a member, and `funds` in its pool. */
async function tenantWithDepartment(funds = '400', pool = '1000.00') {
  const t = await fundedTenantIn(em, pool);
  const created = await run(em, 'create_department', t.manager, { name: 'Engineering', headId: t.lead.id });
  expect(created).toMatchObject({ status: 'succeeded', result: { name: 'Engineering', parentId: null, headId: t.lead.id } });
  const departmentId = departmentOf(created);
  expect(await run(em, 'set_user_department', t.manager, { userId: t.lead.id, departmentId })).toMatchObject({ status: 'succeeded' });
  if (funds !== '0') expect(await run(em, 'fund_department', t.manager, { departmentId, amount: funds })).toMatchObject({ status: 'succeeded' });
  return { ...t, departmentId };
}

const department = async (id: string) =>
  (await em.fork().execute<{ balance: string; held: string; version: string }[]>('SELECT balance, held, version::text FROM departments WHERE id = ?', [id]))[0];
const pool = async (t: Tenant) => (await em.fork().execute<{ balance: string }[]>('SELECT points_allocation_balance AS balance FROM tenants WHERE id = ?', [t.tenantId]))[0].balance;
const wallet = async (userId: string) => (await em.fork().execute<{ balance: string }[]>('SELECT balance FROM wallets WHERE user_id = ?', [userId]))[0].balance;
const budget = async (userId: string) => (await em.fork().execute<{ balance: string }[]>('SELECT balance FROM lead_budgets WHERE user_id = ?', [userId]))[0].balance;

/** Runs a command expected to be refused with `code`, and checks no journal gained a row. */
async function refused(code: string, ...args: Parameters<typeof run>) {
  const before = await journalCounts(em);
  const outcome = await run(...args);
  expect(outcome).toMatchObject({ status: 'rejected', error: { code } });
  expect(await journalCounts(em)).toEqual(before);
  return outcome;
}

describe('a department', () => {
  it('is created with a name unique in the tenant (whatever its case), an optional parent of the tenant and a head who may give awards', async () => {
    const t = await tenantWithDepartment('0');
    const child = await run(em, 'create_department', t.manager, { name: 'Platform', parentId: t.departmentId });
    expect(child).toMatchObject({ status: 'succeeded', result: { parentId: t.departmentId, headId: null } });

    await refused('VALIDATION_FAILED', em, 'create_department', t.manager, { name: 'ENGINEERING' });
    await refused('VALIDATION_FAILED', em, 'create_department', t.manager, { name: 'Support', headId: t.employee.id });
    const other = await tenantWithDepartment('0');
    // Another tenant's department or user is reported exactly like a missing one.
    await refused('NOT_FOUND', em, 'create_department', t.manager, { name: 'Support', parentId: other.departmentId });
    await refused('NOT_FOUND', em, 'create_department', t.manager, { name: 'Support', headId: other.lead.id });
    // Only a tenant manager changes the structure.
    await refused('FORBIDDEN', em, 'create_department', t.hr, { name: 'Support' });
    // Another tenant may use the same name.
    expect(await run(em, 'create_department', other.manager, { name: 'Platform' })).toMatchObject({ status: 'succeeded' });
  });

  it('is renamed, re-parented and given another head, but never made its own ancestor', async () => {
    const t = await tenantWithDepartment('0');
    const child = departmentOf(await run(em, 'create_department', t.manager, { name: 'Platform', parentId: t.departmentId }));
    const grandchild = departmentOf(await run(em, 'create_department', t.manager, { name: 'Databases', parentId: child }));

    await refused('VALIDATION_FAILED', em, 'update_department', t.manager, { departmentId: t.departmentId, parentId: grandchild });
    await refused('VALIDATION_FAILED', em, 'update_department', t.manager, { departmentId: t.departmentId, parentId: t.departmentId });
    await refused('VALIDATION_FAILED', em, 'update_department', t.manager, { departmentId: child, name: 'databases' });
    const renamed = await run(em, 'update_department', t.manager, { departmentId: grandchild, name: 'Data', parentId: null, headId: t.hr.id });
    expect(renamed).toMatchObject({ status: 'succeeded', result: { departmentId: grandchild, name: 'Data', parentId: null, headId: t.hr.id } });
    // Now Engineering may sit under it: the cycle is gone.
    expect(await run(em, 'update_department', t.manager, { departmentId: t.departmentId, parentId: grandchild })).toMatchObject({ status: 'succeeded' });
    const [row] = await em.fork().execute('SELECT name, parent_id, head_id FROM departments WHERE id = ?', [grandchild]);
    expect(row).toEqual({ name: 'Data', parent_id: null, head_id: t.hr.id });
    const [event] = await em.fork().execute(`SELECT payload->'before'->>'name' AS before, payload->'after'->>'name' AS after FROM outbox_events WHERE command_id = ?`, [renamed.id]);
    expect(event).toEqual({ before: 'Databases', after: 'Data' });
  });
});

describe('in one batch', () => {
  const batch = async (commands: { type: Parameters<typeof insertCommand>[1]['type']; issuer: { id: string; tenantId: string | null }; payload: unknown }[]) => {
    const ids = [];
    for (const c of commands) ids.push(await insertCommand(em, { type: c.type, tenantId: c.issuer.tenantId, issuerId: c.issuer.id, payload: c.payload }));
    const outcomes = await applyCommands(em, ids);
    return ids.map((id) => outcomes.get(id));
  };

  it("another tenant's command naming the same department neither hides it from its own tenant's command nor touches it", async () => {
    const t = await tenantWithDepartment('100');
    const other = await tenantWithDepartment('0');
    const [own, foreign] = await batch([
      { type: 'award', issuer: t.lead, payload: { userId: t.employee.id, amount: '10', departmentId: t.departmentId } },
      { type: 'fund_department', issuer: other.manager, payload: { departmentId: t.departmentId, amount: '1' } },
    ]);
    expect(own).toMatchObject({ status: 'succeeded', result: { source: { type: 'department_pool', newBalance: '90.00' } } });
    expect(foreign).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
    expect(await department(t.departmentId)).toMatchObject({ balance: '90.00' });
  });

  it('a department renamed frees its name for one created after it; names compare as PostgreSQL folds them', async () => {
    const t = await tenantWithDepartment('0');
    const [renamed, created] = await batch([
      { type: 'update_department', issuer: t.manager, payload: { departmentId: t.departmentId, name: 'Platform Engineering' } },
      { type: 'create_department', issuer: t.manager, payload: { name: 'Engineering' } },
    ]);
    expect([renamed?.status, created?.status]).toEqual(['succeeded', 'succeeded']);
    // JavaScript folds 'İT' to 'i̇t', PostgreSQL to 'it': the unique index is PostgreSQL's, so the ledger asks it.
    expect(await run(em, 'create_department', t.manager, { name: 'IT' })).toMatchObject({ status: 'succeeded' });
    await refused('VALIDATION_FAILED', em, 'create_department', t.manager, { name: 'İT' });
  });

  it('a membership set to what it already is still succeeds with its audit event', async () => {
    const t = await tenantWithDepartment('0');
    const again = await run(em, 'set_user_department', t.manager, { userId: t.lead.id, departmentId: t.departmentId });
    expect(again).toMatchObject({ status: 'succeeded', result: { departmentId: t.departmentId, previousDepartmentId: t.departmentId } });
    const [event] = await em.fork().execute('SELECT event_type FROM outbox_events WHERE command_id = ?', [again.id]);
    expect(event).toEqual({ event_type: 'user.department_changed' });
  });
});

describe('a department pool', () => {
  it('is funded from the tenant pool and returned to it, journaled on both sides under the command', async () => {
    const t = await tenantWithDepartment('0');
    const funded = await run(em, 'fund_department', t.hr, { departmentId: t.departmentId, amount: '250.50', description: 'Q1' });
    expect(funded).toMatchObject({
      status: 'succeeded',
      result: { direction: 'fund', amount: '250.50', pool: { previousBalance: '1000.00', newBalance: '749.50' }, department: { previousBalance: '0.00', newBalance: '250.50' } },
    });
    const returned = await run(em, 'return_department_funds', t.manager, { departmentId: t.departmentId, amount: '50.50' });
    expect(returned).toMatchObject({ status: 'succeeded', result: { direction: 'return', pool: { newBalance: '800.00' }, department: { newBalance: '200.00' } } });
    expect(await department(t.departmentId)).toEqual({ balance: '200.00', held: '0.00', version: '2' });
    const rows = await em.fork().execute(
      `SELECT 'pool' AS journal, amount, transaction_type FROM pool_ledger WHERE command_id = ? UNION ALL SELECT 'department', amount, transaction_type FROM department_ledger WHERE command_id = ?`,
      [funded.id, funded.id],
    );
    expect(rows).toEqual([
      { journal: 'pool', amount: '-250.50', transaction_type: 'department_funding' },
      { journal: 'department', amount: '250.50', transaction_type: 'department_funding' },
    ]);

    await refused('INSUFFICIENT_BALANCE', em, 'fund_department', t.manager, { departmentId: t.departmentId, amount: '800.01' });
    await refused('INSUFFICIENT_BALANCE', em, 'return_department_funds', t.manager, { departmentId: t.departmentId, amount: '200.01' });
    await refused('FORBIDDEN', em, 'fund_department', t.lead, { departmentId: t.departmentId, amount: '1' });
    const other = await tenantWithDepartment('0');
    await refused('NOT_FOUND', em, 'fund_department', t.manager, { departmentId: other.departmentId, amount: '1' });
    expect(await pool(t)).toBe('800.00');
  });

  it('is spent by its head’s awards — nobody else’s — and the awards are journaled from it', async () => {
    const t = await tenantWithDepartment('400');
    const award = await run(em, 'award', t.lead, { userId: t.employee.id, amount: '150', departmentId: t.departmentId });
    expect(award).toMatchObject({ status: 'succeeded', result: { source: { type: 'department_pool', previousBalance: '400.00', newBalance: '250.00' }, wallet: { newBalance: '150.00' } } });
    const [distribution] = await em.fork().execute('SELECT source_type, previous_pool_balance, new_pool_balance, source_version::text FROM distribution_logs WHERE command_id = ?', [award.id]);
    expect(distribution).toEqual({ source_type: 'department_pool', previous_pool_balance: '400.00', new_pool_balance: '250.00', source_version: '2' });

    await refused('FORBIDDEN', em, 'award', t.manager, { userId: t.employee.id, amount: '1', departmentId: t.departmentId });
    await refused('INSUFFICIENT_BALANCE', em, 'award', t.lead, { userId: t.employee.id, amount: '250.01', departmentId: t.departmentId });
    await refused('FORBIDDEN', em, 'award', t.lead, { userId: t.lead.id, amount: '1', departmentId: t.departmentId });
    // The lead's own budget is untouched, and without departmentId the lead spends it as before.
    expect(await budget(t.lead.id)).toBe('0.00');
    await refused('INSUFFICIENT_BALANCE', em, 'award', t.lead, { userId: t.employee.id, amount: '1' });
    // A head no longer heading it may no longer spend it.
    await run(em, 'update_department', t.manager, { departmentId: t.departmentId, headId: t.hr.id });
    await refused('FORBIDDEN', em, 'award', t.lead, { userId: t.employee.id, amount: '1', departmentId: t.departmentId });
    expect(await run(em, 'award', t.hr, { userId: t.employee.id, amount: '1', departmentId: t.departmentId })).toMatchObject({ status: 'succeeded' });
    expect(await wallet(t.employee.id)).toBe('151.00');
  });

  it('is delegated to a lead of the department, by a manager or by its head, and to nobody outside it', async () => {
    const t = await tenantWithDepartment('400');
    const lead2 = await insertUser(em, 'lead', t.tenantId);
    await refused('VALIDATION_FAILED', em, 'delegate', t.manager, { leadId: lead2.id, amount: '10', departmentId: t.departmentId });
    await run(em, 'set_user_department', t.manager, { userId: lead2.id, departmentId: t.departmentId });

    const byManager = await run(em, 'delegate', t.manager, { leadId: lead2.id, amount: '100', departmentId: t.departmentId });
    expect(byManager).toMatchObject({ status: 'succeeded', result: { source: { type: 'department_pool', newBalance: '300.00' }, leadBudget: { newBalance: '100.00' } } });
    const byHead = await run(em, 'delegate', t.lead, { leadId: lead2.id, amount: '50', departmentId: t.departmentId });
    expect(byHead).toMatchObject({ status: 'succeeded', result: { source: { newBalance: '250.00' }, leadBudget: { newBalance: '150.00' } } });
    // The head may not pay themselves; a lead who heads nothing may not delegate at all.
    await refused('FORBIDDEN', em, 'delegate', t.lead, { leadId: t.lead.id, amount: '1', departmentId: t.departmentId });
    await refused('FORBIDDEN', em, 'delegate', lead2, { leadId: t.lead.id, amount: '1', departmentId: t.departmentId });
    await refused('FORBIDDEN', em, 'delegate', t.lead, { leadId: lead2.id, amount: '1' });
    // Taken out of the department, the lead gets nothing more from it.
    expect(await run(em, 'set_user_department', t.manager, { userId: lead2.id, departmentId: null })).toMatchObject({
      status: 'succeeded',
      result: { departmentId: null, previousDepartmentId: t.departmentId },
    });
    await refused('VALIDATION_FAILED', em, 'delegate', t.manager, { leadId: lead2.id, amount: '1', departmentId: t.departmentId });
    await refused('VALIDATION_FAILED', em, 'set_user_department', t.manager, { userId: t.employee.id, departmentId: t.departmentId });
    expect(await budget(lead2.id)).toBe('150.00');
    expect(await department(t.departmentId)).toMatchObject({ balance: '250.00' });
  });

  it('lets exactly as many of 20 concurrent awards through as it has points for', async () => {
    const t = await tenantWithDepartment('100');
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) => insertCommand(em, { type: 'award', tenantId: t.tenantId, issuerId: t.lead.id, payload: { userId: i % 2 ? t.employee.id : t.employee2.id, amount: '10', departmentId: t.departmentId } })),
    );
    const outcomes = (await Promise.all(ids.map((id) => applyCommands(em, [id])))).flatMap((map) => [...map.values()]);
    expect(outcomes.filter((o) => o.status === 'succeeded')).toHaveLength(10);
    expect(outcomes.filter((o) => o.status === 'rejected' && o.error.code === 'INSUFFICIENT_BALANCE')).toHaveLength(10);
    expect(await department(t.departmentId)).toEqual({ balance: '0.00', held: '0.00', version: '11' });
  });
});

describe('a department award above the approval threshold', () => {
  it('holds on the department pool until approved (posted from it) or expired (released), and what is held cannot be returned', async () => {
    const t = await tenantWithDepartment('400');
    await run(em, 'update_settings', t.manager, settingsWith({ approvals: { threshold: '100', windowHours: 1 } }));
    const first = await run(em, 'award', t.lead, { userId: t.employee.id, amount: '150', departmentId: t.departmentId });
    const second = await run(em, 'award', t.lead, { userId: t.employee2.id, amount: '200', departmentId: t.departmentId });
    expect((first as { result: PendingAwardResult }).result).toMatchObject({ status: 'pending_approval', source: { type: 'department_pool', balance: '400.00', held: '150.00', available: '250.00' } });
    expect(await department(t.departmentId)).toMatchObject({ balance: '400.00', held: '350.00' });
    await refused('INSUFFICIENT_BALANCE', em, 'return_department_funds', t.manager, { departmentId: t.departmentId, amount: '50.01' });

    const approved = await run(em, 'approve_award', t.hr, { approvalId: first.id });
    expect(approved).toMatchObject({ status: 'succeeded', result: { award: { source: { type: 'department_pool', newBalance: '250.00' } }, source: { balance: '250.00', held: '200.00' } } });
    expect(await wallet(t.employee.id)).toBe('150.00');
    const [row] = await em.fork().execute('SELECT amount, transaction_type FROM department_ledger WHERE command_id = ?', [first.id]);
    expect(row).toEqual({ amount: '-150.00', transaction_type: 'award' });

    expect(await expireHolds(em, [second.id], { now: new Date(Date.now() + 2 * 3_600_000) })).toEqual([second.id]);
    expect(await department(t.departmentId)).toMatchObject({ balance: '250.00', held: '0.00' });
    expect(await run(em, 'return_department_funds', t.manager, { departmentId: t.departmentId, amount: '250' })).toMatchObject({ status: 'succeeded' });
  });

  it('is not approved in the name of a head who no longer heads the department (decline it instead)', async () => {
    const t = await tenantWithDepartment('400');
    await run(em, 'update_settings', t.manager, settingsWith({ approvals: { threshold: '100', windowHours: 24 } }));
    const award = await run(em, 'award', t.lead, { userId: t.employee.id, amount: '150', departmentId: t.departmentId });
    await run(em, 'update_department', t.manager, { departmentId: t.departmentId, headId: null });
    await refused('FORBIDDEN', em, 'approve_award', t.hr, { approvalId: award.id });
    expect(await run(em, 'decline_award', t.hr, { approvalId: award.id, reason: 'head changed' })).toMatchObject({ status: 'succeeded', result: { source: { held: '0.00' } } });
  });
});

it('a tenant with departments still balances: net allocated = pool + department pools + lead budgets + wallets', async () => {
  const t = await tenantWithDepartment('400');
  await run(em, 'award', t.lead, { userId: t.employee.id, amount: '40', departmentId: t.departmentId });
  await run(em, 'delegate', t.manager, { leadId: t.lead.id, amount: '60', departmentId: t.departmentId });
  const [row] = (await accountingCheck(em)).filter((r) => r.tenant_id === t.tenantId) as unknown as { departments: string; balanced: boolean; net_allocated: string }[];
  expect(row).toMatchObject({ net_allocated: '1000.00', departments: '300.00', balanced: true });
});
