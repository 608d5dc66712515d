import { EntityManager } from '@mikro-orm/postgresql';
import { CommandType } from '@points/contracts';
import { expirePoints, expiryPolicies, returnUnspentBudgets, walletExpiries } from '@points/db';
import { insertBulkAward, journalCounts } from '@points/testing';
import { processBulkAward } from '../src/bulk/process-bulk-award';
import { fundedTenant, settingsWith, runAt as runAtClock, ledgerDatabase } from './ledger-harness';

// Point expiry (issue #13), with the clock injected: a wallet's points are lots
// (each credit net of its reversal), expired first-in-first-out at the end of
// the month they turn N months old in the tenant's zone, into the tenant's
// expired account; running the expiry twice, late or at once expires each point once.

let em: EntityManager;
ledgerDatabase((db) => (em = db));

type Tenant = Awaited<ReturnType<typeof fundedTenant>>;
type Issuer = { id: string; tenantId: string | null };

const runAt = (at: string, type: CommandType, issuer: Issuer, payload: unknown) => runAtClock(em, at, type, issuer, payload);

/** A funded tenant whose points expire after `months` in `timeZone`. */
async function tenantWithExpiry(expiry: Record<string, unknown>, timeZone = 'UTC'): Promise<Tenant> {
  const t = await fundedTenant(em);
  expect(await runAt('2026-01-01T00:00:00Z', 'update_settings', t.manager, settingsWith({ timeZone, expiry }))).toMatchObject({ status: 'succeeded' });
  return t;
}

const award = async (t: Tenant, at: string, userId: string, amount: string) => {
  const outcome = await runAt(at, 'award', t.manager, { userId, amount });
  expect(outcome).toMatchObject({ status: 'succeeded' });
  return outcome.id;
};
const policyOf = async (t: Tenant) => (await expiryPolicies(em, [t.tenantId]))[0];
const expireAt = (at: string, t?: Tenant) => expirePoints(em, { now: new Date(at), tenantIds: t ? [t.tenantId] : undefined });
const wallet = async (userId: string) => (await em.fork().execute<{ id: string; balance: string; lifetime_earned: string }[]>('SELECT id, balance::text, lifetime_earned::text FROM wallets WHERE user_id = ?', [userId]))[0];
const expired = async (tenantId: string) => (await em.fork().execute<{ balance: string }[]>('SELECT balance::text FROM expired_accounts WHERE tenant_id = ?', [tenantId]))[0]?.balance ?? '0.00';
const expiryRows = (userId: string) =>
  em.fork().execute<{ amount: string; reference_type: string; command_id: string | null }[]>(
    `SELECT l.amount::text, l.reference_type, l.command_id FROM wallet_ledger l JOIN wallets w ON w.id = l.wallet_id WHERE w.user_id = ? AND l.transaction_type = 'expiry' ORDER BY l.version`,
    [userId],
  );

describe('expiry', () => {
  it('takes lots first in, first out, each at the end of the month it turns N months old; the next ones are listed', async () => {
    const t = await tenantWithExpiry({ walletMonths: 1 });
    await award(t, '2026-01-10T12:00:00Z', t.employee.id, '50');
    await award(t, '2026-01-20T12:00:00Z', t.employee.id, '20');
    await award(t, '2026-02-05T12:00:00Z', t.employee.id, '30');
    await award(t, '2026-03-03T12:00:00Z', t.employee.id, '10');
    const own = await wallet(t.employee.id);
    expect(await walletExpiries(em, own.id, await policyOf(t))).toEqual([
      { amount: '70.00', expiresAt: '2026-03-01T00:00:00.000000Z', lastDay: '2026-02-28' },
      { amount: '30.00', expiresAt: '2026-04-01T00:00:00.000000Z', lastDay: '2026-03-31' },
      { amount: '10.00', expiresAt: '2026-05-01T00:00:00.000000Z', lastDay: '2026-04-30' },
    ]);

    expect(await expireAt('2026-02-28T23:59:59Z', t)).toMatchObject({ runs: 0, amount: '0.00' });
    expect(await expireAt('2026-03-01T00:00:00Z', t)).toMatchObject({ runs: 1, wallets: 1, amount: '70.00' });
    expect(await wallet(t.employee.id)).toMatchObject({ balance: '40.00', lifetime_earned: '110.00' });
    expect(await expireAt('2026-04-15T00:00:00Z', t)).toMatchObject({ amount: '30.00' });
    expect(await wallet(t.employee.id)).toMatchObject({ balance: '10.00' });
    expect(await expired(t.tenantId)).toBe('100.00');
    expect(await expiryRows(t.employee.id)).toEqual([
      { amount: '-70.00', reference_type: 'expiry_run', command_id: null },
      { amount: '-30.00', reference_type: 'expiry_run', command_id: null },
    ]);
    expect(await walletExpiries(em, own.id, await policyOf(t))).toEqual([{ amount: '10.00', expiresAt: '2026-05-01T00:00:00.000000Z', lastDay: '2026-04-30' }]);
    // A reversed award is no lot: its points do not expire.
    const reversed = await award(t, '2026-04-20T00:00:00Z', t.employee2.id, '15');
    await runAt('2026-04-21T00:00:00Z', 'reverse_award', t.manager, { commandId: reversed, reason: 'wrong person' });
    expect(await expireAt('2026-06-01T00:00:00Z', t)).toMatchObject({ amount: '10.00', wallets: 1 });
  });

  it('twice, late, or three at once expires each point once', async () => {
    const t = await tenantWithExpiry({ walletMonths: 2 });
    await award(t, '2026-01-05T00:00:00Z', t.employee.id, '12');
    await award(t, '2026-01-06T00:00:00Z', t.employee2.id, '8');
    const at = '2026-06-01T00:00:00Z';
    const results = await Promise.all([1, 2, 3].map(() => expireAt(at, t)));
    expect(results.map((r) => r.amount).sort()).toEqual(['0.00', '0.00', '20.00']);
    const before = await journalCounts(em);
    expect(await expireAt(at, t)).toMatchObject({ runs: 0 });
    expect(await expireAt('2026-09-01T00:00:00Z', t)).toMatchObject({ runs: 0 });
    expect(await journalCounts(em)).toEqual(before);
    expect(await expired(t.tenantId)).toBe('20.00');
    expect([await wallet(t.employee.id), await wallet(t.employee2.id)].map((w) => w.balance)).toEqual(['0.00', '0.00']);
  });

  it('at a month boundary in the tenant’s time zone, not UTC', async () => {
    const t = await tenantWithExpiry({ walletMonths: 1 }, 'America/New_York');
    // 23:30 on 31 January in New York: earned in January there.
    await award(t, '2026-02-01T04:30:00Z', t.employee.id, '5');
    // 00:30 on 1 February in New York.
    await award(t, '2026-02-01T05:30:00Z', t.employee.id, '7');
    // Midnight on 1 March in New York is 05:00 UTC.
    expect(await expireAt('2026-03-01T04:59:59Z', t)).toMatchObject({ runs: 0 });
    expect(await expireAt('2026-03-01T05:00:00Z', t)).toMatchObject({ amount: '5.00' });
    // Midnight on 1 April in New York (daylight saving time) is 04:00 UTC.
    expect(await expireAt('2026-04-01T03:59:59Z', t)).toMatchObject({ runs: 0 });
    expect(await expireAt('2026-04-01T04:00:00Z', t)).toMatchObject({ amount: '7.00' });
  });

  it('switched on (or shortened), expires nothing before it has been in force for its notice days, and gives notice first', async () => {
    const t = await fundedTenant(em);
    await award(t, '2026-01-10T00:00:00Z', t.employee.id, '30');
    expect(await runAt('2026-06-10T00:00:00Z', 'update_settings', t.manager, settingsWith({ expiry: { walletMonths: 1, noticeDays: 14 } }))).toMatchObject({ status: 'succeeded' });
    expect(await expireAt('2026-06-10T01:00:00Z', t)).toMatchObject({ runs: 0, notices: 1 });
    expect(await expireAt('2026-06-23T23:59:59Z', t)).toMatchObject({ runs: 0 });
    expect(await expireAt('2026-06-24T00:00:00Z', t)).toMatchObject({ amount: '30.00' });
    // Another settings change that leaves the policy as it is does not move its start.
    await award(t, '2026-07-01T00:00:00Z', t.employee.id, '5');
    await runAt('2026-07-02T00:00:00Z', 'update_settings', t.manager, settingsWith({ timeZone: 'UTC', expiry: { walletMonths: 1, noticeDays: 14 }, limits: { perAward: '1000' } }));
    expect(await expireAt('2026-08-01T00:00:00Z', t)).toMatchObject({ runs: 0 });
    expect(await expireAt('2026-09-01T00:00:00Z', t)).toMatchObject({ amount: '5.00' });
  });

  it('writes one notice per wallet and moment, the configured days before', async () => {
    const t = await tenantWithExpiry({ walletMonths: 1, noticeDays: 7 });
    await award(t, '2026-01-10T00:00:00Z', t.employee.id, '120');
    expect(await expireAt('2026-02-21T23:59:59Z', t)).toMatchObject({ notices: 0 });
    expect(await expireAt('2026-02-22T00:00:00Z', t)).toMatchObject({ notices: 1 });
    expect(await expireAt('2026-02-25T00:00:00Z', t)).toMatchObject({ notices: 0 });
    const notices = await em.fork().execute<{ entity_id: string; after: { amount: string; message: string } }[]>(
      `SELECT entity_id, after FROM audit_log WHERE tenant_id = ? AND action = 'points.expiring'`,
      [t.tenantId],
    );
    expect(notices).toEqual([{ entity_id: t.employee.id, after: expect.objectContaining({ amount: '120.00', message: '120.00 points expire on 28 February 2026' }) }]);
    await expireAt('2026-03-01T00:00:00Z', t);
    const [run] = await em.fork().execute<{ after: { wallets: number; amount: string } }[]>(`SELECT after FROM audit_log WHERE tenant_id = ? AND action = 'points.expired'`, [t.tenantId]);
    expect(run.after).toMatchObject({ wallets: 1, amount: '120.00' });
  });
});

describe('a reversal after part of the recipient’s points expired', () => {
  async function partlyExpired(reverseExpired: 'reject' | 'what_remains') {
    const t = await tenantWithExpiry({ walletMonths: 1, reverseExpired });
    const early = await award(t, '2026-01-10T00:00:00Z', t.employee.id, '40');
    const later = await award(t, '2026-02-10T00:00:00Z', t.employee.id, '25');
    expect(await expireAt('2026-03-01T00:00:00Z', t)).toMatchObject({ amount: '40.00' });
    return { t, early, later };
  }

  it('is refused for the expired award under reject (though the wallet holds 25), and goes through for the other', async () => {
    const { t, early, later } = await partlyExpired('reject');
    const before = await journalCounts(em);
    expect(await runAt('2026-03-02T00:00:00Z', 'reverse_award', t.manager, { commandId: early, reason: 'late' })).toMatchObject({
      status: 'rejected',
      error: { code: 'INSUFFICIENT_BALANCE', message: '40.00 of the 40.00 points awarded have expired' },
    });
    expect(await journalCounts(em)).toEqual(before);
    expect(await runAt('2026-03-02T00:00:00Z', 'reverse_award', t.manager, { commandId: later, reason: 'fine' })).toMatchObject({ status: 'succeeded', result: { amount: '25.00' } });
    expect(await wallet(t.employee.id)).toMatchObject({ balance: '0.00', lifetime_earned: '40.00' });
  });

  it('reverses what remains under what_remains: nothing of the expired award, all of the other', async () => {
    const { t, early, later } = await partlyExpired('what_remains');
    expect(await runAt('2026-03-02T00:00:00Z', 'reverse_award', t.manager, { commandId: early, reason: 'late' })).toMatchObject({
      status: 'succeeded',
      result: { amount: '0.00', alreadyReversed: false, wallet: null, source: null },
    });
    expect(await wallet(t.employee.id)).toMatchObject({ balance: '25.00' });
    expect(await runAt('2026-03-02T00:00:00Z', 'reverse_award', t.manager, { commandId: later, reason: 'fine' })).toMatchObject({ result: { amount: '25.00' } });
    expect(await expireAt('2026-06-01T00:00:00Z', t)).toMatchObject({ runs: 0 });
  });

  it('refuses a bulk award whose row expired for one recipient, whole', async () => {
    const t = await tenantWithExpiry({ walletMonths: 1 });
    const { id: bulk } = await insertBulkAward(em, {
      tenantId: t.tenantId,
      issuerId: t.manager.id,
      description: null,
      rows: [
        { userRef: t.employee.id, amountText: '3', description: null },
        { userRef: t.employee2.id, amountText: '4', description: null },
      ],
    });
    expect(await processBulkAward(em, bulk)).toMatchObject({ status: 'succeeded' });
    // The bulk award's rows were credited now; a year on they have expired.
    await expireAt(new Date(Date.now() + 366 * 24 * 3_600_000).toISOString(), t);
    expect(await runAt(new Date(Date.now() + 367 * 24 * 3_600_000).toISOString(), 'reverse_award', t.manager, { commandId: bulk, reason: 'late' })).toMatchObject({
      status: 'rejected',
      error: { code: 'INSUFFICIENT_BALANCE', message: "2 of the bulk award's 2 recipients no longer hold their points" },
    });
  });
});

describe('unspent budgets returned at period end', () => {
  it('moves what lead budgets and department pools have available back to the pool once per period; what they hold stays', async () => {
    const t = await fundedTenant(em);
    expect(await runAt('2026-01-01T00:00:00Z', 'update_settings', t.manager, settingsWith({ timeZone: 'Europe/Berlin', budgetReturn: { period: 'month' }, approvals: { threshold: '50', windowHours: 720 } }))).toMatchObject({
      status: 'succeeded',
    });
    await runAt('2026-01-05T00:00:00Z', 'delegate', t.manager, { leadId: t.lead.id, amount: '300' });
    const department = await runAt('2026-01-05T00:00:00Z', 'create_department', t.manager, { name: 'Sales', headId: t.lead.id });
    const { departmentId } = (department as unknown as { result: { departmentId: string } }).result;
    expect(await runAt('2026-01-05T00:00:00Z', 'fund_department', t.manager, { departmentId, amount: '100' })).toMatchObject({ status: 'succeeded' });
    // 80 held for an award pending approval: it stays on the budget.
    expect(await runAt('2026-01-06T00:00:00Z', 'award', t.lead, { userId: t.employee.id, amount: '80' })).toMatchObject({ result: { status: 'pending_approval' } });
    await runAt('2026-01-07T00:00:00Z', 'award', t.lead, { userId: t.employee.id, amount: '20' });
    const returnAt = (at: string) => returnUnspentBudgets(em, { now: new Date(at), tenantIds: [t.tenantId] });

    // Still January in Berlin at 22:59 UTC on 31 January.
    expect(await returnAt('2026-01-31T22:59:59Z')).toMatchObject({ returns: 0 });
    // Midnight on 1 February in Berlin: January has ended.
    expect(await returnAt('2026-01-31T23:00:00Z')).toEqual({ returns: 1, accounts: 2, amount: '300.00' });
    expect(await returnAt('2026-02-10T00:00:00Z')).toMatchObject({ returns: 0 });
    const [budget] = await em.fork().execute<{ balance: string; held: string }[]>('SELECT balance::text, held::text FROM lead_budgets WHERE user_id = ?', [t.lead.id]);
    expect(budget).toEqual({ balance: '80.00', held: '80.00' });
    const [pool] = await em.fork().execute<{ balance: string }[]>('SELECT points_allocation_balance::text AS balance FROM tenants WHERE id = ?', [t.tenantId]);
    expect(pool.balance).toBe('900.00');
    const rows = await em.fork().execute<{ journal: string; amount: string; command_id: string | null }[]>(
      `SELECT 'pool' AS journal, amount::text, command_id FROM pool_ledger WHERE tenant_id = ? AND transaction_type = 'period_return'
       UNION ALL SELECT 'budget', amount::text, command_id FROM lead_budget_ledger WHERE tenant_id = ? AND transaction_type = 'period_return'
       UNION ALL SELECT 'department', amount::text, command_id FROM department_ledger WHERE tenant_id = ? AND transaction_type = 'period_return' ORDER BY 1`,
      [t.tenantId, t.tenantId, t.tenantId],
    );
    expect(rows).toEqual([
      { journal: 'budget', amount: '-200.00', command_id: null },
      { journal: 'department', amount: '-100.00', command_id: null },
      { journal: 'pool', amount: '300.00', command_id: null },
    ]);
    // Twice at once for the next period: one return.
    await runAt('2026-02-03T00:00:00Z', 'delegate', t.manager, { leadId: t.lead.id, amount: '10' });
    const results = await Promise.all([1, 2, 3].map(() => returnAt('2026-03-01T00:00:00Z')));
    expect(results.map((r) => r.amount).sort()).toEqual(['0.00', '0.00', '10.00']);
  });

  it('switched on during a period, first returns at the end of that period, and a change of zone never returns a period twice', async () => {
    const t = await fundedTenant(em);
    await runAt('2026-03-01T00:00:00Z', 'delegate', t.manager, { leadId: t.lead.id, amount: '40' });
    await runAt('2026-03-15T00:00:00Z', 'update_settings', t.manager, settingsWith({ budgetReturn: { period: 'quarter' } }));
    const returnAt = (at: string) => returnUnspentBudgets(em, { now: new Date(at), tenantIds: [t.tenantId] });
    // The quarter that ended on 1 January ended before the rule was set.
    expect(await returnAt('2026-03-20T00:00:00Z')).toMatchObject({ returns: 0 });
    expect(await returnAt('2026-04-01T00:00:00Z')).toMatchObject({ returns: 1, amount: '40.00' });
    // Moving the tenant west puts the quarter's end (in the new zone) after the return just made: nothing more.
    await runAt('2026-04-01T02:00:00Z', 'delegate', t.manager, { leadId: t.lead.id, amount: '5' });
    await runAt('2026-04-01T02:00:00Z', 'update_settings', t.manager, settingsWith({ timeZone: 'America/Los_Angeles', budgetReturn: { period: 'quarter' } }));
    expect(await returnAt('2026-04-01T03:00:00Z')).toMatchObject({ returns: 0 });
    expect(await returnAt('2026-07-01T07:00:00Z')).toMatchObject({ returns: 1, amount: '5.00' });
  });

  it('expiry: changing the notice days or the reversal policy does not restart the notice period', async () => {
    const t = await tenantWithExpiry({ walletMonths: 1, noticeDays: 3 });
    await award(t, '2026-01-10T00:00:00Z', t.employee.id, '9');
    await runAt('2026-02-27T00:00:00Z', 'update_settings', t.manager, settingsWith({ expiry: { walletMonths: 1, noticeDays: 10, reverseExpired: 'what_remains' } }));
    expect(await expireAt('2026-03-01T00:00:00Z', t)).toMatchObject({ amount: '9.00' });
  });
});
