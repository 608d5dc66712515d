// The operators' checks (tools/sql), read once, run as the operators would.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EntityManager } from '@mikro-orm/postgresql';

const sql = (name: string) => readFileSync(resolve(__dirname, '..', 'sql', name), 'utf8');
const ACCOUNTING = sql('accounting-check.sql');
const JOURNALS = sql('journal-check.sql');
const NOTIFICATIONS = sql('notification-check.sql');

export interface AccountingRow {
  tenant_id: string;
  slug: string;
  net_allocated: string;
  held: string;
  balanced: boolean;
}

/** SPEC invariant 2: one row per tenant, `balanced` true for each. */
export const accountingCheck = (em: EntityManager) => em.fork().execute<AccountingRow[]>(ACCOUNTING);
/** SPEC invariant 3: one row per broken journal chain. */
export const journalProblems = (em: EntityManager) => em.fork().execute<{ account_type: string; account_id: string; version: string; problem: string }[]>(JOURNALS);
/** SPEC invariant 5 (once idle): one row per feed/audit mismatch. */
export const notificationProblems = (em: EntityManager) => em.fork().execute<{ problem: string; ref: string; kind: string }[]>(NOTIFICATIONS);

/** The lowest balance of every kind of account, in one snapshot. */
export async function lowestBalances(em: EntityManager): Promise<{ pool: string | null; leadBudget: string | null; wallet: string | null }> {
  const [row] = await em.fork().execute<{ pool: string | null; lead_budget: string | null; wallet: string | null }[]>(
    `SELECT (SELECT min(points_allocation_balance) FROM tenants)::text AS pool,
            (SELECT min(balance) FROM lead_budgets)::text AS lead_budget,
            (SELECT min(balance) FROM wallets)::text AS wallet`,
  );
  return { pool: row.pool, leadBudget: row.lead_budget, wallet: row.wallet };
}
