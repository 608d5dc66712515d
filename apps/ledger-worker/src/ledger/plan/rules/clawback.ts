import { CommandRule } from './command-rule';
import { changePool } from './pool-change';

/** A platform admin takes unspent points back out of a tenant's pool (never out of wallets or budgets). */
export const clawback: CommandRule<'clawback'> = {
  accounts: (command, keys) => keys.tenantIds.push(command.payload.tenantId),
  plan: (book, command) => {
    const { payload } = command;
    const { result, pool } = changePool(book, command, { kind: 'clawback', ...payload, currency: null, invoiceNumber: null });
    book.succeed(command, result);
    book.emit(command, { type: 'points.clawed_back', tenantId: payload.tenantId, amount: payload.amount, referenceNote: payload.referenceNote, pool });
  },
};
