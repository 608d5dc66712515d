import { AppError, BalanceChange, Cents, CommandOf, ReversalResult, SourceChange, SourceType, TenantSettings, fromCents, toCents } from '@points/contracts';
import { AccountMove, lotKey } from '@points/db';
import { LedgerBook, entryFor } from '../ledger-book';
import { ensureCovers, ensureFits } from '../checks';
import { CommandRule } from './command-rule';
import { UserRow } from '../../state/ledger-state';

/**
 * Reverses an award, recognition or bulk award: for each balance change it made, the
 * opposite one, journaled under this command (`reversal`, referencing the
 * command reversed) — history is never updated. Every reverser locks the
 * accounts the award moved before it reads whether it was reversed, and
 * `reversals` is keyed by the award, so reversing twice moves points once; the
 * second answers with the first. A recipient who no longer holds the points
 * (part of them expired) is refused (INSUFFICIENT_BALANCE), unless the tenant's
 * expiry policy says to reverse what remains. What was counted in the period
 * caps stays counted.
 */
export const reverseAward: CommandRule<'reverse_award'> = {
  accounts: (command, keys) => {
    if (command.tenantId) keys.reversals.push({ id: command.payload.commandId, tenantId: command.tenantId });
  },
  plan: (book, command, issuer) => {
    const { commandId, reason } = command.payload;
    const original = book.state.reversibles.get(commandId);
    if (!original || original.tenantId !== command.tenantId || original.status !== 'succeeded' || !['award', 'recognition', 'bulk_award'].includes(original.type)) {
      throw new AppError('NOT_FOUND', 'no such award or recognition', [{ field: 'commandId', message: 'no award or recognition of this tenant with this id' }]);
    }
    if (original.type === 'bulk_award') return reverseBulkAward(book, command, issuer, original);
    const wallet = original.moves.find((move) => move.account === 'wallet');
    const source = original.moves.find((move): move is AccountMove & { account: SourceJournal } => move.account !== 'wallet');
    // An award whose points never moved is pending approval, declined or expired: nothing to reverse.
    if (original.type === 'award' && !wallet) {
      throw new AppError('VALIDATION_FAILED', 'this award moved no points: a pending award is declined, not reversed', [{ field: 'commandId', message: 'moved no points' }]);
    }
    ensureMayReverse(book, book.settingsOf(command).settings.reversals, issuer.id, original);
    const recipientId = wallet?.ownerId ?? original.recipientId ?? '';

    const first = original.reversal;
    if (first) {
      const repeated: ReversalResult = { originalCommandId: original.id, reversalId: first.commandId, alreadyReversed: true, amount: first.amount, recipientId, recipients: 0, source: null, wallet: null };
      book.succeed(command, repeated);
      book.emit(command, { type: 'award.reversed', ...repeated, giverId: original.issuerId, reason });
      return;
    }

    const amount: Cents = wallet ? reversibleAmount(book, command, wallet) : 0n;
    // The correcting rows point at what the award's rows point at (the award's command, or the recognition).
    const entry = entryFor(command, 'reversal', wallet ? { type: wallet.referenceType, id: wallet.referenceId } : { type: original.type, id: original.id });
    let sourceChange: SourceChange | null = null;
    let walletChange: BalanceChange | null = null;
    if (wallet && source && amount > 0n) {
      const walletAccount = book.state.wallets.get(recipientId);
      if (!walletAccount || walletAccount.id !== wallet.accountId) throw new Error(`wallet ${wallet.accountId} of command ${original.id} was not loaded`);
      // Every check before any change.
      ensureCovers(walletAccount.balance, amount, { what: "the recipient's wallet", field: 'commandId', asked: 'to reverse', problem: 'the recipient no longer holds these points' });
      const sourceAccount = book.namedSource(SOURCE_OF[source.account], { tenantId: command.tenantId as string, giverId: original.issuerId, accountId: source.accountId });
      ensureFits(sourceAccount.account.balance + amount, 'commandId', 'the source');
      walletChange = book.moveAccount(walletAccount, -amount, entry);
      walletAccount.lifetimeEarned -= amount;
      // A debit of a negative amount: the points go back to the source.
      sourceChange = book.debitSource(sourceAccount, -amount, entry).change;
    }
    book.writes.reversals.push({ original_command_id: original.id, tenant_id: command.tenantId as string, command_id: command.id, reversed_by: issuer.id, reason, amount: fromCents(amount) });
    original.reversal = { commandId: command.id, amount: fromCents(amount) };
    const result: ReversalResult = { originalCommandId: original.id, reversalId: command.id, alreadyReversed: false, amount: fromCents(amount), recipientId, recipients: walletChange ? 1 : 0, source: sourceChange, wallet: walletChange };
    book.succeed(command, result);
    book.emit(command, { type: 'award.reversed', ...result, giverId: original.issuerId, reason });
  },
};

/**
 * What of the award's credit is reversed: all of it, unless part of it has
 * expired — then the tenant's policy says: refuse (reject, the default), or
 * what remains of it (what_remains, possibly nothing).
 */
function reversibleAmount(book: LedgerBook, command: CommandOf<'reverse_award'>, wallet: AccountMove): Cents {
  const credited = toCents(wallet.amount);
  const remaining = book.state.lotRemainders.get(lotKey({ walletId: wallet.accountId, referenceType: wallet.referenceType, referenceId: wallet.referenceId })) ?? 0n;
  if (remaining >= credited) return credited;
  if (book.settingsOf(command).settings.expiry?.reverseExpired === 'what_remains') return remaining;
  throw new AppError('INSUFFICIENT_BALANCE', `${fromCents(credited - remaining)} of the ${fromCents(credited)} points awarded have expired`, [
    { field: 'commandId', message: 'the recipient no longer holds these points', available: fromCents(remaining), requested: fromCents(credited) },
  ]);
}

/**
 * A whole bulk award: every recipient's wallet gives its row back (set-based,
 * by the writer) and the source gets the total, all or nothing — refused when
 * any recipient no longer holds their row. Exactly once as any reversal.
 */
function reverseBulkAward(book: LedgerBook, command: CommandOf<'reverse_award'>, issuer: UserRow, original: Reversible): void {
  const { reason } = command.payload;
  const debit = original.moves.find((move): move is AccountMove & { account: SourceJournal } => move.account !== 'wallet');
  if (!debit) throw new AppError('VALIDATION_FAILED', 'this bulk award moved no points: a pending one is declined, not reversed', [{ field: 'commandId', message: 'moved no points' }]);
  ensureMayReverse(book, book.settingsOf(command).settings.reversals, issuer.id, original);
  const first = original.reversal;
  if (first) {
    const repeated: ReversalResult = { originalCommandId: original.id, reversalId: first.commandId, alreadyReversed: true, amount: first.amount, recipientId: null, recipients: 0, source: null, wallet: null };
    book.succeed(command, repeated);
    book.emit(command, { type: 'award.reversed', ...repeated, giverId: original.issuerId, reason });
    return;
  }
  const facts = book.state.bulkReversals.get(original.id);
  if (!facts) throw new Error(`bulk award ${original.id} was not loaded for its reversal`);
  if (facts.short > 0) {
    throw new AppError('INSUFFICIENT_BALANCE', `${facts.short} of the bulk award's ${facts.recipients} recipients no longer hold their points`, [
      { field: 'commandId', message: 'a recipient no longer holds these points' },
    ]);
  }
  const source = book.namedSource(SOURCE_OF[debit.account], { tenantId: command.tenantId as string, giverId: original.issuerId, accountId: debit.accountId });
  ensureFits(source.account.balance + facts.total, 'commandId', 'the source');
  const change = book.debitSource(source, -facts.total, entryFor(command, 'reversal', { type: 'bulk_award', id: original.id })).change;
  book.writes.bulkReversalDebits.push({ bulkId: original.id, commandId: command.id });
  const amount = fromCents(facts.total);
  book.writes.reversals.push({ original_command_id: original.id, tenant_id: command.tenantId as string, command_id: command.id, reversed_by: issuer.id, reason, amount });
  original.reversal = { commandId: command.id, amount };
  const result: ReversalResult = { originalCommandId: original.id, reversalId: command.id, alreadyReversed: false, amount, recipientId: null, recipients: facts.recipients, source: change, wallet: null };
  book.succeed(command, result);
  book.emit(command, { type: 'award.reversed', ...result, giverId: original.issuerId, reason });
}

type Reversible = NonNullable<ReturnType<LedgerBook['state']['reversibles']['get']>>;

/** A tenant manager reverses any award of the tenant; its giver their own, within the window of the settings the reversal was accepted under (none: never). */
function ensureMayReverse(book: LedgerBook, window: TenantSettings['reversals'], issuerId: string, original: { issuerId: string; acceptedAt: Date }): void {
  const issuer = book.state.users.get(issuerId);
  if (issuer?.role === 'tenant_manager') return;
  if (issuerId === original.issuerId && window && book.now.getTime() - original.acceptedAt.getTime() <= window.giverWindowHours * 3_600_000) return;
  throw new AppError('FORBIDDEN', window ? `a giver may reverse their own award within ${window.giverWindowHours} hours; after that, a tenant manager` : 'only a tenant manager may reverse an award', [
    { field: 'commandId', message: 'not yours to reverse' },
  ]);
}

/** The source type of a journal a move was on. */
type SourceJournal = Exclude<AccountMove['account'], 'wallet'>;
const SOURCE_OF: Record<SourceJournal, SourceType> = { pool: 'tenant_pool', department: 'department_pool', lead_budget: 'lead_budget' };
