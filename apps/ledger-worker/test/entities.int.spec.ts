import { randomUUID } from 'node:crypto';
import { wrap } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { TestDatabase, createTestDatabase } from '@points/testing';
import { LedgerEvent } from '@points/contracts';
import { AcceptedCommandSchema, ENTITIES, TenantSchema, WalletLedgerEntrySchema, appendEvents, recordOutcomes, settleEvents, storeCommand, toIsoTimestamp } from '@points/db';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(2);
  await seedOneRowPerTable(db.orm.em.fork());
});
afterAll(() => db.drop());

const ids = {
  tenant: randomUUID(),
  admin: randomUUID(),
  lead: randomUUID(),
  employee: randomUUID(),
  department: randomUUID(),
  schedule: randomUUID(),
  expiryRun: randomUUID(),
  wallet: randomUUID(),
  budget: randomUUID(),
  adminCommand: randomUUID(),
  leadCommand: randomUUID(),
  bulkCommand: randomUUID(),
};

/** One row in every table, through plain SQL, as the ledger writes them. */
async function seedOneRowPerTable(em: EntityManager) {
  const { tenant, admin, lead, employee, wallet, budget, adminCommand, leadCommand, bulkCommand } = ids;
  const journal = `amount, transaction_type, reference_type, reference_id, previous_balance, new_balance, version, command_id`;
  for (const [sql, params] of [
    [`INSERT INTO tenants (id, name, slug) VALUES (?, 'Tenant', ?)`, [tenant, `t-${tenant.slice(0, 8)}`]],
    [
      `INSERT INTO users (id, tenant_id, email, display_name, role) VALUES (?, NULL, ?, 'Admin', 'platform_admin'), (?, ?, ?, 'Lead', 'lead'), (?, ?, ?, 'Employee', 'employee')`,
      [admin, `a-${admin}@x.test`, lead, tenant, `l-${lead}@x.test`, employee, tenant, `e-${employee}@x.test`],
    ],
    [`INSERT INTO wallets (id, user_id, tenant_id) VALUES (?, ?, ?)`, [wallet, employee, tenant]],
    [`INSERT INTO lead_budgets (id, user_id, tenant_id) VALUES (?, ?, ?)`, [budget, lead, tenant]],
    [`INSERT INTO recognitions (id, tenant_id, giver_id, recipient_id, points, message, command_id) VALUES (?, ?, ?, ?, 5, 'Thanks', ?)`, [randomUUID(), tenant, lead, employee, leadCommand]],
    [
      `INSERT INTO allocation_logs (id, tenant_id, admin_id, amount, transaction_type, previous_balance, new_balance, version, command_id) VALUES (?, ?, ?, 100, 'allocation', 0, 100, 1, ?)`,
      [randomUUID(), tenant, admin, adminCommand],
    ],
    [`INSERT INTO platform_billing_logs (id, admin_id, tenant_id, amount, transaction_type, command_id) VALUES (?, ?, ?, 100, 'allocation', ?)`, [randomUUID(), admin, tenant, adminCommand]],
    [`INSERT INTO departments (id, tenant_id, name, head_id, balance, version) VALUES (?, ?, 'Sales', ?, 10, 1)`, [ids.department, tenant, lead]],
    [`UPDATE users SET department_id = ? WHERE id = ?`, [ids.department, lead]],
    [`INSERT INTO department_ledger (id, department_id, tenant_id, ${journal}) VALUES (?, ?, ?, 10, 'department_funding', 'command', ?, 0, 10, 1, ?)`, [randomUUID(), ids.department, tenant, leadCommand, leadCommand]],
    [`INSERT INTO pool_ledger (id, tenant_id, ${journal}) VALUES (?, ?, 100, 'allocation', 'command', ?, 0, 100, 1, ?)`, [randomUUID(), tenant, adminCommand, adminCommand]],
    [
      `INSERT INTO distribution_logs (id, tenant_id, from_user_id, to_user_id, amount, transaction_type, source_type, previous_pool_balance, new_pool_balance, source_version, command_id)
       VALUES (?, ?, ?, ?, 5, 'award', 'lead_budget', 10, 5, 2, ?)`,
      [randomUUID(), tenant, lead, employee, leadCommand],
    ],
    [`INSERT INTO lead_budget_ledger (id, lead_budget_id, tenant_id, ${journal}) VALUES (?, ?, ?, 10, 'delegation', 'command', ?, 0, 10, 1, ?)`, [randomUUID(), budget, tenant, leadCommand, leadCommand]],
    [`INSERT INTO wallet_ledger (id, wallet_id, tenant_id, ${journal}) VALUES (?, ?, ?, 5, 'award', 'command', ?, 0, 5, 1, ?)`, [randomUUID(), wallet, tenant, leadCommand, leadCommand]],
    [`INSERT INTO feed (id, event_id, tenant_id, actor_id, target_user_id, type) VALUES (?, ?, ?, ?, ?, 'award')`, [randomUUID(), randomUUID(), tenant, lead, employee]],
    [`INSERT INTO audit_log (id, event_id, tenant_id, actor_id, action, entity_type) VALUES (?, ?, ?, ?, 'award', 'command')`, [randomUUID(), randomUUID(), tenant, lead]],
    [`INSERT INTO bulk_awards (id, tenant_id, issuer_id, total) VALUES (?, ?, ?, 1)`, [bulkCommand, tenant, lead]],
    [`INSERT INTO bulk_award_items (bulk_award_id, row_number, user_ref, amount_text) VALUES (?, 1, 'e@x.test', '5')`, [bulkCommand]],
    [`INSERT INTO tenant_settings (tenant_id, version, settings, tally_epoch, command_id, changed_by) VALUES (?, 1, '{}', 1, ?, ?)`, [tenant, leadCommand, lead]],
    [
      `INSERT INTO award_holds (id, tenant_id, giver_id, recipient_id, source_type, lead_budget_id, amount, expires_at) VALUES (?, ?, ?, ?, 'lead_budget', ?, 5, now() + interval '1 day')`,
      [leadCommand, tenant, lead, employee, budget],
    ],
    [`INSERT INTO award_hold_decisions (hold_id, decision) VALUES (?, 'expired')`, [leadCommand]],
    [`INSERT INTO reversals (original_command_id, tenant_id, command_id, reversed_by, reason, amount) VALUES (?, ?, ?, ?, 'mistake', 5)`, [leadCommand, tenant, bulkCommand, lead]],
    [
      `INSERT INTO allocation_schedules (id, tenant_id, cadence, time_zone, amount, currency, reference_note, owner_id, next_run_at) VALUES (?, ?, 'monthly', 'UTC', 10, 'EUR', 'plan', ?, '2026-12-01T00:00:00Z')`,
      [ids.schedule, tenant, admin],
    ],
    [`INSERT INTO allocation_schedule_runs (schedule_id, period_key, tenant_id, command_id, amount) VALUES (?, '2026-11-01T00:00:00.000Z', ?, ?, 10)`, [ids.schedule, tenant, adminCommand]],
    [`INSERT INTO expiry_runs (id, tenant_id, matured_by, wallets, amount) VALUES (?, ?, now(), 1, 1)`, [ids.expiryRun, tenant]],
    [`INSERT INTO expired_accounts (tenant_id, balance, version) VALUES (?, 1, 1)`, [tenant]],
    [`INSERT INTO expired_ledger (id, tenant_id, amount, previous_balance, new_balance, version, expiry_run_id) VALUES (?, ?, 1, 0, 1, 1, ?)`, [randomUUID(), tenant, ids.expiryRun]],
    [`INSERT INTO budget_returns (id, tenant_id, period_end, accounts, amount) VALUES (?, ?, '2026-11-01T00:00:00Z', 0, 0)`, [randomUUID(), tenant]],
    [
      `INSERT INTO spend_tallies (tenant_id, epoch, scope, user_id, counterpart_id, period_start, period_end, amount, awards)
       VALUES (?, 1, 'giver', ?, '00000000-0000-0000-0000-000000000000', '2026-11-01', '2026-12-01', 5, 1)`,
      [tenant, lead],
    ],
  ] as const) {
    await em.execute(sql, [...params]);
    // Commands and events are written only through the command store, as the gateway and the ledger write them.
    if (sql.startsWith('INSERT INTO lead_budgets')) await storeCommands(em);
    if (sql.startsWith('INSERT INTO wallet_ledger')) {
      const event = awardedEvent();
      await appendEvents(em, [event]);
      await settleEvents(em, [{ eventId: event.eventId, status: 'delivered' }]);
    }
  }
}

async function storeCommands(em: EntityManager) {
  const { tenant, admin, lead, adminCommand, leadCommand, bulkCommand } = ids;
  await storeCommand(em, { id: adminCommand, type: 'allocate', tenantId: null, issuerId: admin, payload: {} });
  await storeCommand(em, { id: leadCommand, type: 'award', tenantId: tenant, issuerId: lead, payload: {} });
  await storeCommand(em, { id: bulkCommand, type: 'bulk_award', tenantId: tenant, issuerId: lead, payload: {} });
  await recordOutcomes(em, new Map([[adminCommand, { status: 'succeeded', result: { tenantId: tenant, amount: '100.00', previousBalance: '0.00', newBalance: '100.00' } }]]));
}

function awardedEvent(): LedgerEvent {
  const { tenant, lead, employee, leadCommand } = ids;
  const source = { type: 'lead_budget' as const, previousBalance: '10.00', newBalance: '5.00' };
  return {
    eventId: randomUUID(),
    commandId: leadCommand,
    tenantId: tenant,
    actorId: lead,
    occurredAt: new Date().toISOString(),
    requestId: null,
    type: 'points.awarded',
    amount: '5.00',
    recipientId: employee,
    description: null,
    source,
    wallet: { previousBalance: '0.00', newBalance: '5.00' },
  };
}

const COMPOSITE_KEYS = ['issuerOfTenant', 'recipientOfTenant', 'givenByCommandIssuer', 'budgetOfTenant', 'walletOfTenant', 'departmentOfTenant', 'parentOfTenant', 'headOfTenant'];

it('reads a row of every table through its entity: plain ids, money and counters as strings, JSON-safe, composite keys left out', async () => {
  const em = db.orm.em.fork();
  for (const { meta } of ENTITIES) {
    const [row] = await em.find<object>(meta.className, {});
    expect({ entity: meta.className, found: row !== undefined }).toEqual({ entity: meta.className, found: true });
    const plain: Record<string, unknown> = wrap(row).toObject();
    expect(Object.keys(plain).filter((key) => COMPOSITE_KEYS.includes(key))).toEqual([]);
    expect(() => JSON.stringify(plain)).not.toThrow();
  }
  const tenant = await em.findOneOrFail(TenantSchema, { id: ids.tenant });
  expect({ pool: tenant.pointsAllocationBalance, version: tenant.poolVersion }).toEqual({ pool: '0.00', version: '0' });
  const command = await em.findOneOrFail(AcceptedCommandSchema, { id: ids.leadCommand });
  expect({ tenantId: command.tenantId, issuerId: command.issuerId }).toEqual({ tenantId: ids.tenant, issuerId: ids.lead });
});

describe('timestamps: ISO 8601 UTC with microseconds, as the gateway formats them', () => {
  // Trailing zeros (PostgreSQL prints .1), whole seconds (it prints no fraction), one
  // microsecond apart, and 1890 (local mean time: offsets in seconds, e.g. +00:19:32).
  const instants = ['2026-11-24T10:00:00.123456Z', '2026-11-24T10:00:00.123457Z', '2026-11-24T10:00:00.100000Z', '2026-11-24T10:00:01.000000Z', '1890-01-01T00:00:00.500000Z'];
  const tenants = instants.map(() => randomUUID());
  const zones = ['UTC', 'Asia/Kathmandu', 'America/St_Johns', 'Europe/Amsterdam'];

  beforeAll(async () => {
    for (const [i, id] of tenants.entries()) {
      await db.orm.em.fork().execute(`INSERT INTO tenants (id, name, slug, created_at) VALUES (?, 'Tenant', ?, ?)`, [id, `ts-${id.slice(0, 8)}`, instants[i]]);
    }
  });

  /** Runs `read` in a transaction whose session TimeZone is `zone`. */
  const inZone = <T>(zone: string, read: (em: EntityManager) => Promise<T>) =>
    db.orm.em.fork().transactional(async (em) => {
      await em.execute(`SET LOCAL TimeZone = '${zone}'`);
      return read(em);
    });

  it.each(zones)('em.find, em.findOne and the QueryBuilder return exactly what to_char returns, with the session in %s', async (zone) => {
    const { gateway, found, one, list, single } = await inZone(zone, async (em) => {
      const rows = await em.execute<{ id: string; iso: string }[]>(
        `SELECT id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS iso FROM tenants WHERE id IN (?)`,
        [tenants],
      );
      const byId = <R extends { id: string; createdAt: string }>(entities: R[]) => Object.fromEntries(entities.map((t) => [t.id, t.createdAt]));
      em.clear();
      const found = byId(await em.find(TenantSchema, { id: { $in: tenants } }));
      em.clear();
      const one = byId([await em.findOneOrFail(TenantSchema, { id: tenants[0] })]);
      em.clear();
      const list = byId(await em.createQueryBuilder(TenantSchema, 't').select(['id', 'createdAt']).where({ id: { $in: tenants } }).getResultList());
      em.clear();
      const single = await em.createQueryBuilder(TenantSchema, 't').select('*').where({ id: tenants[1] }).getSingleResult();
      if (!single) throw new Error('getSingleResult found no tenant');
      return { gateway: Object.fromEntries(rows.map((r) => [r.id, r.iso])), found, one, list, single: byId([single]) };
    });
    expect(Object.values(gateway).sort()).toEqual([...instants].sort());
    expect(found).toEqual(gateway);
    expect(list).toEqual(gateway);
    expect(one).toEqual({ [tenants[0]]: gateway[tenants[0]] });
    expect(single).toEqual({ [tenants[1]]: gateway[tenants[1]] });
  });

  it("qb.execute() maps column names but not types: its created_at is PostgreSQL's text for the same instant", async () => {
    const [row] = await inZone('Asia/Kathmandu', (em) =>
      em.createQueryBuilder(TenantSchema, 't').select(['id', 'createdAt']).where({ id: tenants[0] }).execute<{ createdAt: string }[]>(),
    );
    expect(row.createdAt).toBe('2026-11-24 15:45:00.123456+05:45');
    expect(toIsoTimestamp(row.createdAt)).toBe(instants[0]);
  });

  it.each(zones)('a created_at written back into a WHERE compares as the instant, to the microsecond, with the session in %s', async (zone) => {
    const before = (cursor: string, inclusive = false) =>
      inZone(zone, async (em) => {
        const rows = await em.find(TenantSchema, { id: { $in: tenants }, createdAt: inclusive ? { $lte: cursor } : { $lt: cursor } }, { orderBy: { createdAt: 'desc' } });
        return rows.map((t) => t.createdAt);
      });
    const older = [instants[0], instants[2], instants[4]];
    expect(await before(instants[1])).toEqual(older);
    expect(await before(instants[1], true)).toEqual([instants[1], ...older]);
    // The same instant written with an offset: converted to UTC before it reaches PostgreSQL.
    expect(await before('2026-11-24T15:45:00.123457+05:45')).toEqual(older);
  });

  it('refuses a timestamp without a zone (PostgreSQL would read it in the session TimeZone) or with an impossible date', async () => {
    await expect(db.orm.em.fork().find(TenantSchema, { createdAt: { $lt: '2026-11-24 10:00:00.123456' } })).rejects.toThrow(/with a time zone/);
    expect(() => toIsoTimestamp('2026-02-30T10:00:00Z')).toThrow(/with a time zone/);
  });

  it('the QueryBuilder compares and orders by the column itself, so the (tenant_id, created_at DESC, id DESC) indexes serve keyset pages', async () => {
    const em = db.orm.em.fork();
    const qb = em.createQueryBuilder(TenantSchema, 't').select('*').where({ createdAt: { $lt: instants[1] } }).orderBy({ createdAt: 'desc', id: 'desc' });
    expect(qb.getQuery()).toBe('select "t".* from "tenants" as "t" where "t"."created_at" < $1 order by "t"."created_at" desc, "t"."id" desc');

    // A keyset page: a row comparison on (created_at, id), the cursor as the entity returned it.
    const [first, ...rest] = await em.find(TenantSchema, { id: { $in: tenants } }, { orderBy: { createdAt: 'desc', id: 'desc' } });
    const page = await em
      .createQueryBuilder(TenantSchema, 't')
      .select(['id', 'createdAt'])
      .where({ id: { $in: tenants } })
      .andWhere('(t.created_at, t.id) < (?::timestamptz, ?::uuid)', [first.createdAt, first.id])
      .orderBy({ createdAt: 'desc', id: 'desc' })
      .getResultList();
    expect(page.map((t) => t.createdAt)).toEqual(rest.map((t) => t.createdAt));
  });
});

it('an entity written through the EntityManager keeps its composite keys and is not rewritten by the next flush', async () => {
  const em = db.orm.em.fork();
  const command = em.create(AcceptedCommandSchema, {
    id: randomUUID(),
    type: 'award',
    tenantId: ids.tenant,
    issuerId: ids.lead,
    payload: {},
    status: 'queued',
    idempotencyKey: null,
    requestHash: null,
    requestId: null,
    attempts: 0,
  });
  const entry = em.create(WalletLedgerEntrySchema, {
    id: randomUUID(),
    walletId: ids.wallet,
    tenantId: ids.tenant,
    amount: '1.00',
    transactionType: 'award',
    referenceType: 'command',
    referenceId: command.id,
    previousBalance: '5.00',
    newBalance: '6.00',
    version: '2',
    commandId: command.id,
  });
  await em.flush();
  expect(entry.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);

  // wallet_ledger refuses UPDATE: a flush that rewrote the entry (say, its created_at) would throw.
  command.attempts += 1;
  await em.flush();

  const reloaded = await db.orm.em.fork().findOneOrFail(AcceptedCommandSchema, { id: command.id });
  expect({ issuerId: reloaded.issuerId, tenantId: reloaded.tenantId, attempts: reloaded.attempts }).toEqual({ issuerId: ids.lead, tenantId: ids.tenant, attempts: 1 });
  const [row] = await em.execute<{ wallet_id: string; tenant_id: string }[]>('SELECT wallet_id, tenant_id FROM wallet_ledger WHERE id = ?', [entry.id]);
  expect(row).toEqual({ wallet_id: ids.wallet, tenant_id: ids.tenant });
});
