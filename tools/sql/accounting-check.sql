-- SPEC invariant 2, per tenant:
--   Σ allocations − Σ clawbacks (allocation_logs) = pool + Σ department pools + Σ lead budgets + Σ wallets + expired points
-- One row per tenant; `balanced` must be true for every row.
-- Run: psql "$DATABASE_URL" -f tools/sql/accounting-check.sql
WITH net_allocated AS (
  SELECT tenant_id,
         SUM(CASE transaction_type WHEN 'allocation' THEN amount ELSE -amount END) AS net
    FROM allocation_logs
   GROUP BY tenant_id
), held AS (
  SELECT t.id AS tenant_id,
         t.slug,
         t.points_allocation_balance AS pool,
         COALESCE((SELECT SUM(d.balance) FROM departments d WHERE d.tenant_id = t.id), 0) AS departments,
         COALESCE((SELECT SUM(b.balance) FROM lead_budgets b WHERE b.tenant_id = t.id), 0) AS lead_budgets,
         COALESCE((SELECT SUM(w.balance) FROM wallets w WHERE w.tenant_id = t.id), 0) AS wallets,
         COALESCE((SELECT e.balance FROM expired_accounts e WHERE e.tenant_id = t.id), 0) AS expired
    FROM tenants t
)
SELECT h.tenant_id,
       h.slug,
       COALESCE(a.net, 0)                     AS net_allocated,
       h.pool,
       h.departments,
       h.lead_budgets,
       h.wallets,
       h.expired,
       h.pool + h.departments + h.lead_budgets + h.wallets + h.expired    AS held,
       COALESCE(a.net, 0) = h.pool + h.departments + h.lead_budgets + h.wallets + h.expired AS balanced
  FROM held h
  LEFT JOIN net_allocated a USING (tenant_id)
 ORDER BY h.slug;
