import { AllocationReversalResult, AppError, fromCents, toCents } from '@points/contracts';
import { entryFor } from '../ledger-book';
import { available, ensureCovers } from '../checks';
import { CommandRule } from './command-rule';

/**
 * A platform admin reverses an allocation: a clawback tied to it takes its
 * points back out of the tenant's pool, with the pool's journal row, an
 * allocation log row and a billing record, as a clawback has. Only what the pool
 * has available: when the tenant has spent part of it, the reversal is refused
 * and nothing moves (a clawback of what remains takes that back). Exactly once,
 * as an award's reversal: `reversals` is keyed by the allocation and read with
 * the pool locked; a repeat answers with the first.
 */
export const reverseAllocation: CommandRule<'reverse_allocation'> = {
  accounts: (command, keys) => keys.reversals.push({ id: command.payload.commandId, tenantId: null }),
  plan: (book, command, issuer) => {
    const { commandId, reason } = command.payload;
    const original = book.state.reversibles.get(commandId);
    const move = original?.moves.find((m) => m.account === 'pool');
    if (!original || original.type !== 'allocate' || original.status !== 'succeeded' || !move) {
      throw new AppError('NOT_FOUND', 'no such allocation', [{ field: 'commandId', message: 'no allocation with this id' }]);
    }
    const pool = book.pool(move.accountId);
    const first = original.reversal;
    if (first) {
      const repeated: AllocationReversalResult = { originalCommandId: original.id, reversalId: first.commandId, alreadyReversed: true, tenantId: pool.tenantId, amount: first.amount, pool: null };
      book.succeed(command, repeated);
      book.emit(command, { type: 'allocation.reversed', ...repeated, reason });
      return;
    }
    const amount = toCents(move.amount);
    ensureCovers(available(pool), amount, { what: 'the tenant pool', field: 'commandId', asked: 'allocated', problem: 'the tenant has spent or delegated part of this allocation' });

    const moved = book.movePool(pool, -amount, entryFor(command, 'clawback', { type: 'allocation', id: original.id }));
    const note = `reverses allocation ${original.id}: ${reason}`;
    const record = { tenant_id: pool.tenantId, admin_id: issuer.id, amount: fromCents(amount), currency: null, reference_note: note, transaction_type: 'clawback' as const, command_id: command.id };
    book.writes.allocationLogs.push({ id: book.newId(), ...record, previous_balance: moved.previousBalance, new_balance: moved.newBalance, version: pool.version.toString() });
    book.writes.billingLogs.push({ id: book.newId(), ...record, invoice_number: null });
    book.writes.reversals.push({ original_command_id: original.id, tenant_id: pool.tenantId, command_id: command.id, reversed_by: issuer.id, reason, amount: fromCents(amount) });
    original.reversal = { commandId: command.id, amount: fromCents(amount) };
    const result: AllocationReversalResult = { originalCommandId: original.id, reversalId: command.id, alreadyReversed: false, tenantId: pool.tenantId, amount: fromCents(amount), pool: moved };
    book.succeed(command, result);
    book.emit(command, { type: 'allocation.reversed', ...result, reason });
  },
};
