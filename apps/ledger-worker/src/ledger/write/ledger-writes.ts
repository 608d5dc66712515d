import { Cents, CommandOutcome, LedgerEvent, Role, SourceType } from '@points/contracts';
import { BulkAwardEnd, NewHoldDecisionRow, NewHoldRow, NewReversalRow, NewSettingsRow, RecipientTallies, ScheduleRow, TallyKey } from '@points/db';
import { DepartmentAccount, LeadBudgetAccount, PoolAccount, WalletAccount } from '../state/ledger-state';

// Everything one batch of commands writes, as rows named by their columns. The
// planner fills it; the writer writes each list with one set-based statement.
// Amounts are canonical decimal strings, versions bigint strings.

export interface JournalRow {
  id: string;
  tenant_id: string;
  /** Signed: + credit, − debit. */
  amount: string;
  transaction_type: TransactionType;
  reference_type: string;
  reference_id: string;
  previous_balance: string;
  new_balance: string;
  version: string;
  command_id: string;
  /** Only with an injected clock (PlannerOptions.stampJournals); otherwise the transaction's start. */
  created_at?: string;
}
export type PoolLedgerRow = JournalRow;
export interface LeadBudgetLedgerRow extends JournalRow {
  lead_budget_id: string;
}
export interface WalletLedgerRow extends JournalRow {
  wallet_id: string;
}
export interface DepartmentLedgerRow extends JournalRow {
  department_id: string;
}

/** A journal row's kind; a department's funding and return are moves between the tenant pool and a department pool. */
export type TransactionType = 'allocation' | 'clawback' | 'delegation' | 'award' | 'recognition' | 'bulk_award' | 'department_funding' | 'department_return' | 'reversal';

export interface AllocationLogRow {
  id: string;
  tenant_id: string;
  admin_id: string;
  amount: string;
  currency: string | null;
  reference_note: string;
  transaction_type: 'allocation' | 'clawback';
  previous_balance: string;
  new_balance: string;
  version: string;
  command_id: string;
}

export interface BillingLogRow {
  id: string;
  admin_id: string;
  tenant_id: string;
  amount: string;
  currency: string | null;
  reference_note: string;
  transaction_type: 'allocation' | 'clawback';
  invoice_number: string | null;
  command_id: string;
}

/** "pool" columns describe the source the points came from (source_type says which). */
export interface DistributionLogRow {
  id: string;
  tenant_id: string;
  from_user_id: string;
  to_user_id: string;
  /** Always positive; transaction_type says what kind of move it was. */
  amount: string;
  transaction_type: 'delegation' | 'award' | 'recognition';
  reference_type: string;
  reference_id: string;
  description: string | null;
  source_type: SourceType;
  previous_pool_balance: string;
  new_pool_balance: string;
  source_version: string;
  command_id: string;
}

export interface RecognitionRow {
  id: string;
  tenant_id: string;
  giver_id: string;
  recipient_id: string;
  points: string;
  message: string;
  command_id: string;
}

export interface NewUserRow {
  id: string;
  tenant_id: string;
  email: string;
  display_name: string;
  role: Role;
  active: boolean;
}

/** A new wallet or lead budget: it starts at zero, version 0. */
export interface NewAccountRow {
  id: string;
  user_id: string;
  tenant_id: string;
}

/** A new department: its pool starts at zero, version 0. */
export interface NewDepartmentRow {
  id: string;
  tenant_id: string;
  name: string;
  parent_id: string | null;
  head_id: string | null;
}

/**
 * A bulk award's credits: one per row of `bulk_award_items`, written set-based
 * in chunks (see bulk-credits.ts) after its single debit of the source.
 */
export interface BulkCredit {
  bulkId: string;
  tenantId: string;
  issuerId: string;
  description: string | null;
  rows: number;
  sourceType: SourceType;
  /** The source's balance before the bulk award's debit, and its version after it. */
  sourceBalanceBefore: string;
  sourceVersion: string;
}

/** One period a schedule allocated. */
export interface ScheduleRunRow {
  schedule_id: string;
  period_key: string;
  tenant_id: string;
  command_id: string;
  amount: string;
}

/** A schedule's columns as its changes and runs write them (scheduleColumns in write-ledger.ts). */
export type ScheduleColumns = {
  id: string;
  cron: string | null;
  time_zone: string;
  amount: string | null;
  top_up_to: string | null;
  when_below: string | null;
  currency: string;
  reference_note: string;
  invoice_pattern: string | null;
  owner_id: string;
  paused: string;
  deleted_at: string | null;
  next_run_at: string | null;
  last_run_at: string | null;
  runs: string;
};

/** Each table the planner writes, with its row type. */
export interface LedgerTables {
  users: NewUserRow;
  wallets: NewAccountRow;
  lead_budgets: NewAccountRow;
  departments: NewDepartmentRow;
  recognitions: RecognitionRow;
  allocation_logs: AllocationLogRow;
  platform_billing_logs: BillingLogRow;
  distribution_logs: DistributionLogRow;
  pool_ledger: PoolLedgerRow;
  lead_budget_ledger: LeadBudgetLedgerRow;
  wallet_ledger: WalletLedgerRow;
  department_ledger: DepartmentLedgerRow;
  tenant_settings: NewSettingsRow;
  award_holds: NewHoldRow;
  award_hold_decisions: NewHoldDecisionRow;
  reversals: NewReversalRow;
  allocation_schedules: ScheduleColumns & { tenant_id: string; cadence: string };
  allocation_schedule_runs: ScheduleRunRow;
}

/** What a batch adds to one spend tally. */
export interface TallyIncrement {
  key: TallyKey;
  amount: Cents;
  awards: number;
}

export interface LedgerWrites {
  outcomes: Map<string, CommandOutcome>;
  newUsers: NewUserRow[];
  newWallets: NewAccountRow[];
  newLeadBudgets: NewAccountRow[];
  newDepartments: NewDepartmentRow[];
  /** Departments whose name, parent or head changed: their final ones are written once. */
  changedDepartments: Set<DepartmentAccount>;
  /** Users whose department changed, with the department they end the batch in. */
  userDepartments: Map<string, string | null>;
  recognitions: RecognitionRow[];
  allocationLogs: AllocationLogRow[];
  billingLogs: BillingLogRow[];
  distributionLogs: DistributionLogRow[];
  poolLedger: PoolLedgerRow[];
  leadBudgetLedger: LeadBudgetLedgerRow[];
  walletLedger: WalletLedgerRow[];
  departmentLedger: DepartmentLedgerRow[];
  bulkCredits: BulkCredit[];
  /** Bulk awards reversed: every wallet they credited gives its row back, set-based (see bulk-credits.ts). */
  bulkReversalDebits: { bulkId: string; commandId: string }[];
  bulkAwardEnds: BulkAwardEnd[];
  events: LedgerEvent[];
  settingsVersions: NewSettingsRow[];
  newHolds: NewHoldRow[];
  holdDecisions: NewHoldDecisionRow[];
  reversals: NewReversalRow[];
  /** Schedules created: written with every column their changes write, and their tenant and cadence. */
  newSchedules: ScheduleRow[];
  /** Schedules whose terms, state or runs changed: their final ones are written once. */
  changedSchedules: Set<ScheduleRow>;
  scheduleRuns: ScheduleRunRow[];
  /** Keyed by tallyKeyString. */
  tallyIncrements: Map<string, TallyIncrement>;
  /** Bulk awards whose rows to add to their recipients' tallies, set-based. */
  bulkRecipientTallies: { bulkId: string; tallies: RecipientTallies }[];
  /** Accounts whose balance changed; their final balance and version are written once. */
  touchedPools: Set<PoolAccount>;
  touchedLeadBudgets: Set<LeadBudgetAccount>;
  touchedWallets: Set<WalletAccount>;
  touchedDepartments: Set<DepartmentAccount>;
}

export function emptyLedgerWrites(): LedgerWrites {
  return {
    outcomes: new Map(),
    newUsers: [],
    newWallets: [],
    newLeadBudgets: [],
    newDepartments: [],
    changedDepartments: new Set(),
    userDepartments: new Map(),
    recognitions: [],
    allocationLogs: [],
    billingLogs: [],
    distributionLogs: [],
    poolLedger: [],
    leadBudgetLedger: [],
    walletLedger: [],
    departmentLedger: [],
    bulkCredits: [],
    bulkReversalDebits: [],
    bulkAwardEnds: [],
    events: [],
    settingsVersions: [],
    newHolds: [],
    holdDecisions: [],
    reversals: [],
    newSchedules: [],
    changedSchedules: new Set(),
    scheduleRuns: [],
    tallyIncrements: new Map(),
    bulkRecipientTallies: [],
    touchedPools: new Set(),
    touchedLeadBudgets: new Set(),
    touchedWallets: new Set(),
    touchedDepartments: new Set(),
  };
}
