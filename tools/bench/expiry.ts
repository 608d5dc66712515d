// The daily expiry (issue #13): `lots` matured wallet lots across `tenants`
// tenants, seeded straight into a scratch database with the real schema (as
// the ledger would have written them: allocation, bulk-award debits, wallet
// credits chained by version), then expired by the real expiry job. Meanwhile a
// prober takes a random tenant's pool lock over and over, as an award would, and
// records the longest wait: the expiry never locks a pool, so awards flow on.
import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { expirePoints } from '@points/db';
import { createTestDatabase } from '@points/testing';
import { accountingProblems } from './invariants';

export interface ExpiryResult {
  tenants: number;
  lots: number;
  seedSeconds: number;
  /** The expiry job, start to end. */
  seconds: number;
  runs: number;
  wallets: number;
  amount: string;
  /** The longest a pool lock (an award's first lock) waited while the expiry ran. */
  longestPoolWaitMs: number;
  poolProbes: number;
  /** The accounting and journal checks after the expiry: empty when the books balance. */
  problems: string[];
}

const WALLETS_PER_TENANT = 100;

export async function runExpiry(serverUrl: string, options: { tenants: number; lots: number }): Promise<ExpiryResult> {
  const scratch = await createTestDatabase(4, serverUrl);
  try {
    const em = scratch.orm.em as EntityManager;
    const lotsPerWallet = Math.max(1, Math.round(options.lots / (options.tenants * WALLETS_PER_TENANT)));
    const seedStarted = performance.now();
    await seed(em, options.tenants, lotsPerWallet);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const tenantIds = (await em.fork().execute<{ id: string }[]>('SELECT id FROM tenants')).map((t) => t.id);

    let probing = true;
    let longestPoolWaitMs = 0;
    let poolProbes = 0;
    const prober = (async () => {
      while (probing) {
        const tenantId = tenantIds[Math.floor(Math.random() * tenantIds.length)];
        const started = performance.now();
        await em.fork().transactional(async (tx) => {
          await tx.execute(`SET LOCAL lock_timeout = '5s'`);
          await tx.execute('SELECT pool_version FROM tenants WHERE id = ? FOR NO KEY UPDATE', [tenantId]);
        });
        longestPoolWaitMs = Math.max(longestPoolWaitMs, performance.now() - started);
        poolProbes += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const started = performance.now();
    // A year on: every seeded lot has matured.
    const summary = await expirePoints(em, { now: new Date(Date.now() + 365 * 24 * 3_600_000) });
    const seconds = (performance.now() - started) / 1000;
    probing = false;
    await prober;
    return { tenants: options.tenants, lots: options.tenants * WALLETS_PER_TENANT * lotsPerWallet, seedSeconds, seconds, ...summary, longestPoolWaitMs, poolProbes, problems: await accountingProblems(em) };
  } finally {
    await scratch.drop();
  }
}

/**
 * Per tenant: a manager, WALLETS_PER_TENANT employees with wallets, an
 * allocation of what the tenant then awards, `lotsPerWallet` bulk awards each
 * crediting every wallet 1.00 on a day of its own a year and more ago, and a
 * policy expiring points after one month. Set-based, as the ledger writes.
 */
async function seed(em: EntityManager, tenants: number, lotsPerWallet: number): Promise<void> {
  const db = em.fork();
  const admin = randomUUID();
  await db.execute(`INSERT INTO users (id, tenant_id, email, display_name, role) VALUES (?, NULL, 'bench-admin@x.test', 'Admin', 'platform_admin')`, [admin]);
  const perTenant = WALLETS_PER_TENANT * lotsPerWallet;
  await db.execute(
    `CREATE TEMP TABLE seed_tenants AS
       SELECT gen_random_uuid() AS id, gen_random_uuid() AS manager, gen_random_uuid() AS allocation, gen_random_uuid() AS settings_command, n
         FROM generate_series(1, ?) n`,
    [tenants],
  );
  await db.execute(`INSERT INTO tenants (id, name, slug, points_allocation_balance, pool_version) SELECT id, 'Bench ' || n, 'bench-' || n, 0, ? + 1 FROM seed_tenants`, [lotsPerWallet]);
  await db.execute(`INSERT INTO users (id, tenant_id, email, display_name, role) SELECT manager, id, 'm' || n || '@x.test', 'Manager', 'tenant_manager' FROM seed_tenants`);
  await db.execute(
    `CREATE TEMP TABLE seed_wallets AS
       SELECT t.id AS tenant_id, gen_random_uuid() AS user_id, gen_random_uuid() AS wallet_id, t.n, e FROM seed_tenants t, generate_series(1, ?) e`,
    [WALLETS_PER_TENANT],
  );
  await db.execute(`INSERT INTO users (id, tenant_id, email, display_name, role) SELECT user_id, tenant_id, 'e' || n || '-' || e || '@x.test', 'Employee', 'employee' FROM seed_wallets`);
  await db.execute(`INSERT INTO wallets (id, user_id, tenant_id, balance, lifetime_earned, version) SELECT wallet_id, user_id, tenant_id, ?, ?, ? FROM seed_wallets`, [lotsPerWallet, lotsPerWallet, lotsPerWallet]);
  await db.execute(
    `CREATE TEMP TABLE seed_bulks AS SELECT t.id AS tenant_id, t.manager, gen_random_uuid() AS id, l FROM seed_tenants t, generate_series(1, ?) l`,
    [lotsPerWallet],
  );
  await db.execute(
    `INSERT INTO accepted_commands (id, type, tenant_id, issuer_id, payload)
     SELECT allocation, 'allocate', NULL, ?::uuid, jsonb_build_object('tenantId', id) FROM seed_tenants
     UNION ALL SELECT settings_command, 'update_settings', id, manager, '{}'::jsonb FROM seed_tenants
     UNION ALL SELECT id, 'bulk_award', tenant_id, manager, '{}'::jsonb FROM seed_bulks`,
    [admin],
  );
  await db.execute(
    `INSERT INTO tenant_settings (tenant_id, version, settings, tally_epoch, command_id, changed_by)
     SELECT id, 1, '{"timeZone":"UTC","limits":{"perAward":null,"perGiver":null,"perRecipient":null,"reciprocal":null},"approvals":null,"reversals":null,"expiry":{"walletMonths":1,"noticeDays":0,"reverseExpired":"reject"}}'::jsonb, 1, settings_command, manager
       FROM seed_tenants`,
  );
  await db.execute(
    `INSERT INTO allocation_logs (id, tenant_id, admin_id, amount, transaction_type, previous_balance, new_balance, version, command_id)
     SELECT gen_random_uuid(), id, ?::uuid, ?, 'allocation', 0, ?, 1, allocation FROM seed_tenants`,
    [admin, perTenant, perTenant],
  );
  await db.execute(
    `INSERT INTO pool_ledger (id, tenant_id, amount, transaction_type, reference_type, reference_id, previous_balance, new_balance, version, command_id)
     SELECT gen_random_uuid(), id, ?, 'allocation', 'command', allocation, 0, ?, 1, allocation FROM seed_tenants
     UNION ALL
     SELECT gen_random_uuid(), tenant_id, -?::numeric, 'bulk_award', 'bulk_award', id, ? - (l - 1) * ?::numeric, ? - l * ?::numeric, l + 1, id FROM seed_bulks`,
    [perTenant, perTenant, WALLETS_PER_TENANT, perTenant, WALLETS_PER_TENANT, perTenant, WALLETS_PER_TENANT],
  );
  // Lot l of every wallet: 1.00 credited (l + 400) days ago.
  await db.execute(
    `INSERT INTO wallet_ledger (id, wallet_id, tenant_id, amount, transaction_type, reference_type, reference_id, previous_balance, new_balance, version, command_id, created_at)
     SELECT gen_random_uuid(), w.wallet_id, w.tenant_id, 1, 'bulk_award', 'bulk_award', b.id, b.l - 1, b.l, b.l, b.id, now() - make_interval(days => b.l + 400)
       FROM seed_wallets w JOIN seed_bulks b ON b.tenant_id = w.tenant_id`,
  );
  await db.execute('ANALYZE');
}
