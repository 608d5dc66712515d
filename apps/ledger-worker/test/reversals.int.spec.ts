import { EntityManager } from '@mikro-orm/postgresql';
import { insertBulkAward, insertCommand, insertUser, journalCounts } from '@points/testing';
import { processBulkAward } from '../src/bulk/process-bulk-award';
import { applyCommands } from '../src/ledger/apply-commands';
import { accountingCheck, fundedTenant, run, settingsWith, ledgerDatabase } from './ledger-harness';

// Reversals (issue #13), applied by the real ledger: correcting journal entries
// move an award's or recognition's points back from the wallet to the source it
// came from — never an update or delete of history; reversing twice moves them once.

let em: EntityManager;
ledgerDatabase((db) => (em = db));

type Tenant = Awaited<ReturnType<typeof fundedTenant>>;

/** A funded tenant whose lead has 300 to give. */
async function tenant(): Promise<Tenant> {
  const t = await fundedTenant(em);
  expect(await run(em, 'delegate', t.manager, { leadId: t.lead.id, amount: '300' })).toMatchObject({ status: 'succeeded' });
  return t;
}

const balanceOf = async (table: string, userId: string) => (await em.fork().execute<{ balance: string }[]>(`SELECT balance::text FROM ${table} WHERE user_id = ?`, [userId]))[0].balance;
const wallet = async (userId: string) => (await em.fork().execute<{ balance: string; lifetime_earned: string }[]>('SELECT balance::text, lifetime_earned::text FROM wallets WHERE user_id = ?', [userId]))[0];

describe('a reversal', () => {
  it('moves an award back from the wallet to the source with a journal row each, under the reversal, pointing at the award', async () => {
    const t = await tenant();
    const award = await run(em, 'award', t.lead, { userId: t.employee.id, amount: '40' });
    const reversal = await run(em, 'reverse_award', t.manager, { commandId: award.id, reason: 'sent to the wrong person' });

    expect(reversal).toMatchObject({
      status: 'succeeded',
      result: {
        originalCommandId: award.id,
        reversalId: reversal.id,
        alreadyReversed: false,
        amount: '40.00',
        recipientId: t.employee.id,
        source: { type: 'lead_budget', previousBalance: '260.00', newBalance: '300.00' },
        wallet: { previousBalance: '40.00', newBalance: '0.00' },
      },
    });
    expect(await wallet(t.employee.id)).toEqual({ balance: '0.00', lifetime_earned: '0.00' });
    expect(await balanceOf('lead_budgets', t.lead.id)).toBe('300.00');
    const rows = await em.fork().execute(
      `SELECT 'budget' AS journal, amount::text, transaction_type, reference_type, reference_id FROM lead_budget_ledger WHERE command_id = ?
       UNION ALL SELECT 'wallet', amount::text, transaction_type, reference_type, reference_id FROM wallet_ledger WHERE command_id = ? ORDER BY 1`,
      [reversal.id, reversal.id],
    );
    expect(rows).toEqual([
      { journal: 'budget', amount: '40.00', transaction_type: 'reversal', reference_type: 'award', reference_id: award.id },
      { journal: 'wallet', amount: '-40.00', transaction_type: 'reversal', reference_type: 'award', reference_id: award.id },
    ]);
    const [recorded] = await em.fork().execute('SELECT command_id, reversed_by, reason, amount::text FROM reversals WHERE original_command_id = ?', [award.id]);
    expect(recorded).toEqual({ command_id: reversal.id, reversed_by: t.manager.id, reason: 'sent to the wrong person', amount: '40.00' });
  });

  it('twice — one after the other, or at once — moves the points once; the second answers with the first', async () => {
    const t = await tenant();
    const award = await run(em, 'award', t.lead, { userId: t.employee.id, amount: '25' });
    const first = await run(em, 'reverse_award', t.manager, { commandId: award.id, reason: 'oops' });
    const before = await journalCounts(em);
    const again = await run(em, 'reverse_award', t.manager, { commandId: award.id, reason: 'oops again' });
    expect(again).toMatchObject({ status: 'succeeded', result: { alreadyReversed: true, reversalId: first.id, amount: '25.00', source: null, wallet: null } });
    expect(await journalCounts(em)).toEqual(before);

    const other = await run(em, 'award', t.lead, { userId: t.employee2.id, amount: '10' });
    const ids = await Promise.all([1, 2, 3].map(() => insertCommand(em, { type: 'reverse_award', tenantId: t.tenantId, issuerId: t.manager.id, payload: { commandId: other.id, reason: 'race' } })));
    const outcomes = (await Promise.all(ids.map((id) => applyCommands(em, [id])))).flatMap((map) => [...map.values()]);
    expect(outcomes.map((o) => (o.status === 'succeeded' ? (o.result as { alreadyReversed: boolean }).alreadyReversed : o.status)).sort()).toEqual([false, true, true]);
    expect(await wallet(t.employee2.id)).toMatchObject({ balance: '0.00' });
    expect(await balanceOf('lead_budgets', t.lead.id)).toBe('300.00');
  });

  it('returns a department award to the department pool, an approved award to the pool, a recognition to its source; a 0-point kudos moves nothing', async () => {
    const t = await tenant();
    const department = (await run(em, 'create_department', t.manager, { name: 'Ops', headId: t.lead.id })) as { result: { departmentId: string } };
    const departmentId = department.result.departmentId;
    await run(em, 'fund_department', t.manager, { departmentId, amount: '100' });
    const fromDepartment = await run(em, 'award', t.lead, { userId: t.employee.id, amount: '30', departmentId });
    expect(await run(em, 'reverse_award', t.manager, { commandId: fromDepartment.id, reason: 'wrong budget' })).toMatchObject({ result: { source: { type: 'department_pool', newBalance: '100.00' } } });

    await run(em, 'update_settings', t.manager, settingsWith({ approvals: { threshold: '50', windowHours: 24 } }));
    const held = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '80' });
    expect(await run(em, 'reverse_award', t.manager, { commandId: held.id, reason: 'not yet' })).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_FAILED' } });
    await run(em, 'approve_award', t.hr, { approvalId: held.id });
    expect(await run(em, 'reverse_award', t.manager, { commandId: held.id, reason: 'after all' })).toMatchObject({ result: { source: { type: 'tenant_pool' }, wallet: { newBalance: '0.00' } } });

    const recognition = await run(em, 'recognition', t.lead, { recipientId: t.employee2.id, points: '5', message: 'thanks' });
    const reversed = await run(em, 'reverse_award', t.manager, { commandId: recognition.id, reason: 'duplicate' });
    expect(reversed).toMatchObject({ result: { amount: '5.00', source: { type: 'lead_budget' } } });
    // The correcting rows point at the recognition, as the recognition's rows do.
    const references = await em.fork().execute(
      `SELECT DISTINCT reference_type, reference_id FROM wallet_ledger WHERE command_id IN (?, ?)`,
      [recognition.id, reversed.id],
    );
    expect(references).toHaveLength(1);
    expect(references[0]).toMatchObject({ reference_type: 'recognition' });

    const kudos = await run(em, 'recognition', t.employee, { recipientId: t.employee2.id, points: '0', message: 'high five' });
    const before = await journalCounts(em);
    // Reversed twice at once with nothing to move: the recipient's wallet is the lock they wait on, so one records it and one answers with it.
    const ids = await Promise.all([1, 2].map(() => insertCommand(em, { type: 'reverse_award', tenantId: t.tenantId, issuerId: t.manager.id, payload: { commandId: kudos.id, reason: 'off topic' } })));
    const outcomes = (await Promise.all(ids.map((id) => applyCommands(em, [id])))).flatMap((map) => [...map.values()]);
    expect(outcomes.map((o) => (o as { result: { alreadyReversed: boolean; amount: string; source: null } }).result).sort((a, b) => Number(a.alreadyReversed) - Number(b.alreadyReversed))).toEqual([
      expect.objectContaining({ alreadyReversed: false, amount: '0.00', recipientId: t.employee2.id, source: null, wallet: null }),
      expect.objectContaining({ alreadyReversed: true }),
    ]);
    expect(await journalCounts(em)).toEqual(before);
    // What each wallet earned, net of reversals, is what its lifetime total says (docs/SQL_TESTING_GUIDE.md).
    const drift = await em.fork().execute(
      `SELECT w.id FROM wallets w WHERE w.lifetime_earned <> (SELECT coalesce(sum(l.amount), 0) FROM wallet_ledger l WHERE l.wallet_id = w.id AND (l.amount > 0 OR l.transaction_type = 'reversal'))`,
    );
    expect(drift).toEqual([]);
  });

  it('is refused, moving nothing, for what is not an award of the tenant, another tenant’s bulk award, or a giver without a window', async () => {
    const t = await tenant();
    const other = await tenant();
    const award = await run(em, 'award', t.lead, { userId: t.employee.id, amount: '10' });
    const delegation = await run(em, 'delegate', t.manager, { leadId: t.lead.id, amount: '1' });
    const { id: bulk } = await insertBulkAward(em, { tenantId: t.tenantId, issuerId: t.manager.id, description: null, rows: [{ userRef: t.employee2.id, amountText: '3', description: null }] });
    await processBulkAward(em, bulk);
    const before = await journalCounts(em);
    for (const [issuer, commandId, code] of [
      [other.manager, award.id, 'NOT_FOUND'],
      [t.manager, delegation.id, 'NOT_FOUND'],
      [other.manager, bulk, 'NOT_FOUND'],
      [t.lead, award.id, 'FORBIDDEN'],
      [t.hr, award.id, 'FORBIDDEN'],
    ] as const) {
      expect(await run(em, 'reverse_award', issuer, { commandId, reason: 'no' })).toMatchObject({ status: 'rejected', error: { code } });
    }
    expect(await journalCounts(em)).toEqual(before);
  });

  it('by its giver: within the tenant’s window, not after it, and never someone else’s', async () => {
    const t = await tenant();
    await run(em, 'update_settings', t.manager, settingsWith({ reversals: { giverWindowHours: 2 } }));
    const lead2 = await insertUser(em, 'lead', t.tenantId);
    const early = await run(em, 'award', t.lead, { userId: t.employee.id, amount: '10' });
    const late = await run(em, 'award', t.lead, { userId: t.employee.id, amount: '20' });
    expect(await run(em, 'reverse_award', t.lead, { commandId: early.id, reason: 'typo' })).toMatchObject({ status: 'succeeded', result: { amount: '10.00' } });
    expect(await run(em, 'reverse_award', lead2, { commandId: late.id, reason: 'not mine' })).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
    const threeHoursOn = await insertCommand(em, { type: 'reverse_award', tenantId: t.tenantId, issuerId: t.lead.id, payload: { commandId: late.id, reason: 'too late' } });
    const outcome = (await applyCommands(em, [threeHoursOn], { now: () => new Date(Date.now() + 3 * 3_600_000) })).get(threeHoursOn);
    expect(outcome).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
    expect(await wallet(t.employee.id)).toMatchObject({ balance: '20.00' });
  });
});

describe('a bulk award reversed whole', () => {
  const bulkOf = async (t: Tenant, issuer: { id: string }, rows: [string, string][]) => {
    const { id } = await insertBulkAward(em, { tenantId: t.tenantId, issuerId: issuer.id, description: 'Q3', rows: rows.map(([userRef, amountText]) => ({ userRef, amountText, description: null })) });
    expect(await processBulkAward(em, id)).toMatchObject({ status: 'succeeded' });
    return id;
  };

  it('gives every row back from its wallet to the source, one correcting row each, once', async () => {
    const t = await tenant();
    const bulk = await bulkOf(t, t.lead, [[t.employee.id, '30'], [t.employee2.id, '12.50']]);
    const reversal = await run(em, 'reverse_award', t.manager, { commandId: bulk, reason: 'wrong list' });
    expect(reversal).toMatchObject({
      status: 'succeeded',
      result: { originalCommandId: bulk, alreadyReversed: false, amount: '42.50', recipientId: null, recipients: 2, wallet: null, source: { type: 'lead_budget', previousBalance: '257.50', newBalance: '300.00' } },
    });
    expect(await wallet(t.employee.id)).toEqual({ balance: '0.00', lifetime_earned: '0.00' });
    expect(await wallet(t.employee2.id)).toEqual({ balance: '0.00', lifetime_earned: '0.00' });
    const rows = await em.fork().execute<{ amount: string; reference_type: string; reference_id: string }[]>(
      `SELECT amount::text, reference_type, reference_id FROM wallet_ledger WHERE command_id = ? AND transaction_type = 'reversal' ORDER BY amount`,
      [reversal.id],
    );
    expect(rows).toEqual([
      { amount: '-12.50', reference_type: 'bulk_award', reference_id: bulk },
      { amount: '-30.00', reference_type: 'bulk_award', reference_id: bulk },
    ]);
    const before = await journalCounts(em);
    expect(await run(em, 'reverse_award', t.manager, { commandId: bulk, reason: 'again' })).toMatchObject({ result: { alreadyReversed: true, reversalId: reversal.id, recipients: 0 } });
    expect(await journalCounts(em)).toEqual(before);
  });

  it('applied twice at once moves the rows once; a held bulk award is declined, not reversed', async () => {
    const t = await tenant();
    const bulk = await bulkOf(t, t.manager, [[t.employee.id, '4'], [t.employee2.id, '6']]);
    const ids = await Promise.all([1, 2].map(() => insertCommand(em, { type: 'reverse_award', tenantId: t.tenantId, issuerId: t.manager.id, payload: { commandId: bulk, reason: 'race' } })));
    const outcomes = (await Promise.all(ids.map((id) => applyCommands(em, [id])))).flatMap((map) => [...map.values()]);
    expect(outcomes.map((o) => (o.status === 'succeeded' ? (o.result as { alreadyReversed: boolean }).alreadyReversed : o.status)).sort()).toEqual([false, true]);
    expect([await wallet(t.employee.id), await wallet(t.employee2.id)]).toEqual([
      { balance: '0.00', lifetime_earned: '0.00' },
      { balance: '0.00', lifetime_earned: '0.00' },
    ]);

    await run(em, 'update_settings', t.manager, settingsWith({ approvals: { threshold: '5', windowHours: 24 } }));
    const { id: held } = await insertBulkAward(em, { tenantId: t.tenantId, issuerId: t.manager.id, description: null, rows: [{ userRef: t.employee.id, amountText: '9', description: null }] });
    expect(await processBulkAward(em, held)).toMatchObject({ status: 'succeeded', result: { status: 'pending_approval' } });
    expect(await run(em, 'reverse_award', t.manager, { commandId: held, reason: 'no' })).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_FAILED' } });
  });
});

describe('an allocation reversed by a platform admin', () => {
  it('takes its points back out of the pool with a clawback tied to it, once; refused when the tenant has spent part of it', async () => {
    const t = await fundedTenant(em, '1000.00');
    const allocation = await run(em, 'allocate', t.admin, { tenantId: t.tenantId, amount: '250', currency: 'USD', referenceNote: 'Q2 top-up', invoiceNumber: 'INV-2' });
    const reversal = await run(em, 'reverse_allocation', t.admin, { commandId: allocation.id, reason: 'invoice cancelled' });
    expect(reversal).toMatchObject({
      status: 'succeeded',
      result: { originalCommandId: allocation.id, alreadyReversed: false, tenantId: t.tenantId, amount: '250.00', pool: { previousBalance: '1250.00', newBalance: '1000.00' } },
    });
    const [log] = await em.fork().execute('SELECT transaction_type, amount::text, reference_note FROM allocation_logs WHERE command_id = ?', [reversal.id]);
    expect(log).toEqual({ transaction_type: 'clawback', amount: '250.00', reference_note: `reverses allocation ${allocation.id}: invoice cancelled` });
    const [journal] = await em.fork().execute('SELECT amount::text, transaction_type, reference_type, reference_id FROM pool_ledger WHERE command_id = ?', [reversal.id]);
    expect(journal).toEqual({ amount: '-250.00', transaction_type: 'clawback', reference_type: 'allocation', reference_id: allocation.id });
    expect(await run(em, 'reverse_allocation', t.admin, { commandId: allocation.id, reason: 'again' })).toMatchObject({ result: { alreadyReversed: true, reversalId: reversal.id, pool: null } });

    // The first allocation of 1000 has been delegated in part: its reversal is refused, nothing moves.
    const [first] = await em.fork().execute<{ command_id: string }[]>(`SELECT command_id FROM allocation_logs WHERE tenant_id = ? AND transaction_type = 'allocation' ORDER BY created_at LIMIT 1`, [t.tenantId]);
    await run(em, 'delegate', t.manager, { leadId: t.lead.id, amount: '1' });
    const before = await journalCounts(em);
    expect(await run(em, 'reverse_allocation', t.admin, { commandId: first.command_id, reason: 'no' })).toMatchObject({ status: 'rejected', error: { code: 'INSUFFICIENT_BALANCE' } });
    const award = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '1' });
    expect(await run(em, 'reverse_allocation', t.admin, { commandId: award.id, reason: 'no' })).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
    expect(await run(em, 'reverse_award', t.manager, { commandId: first.command_id, reason: 'no' })).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
    expect(await run(em, 'reverse_allocation', t.manager, { commandId: first.command_id, reason: 'no' })).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
    expect((await journalCounts(em)).pool_ledger).toBe(before.pool_ledger + 1);
    const [check] = (await accountingCheck(em)).filter((row) => row.tenant_id === t.tenantId);
    expect(check).toMatchObject({ balanced: true, net_allocated: '1000.00' });
  });
});
