-- SPEC invariant 3: every account's journal is an unbroken chain.
-- For every pool, department pool, lead budget, wallet and expired account: versions run 1, 2, 3, … with no gap;
-- each row's previous_balance is the prior row's new_balance (0 before the first);
-- the last row's new_balance and version are the account's current ones.
-- And what a pool, department pool or lead budget holds for awards pending approval is the sum of
-- its holds nobody has decided yet (award_holds without an award_hold_decisions row); and a tenant's
-- expired account holds exactly what its wallets' expiry rows took out of them.
-- Returns one row per problem; no rows means every journal is intact.
-- Run: psql "$DATABASE_URL" -f tools/sql/journal-check.sql
WITH entries AS (
  SELECT 'pool' AS account_type, tenant_id AS account_id, version, previous_balance, new_balance FROM pool_ledger
  UNION ALL
  SELECT 'department', department_id, version, previous_balance, new_balance FROM department_ledger
  UNION ALL
  SELECT 'lead_budget', lead_budget_id, version, previous_balance, new_balance FROM lead_budget_ledger
  UNION ALL
  SELECT 'wallet', wallet_id, version, previous_balance, new_balance FROM wallet_ledger
  UNION ALL
  SELECT 'expired', tenant_id, version, previous_balance, new_balance FROM expired_ledger
), chained AS (
  SELECT e.*,
         lag(new_balance, 1, 0::numeric) OVER w AS expected_previous,
         row_number() OVER w AS position
    FROM entries e
  WINDOW w AS (PARTITION BY account_type, account_id ORDER BY version)
), heads AS (
  SELECT account_type, account_id, max(version) AS version,
         (array_agg(new_balance ORDER BY version DESC))[1] AS balance
    FROM entries
   GROUP BY account_type, account_id
), pending_holds AS (
  SELECT CASE h.source_type WHEN 'tenant_pool' THEN 'pool' WHEN 'department_pool' THEN 'department' ELSE 'lead_budget' END AS account_type,
         COALESCE(h.lead_budget_id, h.department_id, h.tenant_id) AS account_id, SUM(h.amount) AS held
    FROM award_holds h
   WHERE NOT EXISTS (SELECT 1 FROM award_hold_decisions d WHERE d.hold_id = h.id)
   GROUP BY 1, 2
), holders AS (
  SELECT 'pool' AS account_type, id AS account_id, points_held AS held, pool_version AS version FROM tenants
  UNION ALL
  SELECT 'department', id, held, version FROM departments
  UNION ALL
  SELECT 'lead_budget', id, held, version FROM lead_budgets
), accounts AS (
  SELECT 'pool' AS account_type, id AS account_id, points_allocation_balance AS balance, pool_version AS version FROM tenants
  UNION ALL
  SELECT 'department', id, balance, version FROM departments
  UNION ALL
  SELECT 'lead_budget', id, balance, version FROM lead_budgets
  UNION ALL
  SELECT 'wallet', id, balance, version FROM wallets
  UNION ALL
  SELECT 'expired', tenant_id, balance, version FROM expired_accounts
), expired_from_wallets AS (
  SELECT l.tenant_id, -SUM(l.amount) AS expired FROM wallet_ledger l WHERE l.transaction_type = 'expiry' GROUP BY l.tenant_id
)
SELECT account_type, account_id, version, 'chain broken: previous_balance does not follow the prior row' AS problem
  FROM chained WHERE previous_balance <> expected_previous
UNION ALL
SELECT account_type, account_id, version, 'version gap or duplicate'
  FROM chained WHERE version <> position
UNION ALL
SELECT a.account_type, a.account_id, a.version, 'account balance/version differs from its journal head'
  FROM accounts a
  LEFT JOIN heads h USING (account_type, account_id)
 WHERE a.balance <> COALESCE(h.balance, 0) OR a.version <> COALESCE(h.version, 0)
UNION ALL
SELECT a.account_type, a.account_id, a.version, 'held differs from the sum of its undecided holds'
  FROM holders a
  LEFT JOIN pending_holds p USING (account_type, account_id)
 WHERE a.held <> COALESCE(p.held, 0)
UNION ALL
SELECT 'expired', coalesce(e.tenant_id, w.tenant_id), e.version, 'expired account differs from what its wallets expired'
  FROM expired_accounts e
  FULL JOIN expired_from_wallets w USING (tenant_id)
 WHERE COALESCE(e.balance, 0) <> COALESCE(w.expired, 0)
 ORDER BY 1, 2, 3;
