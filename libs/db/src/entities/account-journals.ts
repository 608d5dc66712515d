import { InferEntity } from '@mikro-orm/core';
import { LeadBudgetSchema, WalletSchema } from './accounts';
import { DepartmentSchema } from './department';
import { balanceChange, balanceChangeChecks } from './balance-change';
import { RelationTarget, compositeKey, money, nullable, references, text, uuid } from './columns';
import { AcceptedCommandSchema } from './accepted-command';
import { btreeIndex, table } from './table';
import { TenantSchema } from './tenant';

/**
 * The account journals (tenant pool, department pool, lead budget, wallet): one row per balance change of one account, with a
 * signed amount, chained by version (UNIQUE (account, version)), at most one per
 * account per command (UNIQUE (command_id, account)). A balance always equals the
 * sum of its journal. The tables are append-only (a trigger refuses
 * UPDATE, DELETE and TRUNCATE), which MikroORM neither sees nor needs to.
 *
 * `account` maps the columns that say whose journal a row is in; `chainedBy` names its account id.
 */
const journal = <Account extends Record<string, unknown>>(name: string, tableName: string, account: Account, chainedBy: keyof Account & string) =>
  table(
    name,
    tableName,
    {
      ...account,
      amount: money(),
      transactionType: text(),
      referenceType: text(),
      referenceId: uuid(),
      ...balanceChange(),
      // A budget return at period end is made by the passage of time, not a command (see budget_returns).
      commandId: nullable(references(AcceptedCommandSchema, 'command_id', `${tableName}_command_id_fkey`)),
    },
    {
      checks: [...journalChecks(tableName), { name: `${tableName}_return_has_no_command`, expression: "(command_id IS NULL) = (transaction_type = 'period_return'::text)" }],
      uniques: journalUniques(tableName, chainedBy),
    },
  );

const journalChecks = (tableName: string) => [
  { name: `${tableName}_amount_check`, expression: 'amount <> 0' },
  ...balanceChangeChecks(tableName),
  { name: `${tableName}_arithmetic`, expression: 'new_balance = previous_balance + amount' },
];

const journalUniques = <Chained extends string>(tableName: string, chainedBy: Chained) => [
  { name: `${tableName}_chain`, properties: [chainedBy, 'version' as const] },
  // One row per account per command: a command applied twice cannot move an account twice.
  { name: `${tableName}_command_account_unique`, properties: ['commandId' as const, chainedBy] },
];

/** The tenant pool's journal. */
export const PoolLedgerEntrySchema = journal('PoolLedgerEntry', 'pool_ledger', { tenantId: references(TenantSchema, 'tenant_id', 'pool_ledger_tenant_id_fkey') }, 'tenantId');

interface TenantAccount<Id extends string, Key extends string> {
  /** The account's entity: a wallet or a lead budget. */
  schema: RelationTarget;
  /** The property of the account id column. */
  id: Id;
  /** The (hidden) property that holds the composite key. */
  key: Key;
  /** The composite key's constraint name. */
  keyName: string;
}

/** `{ [key]: value }` typed by the key itself (TypeScript types a computed key of a type parameter as a string index). */
const entry = <K extends string, V>(key: K, value: V) => ({ [key]: value }) as Record<K, V>;

/**
 * The journal of an account of the row's tenant: the account id and tenant_id are plain
 * columns, and a composite key (account id, tenant_id) → the account's (id, tenant_id)
 * makes the database refuse an account of another tenant.
 */
const tenantAccountJournal = <Id extends string, Key extends string>(name: string, tableName: string, { schema, id, key, keyName }: TenantAccount<Id, Key>) =>
  journal(
    name,
    tableName,
    { ...entry(id, uuid()), tenantId: uuid(), ...entry(key, compositeKey(schema, keyName, [id, 'tenantId'], ['id', 'tenant_id'])) },
    id,
  );

export const LeadBudgetLedgerEntrySchema = tenantAccountJournal('LeadBudgetLedgerEntry', 'lead_budget_ledger', {
  schema: LeadBudgetSchema,
  id: 'leadBudgetId',
  key: 'budgetOfTenant',
  keyName: 'lead_budget_ledger_budget_of_tenant',
});

/**
 * A wallet's journal, as the others, except that an expiry is made by an expiry
 * run, not a command: its row has no command (and names the run as its
 * reference, one row per wallet per run).
 */
export const WalletLedgerEntrySchema = table(
  'WalletLedgerEntry',
  'wallet_ledger',
  {
    walletId: uuid(),
    tenantId: uuid(),
    walletOfTenant: compositeKey(WalletSchema, 'wallet_ledger_wallet_of_tenant', ['walletId', 'tenantId'], ['id', 'tenant_id']),
    amount: money(),
    transactionType: text(),
    referenceType: text(),
    referenceId: uuid(),
    ...balanceChange(),
    commandId: nullable(references(AcceptedCommandSchema, 'command_id', 'wallet_ledger_command_id_fkey')),
  },
  {
    checks: [...journalChecks('wallet_ledger'), { name: 'wallet_ledger_expiry_has_no_command', expression: "(command_id IS NULL) = (transaction_type = 'expiry'::text)" }],
    uniques: journalUniques('wallet_ledger', 'walletId' as const),
    indexes: [btreeIndex('wallet_ledger', 'wallet_ledger_expiry_run_wallet', 'reference_id, wallet_id', { unique: true, where: "transaction_type = 'expiry'::text" })],
  },
);

export const DepartmentLedgerEntrySchema = tenantAccountJournal('DepartmentLedgerEntry', 'department_ledger', {
  schema: DepartmentSchema,
  id: 'departmentId',
  key: 'departmentOfTenant',
  keyName: 'department_ledger_department_of_tenant',
});

export type PoolLedgerEntry = InferEntity<typeof PoolLedgerEntrySchema>;
export type LeadBudgetLedgerEntry = InferEntity<typeof LeadBudgetLedgerEntrySchema>;
export type WalletLedgerEntry = InferEntity<typeof WalletLedgerEntrySchema>;
export type DepartmentLedgerEntry = InferEntity<typeof DepartmentLedgerEntrySchema>;
