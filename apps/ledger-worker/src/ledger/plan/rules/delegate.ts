import { AppError, toCents } from '@points/contracts';
import { commandReference, entryFor } from '../ledger-book';
import { available, ensureCovers, ensureFits } from '../checks';
import { CommandRule } from './command-rule';

/** A manager moves points from the tenant pool to a lead's budget. */
export const delegate: CommandRule<'delegate'> = {
  accounts: (command, keys) => {
    if (command.tenantId) keys.tenantIds.push(command.tenantId);
    keys.userIds.push(command.payload.leadId);
    keys.leadBudgetUserIds.push(command.payload.leadId);
  },
  plan: (book, command, issuer) => {
    const { payload } = command;
    const lead = book.tenantUser(payload.leadId, command, 'leadId');
    if (lead.role !== 'lead') throw new AppError('VALIDATION_FAILED', 'the recipient of a delegation must be a lead', [{ field: 'leadId', message: 'user is not a lead' }]);
    const budget = book.state.leadBudgets.get(lead.id);
    if (!budget) throw new AppError('NOT_FOUND', 'lead budget not found', [{ field: 'leadId', message: 'no budget' }]);
    const amount = toCents(payload.amount);
    const pool = book.pool(issuer.tenantId as string);
    ensureCovers(available(pool), amount, { what: 'the tenant pool' });
    ensureFits(budget.balance + amount, 'amount', "the lead's budget");

    const entry = entryFor(command, 'delegation', commandReference(command));
    const source = book.debitSource({ type: 'tenant_pool', account: pool }, amount, entry);
    const leadBudget = book.moveAccount(budget, amount, entry);
    const description = payload.description ?? null;
    book.distribute({ entry, issuer, toUserId: lead.id, amount: payload.amount, source, description });
    book.succeed(command, { amount: payload.amount, leadId: lead.id, source: source.change, leadBudget });
    book.emit(command, { type: 'points.delegated', tenantId: pool.tenantId, leadId: lead.id, amount: payload.amount, description, source: source.change, leadBudget });
  },
};
