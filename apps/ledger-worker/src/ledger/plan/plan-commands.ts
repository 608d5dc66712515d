import { randomUUID } from 'node:crypto';
import { AppError, Command, commandSpec } from '@points/contracts';
import { AccountKeys, emptyAccountKeys } from '../state/account-keys';
import { LedgerState, UserRow } from '../state/ledger-state';
import { LedgerWrites } from '../write/ledger-writes';
import { LedgerBook } from './ledger-book';
import { ruleFor } from './rules';

export interface PlannerOptions {
  newId?: () => string;
  now?: () => Date;
  /**
   * Stamp journal rows with the clock above rather than the transaction's start
   * (the database's default): set when the clock is injected (tests simulating
   * months), so what a journal row says happened when matches that clock.
   */
  stampJournals?: boolean;
}

/**
 * Decides the outcome of each command against locked, in-memory balances and
 * records every row to write. Pure: no I/O, so every business rule is unit
 * tested without a database. Commands are planned in the order given; each one
 * sees the balances the previous ones left. A business rule that fails rejects
 * that command alone (with a SPEC code, and an event for the audit trail).
 */
export function planCommands(commands: Command[], state: LedgerState, options: PlannerOptions = {}): LedgerWrites {
  const book = new LedgerBook(state, options.newId ?? randomUUID, (options.now ?? (() => new Date()))(), options.stampJournals ?? false);
  for (const command of commands) {
    const rule = ruleFor(command);
    try {
      rule.plan(book, command, authorisedIssuer(state, command));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      rule.rejected?.(book, command, error);
      book.reject(command, error);
    }
  }
  return book.writes;
}

/** Every user and account the commands may touch: what the ledger locks before planning. */
export function accountKeysOf(commands: Command[]): AccountKeys {
  const keys = emptyAccountKeys();
  for (const command of commands) {
    keys.userIds.push(command.issuerId);
    if (command.tenantId) keys.settings.push({ tenantId: command.tenantId, version: command.settingsVersion ?? 0 });
    ruleFor(command).accounts(command, keys);
  }
  return keys;
}

/** The issuer as stored in `users`, not as the job or token said: active, of the command's tenant, in a role the catalog allows. */
function authorisedIssuer(state: LedgerState, command: Command): UserRow {
  const issuer = state.users.get(command.issuerId);
  const spec = commandSpec(command.type);
  if (!issuer || !issuer.active || !spec.roles.includes(issuer.role) || issuer.tenantId !== command.tenantId) {
    throw new AppError('FORBIDDEN', 'the issuer may not perform this command');
  }
  spec.check?.(issuer, command.payload);
  return issuer;
}
