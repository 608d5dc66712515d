import { Cents, Role } from '@points/contracts';
import { AwardHold, BulkAwardRowError, HoldDecision, ReversibleCommand, ScheduleRow, SettingsVersion } from '@points/db';
import { Tally } from '../limits/spend-limits';

/** The users a batch of commands refers to and the accounts it locked, in memory. */
export interface UserRow {
  id: string;
  tenantId: string | null;
  role: Role;
  active: boolean;
  email: string;
  displayName: string;
  /** The department a manager or lead belongs to (read again once the batch's departments are locked). */
  departmentId: string | null;
}

export interface PoolAccount {
  tenantId: string;
  balance: Cents;
  /** Held for awards pending approval: part of the balance, not available to spend. */
  held: Cents;
  version: bigint;
}

export interface LeadBudgetAccount {
  id: string;
  userId: string;
  tenantId: string;
  balance: Cents;
  held: Cents;
  version: bigint;
}

/** A department and its pool; the pool's rows are locked, the name, parent and head read with them. */
export interface DepartmentAccount {
  id: string;
  tenantId: string;
  name: string;
  parentId: string | null;
  headId: string | null;
  balance: Cents;
  held: Cents;
  version: bigint;
}

/** A department as its tenant's tree knows it: what structure changes (names, parents) are checked against. */
export interface DepartmentNode {
  name: string;
  /** lower(name), as PostgreSQL folds it: what the unique index compares. */
  folded: string;
  parentId: string | null;
}

export interface WalletAccount {
  id: string;
  userId: string;
  tenantId: string;
  balance: Cents;
  lifetimeEarned: Cents;
  version: bigint;
}

/**
 * What the ledger knows of a bulk award's rows, read in its transaction with
 * the recipients' wallets locked: the rows stay in PostgreSQL, only these facts
 * come into memory.
 */
export interface BulkAwardFacts {
  rows: number;
  total: Cents;
  /** Rows above the approval threshold of the settings checked against (0 without one): any, and the bulk award is held for an approver. */
  rowsAboveThreshold: number;
  /** Rows with at least one error (every row error is listed up to a cap). */
  failedRows: number;
  /** Every failed row failed only a spend limit (LIMIT_EXCEEDED), counted over all rows, not only those reported. */
  onlyLimitErrors: boolean;
  rowErrors: BulkAwardRowError[];
}

export interface LedgerState {
  users: Map<string, UserRow>;
  /** Keyed by tenant id. */
  pools: Map<string, PoolAccount>;
  /** Keyed by the lead's user id. */
  leadBudgets: Map<string, LeadBudgetAccount>;
  /** Locked department pools, keyed by department id. */
  departments: Map<string, DepartmentAccount>;
  /** Every department of a tenant whose structure a command changes, keyed by tenant id, then department id (read with its pool locked). */
  departmentTrees: Map<string, Map<string, DepartmentNode>>;
  /** Names commands give departments, folded by PostgreSQL's lower(). */
  foldedNames: Map<string, string>;
  /** Keyed by the owner's user id. */
  wallets: Map<string, WalletAccount>;
  /** Lower-cased emails already in use. */
  takenEmails: Set<string>;
  /** Keyed by the bulk award's (command) id. */
  bulkAwards: Map<string, BulkAwardFacts>;
  /** The settings versions the commands were accepted under, keyed by settingsKey(tenant, version). */
  settings: Map<string, SettingsVersion>;
  /** Each tenant's latest settings (absent: never set); a settings change in the batch replaces it. */
  latestSettings: Map<string, SettingsVersion>;
  /** Spend tallies, seeded and locked, keyed by tallyKeyString. */
  tallies: Map<string, Tally>;
  /** Awards pending approval the batch decides, with their decision so far (read with their sources locked). */
  holds: Map<string, AwardHold & { decision: HoldDecision | null }>;
  /** Commands the batch reverses, with the changes they made and their reversal so far (read with the accounts locked). */
  reversibles: Map<string, ReversibleCommand & { reversal: { commandId: string; amount: string } | null }>;
  /** What remains of the lots the batch's reversals take back (keyed by lotKey; absent: nothing left — expired, or reversed). */
  lotRemainders: Map<string, Cents>;
  /** Bulk awards the batch reverses: how many wallets they credited, their total, and how many of those wallets hold less than their row now. */
  bulkReversals: Map<string, { recipients: number; total: Cents; short: number }>;
  /** Recurring allocations the batch changes or runs, locked, keyed by id; a schedule created in the batch joins them. */
  schedules: Map<string, ScheduleRow>;
  /** `holdId:userId` of deciders who are recipients of a bulk award held whole (its rows are never changed, so read without a lock). */
  holdRecipientDeciders: Set<string>;
}

export const settingsKey = (tenantId: string, version: number) => `${tenantId}:${version}`;

export function emptyLedgerState(): LedgerState {
  return { users: new Map(), pools: new Map(), leadBudgets: new Map(), departments: new Map(), departmentTrees: new Map(), foldedNames: new Map(), wallets: new Map(), takenEmails: new Set(), bulkAwards: new Map(), settings: new Map(), latestSettings: new Map(), tallies: new Map(), holds: new Map(), holdRecipientDeciders: new Set(), reversibles: new Map(), lotRemainders: new Map(), bulkReversals: new Map(), schedules: new Map() };
}
