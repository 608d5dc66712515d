import { AppError } from '@points/contracts';
import { CommandRule } from './command-rule';

/**
 * A new user of a tenant, with a wallet (and a budget for a lead). A platform
 * admin names the tenant; a tenant manager creates users in their own (the
 * catalog's check makes sure of both before this rule runs).
 */
export const createUser: CommandRule<'create_user'> = {
  accounts: (command, keys) => {
    const tenantId = command.payload.tenantId ?? command.tenantId;
    if (tenantId) keys.tenantIds.push(tenantId);
    keys.emails.push(command.payload.email);
  },
  plan: (book, command) => {
    const { payload } = command;
    const tenantId = book.pool(payload.tenantId ?? command.tenantId ?? '').tenantId;
    if (book.state.takenEmails.has(payload.email)) {
      throw new AppError('VALIDATION_FAILED', 'email is already in use', [{ field: 'email', message: 'already in use' }]);
    }
    const userId = book.newId();
    book.state.takenEmails.add(payload.email);
    book.state.users.set(userId, { id: userId, tenantId, role: payload.role, active: true, email: payload.email, displayName: payload.displayName, departmentId: null });
    book.writes.newUsers.push({ id: userId, tenant_id: tenantId, email: payload.email, display_name: payload.displayName, role: payload.role, active: true });
    book.writes.newWallets.push({ id: book.newId(), user_id: userId, tenant_id: tenantId });
    if (payload.role === 'lead') book.writes.newLeadBudgets.push({ id: book.newId(), user_id: userId, tenant_id: tenantId });
    book.succeed(command, { userId });
    book.emit(command, { type: 'user.created', tenantId, userId, email: payload.email, displayName: payload.displayName, role: payload.role });
  },
};
