import { Command, toCents } from '@points/contracts';
import { LedgerBook, commandReference, entryFor } from '../ledger-book';
import { available, ensureCovers, ensureFits } from '../checks';

/**
 * Allocation and clawback: a platform admin moves a tenant's pool, with an
 * allocation log row (the pool's before/after and version) and a billing record.
 * A scheduled run allocates through it too.
 */
export function changePool(
  book: LedgerBook,
  command: Command,
  change: { kind: 'allocation' | 'clawback'; tenantId: string; amount: string; referenceNote: string; currency: string | null; invoiceNumber: string | null },
) {
  const pool = book.pool(change.tenantId);
  const cents = toCents(change.amount);
  if (change.kind === 'allocation') ensureFits(pool.balance + cents, 'amount', 'the tenant pool');
  else ensureCovers(available(pool), cents, { what: 'the tenant pool' });

  const moved = book.movePool(pool, change.kind === 'allocation' ? cents : -cents, entryFor(command, change.kind, commandReference(command)));
  const record = { tenant_id: pool.tenantId, admin_id: command.issuerId, amount: change.amount, currency: change.currency, reference_note: change.referenceNote, transaction_type: change.kind, command_id: command.id };
  book.writes.allocationLogs.push({ id: book.newId(), ...record, previous_balance: moved.previousBalance, new_balance: moved.newBalance, version: pool.version.toString() });
  book.writes.billingLogs.push({ id: book.newId(), ...record, invoice_number: change.invoiceNumber });
  return { result: { tenantId: pool.tenantId, amount: change.amount, ...moved }, pool: moved };
}
