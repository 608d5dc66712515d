/**
 * Every user and account a batch of commands may read or change. Each command's
 * rule adds what it needs; the ledger locks all of it up front, in one order.
 * A lock held needlessly holds back the tenant's other commands (a bulk award
 * holds its locks for seconds), so rules ask only for what they may touch.
 */
export interface AccountKeys {
  /** Users to read: issuers and the users commands name. */
  userIds: string[];
  /** Tenant pools to lock. */
  tenantIds: string[];
  /** Department pools to lock, each of the tenant whose command names it (another tenant's is not locked: the rule answers NOT_FOUND). */
  departments: { id: string; tenantId: string }[];
  /** Users whose department changes, with the command's tenant: their rows are locked, and the department they leave. */
  departmentMembers: { userId: string; tenantId: string }[];
  /** Department names to fold as the database does (lower()), to compare with the tree's. */
  departmentNames: string[];
  /** Tenants whose whole department tree to read, for a change of names or parents (with the tenant's pool locked, which serialises such changes). */
  departmentTrees: string[];
  /** Lead budgets to lock, by their owner. */
  leadBudgetUserIds: string[];
  /**
   * Givers whose source is spent: a manager's tenant pool, a lead's own budget.
   * Which one is known once the users are read, before anything is locked.
   */
  sourceOwnerIds: string[];
  /** Wallets to lock, by their owner. */
  walletUserIds: string[];
  /** Emails a new user would take. */
  emails: string[];
  /** Bulk awards whose recipients' wallets to lock and whose rows to check (against the settings they were accepted under). */
  bulkAwards: { id: string; tenantId: string; version: number }[];
  /** Tenants whose settings to read: the version each command was accepted under (0: the defaults), and the latest. */
  settings: { tenantId: string; version: number }[];
  /** Points given person to person, whose spend tallies to seed and lock if a period limit counts them. */
  gifts: { tenantId: string; version: number; giverId: string; recipientId: string | null }[];
  /**
   * Awards pending approval to decide: the loader reads each hold first (it is
   * never changed) and adds its giver's source to what it locks — and for an
   * approval, which moves the points, the recipient's wallet and the gift's
   * tallies (under the approving command's settings).
   */
  holds: { id: string; tenantId: string; version: number; approving: boolean; deciderId: string }[];
  /**
   * Awards and recognitions to reverse (tenantId: the reversing command's), and
   * allocations (tenantId null: a platform admin's): the loader reads each command and the
   * balance changes it made (history, never changed) and adds the accounts they
   * moved to what it locks; whether it was reversed already is read once they are locked.
   */
  reversals: { id: string; tenantId: string | null }[];
  /** Bulk awards to reverse: their recipients' wallets are locked by one statement (in a transaction of their own). */
  bulkReversals: string[];
  /** Recurring allocations to change or run: the loader reads each one's tenant first, locks its pool, then the schedule. */
  schedules: string[];
}

export function emptyAccountKeys(): AccountKeys {
  return { userIds: [], tenantIds: [], departments: [], departmentMembers: [], departmentNames: [], departmentTrees: [], leadBudgetUserIds: [], sourceOwnerIds: [], walletUserIds: [], emails: [], bulkAwards: [], settings: [], gifts: [], holds: [], reversals: [], bulkReversals: [], schedules: [] };
}
