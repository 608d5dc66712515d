import { AppError, CommandOf, CommandType } from '@points/contracts';
import { AccountKeys } from '../../state/account-keys';
import { UserRow } from '../../state/ledger-state';
import { LedgerBook } from '../ledger-book';

/**
 * What the ledger does for one command type. Every type in the catalog has
 * exactly one (rules/index.ts is typed over the catalog), so a new command
 * cannot compile without its accounts and its rule.
 */
export interface CommandRule<T extends CommandType> {
  /** The users and accounts the command may read or change; they are locked before it is planned. */
  accounts(command: CommandOf<T>, keys: AccountKeys): void;
  /**
   * Decides the command against the locked balances and records what to write.
   * Every check runs before any change, so a rejection leaves the state as it found it.
   */
  plan(book: LedgerBook, command: CommandOf<T>, issuer: UserRow): void;
  /** Anything a rejection records beyond the outcome and its event (a bulk award's row errors). */
  rejected?(book: LedgerBook, command: CommandOf<T>, error: AppError): void;
}
