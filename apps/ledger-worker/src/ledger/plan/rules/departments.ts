import { AppError, Command, commandSpec } from '@points/contracts';
import { AccountKeys } from '../../state/account-keys';
import { DepartmentAccount, DepartmentNode } from '../../state/ledger-state';
import { LedgerBook } from '../ledger-book';
import { CommandRule } from './command-rule';

// A tenant's departments: created, renamed, re-parented, given a head, and
// joined by managers and leads. A change of names or parents reads the whole
// tree with the tenant's pool locked, so two changes never both pass a check
// (a unique name, no cycle) that only one of them could.

/** What a change of the tenant's structure locks and reads: the pool (the lock that serialises such changes) and the tree. */
function structureAccounts(command: Command, keys: AccountKeys, change: { name?: string; headId?: string | null }): void {
  const tenantId = command.tenantId as string;
  keys.tenantIds.push(tenantId);
  keys.departmentTrees.push(tenantId);
  if (change.name !== undefined) keys.departmentNames.push(change.name);
  if (change.headId) keys.userIds.push(change.headId);
}

export const createDepartment: CommandRule<'create_department'> = {
  accounts: (command, keys) => structureAccounts(command, keys, command.payload),
  plan: (book, command) => {
    const { name, parentId = null, headId = null } = command.payload;
    const tenantId = book.pool(command.tenantId as string).tenantId;
    const tree = treeOf(book, tenantId);
    const folded = foldedName(book, name);
    ensureNameFree(tree, folded, null);
    if (parentId !== null && !tree.has(parentId)) throw noParent();
    if (headId !== null) ensureMayHead(book, command, headId);
    const department: DepartmentAccount = { id: book.newId(), tenantId, name, parentId, headId, balance: 0n, held: 0n, version: 0n };
    tree.set(department.id, { name, folded, parentId });
    book.state.departments.set(department.id, department);
    book.writes.newDepartments.push({ id: department.id, tenant_id: tenantId, name, parent_id: parentId, head_id: headId });
    const view = viewOf(department);
    book.succeed(command, view);
    book.emit(command, { type: 'department.created', tenantId, department: view });
  },
};

export const updateDepartment: CommandRule<'update_department'> = {
  accounts: (command, keys) => {
    structureAccounts(command, keys, command.payload);
    keys.departments.push({ id: command.payload.departmentId, tenantId: command.tenantId as string });
  },
  plan: (book, command) => {
    const { payload } = command;
    const department = book.department(payload.departmentId, command);
    const tree = treeOf(book, department.tenantId);
    const name = payload.name ?? department.name;
    const folded = payload.name === undefined ? (tree.get(department.id) as DepartmentNode).folded : foldedName(book, payload.name);
    const parentId = payload.parentId === undefined ? department.parentId : payload.parentId;
    const headId = payload.headId === undefined ? department.headId : payload.headId;
    ensureNameFree(tree, folded, department.id);
    if (parentId !== department.parentId && parentId !== null) {
      if (!tree.has(parentId)) throw noParent();
      if (ancestry(tree, parentId).includes(department.id)) {
        throw new AppError('VALIDATION_FAILED', 'a department cannot be its own ancestor', [{ field: 'parentId', message: 'would make a cycle' }]);
      }
    }
    if (headId !== department.headId && headId !== null) ensureMayHead(book, command, headId);
    const before = viewOf(department);
    Object.assign(department, { name, parentId, headId });
    tree.set(department.id, { name, folded, parentId });
    book.writes.changedDepartments.add(department);
    const after = viewOf(department);
    book.succeed(command, after);
    book.emit(command, { type: 'department.updated', tenantId: department.tenantId, before, after });
  },
};

/** Puts a manager, HR admin or lead in a department, moves them, or takes them out; the departments left and joined are locked. */
export const setUserDepartment: CommandRule<'set_user_department'> = {
  accounts: (command, keys) => {
    const { userId, departmentId } = command.payload;
    keys.userIds.push(userId);
    keys.departmentMembers.push({ userId, tenantId: command.tenantId as string });
    if (departmentId) keys.departments.push({ id: departmentId, tenantId: command.tenantId as string });
  },
  plan: (book, command) => {
    const { userId, departmentId } = command.payload;
    const user = book.tenantUser(userId, command, 'userId');
    if (user.role === 'employee') {
      throw new AppError('VALIDATION_FAILED', 'only managers, HR admins and leads belong to departments', [{ field: 'userId', message: 'user is an employee' }]);
    }
    const target = departmentId === null ? null : book.department(departmentId, command).id;
    const previous = user.departmentId;
    book.succeed(command, { userId: user.id, departmentId: target, previousDepartmentId: previous });
    user.departmentId = target;
    // Written and audited even when unchanged: every succeeded command has its event (notification-check.sql).
    book.writes.userDepartments.set(user.id, target);
    book.emit(command, { type: 'user.department_changed', tenantId: user.tenantId as string, userId: user.id, departmentId: target, previousDepartmentId: previous });
  },
};

const viewOf = (department: DepartmentAccount) => ({ departmentId: department.id, name: department.name, parentId: department.parentId, headId: department.headId });

function treeOf(book: LedgerBook, tenantId: string): Map<string, DepartmentNode> {
  const tree = book.state.departmentTrees.get(tenantId);
  if (!tree) throw new Error(`the departments of tenant ${tenantId} were not read`);
  return tree;
}

/** A name as PostgreSQL's lower() folds it (read by the loader): JavaScript's toLowerCase() folds some letters differently. */
function foldedName(book: LedgerBook, name: string): string {
  const folded = book.state.foldedNames.get(name);
  if (folded === undefined) throw new Error(`department name ${JSON.stringify(name)} was not folded`);
  return folded;
}

function ensureNameFree(tree: Map<string, DepartmentNode>, folded: string, self: string | null): void {
  for (const [id, node] of tree) {
    if (id !== self && node.folded === folded) {
      throw new AppError('VALIDATION_FAILED', `a department named ${node.name} exists already`, [{ field: 'name', message: 'already taken in this tenant' }]);
    }
  }
}

/** A department and its ancestors, nearest first. */
function ancestry(tree: Map<string, DepartmentNode>, id: string): string[] {
  const chain: string[] = [];
  for (let at: string | null = id; at !== null && !chain.includes(at); at = tree.get(at)?.parentId ?? null) chain.push(at);
  return chain;
}

const noParent = () => new AppError('NOT_FOUND', 'parent department not found', [{ field: 'parentId', message: 'no such department in this tenant' }]);

/** A head awards from the department pool: an active user of the tenant who may give awards. */
function ensureMayHead(book: LedgerBook, command: Command, headId: string): void {
  const head = book.tenantUser(headId, command, 'headId');
  if (!commandSpec('award').roles.includes(head.role)) {
    throw new AppError('VALIDATION_FAILED', 'a department head must be a tenant manager, HR admin or lead', [{ field: 'headId', message: `user is ${head.role === 'employee' ? 'an' : 'a'} ${head.role}` }]);
  }
}
