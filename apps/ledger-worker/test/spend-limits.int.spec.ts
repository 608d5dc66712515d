import { EntityManager } from '@mikro-orm/postgresql';
import { CommandOutcome, LedgerEvent } from '@points/contracts';
import { TestDatabase, TestUser, balances, createTestDatabase, insertBulkAward, insertCommand, insertEmployees, insertUser, journalCounts } from '@points/testing';
import { processBulkAward } from '../src/bulk/process-bulk-award';
import { applyCommands } from '../src/ledger/apply-commands';
import { accountingCheck, journalProblems, run, fundedTenant as fundedTenantIn, settingsWith } from './ledger-harness';

// The tenant's settings and spend limits (issue #12), applied by the real
// ledger against PostgreSQL: each limit's accepted and refused path with
// nothing moved on refusal, caps under concurrency, periods in the tenant's
// time zone (the ledger's clock injected), and the settings a command was
// accepted under.

let db: TestDatabase;
let em: EntityManager;

beforeAll(async () => {
  db = await createTestDatabase();
  em = db.orm.em as EntityManager;
});
afterAll(() => db.drop());

const fundedTenant = (pool = '100000.00') => fundedTenantIn(em, pool);

const setSettings = (t: { manager: TestUser }, settings: Record<string, unknown>) => run(em, 'update_settings', t.manager, settingsWith(settings));

/** Stores a command as the gateway does (stamped with the settings version committed now), without applying it. */
const accept = (type: 'award' | 'recognition', issuer: TestUser, payload: unknown) => insertCommand(em, { type, tenantId: issuer.tenantId, issuerId: issuer.id, payload });

async function applyAt(ids: string[], at: string): Promise<Map<string, CommandOutcome>> {
  return applyCommands(em, ids, { now: () => new Date(at) });
}

async function eventsOf(commandId: string): Promise<LedgerEvent[]> {
  const rows = await em.fork().execute<{ payload: LedgerEvent }[]>('SELECT payload FROM outbox_events WHERE command_id = ? ORDER BY created_at', [commandId]);
  return rows.map((row) => row.payload);
}

describe('tenant settings', () => {
  it('each change is a new version, with an event carrying the settings before and after', async () => {
    const t = await fundedTenant();
    const first = await setSettings(t, { timeZone: 'Europe/Berlin', limits: { perAward: '50' } });
    const second = await setSettings(t, { limits: { perGiver: { amount: '500', period: 'month' } } });

    expect(first).toMatchObject({ status: 'succeeded', result: { version: 1, settings: { timeZone: 'Europe/Berlin', limits: { perAward: '50.00', perGiver: null } } } });
    expect(second).toMatchObject({ status: 'succeeded', result: { version: 2, settings: { timeZone: 'UTC', limits: { perAward: null, perGiver: { amount: '500.00', period: 'month' } } } } });
    const rows = await em.fork().execute('SELECT version, tally_epoch, changed_by FROM tenant_settings WHERE tenant_id = ? ORDER BY version', [t.tenantId]);
    expect(rows).toEqual([
      { version: 1, tally_epoch: 1, changed_by: t.manager.id },
      { version: 2, tally_epoch: 2, changed_by: t.manager.id },
    ]);
    const [event] = await eventsOf(second.id);
    expect(event).toMatchObject({ type: 'settings.updated', tenantId: t.tenantId, version: 2, before: { timeZone: 'Europe/Berlin', limits: { perAward: '50.00' } }, after: { timeZone: 'UTC' } });
  });

  it('only a tenant manager may change them, and versions are history', async () => {
    const t = await fundedTenant();
    expect(await run(em, 'update_settings', t.hr, settingsWith())).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
    expect(await em.fork().execute('SELECT 1 FROM tenant_settings WHERE tenant_id = ?', [t.tenantId])).toHaveLength(0);
    await setSettings(t, {});
    await expect(em.fork().execute('UPDATE tenant_settings SET version = 9 WHERE tenant_id = ?', [t.tenantId])).rejects.toThrow(/append-only/);
    await expect(em.fork().execute('DELETE FROM tenant_settings WHERE tenant_id = ?', [t.tenantId])).rejects.toThrow(/append-only/);
  });

  it('keeps the tally epoch while limits count the same way, and starts a new one when the counting changes', async () => {
    const t = await fundedTenant();
    await setSettings(t, { limits: { perGiver: { amount: '100', period: 'month' } } });
    await setSettings(t, { limits: { perGiver: { amount: '300', period: 'month' }, perAward: '20' } });
    await setSettings(t, { limits: { perGiver: { amount: '300', period: 'week' } } });
    await setSettings(t, { timeZone: 'Asia/Tokyo', limits: { perGiver: { amount: '300', period: 'week' } } });
    const rows = await em.fork().execute('SELECT version, tally_epoch FROM tenant_settings WHERE tenant_id = ? ORDER BY version', [t.tenantId]);
    expect(rows.map((row) => row.tally_epoch)).toEqual([1, 1, 3, 4]);
  });
});

describe('a tenant that configures nothing', () => {
  it('awards exactly as before: no settings, no tallies', async () => {
    const t = await fundedTenant('1000.00');
    const award = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '999.99' });
    expect(award).toMatchObject({ status: 'succeeded' });
    expect(await em.fork().execute('SELECT 1 FROM spend_tallies WHERE tenant_id = ?', [t.tenantId])).toHaveLength(0);
  });
});

describe('spend limits', () => {
  it('per award: refused with LIMIT_EXCEEDED naming the limit, and nothing moves', async () => {
    const t = await fundedTenant('1000.00');
    await setSettings(t, { limits: { perAward: '100' } });
    const before = { balances: await balances(em, t.tenantId), journals: await journalCounts(em) };

    const refused = await run(em, 'award', t.manager, { userId: t.employee.id, amount: '100.01' });
    const kudos = await run(em, 'recognition', t.manager, { recipientId: t.employee.id, points: '150', message: 'too generous' });

    expect(refused).toMatchObject({
      status: 'rejected',
      error: { code: 'LIMIT_EXCEEDED', details: [{ field: 'amount', limit: 'perAward', limitAmount: '100.00', requested: '100.01' }] },
    });
    expect(kudos).toMatchObject({ status: 'rejected', error: { code: 'LIMIT_EXCEEDED' } });
    expect(await balances(em, t.tenantId)).toEqual(before.balances);
    const journals = await journalCounts(em);
    expect({ ...journals, outbox_events: undefined }).toEqual({ ...before.journals, outbox_events: undefined });
    expect(await run(em, 'award', t.manager, { userId: t.employee.id, amount: '100' })).toMatchObject({ status: 'succeeded' });
  });

  it('per giver per period: 50 concurrent awards that together cross the cap let exactly those under it through', async () => {
    const t = await fundedTenant();
    const recipients = await insertEmployees(em, t.tenantId, 50, `cap-${t.tenantId.slice(0, 8)}-`);
    await setSettings(t, { limits: { perGiver: { amount: '200', period: 'month' } } });
    const ids = await Promise.all(recipients.map((recipient) => accept('award', t.manager, { userId: recipient.id, amount: '10' })));

    // Five transactions at once, ten commands each, in every interleaving the lock allows.
    const batches = [0, 1, 2, 3, 4].map((i) => ids.slice(i * 10, i * 10 + 10));
    const outcomes = new Map([...(await Promise.all(batches.map((batch) => applyCommands(em, batch))))].flatMap((m) => [...m]));

    const succeeded = [...outcomes.values()].filter((o) => o.status === 'succeeded');
    const refused = [...outcomes.values()].filter((o) => o.status === 'rejected');
    expect(succeeded).toHaveLength(20);
    expect(refused).toHaveLength(30);
    expect(refused.every((o) => o.status === 'rejected' && o.error.code === 'LIMIT_EXCEEDED')).toBe(true);
    expect(refused[0]).toMatchObject({ error: { details: [{ limit: 'perGiver', period: 'month', limitAmount: '200.00', used: '200.00', remaining: '0.00', requested: '10.00' }] } });
    expect((await balances(em, t.tenantId)).pool).toBe('99800.00');
    const [tally] = await em.fork().execute('SELECT amount, awards FROM spend_tallies WHERE tenant_id = ? AND scope = ?', [t.tenantId, 'giver']);
    expect(tally).toEqual({ amount: '200.00', awards: 20 });
  });

  it('per recipient per period: counts what every giver gave them', async () => {
    const t = await fundedTenant();
    await run(em, 'delegate', t.manager, { leadId: t.lead.id, amount: '1000' });
    await setSettings(t, { limits: { perRecipient: { amount: '100', period: 'week' } } });

    expect(await run(em, 'award', t.manager, { userId: t.employee.id, amount: '60' })).toMatchObject({ status: 'succeeded' });
    const refused = await run(em, 'award', t.lead, { userId: t.employee.id, amount: '40.01' });
    expect(refused).toMatchObject({ status: 'rejected', error: { code: 'LIMIT_EXCEEDED', details: [{ field: 'userId', limit: 'perRecipient', used: '60.00', remaining: '40.00' }] } });
    expect(await run(em, 'recognition', t.lead, { recipientId: t.employee.id, points: '40', message: 'exactly the rest' })).toMatchObject({ status: 'succeeded' });
    expect(await run(em, 'award', t.lead, { userId: t.employee2.id, amount: '100' })).toMatchObject({ status: 'succeeded' });
  });

  it('a limit set mid-period counts what was given earlier in the period (seeded from the journal)', async () => {
    const t = await fundedTenant();
    await run(em, 'award', t.manager, { userId: t.employee.id, amount: '80' });
    await setSettings(t, { limits: { perGiver: { amount: '100', period: 'quarter' } } });

    expect(await run(em, 'award', t.manager, { userId: t.employee2.id, amount: '20.01' })).toMatchObject({ status: 'rejected', error: { code: 'LIMIT_EXCEEDED', details: [{ used: '80.00', remaining: '20.00' }] } });
    expect(await run(em, 'award', t.manager, { userId: t.employee2.id, amount: '20' })).toMatchObject({ status: 'succeeded' });
  });

  it('periods start at midnight in the tenant’s time zone', async () => {
    const t = await fundedTenant();
    await setSettings(t, { timeZone: 'Asia/Tokyo', limits: { perGiver: { amount: '100', period: 'month' } } });
    // 14:30 UTC on 31 January is 23:30 in Tokyo; 15:30 UTC is already 1 February there.
    const lateJanuary = await accept('award', t.manager, { userId: t.employee.id, amount: '100' });
    const stillJanuary = await accept('award', t.manager, { userId: t.employee2.id, amount: '1' });
    const february = await accept('award', t.manager, { userId: t.employee2.id, amount: '100' });

    expect((await applyAt([lateJanuary], '2027-01-31T14:30:00Z')).get(lateJanuary)).toMatchObject({ status: 'succeeded' });
    expect((await applyAt([stillJanuary], '2027-01-31T14:59:59Z')).get(stillJanuary)).toMatchObject({
      status: 'rejected',
      error: { code: 'LIMIT_EXCEEDED', details: [{ periodStart: '2026-12-31T15:00:00.000Z', periodEnd: '2027-01-31T15:00:00.000Z' }] },
    });
    expect((await applyAt([february], '2027-01-31T15:30:00Z')).get(february)).toMatchObject({ status: 'succeeded' });
  });

  it('reciprocal awards: once A gave to B in the period, each may give the other only as often as the tenant allows', async () => {
    const t = await fundedTenant();
    const otherLead = await insertUser(em, 'lead', t.tenantId);
    await run(em, 'delegate', t.manager, { leadId: t.lead.id, amount: '100' });
    await run(em, 'delegate', t.manager, { leadId: otherLead.id, amount: '100' });
    await setSettings(t, { limits: { reciprocal: { maxAwards: 1, period: 'month' } } });

    expect(await run(em, 'award', t.lead, { userId: otherLead.id, amount: '5' })).toMatchObject({ status: 'succeeded' });
    expect(await run(em, 'recognition', otherLead, { recipientId: t.lead.id, points: '5', message: 'thanks back' })).toMatchObject({ status: 'succeeded' });
    const again = await run(em, 'award', otherLead, { userId: t.lead.id, amount: '5' });
    expect(again).toMatchObject({ status: 'rejected', error: { code: 'RECIPROCAL_LIMIT_EXCEEDED', details: [{ limit: 'reciprocal', maxAwards: 1, used: 1, remaining: 0 }] } });
    // Now that both have given, A giving B again is a return too; giving someone else is not.
    expect(await run(em, 'award', t.lead, { userId: otherLead.id, amount: '5' })).toMatchObject({ status: 'rejected', error: { code: 'RECIPROCAL_LIMIT_EXCEEDED' } });
    expect(await run(em, 'award', t.lead, { userId: t.employee.id, amount: '5' })).toMatchObject({ status: 'succeeded' });
    // A 0-point kudos moves nothing and is never limited.
    expect(await run(em, 'recognition', otherLead, { recipientId: t.lead.id, points: '0', message: 'kudos' })).toMatchObject({ status: 'succeeded' });
  });

  it('a command is judged by the settings in force when it was accepted', async () => {
    const t = await fundedTenant();
    const acceptedBefore = await accept('award', t.manager, { userId: t.employee.id, amount: '50' });
    await setSettings(t, { limits: { perAward: '10' } });
    const acceptedAfter = await accept('award', t.manager, { userId: t.employee.id, amount: '50' });

    const outcomes = await applyCommands(em, [acceptedBefore, acceptedAfter]);
    expect(outcomes.get(acceptedBefore)).toMatchObject({ status: 'succeeded' });
    expect(outcomes.get(acceptedAfter)).toMatchObject({ status: 'rejected', error: { code: 'LIMIT_EXCEEDED' } });
    const stamped = await em.fork().execute('SELECT id, settings_version FROM accepted_commands WHERE id IN (?, ?)', [acceptedBefore, acceptedAfter]);
    expect(Object.fromEntries(stamped.map((row) => [row.id, row.settings_version]))).toEqual({ [acceptedBefore]: null, [acceptedAfter]: 1 });
  });

  it('a gift accepted under earlier settings still counts toward the limits now in force', async () => {
    const t = await fundedTenant();
    await setSettings(t, { limits: { perGiver: { amount: '100', period: 'month' } } });
    const underMonthly = await accept('award', t.manager, { userId: t.employee.id, amount: '30' });
    await setSettings(t, { limits: { perGiver: { amount: '100', period: 'week' } } });
    // The weekly tally exists before the older command is applied…
    expect(await run(em, 'award', t.manager, { userId: t.employee2.id, amount: '60' })).toMatchObject({ status: 'succeeded' });
    expect((await applyCommands(em, [underMonthly])).get(underMonthly)).toMatchObject({ status: 'succeeded' });
    // …and counts it: 60 + 30 of the week's 100 are used.
    expect(await run(em, 'award', t.manager, { userId: t.employee2.id, amount: '10.01' })).toMatchObject({ status: 'rejected', error: { code: 'LIMIT_EXCEEDED', details: [{ used: '90.00' }] } });
  });

  describe('bulk awards', () => {
    const bulk = (t: { tenantId: string; manager: TestUser }, rows: [TestUser, string][]) =>
      insertBulkAward(em, { tenantId: t.tenantId, issuerId: t.manager.id, description: 'limited', rows: rows.map(([user, amountText]) => ({ userRef: user.id, amountText, description: null })) });
    const bulkRow = async (bulkId: string) =>
      (await em.fork().execute('SELECT status, failed, errors FROM bulk_awards WHERE id = ?', [bulkId]))[0] as { status: string; failed: number; errors: { row: number; code: string; message: string }[] };

    it('each row is an award: a row past the per-award or per-recipient limit refuses the whole upload, naming the row, and nothing moves', async () => {
      const t = await fundedTenant();
      await setSettings(t, { limits: { perAward: '100', perRecipient: { amount: '150', period: 'month' } } });
      await run(em, 'award', t.manager, { userId: t.employee2.id, amount: '100' });
      const before = await balances(em, t.tenantId);

      const { id } = await bulk(t, [
        [t.employee, '100'],
        [t.employee2, '50.01'],
        [t.lead, '100.01'],
      ]);
      expect(await processBulkAward(em, id)).toMatchObject({ status: 'rejected', error: { code: 'LIMIT_EXCEEDED' } });
      const row = await bulkRow(id);
      expect(row).toMatchObject({ status: 'rejected', failed: 2 });
      expect(row.errors).toEqual([
        { row: 2, field: 'amount', code: 'LIMIT_EXCEEDED', message: 'the recipient may receive 50.00 more this month (perRecipient limit 150.00)' },
        { row: 3, field: 'amount', code: 'LIMIT_EXCEEDED', message: 'exceeds the per-award limit of 100.00' },
      ]);
      expect(await balances(em, t.tenantId)).toEqual(before);
    });

    it("the total counts toward the giver's cap, and the rows toward each recipient's", async () => {
      const t = await fundedTenant();
      await setSettings(t, { limits: { perGiver: { amount: '300', period: 'week' }, perRecipient: { amount: '100', period: 'week' } } });
      const tooMuch = await bulk(t, [
        [t.employee, '100'],
        [t.employee2, '100'],
        [t.lead, '100.01'],
      ]);
      expect(await processBulkAward(em, tooMuch.id)).toMatchObject({ status: 'rejected', error: { code: 'LIMIT_EXCEEDED' } });

      const fits = await bulk(t, [
        [t.employee, '100'],
        [t.employee2, '60'],
      ]);
      expect(await processBulkAward(em, fits.id)).toMatchObject({ status: 'succeeded' });
      expect(await run(em, 'award', t.manager, { userId: t.lead.id, amount: '140.01' })).toMatchObject({ status: 'rejected', error: { details: [{ limit: 'perGiver', used: '160.00' }] } });
      expect(await run(em, 'award', t.hr, { userId: t.employee2.id, amount: '40.01' })).toMatchObject({ status: 'rejected', error: { details: [{ limit: 'perRecipient', used: '60.00' }] } });
      expect(await run(em, 'award', t.hr, { userId: t.employee2.id, amount: '40' })).toMatchObject({ status: 'succeeded' });
    });
  });

  it('keeps the books: accounting and journal checks hold after limited and refused commands', async () => {
    const rows = await accountingCheck(em);
    expect(rows.filter((row) => !row.balanced)).toEqual([]);
    expect(await journalProblems(em)).toEqual([]);
  });
});
