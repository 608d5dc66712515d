import { EntitySchema, HiddenProps, OptionalProps } from '@mikro-orm/core';
import { bigint, compositeKey, createdAt, money, references, text, uuid } from './columns';
import { IsoTimestamp } from './iso-timestamp.type';

/**
 * The three account journals: one row per balance change of one account, with a
 * signed amount, chained by version (UNIQUE (account, version)). A balance always
 * equals the sum of its journal. The tables are append-only (a trigger refuses
 * UPDATE and DELETE), which MikroORM neither sees nor needs to.
 */
interface JournalEntry {
  /** Columns with a DEFAULT: optional in em.create. */
  [OptionalProps]?: 'createdAt';
  id: string;
  tenantId: string;
  amount: string;
  transactionType: string;
  referenceType: string;
  referenceId: string;
  previousBalance: string;
  newBalance: string;
  version: string;
  commandId: string;
  createdAt: IsoTimestamp;
}

const journalColumns = (table: string) => ({
  amount: money(),
  transactionType: text(),
  referenceType: text(),
  referenceId: uuid(),
  previousBalance: money(),
  newBalance: money(),
  version: bigint(),
  commandId: references('CommandRecord', 'command_id', `${table}_command_id_fkey`),
  createdAt: createdAt(),
});

const journalChecks = (table: string) => [
  { name: `${table}_amount_check`, expression: 'amount <> 0' },
  { name: `${table}_previous_balance_check`, expression: 'previous_balance >= 0' },
  { name: `${table}_new_balance_check`, expression: 'new_balance >= 0' },
  { name: `${table}_version_check`, expression: 'version > 0' },
  { name: `${table}_arithmetic`, expression: 'new_balance = previous_balance + amount' },
];

/** The tenant pool's journal. */
export type PoolLedgerEntry = JournalEntry;

export const PoolLedgerEntrySchema = new EntitySchema<PoolLedgerEntry>({
  name: 'PoolLedgerEntry',
  tableName: 'pool_ledger',
  properties: {
    id: uuid({ primary: true }),
    tenantId: references('Tenant', 'tenant_id', 'pool_ledger_tenant_id_fkey'),
    ...journalColumns('pool_ledger'),
  },
  checks: journalChecks('pool_ledger'),
  uniques: [{ name: 'pool_ledger_chain', properties: ['tenantId', 'version'] }],
});

export interface LeadBudgetLedgerEntry extends JournalEntry {
  [HiddenProps]?: 'budgetOfTenant';
  leadBudgetId: string;
  /** Holds the key (leadBudgetId, tenantId) → lead_budgets: the budget belongs to the row's tenant. */
  budgetOfTenant?: unknown;
}

export const LeadBudgetLedgerEntrySchema = new EntitySchema<LeadBudgetLedgerEntry>({
  name: 'LeadBudgetLedgerEntry',
  tableName: 'lead_budget_ledger',
  properties: {
    id: uuid({ primary: true }),
    leadBudgetId: uuid(),
    tenantId: uuid(),
    ...journalColumns('lead_budget_ledger'),
    budgetOfTenant: compositeKey<LeadBudgetLedgerEntry>('LeadBudget', 'lead_budget_ledger_budget_of_tenant', ['leadBudgetId', 'tenantId'], ['id', 'tenant_id']),
  },
  checks: journalChecks('lead_budget_ledger'),
  uniques: [{ name: 'lead_budget_ledger_chain', properties: ['leadBudgetId', 'version'] }],
});

export interface WalletLedgerEntry extends JournalEntry {
  [HiddenProps]?: 'walletOfTenant';
  walletId: string;
  /** Holds the key (walletId, tenantId) → wallets: the wallet belongs to the row's tenant. */
  walletOfTenant?: unknown;
}

export const WalletLedgerEntrySchema = new EntitySchema<WalletLedgerEntry>({
  name: 'WalletLedgerEntry',
  tableName: 'wallet_ledger',
  properties: {
    id: uuid({ primary: true }),
    walletId: uuid(),
    tenantId: uuid(),
    ...journalColumns('wallet_ledger'),
    walletOfTenant: compositeKey<WalletLedgerEntry>('Wallet', 'wallet_ledger_wallet_of_tenant', ['walletId', 'tenantId'], ['id', 'tenant_id']),
  },
  checks: journalChecks('wallet_ledger'),
  uniques: [{ name: 'wallet_ledger_chain', properties: ['walletId', 'version'] }],
});
