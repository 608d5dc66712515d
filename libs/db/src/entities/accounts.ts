import { InferEntity } from '@mikro-orm/core';
import { bigint, money, references } from './columns';
import { Check, table } from './table';
import { TenantSchema } from './tenant';
import { UserSchema } from './user';

interface AccountOptions<Columns> {
  /** The name of the CHECK (balance >= 0). */
  balanceCheck: string;
  columns: Columns;
  checks?: Check[];
}

/**
 * A user's account in its tenant, one per user: a wallet, or a lead's budget. Its
 * balance never goes below 0; its version counts the rows of its journal.
 */
const account = <Columns extends Record<string, unknown>>(name: string, tableName: string, { balanceCheck, columns, checks = [] }: AccountOptions<Columns>) =>
  table(
    name,
    tableName,
    {
      userId: references(UserSchema, 'user_id', `${tableName}_user_id_fkey`).unique(`${tableName}_user_id_key`),
      tenantId: references(TenantSchema, 'tenant_id', `${tableName}_tenant_id_fkey`),
      balance: money().defaultRaw('0'),
      ...columns,
      version: bigint().defaultRaw('0'),
    },
    {
      checks: [{ name: balanceCheck, expression: 'balance >= 0' }, ...checks, { name: `${tableName}_version_check`, expression: 'version >= 0' }],
      indexes: [{ name: `${tableName}_tenant`, properties: ['tenantId'] }],
      // Target of the journal's composite key: a journal row's account belongs to the row's tenant.
      uniques: [{ name: `${tableName}_id_tenant_unique`, properties: ['id', 'tenantId'] }],
    },
  );

export const WalletSchema = account('Wallet', 'wallets', {
  balanceCheck: 'positive_balance',
  columns: { lifetimeEarned: money().defaultRaw('0') },
  checks: [{ name: 'wallets_lifetime_earned_check', expression: 'lifetime_earned >= 0' }],
});
export type Wallet = InferEntity<typeof WalletSchema>;

export const LeadBudgetSchema = account('LeadBudget', 'lead_budgets', {
  balanceCheck: 'positive_lead_budget',
  /** Points held for awards pending approval: part of the balance, not available to spend. */
  columns: { held: money().defaultRaw('0') },
  checks: [{ name: 'lead_budgets_held_check', expression: 'held >= 0 AND held <= GREATEST(balance, 0)' }],
});
export type LeadBudget = InferEntity<typeof LeadBudgetSchema>;
