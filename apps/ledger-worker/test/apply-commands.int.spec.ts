import { EntityManager } from '@mikro-orm/postgresql';
import { TestDatabase, balances, createTestDatabase, insertCommand, journalCounts } from '@points/testing';
import { applyCommands } from '../src/ledger/apply-commands';
import { accountingCheck, commandRow, journalProblems, run, fundedTenant as fundedTenantIn } from './ledger-harness';

let db: TestDatabase;
let em: EntityManager;

beforeAll(async () => {
  db = await createTestDatabase();
  em = db.orm.em as EntityManager;
});
afterAll(() => db.drop());

const fundedTenant = (pool?: string) => fundedTenantIn(em, pool);

describe('each command type', () => {
  it('allocate and clawback move the pool and write allocation, billing and pool journal rows', async () => {
    const t = await fundedTenant('500.00');
    const clawback = await run(em, 'clawback', t.admin, { tenantId: t.tenantId, amount: '120.50', referenceNote: 'refund' });

    expect(clawback).toMatchObject({ status: 'succeeded', result: { previousBalance: '500.00', newBalance: '379.50' } });
    expect((await balances(em, t.tenantId)).pool).toBe('379.50');
    const logs = await em.fork().execute('SELECT transaction_type, amount, previous_balance, new_balance, version FROM allocation_logs WHERE tenant_id = ? ORDER BY version', [t.tenantId]);
    expect(logs).toEqual([
      { transaction_type: 'allocation', amount: '500.00', previous_balance: '0.00', new_balance: '500.00', version: '1' },
      { transaction_type: 'clawback', amount: '120.50', previous_balance: '500.00', new_balance: '379.50', version: '2' },
    ]);
    const billing = await em.fork().execute('SELECT transaction_type, amount, currency FROM platform_billing_logs WHERE tenant_id = ? ORDER BY created_at', [t.tenantId]);
    expect(billing).toHaveLength(2);
    const pool = await em.fork().execute('SELECT amount, previous_balance, new_balance, version FROM pool_ledger WHERE tenant_id = ? ORDER BY version', [t.tenantId]);
    expect(pool).toEqual([
      { amount: '500.00', previous_balance: '0.00', new_balance: '500.00', version: '1' },
      { amount: '-120.50', previous_balance: '500.00', new_balance: '379.50', version: '2' },
    ]);
  });

  it('delegate, award from pool, award from a lead budget and a recognition chain every journal', async () => {
    const t = await fundedTenant('1000.00');
    await run(em, 'delegate', t.manager, { leadId: t.lead.id, amount: '300' });
    await run(em, 'award', t.hr, { userId: t.employee.id, amount: '100.00', description: 'launch' });
    const fromLead = await run(em, 'award', t.lead, { userId: t.employee.id, amount: '50.25' });
    const recognition = await run(em, 'recognition', t.lead, { recipientId: t.employee2.id, points: '10', message: 'great demo' });

    expect(fromLead).toMatchObject({
      status: 'succeeded',
      result: { source: { type: 'lead_budget', previousBalance: '300.00', newBalance: '249.75' }, wallet: { previousBalance: '100.00', newBalance: '150.25' } },
    });
    expect(recognition).toMatchObject({ status: 'succeeded', result: { amount: '10.00', recognitionId: expect.any(String) } });
    expect(await balances(em, t.tenantId)).toEqual({
      pool: '600.00',
      budgets: { [t.lead.id]: '239.75' },
      wallets: expect.objectContaining({ [t.employee.id]: '150.25', [t.employee2.id]: '10.00', [t.manager.id]: '0.00' }),
    });
    const wallet = await em.fork().execute(
      'SELECT l.amount, l.previous_balance, l.new_balance, l.version, l.transaction_type FROM wallet_ledger l JOIN wallets w ON w.id = l.wallet_id WHERE w.user_id = ? ORDER BY l.version',
      [t.employee.id],
    );
    expect(wallet).toEqual([
      { amount: '100.00', previous_balance: '0.00', new_balance: '100.00', version: '1', transaction_type: 'award' },
      { amount: '50.25', previous_balance: '100.00', new_balance: '150.25', version: '2', transaction_type: 'award' },
    ]);
    const distributions = await em.fork().execute(
      'SELECT transaction_type, source_type, amount, previous_pool_balance, new_pool_balance FROM distribution_logs WHERE tenant_id = ? ORDER BY created_at, source_version',
      [t.tenantId],
    );
    expect(distributions).toEqual(
      expect.arrayContaining([
        { transaction_type: 'delegation', source_type: 'tenant_pool', amount: '300.00', previous_pool_balance: '1000.00', new_pool_balance: '700.00' },
        { transaction_type: 'recognition', source_type: 'lead_budget', amount: '10.00', previous_pool_balance: '249.75', new_pool_balance: '239.75' },
      ]),
    );
    const [recognitionRow] = await em.fork().execute('SELECT points, message FROM recognitions WHERE command_id = ?', [recognition.id]);
    expect(recognitionRow).toEqual({ points: '10.00', message: 'great demo' });
    expect(await journalProblems(em)).toEqual([]);
  });

  it('create_user adds the user with a wallet (and a budget for a lead)', async () => {
    const t = await fundedTenant();
    const created = await run(em, 'create_user', t.manager, { email: 'New.Lead@Example.test', displayName: 'New Lead', role: 'lead' });
    expect(created.status).toBe('succeeded');
    const userId = (created as { result: { userId: string } }).result.userId;
    const [user] = await em.fork().execute('SELECT email, role, tenant_id FROM users WHERE id = ?', [userId]);
    expect(user).toEqual({ email: 'new.lead@example.test', role: 'lead', tenant_id: t.tenantId });
    expect((await balances(em, t.tenantId)).budgets[userId]).toBe('0.00');
  });

  it('writes one outbox event per applied command in the same transaction', async () => {
    const t = await fundedTenant();
    const award = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '1' });
    const events = await em.fork().execute<{ event_type: string; payload: { commandId: string } }[]>('SELECT event_type, payload FROM outbox WHERE command_id = ?', [award.id]);
    expect(events).toEqual([{ event_type: 'points.awarded', payload: expect.objectContaining({ commandId: award.id, recipientId: t.employee.id }) }]);
  });
});

describe('rejections change nothing', () => {
  it.each([
    ['an award above the pool', 'manager', 'award', (t: Awaited<ReturnType<typeof fundedTenant>>) => ({ userId: t.employee.id, amount: '1000.01' }), 'INSUFFICIENT_BALANCE'],
    ['a lead awarding beyond their budget', 'lead', 'award', (t: Awaited<ReturnType<typeof fundedTenant>>) => ({ userId: t.employee.id, amount: '0.01' }), 'INSUFFICIENT_BALANCE'],
    ['a clawback beyond the pool', 'admin', 'clawback', (t: Awaited<ReturnType<typeof fundedTenant>>) => ({ tenantId: t.tenantId, amount: '1000.01', referenceNote: 'x' }), 'INSUFFICIENT_BALANCE'],
    ['an award to an unknown user', 'manager', 'award', () => ({ userId: '00000000-0000-4000-8000-000000000000', amount: '1' }), 'NOT_FOUND'],
    ['a delegation beyond the pool', 'manager', 'delegate', (t: Awaited<ReturnType<typeof fundedTenant>>) => ({ leadId: t.lead.id, amount: '2000' }), 'INSUFFICIENT_BALANCE'],
  ] as const)('%s', async (_name, issuerKey, type, payload, code) => {
    const t = await fundedTenant();
    const before = { balances: await balances(em, t.tenantId), journals: await journalCounts(em) };
    const outcome = await run(em, type, t[issuerKey], payload(t));

    expect(outcome).toMatchObject({ status: 'rejected', error: { code } });
    expect(await balances(em, t.tenantId)).toEqual(before.balances);
    expect(await journalCounts(em)).toEqual(before.journals);
    expect(await commandRow(em, outcome.id)).toMatchObject({ status: 'rejected', error: { code } });
  });

  it('an award to a user of another tenant is NOT_FOUND and touches neither tenant', async () => {
    const a = await fundedTenant();
    const b = await fundedTenant();
    const before = [await balances(em, a.tenantId), await balances(em, b.tenantId), await journalCounts(em)];
    const outcome = await run(em, 'award', a.manager, { userId: b.employee.id, amount: '5' });
    expect(outcome).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
    expect([await balances(em, a.tenantId), await balances(em, b.tenantId), await journalCounts(em)]).toEqual(before);
  });
});

describe('exactly once', () => {
  it('a command delivered twice applies once and the second delivery returns the stored result', async () => {
    const t = await fundedTenant('10.00');
    const first = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '4' });
    const again = (await applyCommands(em, [first.id])).get(first.id);
    const concurrently = await Promise.all([applyCommands(em, [first.id]), applyCommands(em, [first.id])]);

    expect(again).toEqual({ status: first.status, result: (first as { result: unknown }).result });
    for (const outcome of concurrently) expect(outcome.get(first.id)).toEqual(again);
    expect((await balances(em, t.tenantId)).wallets[t.employee.id]).toBe('4.00');
  });

  it('a crash before COMMIT leaves nothing behind, and the retry applies once', async () => {
    const t = await fundedTenant('10.00');
    const id = await insertCommand(em, { type: 'award', tenantId: t.tenantId, issuerId: t.manager.id, payload: { userId: t.employee.id, amount: '3' } });
    const crash = () => Promise.reject(Object.assign(new Error('Connection terminated unexpectedly'), { code: '08006' }));

    await expect(applyCommands(em, [id], { beforeCommit: crash })).rejects.toThrow('Connection terminated');
    expect((await balances(em, t.tenantId)).pool).toBe('10.00');
    expect(await commandRow(em, id)).toMatchObject({ status: 'queued' });

    expect((await applyCommands(em, [id])).get(id)?.status).toBe('succeeded');
    expect((await applyCommands(em, [id])).get(id)?.status).toBe('succeeded');
    expect(await balances(em, t.tenantId)).toMatchObject({ pool: '7.00', wallets: expect.objectContaining({ [t.employee.id]: '3.00' }) });
  });
});

describe('the database itself', () => {
  it('refuses an UPDATE that would make a balance negative', async () => {
    const t = await fundedTenant('5.00');
    await expect(em.fork().execute('UPDATE tenants SET points_allocation_balance = points_allocation_balance - 5.01 WHERE id = ?', [t.tenantId])).rejects.toMatchObject({ code: '23514' });
    await expect(em.fork().execute('UPDATE wallets SET balance = -0.01 WHERE user_id = ?', [t.employee.id])).rejects.toMatchObject({ code: '23514' });
    await expect(em.fork().execute('UPDATE lead_budgets SET balance = -1 WHERE user_id = ?', [t.lead.id])).rejects.toMatchObject({ code: '23514' });
  });

  it('refuses to change or delete a journal row', async () => {
    await fundedTenant('5.00');
    await expect(em.fork().execute("UPDATE allocation_logs SET amount = 1")).rejects.toThrow(/append-only/);
    await expect(em.fork().execute('DELETE FROM wallet_ledger')).rejects.toThrow(/append-only/);
    await expect(em.fork().execute('DELETE FROM pool_ledger')).rejects.toThrow(/append-only/);
  });

  it('the accounting check holds for every tenant so far', async () => {
    const rows = await accountingCheck(em);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((r) => !r.balanced)).toEqual([]);
  });
});

describe('tenant consistency in the journals', () => {
  it("refuses a journal row whose tenant is not its account's tenant", async () => {
    const a = await fundedTenant('5.00');
    const b = await fundedTenant('5.00');
    const award = await run(em, 'award', a.manager, { userId: a.employee.id, amount: '1' });
    // A wallet of tenant a that the award did not touch: (command, wallet) is new, only the tenant is wrong.
    const [row] = await em.fork().execute<{ wallet_id: string }[]>('SELECT id AS wallet_id FROM wallets WHERE user_id = ?', [a.employee2.id]);
    await expect(
      em.fork().execute(
        `INSERT INTO wallet_ledger (id, wallet_id, tenant_id, amount, transaction_type, reference_type, reference_id, previous_balance, new_balance, version, command_id)
         VALUES (gen_random_uuid(), ?, ?, 1, 'award', 'command', ?, 1, 2, 99, ?)`,
        [row.wallet_id, b.tenantId, award.id, award.id],
      ),
    ).rejects.toMatchObject({ code: '23503' });
    await expect(
      em.fork().execute(
        `INSERT INTO distribution_logs (id, tenant_id, from_user_id, to_user_id, amount, transaction_type, source_type, previous_pool_balance, new_pool_balance, source_version, command_id)
         VALUES (gen_random_uuid(), ?, ?, ?, 1, 'award', 'tenant_pool', 2, 1, 99, ?)`,
        [a.tenantId, a.manager.id, b.employee.id, award.id],
      ),
    ).rejects.toMatchObject({ code: '23503' });
  });

  it("refuses a distribution whose giver is not its command's issuer, and a command whose issuer is not a user of its tenant", async () => {
    const a = await fundedTenant('5.00');
    const b = await fundedTenant('5.00');
    const award = await run(em, 'award', a.manager, { userId: a.employee.id, amount: '1' });
    // The HR admin is a user of the tenant, but the manager issued the award.
    await expect(
      em.fork().execute(
        `INSERT INTO distribution_logs (id, tenant_id, from_user_id, to_user_id, amount, transaction_type, source_type, previous_pool_balance, new_pool_balance, source_version, command_id)
         VALUES (gen_random_uuid(), ?, ?, ?, 1, 'award', 'tenant_pool', 2, 1, 99, ?)`,
        [a.tenantId, a.hr.id, a.employee2.id, award.id],
      ),
    ).rejects.toMatchObject({ code: '23503' });
    await expect(insertCommand(em, { type: 'award', tenantId: b.tenantId, issuerId: a.manager.id, payload: {} })).rejects.toMatchObject({ code: '23503' });
  });
});
