import { EntityManager } from '@mikro-orm/postgresql';

/** An account whose balance can be read as of a past moment, from its journal. */
export type AsOfAccount =
  | { kind: 'pool'; tenantId: string }
  | { kind: 'department'; id: string }
  | { kind: 'lead_budget'; id: string }
  | { kind: 'wallet'; id: string };

/** An account as it stood at a moment: its balance, what it held for awards pending approval, and (a wallet) what it had earned, net of reversals. */
export interface BalanceAsOf {
  balance: string;
  held: string;
  lifetimeEarned: string;
}

/** Why a moment has no answer: it is still to come, or the account did not exist yet. */
export type NoBalanceAsOf = 'future' | 'before_account';

interface AccountSql {
  /** The account's row: its created_at. */
  table: string;
  /** Its journal and the journal's account column. */
  journal: string;
  column: string;
  /** Holds on it: the award_holds condition, `?` bound to the account id. */
  holds: string | null;
}

const ACCOUNTS: Record<AsOfAccount['kind'], AccountSql> = {
  pool: { table: 'tenants', journal: 'pool_ledger', column: 'tenant_id', holds: `h.tenant_id = ? AND h.source_type = 'tenant_pool'` },
  department: { table: 'departments', journal: 'department_ledger', column: 'department_id', holds: 'h.department_id = ?' },
  lead_budget: { table: 'lead_budgets', journal: 'lead_budget_ledger', column: 'lead_budget_id', holds: 'h.lead_budget_id = ?' },
  wallet: { table: 'wallets', journal: 'wallet_ledger', column: 'wallet_id', holds: null },
};

/**
 * An account's balance as of `at`, from its journal alone. A journal row is
 * stamped with its transaction's start (`created_at`), while its version follows
 * the order its account was locked in; the two agree but for transactions that
 * started within a lock wait of each other. So the answer is the balance just
 * before the account's first row stamped after `at` (the latest balance if
 * none): it never counts a move stamped after the moment — and, where stamps
 * and versions disagree, it leaves out what was chained after such a move too.
 * What it held is the sum of its holds made by then and not yet decided then;
 * what a wallet had earned, its credits less what reversals took back, by the
 * same cut. A moment older than the longest transaction then running never
 * changes its answer: the journals are append-only.
 */
export async function balanceAsOf(em: EntityManager, account: AsOfAccount, at: string): Promise<BalanceAsOf | NoBalanceAsOf> {
  const sql = ACCOUNTS[account.kind];
  const id = account.kind === 'pool' ? account.tenantId : account.id;
  const held = sql.holds
    ? `(SELECT sum(h.amount) FROM award_holds h
         WHERE ${sql.holds} AND h.created_at <= t.at
           AND NOT EXISTS (SELECT 1 FROM award_hold_decisions d WHERE d.hold_id = h.id AND d.decided_at <= t.at))`
    : 'NULL';
  const [row] = await em.fork().execute<{ future: boolean; before_account: boolean | null; balance: string; held: string; earned: string }[]>(
    `WITH t AS (SELECT ?::timestamptz AS at),
     cut AS (SELECT coalesce((SELECT min(k.version) FROM ${sql.journal} k, t WHERE k.${sql.column} = ? AND k.created_at > t.at), 9223372036854775807) AS version),
     rows AS (SELECT j.* FROM ${sql.journal} j, cut WHERE j.${sql.column} = ? AND j.version < cut.version)
     SELECT t.at > now() AS future,
            (SELECT a.created_at > t.at FROM ${sql.table} a WHERE a.id = ?) AS before_account,
            coalesce((SELECT r.new_balance FROM rows r ORDER BY r.version DESC LIMIT 1), 0)::numeric(15, 2)::text AS balance,
            coalesce(${held}, 0)::numeric(15, 2)::text AS held,
            coalesce((SELECT sum(r.amount) FROM rows r WHERE r.amount > 0 OR r.transaction_type = 'reversal'), 0)::numeric(15, 2)::text AS earned
       FROM t`,
    sql.holds ? [at, id, id, id, id] : [at, id, id, id],
  );
  if (row.future) return 'future';
  if (row.before_account !== false) return 'before_account';
  return { balance: row.balance, held: row.held, lifetimeEarned: row.earned };
}
