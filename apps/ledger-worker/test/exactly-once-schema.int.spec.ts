import { EntityManager } from '@mikro-orm/postgresql';
import { COMMAND_FAILED } from '@points/contracts';
import { markFailed, markProcessing, recordOutcomes } from '@points/db';
import { TestDatabase, createTestDatabase, insertCommand } from '@points/testing';
import { applyCommands } from '../src/ledger/apply-commands';
import { commandRow, run, fundedTenant as fundedTenantIn } from './ledger-harness';

// Exactly-once as the schema guarantees it, whatever the ledger's code does:
// one journal row per account per command, one outcome per command, decided commands that never change,
// journals that cannot be truncated. Each test writes to the database directly,
// as a bug in the code would.

let db: TestDatabase;
let em: EntityManager;

beforeAll(async () => {
  db = await createTestDatabase();
  em = db.orm.em as EntityManager;
});
afterAll(() => db.drop());

const sql = <T = Record<string, unknown>>(query: string, params: unknown[] = []) => em.fork().execute<T[]>(query, params);

const fundedTenant = (pool?: string) => fundedTenantIn(em, pool);

describe('one journal row per account per command', () => {
  /**
   * A second row for the same command and account, as a command applied twice would
   * write it: chained to the account's latest row (next version, arithmetic right),
   * so that only the (command, account) key can refuse it.
   */
  const secondJournalRow = (table: string, account: string, commandId: string) => {
    const accountColumns = account === 'tenant_id' ? 'tenant_id' : `${account}, tenant_id`;
    const fromRow = account === 'tenant_id' ? 'r.tenant_id' : `r.${account}, r.tenant_id`;
    return sql(
      `INSERT INTO ${table} (id, ${accountColumns}, amount, transaction_type, reference_type, reference_id, previous_balance, new_balance, version, command_id)
       SELECT gen_random_uuid(), ${fromRow}, r.amount, r.transaction_type, r.reference_type, r.reference_id,
              last.new_balance, last.new_balance + r.amount, last.version + 1, r.command_id
         FROM ${table} r,
              LATERAL (SELECT new_balance, version FROM ${table} l WHERE l.${account} = r.${account} ORDER BY version DESC LIMIT 1) last
        WHERE r.command_id = ?`,
      [commandId],
    );
  };

  it.each([
    ['pool_ledger', 'tenant_id', 'pool_ledger_command_account_unique'],
    ['lead_budget_ledger', 'lead_budget_id', 'lead_budget_ledger_command_account_unique'],
    ['wallet_ledger', 'wallet_id', 'wallet_ledger_command_account_unique'],
  ])('%s refuses a second row for the same command and account', async (table, account, constraint) => {
    const t = await fundedTenant();
    // A delegation moves the pool and a lead budget; an award the pool and a wallet.
    const delegation = await run(em, 'delegate', t.manager, { leadId: t.lead.id, amount: '300' });
    const award = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '20' });
    const command = table === 'wallet_ledger' ? award : delegation;
    expect(command.status).toBe('succeeded');
    const rows = () => sql(`SELECT id FROM ${table} WHERE command_id = ?`, [command.id]);
    const first = await rows();
    expect(first).toHaveLength(1);

    await expect(secondJournalRow(table, account, command.id)).rejects.toMatchObject({ code: '23505', constraint });
    expect(await rows()).toEqual(first);
  });

  it('distribution_logs refuses a second distribution of the same command to the same recipient', async () => {
    const t = await fundedTenant();
    const award = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '20' });
    const rows = () => sql('SELECT id, to_user_id FROM distribution_logs WHERE command_id = ?', [award.id]);
    const first = await rows();
    expect(first).toEqual([{ id: expect.any(String), to_user_id: t.employee.id }]);

    await expect(
      sql(
        `INSERT INTO distribution_logs (id, tenant_id, from_user_id, to_user_id, amount, transaction_type, reference_type, reference_id, description,
                                        source_type, previous_pool_balance, new_pool_balance, source_version, command_id)
         SELECT gen_random_uuid(), tenant_id, from_user_id, to_user_id, amount, transaction_type, reference_type, reference_id, description,
                source_type, new_pool_balance + amount, new_pool_balance, source_version + 1, command_id
           FROM distribution_logs WHERE command_id = ?`,
        [award.id],
      ),
    ).rejects.toMatchObject({ code: '23505', constraint: 'distribution_logs_command_recipient_unique' });
    expect(await rows()).toEqual(first);
  });
});

describe('a final command is history', () => {
  /** A command in each final status, as the ledger leaves it. */
  const finalCommand = async (status: 'succeeded' | 'rejected' | 'failed') => {
    const t = await fundedTenant('10.00');
    if (status === 'failed') {
      const id = await insertCommand(em, { type: 'award', tenantId: t.tenantId, issuerId: t.manager.id, payload: { userId: t.employee.id, amount: '1' } });
      await markFailed(em, id);
      return id;
    }
    const outcome = await run(em, 'award', t.manager, { userId: t.employee.id, amount: status === 'succeeded' ? '1' : '10.01' });
    expect(outcome.status).toBe(status);
    return outcome.id;
  };

  const history = { code: '23001', message: expect.stringMatching(/a decided command is history/) };
  const appendOnly = { code: '23001', message: expect.stringMatching(/journal command_outcomes is append-only/) };

  // What a bug could try on a decided command: each is refused, by the outcome's append-only
  // journal or by the accepted row's trigger, and the command reads as it did.
  const changes: [string, string, object][] = [
    ['back to queued (its outcome deleted)', `DELETE FROM command_outcomes WHERE command_id = ?`, appendOnly],
    ['to another final status', `UPDATE command_outcomes SET status = CASE status WHEN 'failed' THEN 'rejected' ELSE 'failed' END, result = NULL, error = '{"code":"INTERNAL"}' WHERE command_id = ?`, appendOnly],
    ['its result', `UPDATE command_outcomes SET result = '{"forged":true}', error = NULL, status = 'succeeded' WHERE command_id = ?`, appendOnly],
    ['its error', `UPDATE command_outcomes SET error = '{"code":"FORGED"}', result = NULL, status = CASE status WHEN 'succeeded' THEN 'rejected' ELSE status END WHERE command_id = ?`, appendOnly],
    ['a second outcome', `INSERT INTO command_outcomes (command_id, status, error, attempts) VALUES (?, 'failed', '{"code":"INTERNAL"}', 1)`, { code: '23505', constraint: 'command_outcomes_pkey' }],
    ['its accepted row back to processing', `UPDATE accepted_commands SET status = 'processing', attempts = attempts + 1 WHERE id = ?`, history],
    ['its payload', `UPDATE accepted_commands SET payload = '{"userId":"00000000-0000-4000-8000-000000000000","amount":"999"}' WHERE id = ?`, history],
  ];

  describe.each(['succeeded', 'rejected', 'failed'] as const)('a %s command', (status) => {
    /** A fresh final command for each test, as the ledger left it. */
    const finalRow = async () => {
      const id = await finalCommand(status);
      const row = async () => (await sql('SELECT * FROM commands WHERE id = ?', [id]))[0];
      return { id, row, before: await row() };
    };

    it.each(changes)('cannot change: %s', async (_name, statement, refused) => {
      const command = await finalRow();
      await expect(sql(statement, [command.id])).rejects.toMatchObject(refused);
      expect(await command.row()).toEqual(command.before);
    });

    it('cannot be deleted', async () => {
      const command = await finalRow();
      await expect(sql('DELETE FROM accepted_commands WHERE id = ?', [command.id])).rejects.toMatchObject(history);
      expect(await command.row()).toEqual(command.before);
    });
  });

  it('a queued command still goes to processing and to its final status, and can still be deleted while queued', async () => {
    const t = await fundedTenant('10.00');
    const command = { type: 'award' as const, tenantId: t.tenantId, issuerId: t.manager.id, payload: { userId: t.employee.id, amount: '1' } };

    const id = await insertCommand(em, command);
    await markProcessing(em, [id]);
    expect(await commandRow(em, id)).toMatchObject({ status: 'processing' });
    expect((await applyCommands(em, [id])).get(id)?.status).toBe('succeeded');
    expect(await commandRow(em, id)).toMatchObject({ status: 'succeeded', result: { recipientId: t.employee.id } });
    // Applying again, or failing it, is a no-op on a decided command; recording a second outcome is refused by its key.
    expect((await applyCommands(em, [id])).get(id)?.status).toBe('succeeded');
    expect(await markFailed(em, id)).toBe(false);
    await expect(em.fork().transactional((tx) => recordOutcomes(tx, new Map([[id, { status: 'failed', error: COMMAND_FAILED }]])))).rejects.toMatchObject({
      code: '23505',
      constraint: 'command_outcomes_pkey',
    });
    expect(await commandRow(em, id)).toMatchObject({ status: 'succeeded', result: { recipientId: t.employee.id } });

    const straightToFinal = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '1' });
    expect(straightToFinal.status).toBe('succeeded');

    // A command the queue never took can be withdrawn: deleted while it is still queued.
    const withdrawn = await insertCommand(em, command);
    expect(await sql(`DELETE FROM accepted_commands WHERE id = ? AND status = 'queued' RETURNING id`, [withdrawn])).toEqual([{ id: withdrawn }]);
    expect(await commandRow(em, withdrawn)).toBeUndefined();
  });
});

describe('journals refuse TRUNCATE', () => {
  it.each(['command_outcomes', 'allocation_logs', 'platform_billing_logs', 'distribution_logs', 'pool_ledger', 'lead_budget_ledger', 'wallet_ledger', 'feed', 'audit_log'])(
    '%s',
    async (table) => {
      await fundedTenant('5.00');
      const count = async () => Number((await sql<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`))[0].n);
      const before = await count();
      await expect(sql(`TRUNCATE ${table}`)).rejects.toMatchObject({ code: '23001', message: expect.stringMatching(`journal ${table} is append-only: TRUNCATE refused`) });
      expect(await count()).toBe(before);
    },
  );

  it('TRUNCATE accepted_commands CASCADE, which would reach the journals, is refused too', async () => {
    await fundedTenant('5.00');
    await expect(sql('TRUNCATE accepted_commands CASCADE')).rejects.toMatchObject({ code: '23001', message: expect.stringMatching(/append-only: TRUNCATE refused/) });
    expect(Number((await sql<{ n: string }>('SELECT count(*)::text AS n FROM commands'))[0].n)).toBeGreaterThan(0);
  });
});
