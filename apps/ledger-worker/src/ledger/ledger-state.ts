import { Cents, Role } from '@points/contracts';

/** The locked accounts and the users a batch of commands refers to, in memory. */
export interface UserRow {
  id: string;
  tenantId: string | null;
  role: Role;
  active: boolean;
  email: string;
  displayName: string;
}

export interface PoolAccount {
  tenantId: string;
  balance: Cents;
  version: bigint;
}

export interface LeadBudgetAccount {
  id: string;
  userId: string;
  tenantId: string;
  balance: Cents;
  version: bigint;
}

export interface WalletAccount {
  id: string;
  userId: string;
  tenantId: string;
  balance: Cents;
  lifetimeEarned: Cents;
  version: bigint;
}

export interface LedgerState {
  users: Map<string, UserRow>;
  /** Keyed by tenant id. */
  pools: Map<string, PoolAccount>;
  /** Keyed by the lead's user id. */
  leadBudgets: Map<string, LeadBudgetAccount>;
  /** Keyed by the owner's user id. */
  wallets: Map<string, WalletAccount>;
  /** Lower-cased emails already in use. */
  takenEmails: Set<string>;
}

export function emptyLedgerState(): LedgerState {
  return { users: new Map(), pools: new Map(), leadBudgets: new Map(), wallets: new Map(), takenEmails: new Set() };
}
