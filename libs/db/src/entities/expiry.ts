import { InferEntity, defineEntity } from '@mikro-orm/core';
import { bigint, integer, money, references, timestamp } from './columns';
import { balanceChange, balanceChangeChecks } from './balance-change';
import { btreeIndex, table } from './table';
import { TenantSchema } from './tenant';

/** One expiry run of a tenant: the wallets whose matured points it moved to the expired account, and how much. Append-only. */
export const ExpiryRunSchema = table(
  'ExpiryRun',
  'expiry_runs',
  {
    tenantId: references(TenantSchema, 'tenant_id', 'expiry_runs_tenant_id_fkey'),
    maturedBy: timestamp(),
    wallets: integer(),
    amount: money(),
  },
  {
    checks: [
      { name: 'expiry_runs_wallets_check', expression: 'wallets > 0' },
      { name: 'expiry_runs_amount_check', expression: 'amount > (0)::numeric' },
    ],
    indexes: [btreeIndex('expiry_runs', 'expiry_runs_tenant', 'tenant_id, created_at')],
  },
);
export type ExpiryRun = InferEntity<typeof ExpiryRunSchema>;

/** A tenant's expired points: where expiry runs move them. Its version counts the rows of its journal. */
export const ExpiredAccountSchema = defineEntity({
  name: 'ExpiredAccount',
  tableName: 'expired_accounts',
  properties: {
    tenantId: references(TenantSchema, 'tenant_id', 'expired_accounts_tenant_id_fkey').primary(),
    balance: money().defaultRaw('0'),
    version: bigint().defaultRaw('0'),
  },
  checks: [
    { name: 'expired_accounts_balance_check', expression: 'balance >= (0)::numeric' },
    { name: 'expired_accounts_version_check', expression: 'version >= 0' },
  ],
});
export type ExpiredAccount = InferEntity<typeof ExpiredAccountSchema>;

/** The expired account's journal: one row per expiry run, chained by version. Append-only. */
export const ExpiredLedgerEntrySchema = table(
  'ExpiredLedgerEntry',
  'expired_ledger',
  {
    tenantId: references(ExpiredAccountSchema, 'tenant_id', 'expired_ledger_tenant_id_fkey'),
    amount: money(),
    ...balanceChange(),
    expiryRunId: references(ExpiryRunSchema, 'expiry_run_id', 'expired_ledger_expiry_run_id_fkey').unique('expired_ledger_expiry_run_id_key'),
  },
  {
    checks: [
      { name: 'expired_ledger_amount_check', expression: 'amount > (0)::numeric' },
      ...balanceChangeChecks('expired_ledger'),
      { name: 'expired_ledger_arithmetic', expression: 'new_balance = (previous_balance + amount)' },
    ],
    uniques: [{ name: 'expired_ledger_chain', properties: ['tenantId', 'version'] }],
  },
);
export type ExpiredLedgerEntry = InferEntity<typeof ExpiredLedgerEntrySchema>;

/** One return of a tenant's unspent lead budgets and department pools to its pool, at the end of a period: once per period. Append-only. */
export const BudgetReturnSchema = table(
  'BudgetReturn',
  'budget_returns',
  {
    tenantId: references(TenantSchema, 'tenant_id', 'budget_returns_tenant_id_fkey'),
    periodEnd: timestamp(),
    accounts: integer(),
    amount: money(),
  },
  {
    checks: [
      { name: 'budget_returns_accounts_check', expression: 'accounts >= 0' },
      { name: 'budget_returns_amount_check', expression: 'amount >= (0)::numeric' },
    ],
    uniques: [{ name: 'budget_returns_once_per_period', properties: ['tenantId', 'periodEnd'] }],
  },
);
export type BudgetReturn = InferEntity<typeof BudgetReturnSchema>;
