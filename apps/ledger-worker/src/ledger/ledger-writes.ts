import { CommandOutcome, LedgerEvent } from '@points/contracts';
import { LeadBudgetAccount, PoolAccount, WalletAccount } from './ledger-state';

/**
 * Everything one batch of commands writes, as plain rows keyed by column name.
 * The planner fills it; the SQL layer writes each list with one statement.
 */
export interface JournalRow {
  id: string;
  tenant_id: string;
  amount: string;
  transaction_type: string;
  reference_type: string;
  reference_id: string;
  previous_balance: string;
  new_balance: string;
  version: string;
  command_id: string;
}

export type Row = Record<string, unknown>;

export interface LedgerWrites {
  outcomes: Map<string, CommandOutcome>;
  newUsers: Row[];
  newWallets: Row[];
  newLeadBudgets: Row[];
  recognitions: Row[];
  allocationLogs: Row[];
  billingLogs: Row[];
  distributionLogs: Row[];
  poolLedger: JournalRow[];
  leadBudgetLedger: (JournalRow & { lead_budget_id: string })[];
  walletLedger: (JournalRow & { wallet_id: string })[];
  events: LedgerEvent[];
  /** Accounts whose balance changed; their final balance and version are written once. */
  touchedPools: Set<PoolAccount>;
  touchedLeadBudgets: Set<LeadBudgetAccount>;
  touchedWallets: Set<WalletAccount>;
}

export function emptyLedgerWrites(): LedgerWrites {
  return {
    outcomes: new Map(),
    newUsers: [],
    newWallets: [],
    newLeadBudgets: [],
    recognitions: [],
    allocationLogs: [],
    billingLogs: [],
    distributionLogs: [],
    poolLedger: [],
    leadBudgetLedger: [],
    walletLedger: [],
    events: [],
    touchedPools: new Set(),
    touchedLeadBudgets: new Set(),
    touchedWallets: new Set(),
  };
}
