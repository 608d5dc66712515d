import { CommandOf, DepartmentTransferResult, toCents } from '@points/contracts';
import { AccountKeys } from '../../state/account-keys';
import { LedgerBook, commandReference, entryFor, sourceName } from '../ledger-book';
import { available, ensureCovers, ensureFits } from '../checks';
import { CommandRule } from './command-rule';

// Points moved between the tenant pool and a department pool, journaled on both
// sides (pool_ledger and department_ledger) under the command, like a delegation.

type Transfer = CommandOf<'fund_department'> | CommandOf<'return_department_funds'>;

const accounts = (command: Transfer, keys: AccountKeys) => {
  keys.tenantIds.push(command.tenantId as string);
  keys.departments.push({ id: command.payload.departmentId, tenantId: command.tenantId as string });
};

function transfer(book: LedgerBook, command: Transfer, direction: 'fund' | 'return'): void {
  const { payload } = command;
  const department = book.department(payload.departmentId, command);
  const pool = book.pool(department.tenantId);
  const amount = toCents(payload.amount);
  if (direction === 'fund') {
    ensureCovers(available(pool), amount, { what: 'the tenant pool' });
    ensureFits(department.balance + amount, 'amount', 'the department pool');
  } else {
    // What the department holds for its awards pending approval stays with it.
    ensureCovers(available(department), amount, { what: sourceName({ type: 'department_pool', account: department }) });
    ensureFits(pool.balance + amount, 'amount', 'the tenant pool');
  }
  const toDepartment = direction === 'fund' ? amount : -amount;
  const entry = entryFor(command, direction === 'fund' ? 'department_funding' : 'department_return', commandReference(command));
  const poolChange = book.movePool(pool, -toDepartment, entry);
  const departmentChange = book.moveAccount(department, toDepartment, entry);
  const result: DepartmentTransferResult = { departmentId: department.id, amount: payload.amount, direction, pool: poolChange, department: departmentChange };
  book.succeed(command, result);
  book.emit(command, { type: 'department.transferred', tenantId: department.tenantId, ...result, description: payload.description ?? null });
}

export const fundDepartment: CommandRule<'fund_department'> = { accounts, plan: (book, command) => transfer(book, command, 'fund') };

export const returnDepartmentFunds: CommandRule<'return_department_funds'> = { accounts, plan: (book, command) => transfer(book, command, 'return') };
