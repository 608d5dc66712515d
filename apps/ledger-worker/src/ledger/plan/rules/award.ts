import { AppError, AwardResult, Command, toCents } from '@points/contracts';
import { AccountKeys } from '../../state/account-keys';
import { UserRow } from '../../state/ledger-state';
import { LedgerBook, entryFor, sourceName } from '../ledger-book';
import { ensureCovers, ensureFits, selfAward } from '../checks';
import { CommandRule } from './command-rule';

/** A manager awards from the pool, a lead from their own budget, into a colleague's wallet. */
export const award: CommandRule<'award'> = {
  accounts: (command, keys) => transferAccounts(command, command.payload.userId, keys),
  plan: (book, command, issuer) => {
    const { payload } = command;
    const description = payload.description ?? null;
    const transfer = awardTransfer(book, {
      command,
      issuer,
      recipientId: payload.userId,
      field: 'userId',
      amount: payload.amount,
      description,
      transactionType: 'award',
      reference: { type: 'award', id: command.id },
    });
    book.succeed(command, transfer);
    book.emit(command, { type: 'points.awarded', tenantId: issuer.tenantId as string, recipientId: transfer.recipientId, amount: payload.amount, description, source: transfer.source, wallet: transfer.wallet });
  },
};

/**
 * What an award from the issuer's source to a colleague reads and locks: the
 * colleague, the issuer's source, the colleague's wallet, and the spend tallies
 * the tenant's limits count the gift in.
 */
export function transferAccounts(command: Command, recipientId: string, keys: AccountKeys, movesPoints = true): void {
  keys.userIds.push(recipientId);
  keys.sourceOwnerIds.push(command.issuerId);
  keys.walletUserIds.push(recipientId);
  if (command.tenantId && movesPoints) keys.gifts.push({ tenantId: command.tenantId, version: command.settingsVersion ?? 0, giverId: command.issuerId, recipientId });
}

/**
 * Moves points from the issuer's source (pool or own budget) to a colleague's
 * wallet: the source's journal row, the wallet's, and the distribution record.
 * Awards and recognitions are written with it.
 */
export function awardTransfer(
  book: LedgerBook,
  transfer: {
    command: Command;
    issuer: UserRow;
    recipientId: string;
    /** The payload field that names the recipient, for error details. */
    field: string;
    amount: string;
    description: string | null;
    transactionType: 'award' | 'recognition';
    /** What the journal rows point at: the award (its command), or the recognition. */
    reference: { type: string; id: string };
  },
): AwardResult {
  const { command, issuer, field } = transfer;
  const recipient = book.tenantUser(transfer.recipientId, command, field);
  if (recipient.id === issuer.id) throw selfAward(field);
  const wallet = book.state.wallets.get(recipient.id);
  if (!wallet) throw new AppError('NOT_FOUND', 'recipient has no wallet', [{ field, message: 'no wallet' }]);
  const amount = toCents(transfer.amount);
  const source = book.sourceOf(issuer);
  ensureCovers(source.account.balance, amount, { what: sourceName(source) });
  ensureFits(wallet.balance + amount, field, "the recipient's wallet");
  ensureFits(wallet.lifetimeEarned + amount, field, "the recipient's lifetime total");
  const gift = { tenantId: recipient.tenantId as string, giverId: issuer.id, recipientId: recipient.id };
  book.ensureWithinLimits(command, gift, amount, field);
  book.recordGift(command, gift, amount);

  const entry = entryFor(command, transfer.transactionType, transfer.reference);
  const debit = book.debitSource(source, amount, entry);
  const walletChange = book.moveAccount(wallet, amount, entry);
  wallet.lifetimeEarned += amount;
  book.distribute({ entry, issuer, toUserId: recipient.id, amount: transfer.amount, source: debit, description: transfer.description });
  return { amount: transfer.amount, recipientId: recipient.id, source: debit.change, wallet: walletChange };
}
