/**
 * Every user and account a batch of commands may read or change. Each command's
 * rule adds what it needs; the ledger locks all of it up front, in one order.
 * Locking a superset is harmless.
 */
export interface AccountKeys {
  /** Users to read: issuers and the users commands name. */
  userIds: string[];
  /** Tenant pools to lock. */
  tenantIds: string[];
  /** Lead budgets to lock, by their owner. */
  leadBudgetUserIds: string[];
  /** Wallets to lock, by their owner. */
  walletUserIds: string[];
  /** Emails a new user would take. */
  emails: string[];
  /** Bulk awards whose recipients' wallets to lock and whose rows to check. */
  bulkAwardIds: string[];
}

export function emptyAccountKeys(): AccountKeys {
  return { userIds: [], tenantIds: [], leadBudgetUserIds: [], walletUserIds: [], emails: [], bulkAwardIds: [] };
}
