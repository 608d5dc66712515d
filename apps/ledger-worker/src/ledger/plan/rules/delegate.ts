import { AppError, CommandOf, isManager, toCents } from '@points/contracts';
import { UserRow } from '../../state/ledger-state';
import { LedgerBook, Source, commandReference, entryFor, sourceName } from '../ledger-book';
import { available, ensureCovers, ensureFits } from '../checks';
import { CommandRule } from './command-rule';

/**
 * Points moved to a lead's budget: by a manager from the tenant pool, or — with
 * a department named — from that department's pool to a lead who belongs to
 * it, by a manager or by the department's head.
 */
export const delegate: CommandRule<'delegate'> = {
  accounts: (command, keys) => {
    const { leadId, departmentId } = command.payload;
    if (departmentId && command.tenantId) keys.departments.push({ id: departmentId, tenantId: command.tenantId });
    else if (command.tenantId) keys.tenantIds.push(command.tenantId);
    keys.userIds.push(leadId);
    keys.leadBudgetUserIds.push(leadId);
  },
  plan: (book, command, issuer) => {
    const { payload } = command;
    const lead = book.tenantUser(payload.leadId, command, 'leadId');
    if (lead.role !== 'lead') throw new AppError('VALIDATION_FAILED', 'the recipient of a delegation must be a lead', [{ field: 'leadId', message: 'user is not a lead' }]);
    const budget = book.state.leadBudgets.get(lead.id);
    if (!budget) throw new AppError('NOT_FOUND', 'lead budget not found', [{ field: 'leadId', message: 'no budget' }]);
    const source = delegationSource(book, command, issuer, lead);
    const amount = toCents(payload.amount);
    ensureCovers(available(source.account), amount, { what: sourceName(source) });
    ensureFits(budget.balance + amount, 'amount', "the lead's budget");

    const entry = entryFor(command, 'delegation', commandReference(command));
    const debit = book.debitSource(source, amount, entry);
    const leadBudget = book.moveAccount(budget, amount, entry);
    const description = payload.description ?? null;
    book.distribute({ entry, issuer, toUserId: lead.id, amount: payload.amount, source: debit, description });
    book.succeed(command, { amount: payload.amount, leadId: lead.id, source: debit.change, leadBudget });
    book.emit(command, { type: 'points.delegated', tenantId: budget.tenantId, leadId: lead.id, amount: payload.amount, description, source: debit.change, leadBudget });
  },
};

/** The tenant pool; or the department pool named, which its head or a manager may delegate from to a lead of the department. */
function delegationSource(book: LedgerBook, command: CommandOf<'delegate'>, issuer: UserRow, lead: UserRow): Source {
  const { departmentId } = command.payload;
  if (!departmentId) return { type: 'tenant_pool', account: book.pool(issuer.tenantId as string) };
  const department = book.department(departmentId, command);
  if (!isManager(issuer.role) && department.headId !== issuer.id) {
    throw new AppError('FORBIDDEN', "only a manager or the department's head may delegate from its pool", [{ field: 'departmentId', message: 'you do not head this department' }]);
  }
  if (lead.id === issuer.id) throw new AppError('FORBIDDEN', 'you cannot delegate points to yourself', [{ field: 'leadId', message: 'must be someone else' }]);
  if (lead.departmentId !== department.id) {
    throw new AppError('VALIDATION_FAILED', 'the lead does not belong to this department', [{ field: 'leadId', message: `not a member of department ${department.name}` }]);
  }
  return { type: 'department_pool', account: department };
}
