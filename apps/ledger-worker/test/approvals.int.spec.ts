import { EntityManager } from '@mikro-orm/postgresql';
import { CommandOutcome, PendingAwardResult } from '@points/contracts';
import { TestDatabase, TestUser, balances, createTestDatabase, insertBulkAward, insertCommand, insertUser } from '@points/testing';
import { processBulkAward } from '../src/bulk/process-bulk-award';
import { applyCommands } from '../src/ledger/apply-commands';
import { expireHolds } from '../src/holds/expire-holds';
import { accountingCheck, expectBooksBalanced, fundedTenant as fundedTenantIn, journalProblems, run, settingsWith } from './ledger-harness';

// Approvals with holds (issue #12), applied by the real ledger: an award above
// the tenant's threshold holds its points on the source until an approver
// approves (the award is posted) or declines, or the window ends (released);
// exactly one decision stands, and what is held is never spent twice.

let db: TestDatabase;
let em: EntityManager;

beforeAll(async () => {
  db = await createTestDatabase();
  em = db.orm.em as EntityManager;
});
afterAll(() => db.drop());

type Tenant = Awaited<ReturnType<typeof fundedTenantIn>>;

async function tenantWithApprovals(pool = '1000.00', approvals = { threshold: '100', windowHours: 24 }): Promise<Tenant> {
  const t = await fundedTenantIn(em, pool);
  expect(await run(em, 'update_settings', t.manager, settingsWith({ approvals }))).toMatchObject({ status: 'succeeded' });
  return t;
}

const pendingOf = (outcome: CommandOutcome) => (outcome.status === 'succeeded' ? (outcome.result as PendingAwardResult) : undefined);
const pool = async (t: Tenant) => (await em.fork().execute('SELECT points_allocation_balance AS balance, points_held AS held FROM tenants WHERE id = ?', [t.tenantId]))[0];
const decisionOf = async (holdId: string) => (await em.fork().execute('SELECT decision, decided_by, reason FROM award_hold_decisions WHERE hold_id = ?', [holdId]))[0];
const journalRowsOf = async (commandId: string) =>
  em.fork().execute(
    `SELECT 'pool' AS journal FROM pool_ledger WHERE command_id = ? UNION ALL SELECT 'wallet' FROM wallet_ledger WHERE command_id = ? UNION ALL SELECT 'distribution' FROM distribution_logs WHERE command_id = ?`,
    [commandId, commandId, commandId],
  );

describe('an award above the threshold', () => {
  it('succeeds as pending_approval: its points are held on the source, nothing moves, no journal row', async () => {
    const t = await tenantWithApprovals();
    const award = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '150', description: 'big launch' });

    expect(award).toMatchObject({
      status: 'succeeded',
      result: { status: 'pending_approval', approvalId: award.id, amount: '150.00', recipientId: t.employee.id, source: { type: 'tenant_pool', balance: '1000.00', held: '150.00', available: '850.00' } },
    });
    expect(await pool(t)).toEqual({ balance: '1000.00', held: '150.00' });
    expect((await balances(em, t.tenantId)).wallets[t.employee.id]).toBe('0.00');
    expect(await journalRowsOf(award.id)).toEqual([]);
    const [event] = await em.fork().execute('SELECT event_type FROM outbox_events WHERE command_id = ?', [award.id]);
    expect(event).toEqual({ event_type: 'award.pending_approval' });
    // At or below the threshold an award goes through at once.
    expect(await run(em, 'award', t.manager, { userId: t.employee.id, amount: '100' })).toMatchObject({ status: 'succeeded', result: { wallet: { newBalance: '100.00' } } });
  });

  it('six pending awards can never together exceed what is available, and held points cannot be spent or clawed back', async () => {
    const t = await tenantWithApprovals('500.00', { threshold: '50', windowHours: 24 });
    const ids = await Promise.all(Array.from({ length: 6 }, () => insertCommand(em, { type: 'award', tenantId: t.tenantId, issuerId: t.manager.id, payload: { userId: t.employee.id, amount: '100' } })));
    const outcomes = new Map([...(await Promise.all(ids.map((id) => applyCommands(em, [id]))))].flatMap((m) => [...m]));

    expect([...outcomes.values()].filter((o) => pendingOf(o)?.status === 'pending_approval')).toHaveLength(5);
    expect([...outcomes.values()].filter((o) => o.status === 'rejected' && o.error.code === 'INSUFFICIENT_BALANCE')).toHaveLength(1);
    expect(await pool(t)).toEqual({ balance: '500.00', held: '500.00' });
    expect(await run(em, 'award', t.hr, { userId: t.employee2.id, amount: '0.01' })).toMatchObject({ status: 'rejected', error: { code: 'INSUFFICIENT_BALANCE' } });
    expect(await run(em, 'delegate', t.manager, { leadId: t.lead.id, amount: '0.01' })).toMatchObject({ status: 'rejected', error: { code: 'INSUFFICIENT_BALANCE' } });
    expect(await run(em, 'clawback', t.admin, { tenantId: t.tenantId, amount: '0.01', referenceNote: 'x' })).toMatchObject({ status: 'rejected', error: { code: 'INSUFFICIENT_BALANCE' } });
    // The database refuses it too, whatever the code did.
    await expect(em.fork().execute('UPDATE tenants SET points_allocation_balance = 499 WHERE id = ?', [t.tenantId])).rejects.toThrow(/tenants_points_held_check/);
  });

  it('held awards count against the period caps, so those held can all be approved', async () => {
    const t = await fundedTenantIn(em, '20000.00');
    await run(em, 'update_settings', t.manager, settingsWith({ approvals: { threshold: '1000', windowHours: 24 }, limits: { perGiver: { amount: '5000', period: 'month' } } }));
    const first = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '2000' });
    const second = await run(em, 'award', t.manager, { userId: t.employee2.id, amount: '2000' });
    const third = await run(em, 'award', t.manager, { userId: t.hr.id, amount: '2000' });

    expect([first, second].map((a) => (a.status === 'succeeded' ? (a.result as PendingAwardResult).status : a.status))).toEqual(['pending_approval', 'pending_approval']);
    expect(third).toMatchObject({ status: 'rejected', error: { code: 'LIMIT_EXCEEDED', details: [{ limit: 'perGiver', used: '0.00', pending: '4000.00', remaining: '1000.00' }] } });
    expect(await run(em, 'approve_award', t.hr, { approvalId: first.id })).toMatchObject({ status: 'succeeded' });
    expect(await run(em, 'approve_award', t.hr, { approvalId: second.id })).toMatchObject({ status: 'succeeded' });
    expect(await run(em, 'award', t.manager, { userId: t.hr.id, amount: '1000.01' })).toMatchObject({ status: 'rejected', error: { details: [{ used: '4000.00', pending: '0.00' }] } });
  });

  it('a lead’s award holds on their own budget', async () => {
    const t = await tenantWithApprovals();
    await run(em, 'delegate', t.manager, { leadId: t.lead.id, amount: '300' });
    const award = await run(em, 'award', t.lead, { userId: t.employee.id, amount: '200' });
    expect(award).toMatchObject({ result: { status: 'pending_approval', source: { type: 'lead_budget', balance: '300.00', held: '200.00', available: '100.00' } } });
    expect((await em.fork().execute('SELECT held FROM lead_budgets WHERE user_id = ?', [t.lead.id]))[0]).toEqual({ held: '200.00' });
  });
});

describe('deciding', () => {
  it('an approval posts the award in the giver’s name: held released, pool debited, wallet credited, journals under the award command', async () => {
    const t = await tenantWithApprovals();
    const award = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '150', description: 'big launch' });
    const approval = await run(em, 'approve_award', t.hr, { approvalId: award.id, reason: 'well deserved' });

    expect(approval).toMatchObject({
      status: 'succeeded',
      result: { approvalId: award.id, decision: 'approved', award: { amount: '150.00', wallet: { previousBalance: '0.00', newBalance: '150.00' } }, source: { balance: '850.00', held: '0.00', available: '850.00' } },
    });
    expect(await pool(t)).toEqual({ balance: '850.00', held: '0.00' });
    expect((await journalRowsOf(award.id)).map((row) => row.journal).sort()).toEqual(['distribution', 'pool', 'wallet']);
    const [distribution] = await em.fork().execute('SELECT from_user_id, to_user_id, amount, description FROM distribution_logs WHERE command_id = ?', [award.id]);
    expect(distribution).toEqual({ from_user_id: t.manager.id, to_user_id: t.employee.id, amount: '150.00', description: 'big launch' });
    expect(await decisionOf(award.id)).toEqual({ decision: 'approved', decided_by: t.hr.id, reason: 'well deserved' });
    const [event] = await em.fork().execute('SELECT event_type FROM outbox_events WHERE command_id = ?', [approval.id]);
    expect(event).toEqual({ event_type: 'award.approved' });
  });

  it('a decline releases the hold and moves nothing; a second decision is ALREADY_DECIDED', async () => {
    const t = await tenantWithApprovals();
    const award = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '150' });
    const declined = await run(em, 'decline_award', t.hr, { approvalId: award.id, reason: 'not this quarter' });

    expect(declined).toMatchObject({ status: 'succeeded', result: { decision: 'declined', award: null, source: { held: '0.00', available: '1000.00' } } });
    expect(await pool(t)).toEqual({ balance: '1000.00', held: '0.00' });
    expect(await journalRowsOf(award.id)).toEqual([]);
    expect(await run(em, 'approve_award', t.manager, { approvalId: award.id })).toMatchObject({ status: 'rejected', error: { code: 'ALREADY_DECIDED', details: [{ decision: 'declined' }] } });
    expect(await pool(t)).toEqual({ balance: '1000.00', held: '0.00' });
  });

  it('an approval a limit refuses changes nothing: the hold stays, still held, still undecided', async () => {
    const t = await tenantWithApprovals();
    const award = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '150' });
    // A per-award limit set since: the approval is judged by the settings in force when it was accepted.
    await run(em, 'update_settings', t.manager, settingsWith({ approvals: { threshold: '100', windowHours: 24 }, limits: { perAward: '120' } }));
    const refused = await run(em, 'approve_award', t.hr, { approvalId: award.id });

    expect(refused).toMatchObject({ status: 'rejected', error: { code: 'LIMIT_EXCEEDED' } });
    expect(await pool(t)).toEqual({ balance: '1000.00', held: '150.00' });
    expect(await decisionOf(award.id)).toBeUndefined();
    expect(await journalProblems(em)).toEqual([]);
    expect(await run(em, 'decline_award', t.hr, { approvalId: award.id, reason: 'over the new limit' })).toMatchObject({ status: 'succeeded' });
  });

  it('another tenant’s decision in the same transaction as the tenant’s own finds nothing; the recipient may not decide either', async () => {
    const t = await tenantWithApprovals();
    const other = await fundedTenantIn(em);
    const award = await run(em, 'award', t.manager, { userId: t.hr.id, amount: '150' });
    const foreign = await insertCommand(em, { type: 'decline_award', tenantId: other.tenantId, issuerId: other.manager.id, payload: { approvalId: award.id, reason: 'not mine' } });
    const byRecipient = await insertCommand(em, { type: 'approve_award', tenantId: t.tenantId, issuerId: t.hr.id, payload: { approvalId: award.id } });
    const own = await insertCommand(em, { type: 'approve_award', tenantId: t.tenantId, issuerId: (await insertUser(em, 'hr_admin', t.tenantId)).id, payload: { approvalId: award.id.toUpperCase() } });

    const outcomes = await applyCommands(em, [foreign, byRecipient, own]);
    expect(outcomes.get(foreign)).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
    expect(outcomes.get(byRecipient)).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
    expect(outcomes.get(own)).toMatchObject({ status: 'succeeded', result: { decision: 'approved' } });
  });

  it('a recognition may not carry more than the approval threshold: it would reach the wallet and the feed unapproved', async () => {
    const t = await tenantWithApprovals();
    expect(await run(em, 'recognition', t.manager, { recipientId: t.employee.id, points: '100.01', message: 'too much' })).toMatchObject({
      status: 'rejected',
      error: { code: 'LIMIT_EXCEEDED', details: [{ field: 'points', limit: 'approvalThreshold', limitAmount: '100.00' }] },
    });
    expect(await run(em, 'recognition', t.manager, { recipientId: t.employee.id, points: '100', message: 'fine' })).toMatchObject({ status: 'succeeded' });
  });

  it('a giver may withdraw (decline) their own award but not approve it; another lead may do neither', async () => {
    const t = await tenantWithApprovals();
    const otherLead = await insertUser(em, 'lead', t.tenantId);
    await run(em, 'delegate', t.manager, { leadId: t.lead.id, amount: '300' });
    const award = await run(em, 'award', t.lead, { userId: t.employee.id, amount: '200' });

    expect(await run(em, 'approve_award', t.lead, { approvalId: award.id })).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
    expect(await run(em, 'decline_award', otherLead, { approvalId: award.id, reason: 'not yours' })).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
    expect(await run(em, 'decline_award', t.lead, { approvalId: award.id, reason: 'sent by mistake' })).toMatchObject({ status: 'succeeded', result: { decision: 'declined' } });
    expect((await em.fork().execute('SELECT balance, held FROM lead_budgets WHERE user_id = ?', [t.lead.id]))[0]).toEqual({ balance: '300.00', held: '0.00' });
  });

  it('an award whose giver has left is not approved in their name (decline it); one whose recipient has left is not found', async () => {
    const t = await tenantWithApprovals();
    await run(em, 'delegate', t.manager, { leadId: t.lead.id, amount: '300' });
    const fromLead = await run(em, 'award', t.lead, { userId: t.employee.id, amount: '200' });
    const toEmployee2 = await run(em, 'award', t.manager, { userId: t.employee2.id, amount: '200' });
    await em.fork().execute('UPDATE users SET active = false WHERE id IN (?, ?)', [t.lead.id, t.employee2.id]);

    expect(await run(em, 'approve_award', t.hr, { approvalId: fromLead.id })).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN', message: expect.stringContaining('decline it') } });
    expect(await run(em, 'approve_award', t.hr, { approvalId: toEmployee2.id })).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND', message: expect.stringContaining('decline it') } });
    expect(await run(em, 'decline_award', t.hr, { approvalId: fromLead.id, reason: 'giver left' })).toMatchObject({ status: 'succeeded' });
    expect(await run(em, 'decline_award', t.hr, { approvalId: toEmployee2.id, reason: 'recipient left' })).toMatchObject({ status: 'succeeded' });
    expect(await pool(t)).toEqual({ balance: '700.00', held: '0.00' });
  });

  it('the giver may not decide their own award; another tenant’s approver finds nothing', async () => {
    const t = await tenantWithApprovals();
    const other = await fundedTenantIn(em);
    const award = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '150' });

    expect(await run(em, 'approve_award', t.manager, { approvalId: award.id })).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
    expect(await run(em, 'decline_award', other.manager, { approvalId: award.id, reason: 'x' })).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
    expect(await run(em, 'approve_award', t.lead, { approvalId: award.id })).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
    expect(await pool(t)).toEqual({ balance: '1000.00', held: '150.00' });
    expect(await decisionOf(award.id)).toBeUndefined();
  });
});

describe('expiry', () => {
  const afterWindow = (hours = 25) => new Date(Date.now() + hours * 3_600_000);

  it('releases an undecided hold once its window has ended, once, however often it runs; nothing before', async () => {
    const t = await tenantWithApprovals();
    const award = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '150' });

    expect(await expireHolds(em, [award.id])).toEqual([]); // early: nothing
    expect(await expireHolds(em, [award.id], { now: afterWindow() })).toEqual([award.id]);
    expect(await expireHolds(em, [award.id], { now: afterWindow() })).toEqual([]);
    expect(await pool(t)).toEqual({ balance: '1000.00', held: '0.00' });
    expect(await decisionOf(award.id)).toEqual({ decision: 'expired', decided_by: null, reason: null });
    expect(await run(em, 'approve_award', t.hr, { approvalId: award.id })).toMatchObject({ status: 'rejected', error: { code: 'ALREADY_DECIDED', details: [{ decision: 'expired' }] } });
  });

  it('an approval after the window is refused even before the expiry job has run', async () => {
    const t = await tenantWithApprovals();
    const award = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '150' });
    const late = await insertCommand(em, { type: 'approve_award', tenantId: t.tenantId, issuerId: t.hr.id, payload: { approvalId: award.id } });
    expect((await applyCommands(em, [late], { now: () => afterWindow() })).get(late)).toMatchObject({ status: 'rejected', error: { code: 'ALREADY_DECIDED' } });
  });

  it('an expiry racing an approval: exactly one decision stands for each hold, and the books agree with it', async () => {
    const t = await tenantWithApprovals('10000.00');
    const recipients: TestUser[] = [];
    for (let i = 0; i < 10; i++) recipients.push(await insertUser(em, 'employee', t.tenantId));
    const holds = [];
    for (const recipient of recipients) holds.push((await run(em, 'award', t.manager, { userId: recipient.id, amount: '150' })).id);
    const approvals = await Promise.all(holds.map((approvalId) => insertCommand(em, { type: 'approve_award', tenantId: t.tenantId, issuerId: t.hr.id, payload: { approvalId } })));

    // Each approval is judged just inside the window; each expiry just after it. They run at once.
    await Promise.all(holds.flatMap((hold, i) => [applyCommands(em, [approvals[i]], { now: () => afterWindow(23) }), expireHolds(em, [hold], { now: afterWindow() })]));

    let approved = 0;
    for (const [i, hold] of holds.entries()) {
      const { decision } = await decisionOf(hold);
      const credited = (await balances(em, t.tenantId)).wallets[recipients[i].id] === '150.00';
      expect({ decision, credited }).toEqual({ decision, credited: decision === 'approved' });
      if (decision === 'approved') approved++;
    }
    expect(await pool(t)).toEqual({ balance: (10000 - 150 * approved).toFixed(2), held: '0.00' });
  });
});

describe('the books', () => {
  it('accounting and journal checks hold after all of the above (held = the undecided holds)', async () => {
    await expectBooksBalanced(em);
  });
});

describe('a bulk award with a row above the threshold', () => {
  /** A bulk award from the manager: rows of [recipient, amount]. */
  async function bulkOf(t: Tenant, rows: [TestUser, string][]) {
    const { id } = await insertBulkAward(em, {
      tenantId: t.tenantId,
      issuerId: t.manager.id,
      description: 'launch team',
      rows: rows.map(([user, amountText]) => ({ userRef: user.id, amountText, description: null })),
    });
    return { id, outcome: await processBulkAward(em, id) };
  }
  const bulkRow = async (id: string) => (await em.fork().execute('SELECT status, processed, succeeded, total_amount, completed_at IS NOT NULL AS complete FROM bulk_awards WHERE id = ?', [id]))[0];
  const wallets = async (t: Tenant) => (await balances(em, t.tenantId)).wallets;

  it('is held whole: its total on the source, no row posted, the bulk award pending approval', async () => {
    const t = await tenantWithApprovals();
    const { id, outcome } = await bulkOf(t, [[t.employee, '100'], [t.employee2, '100.01']]);
    expect(outcome).toMatchObject({
      status: 'succeeded',
      result: { status: 'pending_approval', approvalId: id, bulkId: id, recipients: 2, totalAmount: '200.01', source: { type: 'tenant_pool', balance: '1000.00', held: '200.01', available: '799.99' } },
    });
    expect(await bulkRow(id)).toEqual({ status: 'pending_approval', processed: 2, succeeded: 0, total_amount: '200.01', complete: false });
    expect(await pool(t)).toEqual({ balance: '1000.00', held: '200.01' });
    expect(await wallets(t)).toMatchObject({ [t.employee.id]: '0.00', [t.employee2.id]: '0.00' });
    const [hold] = await em.fork().execute('SELECT kind, recipient_id, amount FROM award_holds WHERE id = ?', [id]);
    expect(hold).toEqual({ kind: 'bulk_award', recipient_id: null, amount: '200.01' });
    // Redelivered, its job only reads back the stored outcome: the bulk award stays held.
    expect(await processBulkAward(em, id)).toMatchObject({ result: { status: 'pending_approval' } });
    expect(await bulkRow(id)).toMatchObject({ status: 'pending_approval' });
    // Rows at or below the threshold go through at once, as before.
    expect((await bulkOf(t, [[t.employee, '100']])).outcome).toMatchObject({ status: 'succeeded', result: { recipients: 1, source: { type: 'tenant_pool' } } });
  });

  it('approved, every row is posted in the giver’s name under the bulk award’s id', async () => {
    const t = await tenantWithApprovals();
    const { id } = await bulkOf(t, [[t.employee, '150'], [t.employee2, '50']]);
    const approval = await run(em, 'approve_award', t.hr, { approvalId: id, reason: 'launch' });
    expect(approval).toMatchObject({
      status: 'succeeded',
      result: { decision: 'approved', award: null, bulkAward: { bulkId: id, recipients: 2, totalAmount: '200.00', source: { newBalance: '800.00' } }, source: { balance: '800.00', held: '0.00' } },
    });
    expect(await wallets(t)).toMatchObject({ [t.employee.id]: '150.00', [t.employee2.id]: '50.00' });
    expect(await bulkRow(id)).toMatchObject({ status: 'succeeded', succeeded: 2, complete: true });
    const rows = await em.fork().execute('SELECT from_user_id, count(*)::int AS n FROM distribution_logs WHERE command_id = ? GROUP BY 1', [id]);
    expect(rows).toEqual([{ from_user_id: t.manager.id, n: 2 }]);
    const [event] = await em.fork().execute('SELECT event_type FROM outbox_events WHERE command_id = ?', [approval.id]);
    expect(event).toEqual({ event_type: 'bulk_award.approved' });
    expect(await run(em, 'decline_award', t.hr, { approvalId: id, reason: 'late' })).toMatchObject({ status: 'rejected', error: { code: 'ALREADY_DECIDED' } });
  });

  it('is not approved when a row no longer passes (a recipient left); declined, it releases the hold and ends declined', async () => {
    const t = await tenantWithApprovals();
    const { id } = await bulkOf(t, [[t.employee, '150'], [t.employee2, '50']]);
    await em.fork().execute('UPDATE users SET active = false WHERE id = ?', [t.employee2.id]);
    const before = await journalRowsOf(id);
    expect(await run(em, 'approve_award', t.hr, { approvalId: id })).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_FAILED' } });
    expect(await journalRowsOf(id)).toEqual(before);
    expect(await pool(t)).toEqual({ balance: '1000.00', held: '200.00' });

    expect(await run(em, 'decline_award', t.manager, { approvalId: id, reason: 'team changed' })).toMatchObject({ status: 'succeeded', result: { decision: 'declined', source: { held: '0.00' } } });
    expect(await bulkRow(id)).toMatchObject({ status: 'declined', succeeded: 0, complete: true });
    expect(await pool(t)).toEqual({ balance: '1000.00', held: '0.00' });
  });

  it('is decided by nobody it pays: an approver with a row in it is refused; another approves', async () => {
    const t = await tenantWithApprovals();
    const { id } = await bulkOf(t, [[t.employee, '150'], [t.hr, '20']]);
    expect(await run(em, 'approve_award', t.hr, { approvalId: id })).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
    expect(await run(em, 'decline_award', t.hr, { approvalId: id, reason: 'mine' })).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
    const manager2 = await insertUser(em, 'tenant_manager', t.tenantId);
    expect(await run(em, 'approve_award', manager2, { approvalId: id })).toMatchObject({ status: 'succeeded', result: { decision: 'approved' } });
    expect((await wallets(t))[t.hr.id]).toBe('20.00');
  });

  it('is approved in a transaction of its own: a batch that approves one with other commands is refused before it locks anything', async () => {
    const t = await tenantWithApprovals();
    const { id } = await bulkOf(t, [[t.employee, '150']]);
    const approve = await insertCommand(em, { type: 'approve_award', tenantId: t.tenantId, issuerId: t.hr.id, payload: { approvalId: id } });
    const award = await insertCommand(em, { type: 'award', tenantId: t.tenantId, issuerId: t.manager.id, payload: { userId: t.employee2.id, amount: '5' } });
    await expect(applyCommands(em, [approve, award])).rejects.toThrow('a bulk award is applied in a transaction of its own');
    // One at a time, as the worker's batcher then applies them, both go through.
    expect((await applyCommands(em, [approve])).get(approve)).toMatchObject({ status: 'succeeded' });
    expect((await applyCommands(em, [award])).get(award)).toMatchObject({ status: 'succeeded' });
    expect(await accountingCheck(em)).toEqual(expect.arrayContaining([expect.objectContaining({ tenant_id: t.tenantId, balanced: true })]));
    expect(await journalProblems(em)).toEqual([]);
  });

  it('expires like an award: the hold released, the bulk award ended expired', async () => {
    const t = await tenantWithApprovals('1000.00', { threshold: '100', windowHours: 1 });
    const { id } = await bulkOf(t, [[t.employee, '150']]);
    expect(await expireHolds(em, [id], { now: new Date(Date.now() + 2 * 3_600_000) })).toEqual([id]);
    expect(await bulkRow(id)).toMatchObject({ status: 'expired', complete: true, total_amount: '150.00' });
    expect(await pool(t)).toEqual({ balance: '1000.00', held: '0.00' });
    expect(await run(em, 'approve_award', t.hr, { approvalId: id })).toMatchObject({ status: 'rejected', error: { code: 'ALREADY_DECIDED' } });
  });
});
