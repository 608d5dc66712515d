import { EntityManager } from '@mikro-orm/postgresql';

// Reports over whole journals: aggregates computed by PostgreSQL in one
// statement each (raw SQL on purpose — a set-based sum is the point, and no
// entity is read). Amounts as decimal text, already in the API's shape.

const money = (expr: string) => `(${expr})::numeric(20,2)::text`;

/** Totals and the accounting check (SPEC invariant 2) of one tenant, from its balances and its journals. */
export async function allocationStats(em: EntityManager, tenantId: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await em.execute<Record<string, unknown>[]>(
    `WITH s AS (
       SELECT t.id,
              t.points_allocation_balance AS pool,
              COALESCE((SELECT sum(amount) FROM allocation_logs WHERE tenant_id = t.id AND transaction_type = 'allocation'), 0) AS allocated,
              COALESCE((SELECT sum(amount) FROM allocation_logs WHERE tenant_id = t.id AND transaction_type = 'clawback'), 0) AS clawed_back,
              COALESCE((SELECT sum(balance) FROM departments WHERE tenant_id = t.id), 0) AS departments,
              COALESCE((SELECT sum(balance) FROM lead_budgets WHERE tenant_id = t.id), 0) AS lead_budgets,
              COALESCE((SELECT sum(balance) FROM wallets WHERE tenant_id = t.id), 0) AS wallets,
              COALESCE((SELECT balance FROM expired_accounts WHERE tenant_id = t.id), 0) AS expired,
              COALESCE((SELECT sum(amount) FROM distribution_logs WHERE tenant_id = t.id AND transaction_type <> 'delegation'), 0) AS distributed,
              COALESCE((SELECT sum(amount) FROM pool_ledger WHERE tenant_id = t.id), 0) AS j_pool,
              COALESCE((SELECT sum(amount) FROM department_ledger WHERE tenant_id = t.id), 0) AS j_departments,
              COALESCE((SELECT sum(amount) FROM lead_budget_ledger WHERE tenant_id = t.id), 0) AS j_budgets,
              COALESCE((SELECT sum(amount) FROM wallet_ledger WHERE tenant_id = t.id), 0) AS j_wallets,
              COALESCE((SELECT sum(amount) FROM expired_ledger WHERE tenant_id = t.id), 0) AS j_expired
         FROM tenants t WHERE t.id = ?)
     SELECT id AS "tenantId", ${money('allocated')} AS "totalAllocated", ${money('clawed_back')} AS "totalClawedBack",
            ${money('allocated - clawed_back')} AS "netAllocated", ${money('pool')} AS "poolBalance",
            ${money('departments')} AS "departmentPoolsTotal", ${money('lead_budgets')} AS "leadBudgetsTotal", ${money('wallets')} AS "walletsTotal", ${money('expired')} AS "expiredTotal", ${money('distributed')} AS "totalDistributed",
            json_build_object(
              'balanced', allocated - clawed_back = j_pool + j_departments + j_budgets + j_wallets + j_expired
                          AND j_pool = pool AND j_departments = departments AND j_budgets = lead_budgets AND j_wallets = wallets AND j_expired = expired,
              'netAllocated', ${money('allocated - clawed_back')},
              'heldPerJournals', ${money('j_pool + j_departments + j_budgets + j_wallets + j_expired')},
              'heldPerBalances', ${money('pool + departments + lead_budgets + wallets + expired')},
              'journals', json_build_object('pool', ${money('j_pool')}, 'departmentPools', ${money('j_departments')}, 'leadBudgets', ${money('j_budgets')}, 'wallets', ${money('j_wallets')}, 'expired', ${money('j_expired')})
            ) AS "accountingCheck"
       FROM s`,
    [tenantId],
  );
  return row;
}

export interface AllocationTotals {
  totalAllocated: string;
  totalClawedBack: string;
  netAllocated: string;
  allocationCount: number;
}

/** Allocation totals of the given tenants (a page of them), one grouped pass over their allocation logs. */
export async function allocationTotals(em: EntityManager, tenantIds: string[]): Promise<Map<string, AllocationTotals>> {
  const rows = await em.execute<(AllocationTotals & { tenantId: string })[]>(
    `SELECT t.id AS "tenantId",
            ${money("COALESCE(sum(a.amount) FILTER (WHERE a.transaction_type = 'allocation'), 0)")} AS "totalAllocated",
            ${money("COALESCE(sum(a.amount) FILTER (WHERE a.transaction_type = 'clawback'), 0)")} AS "totalClawedBack",
            ${money("COALESCE(sum(CASE a.transaction_type WHEN 'allocation' THEN a.amount ELSE -a.amount END), 0)")} AS "netAllocated",
            (count(a.id) FILTER (WHERE a.transaction_type = 'allocation'))::int AS "allocationCount"
       FROM (SELECT jsonb_array_elements_text(?::jsonb)::uuid AS id) t LEFT JOIN allocation_logs a ON a.tenant_id = t.id
      GROUP BY t.id`,
    [JSON.stringify(tenantIds)],
  );
  return new Map(rows.map(({ tenantId, ...totals }) => [tenantId, totals]));
}
