import { AppError, Command, CommandOf, HeldBalance, commandSpec, isManager, toCents } from '@points/contracts';
import { AwardHold, HoldDecision } from '@points/db';
import { AccountKeys } from '../../state/account-keys';
import { UserRow } from '../../state/ledger-state';
import { LedgerBook, Source, heldBalance } from '../ledger-book';
import { holdReleased } from '../../../holds/hold-released';
import { checkTransfer, postTransfer } from './award';
import { checkBulkAward, postBulkAward } from './bulk-award';
import { CommandRule } from './command-rule';

// An approver's decision on an award pending approval. Exactly one decision
// stands per hold: the deciders (these rules and the expiry) lock the hold's
// source before reading its decision, and award_hold_decisions is keyed by the
// hold. The hold's source, wallet and tallies are locked by the loader.

type Decide = CommandOf<'approve_award'> | CommandOf<'decline_award'>;

const accounts = (command: Decide, keys: AccountKeys) => {
  keys.holds.push({ id: command.payload.approvalId, tenantId: command.tenantId as string, version: command.settingsVersion ?? 0, approving: command.type === 'approve_award', deciderId: command.issuerId });
};

/** Approving posts the award: the hold is released and the points move, in the giver's name, under the award command's id. */
export const approveAward: CommandRule<'approve_award'> = {
  accounts,
  plan: (book, command, approver) => {
    const { hold, source } = pendingHold(book, command, approver);
    if (hold.giverId === approver.id) throw notTheirs();
    const giver = book.state.users.get(hold.giverId);
    // The award is posted in the giver's name: they must still be one who may give it, and the recipient one who may get it.
    if (!giver?.active || giver.tenantId !== hold.tenantId || !commandSpec('award').roles.includes(giver.role)) {
      throw new AppError('FORBIDDEN', 'the giver of this award may no longer give points; decline it instead', [{ field: 'approvalId', message: 'giver no longer active in this role' }]);
    }
    if (source.type === 'department_pool' && source.account.headId !== giver.id) {
      throw new AppError('FORBIDDEN', 'the giver of this award no longer heads the department it comes from; decline it instead', [{ field: 'approvalId', message: 'giver no longer heads the department' }]);
    }
    if (hold.kind === 'bulk_award') return approveBulkAward(book, command, approver, hold, source, giver);
    const recipient = book.state.users.get(hold.recipientId as string);
    if (!recipient?.active || recipient.tenantId !== hold.tenantId) {
      throw new AppError('NOT_FOUND', 'the recipient of this award is no longer an active user of this tenant; decline it instead', [{ field: 'approvalId', message: 'recipient no longer active' }]);
    }
    const amount = toCents(hold.amount);
    const transfer = {
      command: awardCommandOf(hold),
      issuer: giver,
      recipientId: recipient.id,
      field: 'approvalId',
      amount: hold.amount,
      description: hold.description,
      transactionType: 'award' as const,
      reference: { type: 'award', id: hold.id },
      source,
      releasing: amount,
      judgedBy: command,
    };
    // Every check first (the held points count as available to this award), so a refusal changes nothing; then release and post.
    const checked = checkTransfer(book, transfer);
    book.changeHeld(source, -amount);
    const award = postTransfer(book, transfer, checked);
    const after = decide(book, command, approver, hold, 'approved', source);
    book.succeed(command, { approvalId: hold.id, decision: 'approved', award, source: after });
    book.emit(command, { type: 'award.approved', tenantId: hold.tenantId, approvalId: hold.id, giverId: hold.giverId, description: hold.description, reason: command.payload.reason ?? null, ...award });
  },
};

/** Declining releases the hold: nothing moves. The giver may decline (withdraw) their own award. */
export const declineAward: CommandRule<'decline_award'> = {
  accounts,
  plan: (book, command, approver) => {
    const { hold, source } = pendingHold(book, command, approver);
    if (!isManager(approver.role) && hold.giverId !== approver.id) throw new AppError('FORBIDDEN', 'only an approver, or the giver withdrawing it, may decline an award');
    book.changeHeld(source, -toCents(hold.amount));
    const after = decide(book, command, approver, hold, 'declined', source);
    if (hold.kind === 'bulk_award') book.writes.bulkAwardEnds.push({ bulkId: hold.id, status: 'declined' });
    book.succeed(command, { approvalId: hold.id, decision: 'declined', award: null, source: after });
    book.emit(command, holdReleased(hold, 'declined', command.payload.reason, after));
  },
};

/**
 * Approving a bulk award held whole: its rows are checked again (against the
 * approval's settings, with every recipient's wallet locked), the hold released
 * and every row posted in the giver's name under the bulk award's command id.
 * A row that no longer passes refuses the approval (decline it instead).
 */
function approveBulkAward(book: LedgerBook, command: CommandOf<'approve_award'>, approver: UserRow, hold: PendingHold, source: Source, giver: UserRow): void {
  const facts = book.bulkAward(hold.id);
  const amount = toCents(hold.amount);
  // The rows are the ones held: their total cannot have changed (bulk_award_items is written once, with the command).
  if (facts.total !== amount) throw new Error(`bulk award ${hold.id} totals ${facts.total} cents, its hold ${amount}`);
  checkBulkAward(book, command, giver, source, facts, amount);
  book.changeHeld(source, -amount);
  const bulkCommand: CommandOf<'bulk_award'> = { id: hold.id, type: 'bulk_award', tenantId: hold.tenantId, issuerId: hold.giverId, payload: { description: hold.description, rows: facts.rows }, requestId: null };
  const bulkAward = postBulkAward(book, bulkCommand, giver, source, facts, command);
  const after = decide(book, command, approver, hold, 'approved', source);
  book.succeed(command, { approvalId: hold.id, decision: 'approved', award: null, bulkAward, source: after });
  book.emit(command, { type: 'bulk_award.approved', tenantId: hold.tenantId, approvalId: hold.id, giverId: hold.giverId, description: hold.description, reason: command.payload.reason ?? null, ...bulkAward });
}

type PendingHold = AwardHold & { decision: HoldDecision | null };

/** The hold the command decides, still pending, with the source it holds on; every refusal changes nothing. */
function pendingHold(book: LedgerBook, command: Decide, approver: UserRow): { hold: PendingHold; source: Source } {
  const hold = book.state.holds.get(command.payload.approvalId);
  // Another tenant's hold (loaded for that tenant's own command in the batch, or not at all) is reported exactly like a missing one.
  if (!hold || hold.tenantId !== command.tenantId) throw new AppError('NOT_FOUND', 'no such pending award', [{ field: 'approvalId', message: 'no such pending award in this tenant' }]);
  if (hold.decision) throw new AppError('ALREADY_DECIDED', `this award was ${hold.decision} already`, [{ field: 'approvalId', message: `already ${hold.decision}`, decision: hold.decision }]);
  if (hold.expiresAt <= book.now) throw new AppError('ALREADY_DECIDED', 'the approval window of this award has ended; its hold is released', [{ field: 'approvalId', message: 'expired', decision: 'expired' }]);
  // A recipient decides nothing that pays them: an award to them, or a bulk award with a row for them.
  if (hold.recipientId === approver.id || book.state.holdRecipientDeciders.has(`${hold.id}:${approver.id}`)) throw notTheirs();
  const source = book.namedSource(hold.sourceType, { tenantId: hold.tenantId, giverId: hold.giverId, accountId: hold.departmentId ?? hold.leadBudgetId });
  return { hold, source };
}

const notTheirs = () => new AppError('FORBIDDEN', 'you cannot approve an award you give, nor decide one you receive', [{ field: 'approvalId', message: 'must be decided by another approver' }]);

function decide(book: LedgerBook, command: Decide, approver: UserRow, hold: PendingHold, decision: 'approved' | 'declined', source: Source): HeldBalance {
  hold.decision = decision;
  book.writes.holdDecisions.push({ hold_id: hold.id, decision, decided_by: approver.id, command_id: command.id, reason: command.payload.reason ?? null });
  return heldBalance(source);
}

/** The award command a hold was made by: an approved award's journal rows are its (one row per account per command). */
const awardCommandOf = (hold: AwardHold): Command => ({
  id: hold.id,
  type: 'award',
  tenantId: hold.tenantId,
  issuerId: hold.giverId,
  payload: { userId: hold.recipientId as string, amount: hold.amount, ...(hold.description ? { description: hold.description } : {}) },
  requestId: null,
});
