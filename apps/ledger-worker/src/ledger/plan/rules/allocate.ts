import { CommandRule } from './command-rule';
import { changePool } from './pool-change';

/** A platform admin sells or grants points to a tenant: the pool grows. */
export const allocate: CommandRule<'allocate'> = {
  accounts: (command, keys) => keys.tenantIds.push(command.payload.tenantId),
  plan: (book, command) => {
    const { payload } = command;
    const invoiceNumber = payload.invoiceNumber ?? null;
    const { result, pool } = changePool(book, command, { kind: 'allocation', ...payload, invoiceNumber });
    book.succeed(command, result);
    book.emit(command, { type: 'points.allocated', tenantId: payload.tenantId, amount: payload.amount, currency: payload.currency, referenceNote: payload.referenceNote, invoiceNumber, pool });
  },
};
