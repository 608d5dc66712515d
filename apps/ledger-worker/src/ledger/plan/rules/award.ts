import { AppError, AwardResult, Cents, Command, PendingAwardResult, TenantSettings, toCents } from '@points/contracts';
import { Gift } from '../../limits/spend-limits';
import { AccountKeys } from '../../state/account-keys';
import { UserRow, WalletAccount } from '../../state/ledger-state';
import { LedgerBook, Source, entryFor, sourceName } from '../ledger-book';
import { available, ensureCovers, ensureFits, selfAward } from '../checks';
import { CommandRule } from './command-rule';

/** A manager awards from the pool, a lead from their own budget, a department's head from its pool, into a colleague's wallet. */
export const award: CommandRule<'award'> = {
  accounts: (command, keys) => transferAccounts(command, command.payload.userId, keys, true, command.payload.departmentId),
  plan: (book, command, issuer) => {
    const { payload } = command;
    const description = payload.description ?? null;
    const transfer: Transfer = {
      command,
      issuer,
      recipientId: payload.userId,
      field: 'userId',
      amount: payload.amount,
      description,
      transactionType: 'award',
      reference: { type: 'award', id: command.id },
      ...(payload.departmentId ? { source: book.headedDepartment(issuer, payload.departmentId, command) } : {}),
    };
    const approvals = book.settingsOf(command).settings.approvals;
    if (approvals && toCents(payload.amount) > toCents(approvals.threshold)) return holdForApproval(book, transfer, approvals);
    const result = awardTransfer(book, transfer);
    book.succeed(command, result);
    book.emit(command, { type: 'points.awarded', tenantId: issuer.tenantId as string, recipientId: result.recipientId, amount: payload.amount, description, source: result.source, wallet: result.wallet });
  },
};

/**
 * An award above the tenant's approval threshold: checked as any award, then
 * its points are held on the source — not moved — until an approver decides or
 * the window ends. The command succeeds as `pending_approval`; the hold's id is
 * the command's.
 */
function holdForApproval(book: LedgerBook, transfer: Transfer, approvals: NonNullable<TenantSettings['approvals']>): void {
  const { command, issuer } = transfer;
  const { recipient, amount, source, gift } = checkTransfer(book, transfer);
  const { held, expiresAt } = book.hold(command, { kind: 'award', issuer, source, gift, amount, description: transfer.description, windowHours: approvals.windowHours });
  const result: PendingAwardResult = { status: 'pending_approval', approvalId: command.id, amount: transfer.amount, recipientId: recipient.id, source: held, expiresAt };
  book.succeed(command, result);
  book.emit(command, { type: 'award.pending_approval', tenantId: issuer.tenantId as string, approvalId: command.id, giverId: issuer.id, recipientId: recipient.id, amount: transfer.amount, description: transfer.description, source: held, expiresAt });
}

/**
 * What an award from the issuer's source to a colleague reads and locks: the
 * colleague, the issuer's source (or the department pool named), the
 * colleague's wallet, and the spend tallies the tenant's limits count the gift in.
 */
export function transferAccounts(command: Command, recipientId: string, keys: AccountKeys, movesPoints = true, departmentId?: string): void {
  keys.userIds.push(recipientId);
  if (departmentId && command.tenantId) keys.departments.push({ id: departmentId, tenantId: command.tenantId });
  else keys.sourceOwnerIds.push(command.issuerId);
  keys.walletUserIds.push(recipientId);
  if (command.tenantId && movesPoints) keys.gifts.push({ tenantId: command.tenantId, version: command.settingsVersion ?? 0, giverId: command.issuerId, recipientId });
}

/** An award or recognition from a giver to a colleague, before and after its checks. */
export interface Transfer {
  /** The command whose journal rows these are (an approved award's are its award command's). */
  command: Command;
  /** The giver. */
  issuer: UserRow;
  recipientId: string;
  /** The payload fields that name the recipient and the amount, for error details. */
  field: string;
  amountField?: string;
  amount: string;
  description: string | null;
  transactionType: 'award' | 'recognition';
  /** What the journal rows point at: the award (its command), or the recognition. */
  reference: { type: string; id: string };
  /** The source spent; by default the giver's (pool or own budget). A department head's award names the department pool; an approved award's is the one its hold is on. */
  source?: Source;
  /** Points of the source held for this very transfer (an approved award's hold), released as it is posted: available to it. */
  releasing?: Cents;
  /** The command whose settings the limits are taken from; by default `command`. */
  judgedBy?: Command;
}

export interface CheckedTransfer {
  recipient: UserRow;
  wallet: WalletAccount;
  amount: Cents;
  source: Source;
  gift: Gift;
}

/**
 * Every check of a transfer, in order, before anything moves: the recipient is
 * an active colleague with a wallet, not the giver; the source has the points
 * available; the wallet can take them; the tenant's limits allow it.
 */
export function checkTransfer(book: LedgerBook, transfer: Transfer): CheckedTransfer {
  const { command, issuer, field } = transfer;
  const recipient = book.tenantUser(transfer.recipientId, command, field);
  if (recipient.id === issuer.id) throw selfAward(field);
  const wallet = book.state.wallets.get(recipient.id);
  if (!wallet) throw new AppError('NOT_FOUND', 'recipient has no wallet', [{ field, message: 'no wallet' }]);
  const amount = toCents(transfer.amount);
  const source = transfer.source ?? book.sourceOf(issuer);
  ensureCovers(available(source.account) + (transfer.releasing ?? 0n), amount, { what: sourceName(source) });
  ensureFits(wallet.balance + amount, field, "the recipient's wallet");
  ensureFits(wallet.lifetimeEarned + amount, field, "the recipient's lifetime total");
  const gift = { tenantId: recipient.tenantId as string, giverId: issuer.id, recipientId: recipient.id };
  book.ensureWithinLimits(transfer.judgedBy ?? command, gift, amount, field, transfer.amountField);
  return { recipient, wallet, amount, source, gift };
}

/**
 * Moves the points of a checked transfer from the source to the colleague's
 * wallet: the source's journal row, the wallet's, the distribution record, and
 * the gift counted in the limits' tallies.
 */
export function postTransfer(book: LedgerBook, transfer: Transfer, checked: CheckedTransfer): AwardResult {
  const { recipient, wallet, amount, source, gift } = checked;
  book.recordGift(transfer.judgedBy ?? transfer.command, gift, amount);
  const entry = entryFor(transfer.command, transfer.transactionType, transfer.reference);
  const debit = book.debitSource(source, amount, entry);
  const walletChange = book.moveAccount(wallet, amount, entry);
  wallet.lifetimeEarned += amount;
  book.distribute({ entry, issuer: transfer.issuer, toUserId: recipient.id, amount: transfer.amount, source: debit, description: transfer.description });
  return { amount: transfer.amount, recipientId: recipient.id, source: debit.change, wallet: walletChange };
}

/** Awards and recognitions: checked, then moved. */
export const awardTransfer = (book: LedgerBook, transfer: Transfer): AwardResult => postTransfer(book, transfer, checkTransfer(book, transfer));
