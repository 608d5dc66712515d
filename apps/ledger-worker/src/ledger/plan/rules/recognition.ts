import { AppError, RecognitionResult, toCents } from '@points/contracts';
import { selfAward } from '../checks';
import { awardTransfer, transferAccounts } from './award';
import { CommandRule } from './command-rule';

/**
 * A public thank-you in the tenant's feed, with points from the giver's source
 * — or none: a 0-point kudos moves nothing. (Employees may only give 0 points:
 * the catalog's check, run before this rule.)
 */
export const recognition: CommandRule<'recognition'> = {
  accounts: (command, keys) => transferAccounts(command, command.payload.recipientId, keys, toCents(command.payload.points) > 0n),
  plan: (book, command, issuer) => {
    const { payload } = command;
    const recognitionId = book.newId();
    let moved: Pick<RecognitionResult, 'source' | 'wallet'> = { source: null, wallet: null };
    const approvals = book.settingsOf(command).settings.approvals;
    if (approvals && toCents(payload.points) > toCents(approvals.threshold)) {
      // A recognition is public at once; points that need an approver go as an award.
      throw new AppError('LIMIT_EXCEEDED', `a recognition may carry at most ${approvals.threshold} points; above that, send an award, which waits for an approver`, [
        { field: 'points', message: `exceeds the approval threshold of ${approvals.threshold}`, limit: 'approvalThreshold', limitAmount: approvals.threshold, requested: payload.points },
      ]);
    }
    if (toCents(payload.points) > 0n) {
      moved = awardTransfer(book, {
        command,
        issuer,
        recipientId: payload.recipientId,
        field: 'recipientId',
        amountField: 'points',
        amount: payload.points,
        description: payload.message,
        transactionType: 'recognition',
        reference: { type: 'recognition', id: recognitionId },
      });
    } else if (book.tenantUser(payload.recipientId, command, 'recipientId').id === issuer.id) {
      throw selfAward('recipientId');
    }
    book.writes.recognitions.push({
      id: recognitionId,
      tenant_id: issuer.tenantId as string,
      giver_id: issuer.id,
      recipient_id: payload.recipientId,
      points: payload.points,
      message: payload.message,
      command_id: command.id,
    });
    const { source, wallet } = moved;
    book.succeed(command, { amount: payload.points, recipientId: payload.recipientId, recognitionId, source, wallet });
    book.emit(command, { type: 'recognition.created', tenantId: issuer.tenantId as string, recognitionId, recipientId: payload.recipientId, points: payload.points, message: payload.message, source, wallet });
  },
};
