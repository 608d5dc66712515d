import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { Role } from '@points/contracts';

/**
 * Test set-up rows. Accounts start at zero: balances only ever move through the
 * ledger, so tests fund them with allocate/delegate commands like a user would.
 */
export interface TestUser {
  id: string;
  tenantId: string | null;
  role: Role;
  email: string;
}

export async function insertTenant(em: EntityManager, slug = `t-${randomUUID().slice(0, 8)}`): Promise<string> {
  const id = randomUUID();
  await em.fork().execute('INSERT INTO tenants (id, name, slug) VALUES (?, ?, ?)', [id, `Tenant ${slug}`, slug]);
  return id;
}

export async function insertUser(em: EntityManager, role: Role, tenantId: string | null, options: { active?: boolean } = {}): Promise<TestUser> {
  const id = randomUUID();
  const email = `${role}-${id.slice(0, 8)}@example.test`;
  const fork = em.fork();
  await fork.execute('INSERT INTO users (id, tenant_id, email, display_name, role, active) VALUES (?, ?, ?, ?, ?, ?)', [
    id,
    tenantId,
    email,
    `${role} ${id.slice(0, 4)}`,
    role,
    options.active ?? true,
  ]);
  if (tenantId) {
    await fork.execute('INSERT INTO wallets (id, user_id, tenant_id) VALUES (?, ?, ?)', [randomUUID(), id, tenantId]);
    if (role === 'lead') await fork.execute('INSERT INTO lead_budgets (id, user_id, tenant_id) VALUES (?, ?, ?)', [randomUUID(), id, tenantId]);
  }
  return { id, tenantId, role, email };
}

/** A tenant with the usual cast: a manager, an HR admin, a lead and two employees. */
export async function insertTenantWithStaff(em: EntityManager) {
  const tenantId = await insertTenant(em);
  return {
    tenantId,
    manager: await insertUser(em, 'tenant_manager', tenantId),
    hr: await insertUser(em, 'hr_admin', tenantId),
    lead: await insertUser(em, 'lead', tenantId),
    employee: await insertUser(em, 'employee', tenantId),
    employee2: await insertUser(em, 'employee', tenantId),
  };
}

/** `count` employees with wallets, in one statement (bulk-award tests and benchmarks); returned in email order. */
export async function insertEmployees(em: EntityManager, tenantId: string, count: number, emailPrefix = 'bulk'): Promise<TestUser[]> {
  return em.fork().execute<TestUser[]>(
    `WITH u AS (
       INSERT INTO users (id, tenant_id, email, display_name, role)
       SELECT gen_random_uuid(), ?, ? || n || '@example.test', 'Employee ' || n, 'employee' FROM generate_series(1, ?) n
       RETURNING id, tenant_id, email, role),
     w AS (INSERT INTO wallets (id, user_id, tenant_id) SELECT gen_random_uuid(), id, tenant_id FROM u)
     SELECT id, tenant_id AS "tenantId", role, email FROM u ORDER BY email`,
    [tenantId, emailPrefix, count],
  );
}

export async function balances(em: EntityManager, tenantId: string) {
  const fork = em.fork();
  const [tenant] = await fork.execute<{ pool: string }[]>('SELECT points_allocation_balance AS pool FROM tenants WHERE id = ?', [tenantId]);
  const wallets = await fork.execute<{ user_id: string; balance: string }[]>('SELECT user_id, balance FROM wallets WHERE tenant_id = ?', [tenantId]);
  const budgets = await fork.execute<{ user_id: string; balance: string }[]>('SELECT user_id, balance FROM lead_budgets WHERE tenant_id = ?', [tenantId]);
  return {
    pool: tenant?.pool,
    wallets: Object.fromEntries(wallets.map((w) => [w.user_id, w.balance])),
    budgets: Object.fromEntries(budgets.map((b) => [b.user_id, b.balance])),
  };
}

/** Row counts of every journal: proof that a rejection wrote nothing. */
export async function journalCounts(em: EntityManager): Promise<Record<string, number>> {
  const tables = ['allocation_logs', 'platform_billing_logs', 'distribution_logs', 'pool_ledger', 'department_ledger', 'lead_budget_ledger', 'wallet_ledger', 'recognitions'];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await em.fork().execute<{ n: string }[]>(`SELECT count(*)::text AS n FROM ${table}`);
    counts[table] = Number(row.n);
  }
  return counts;
}
