import { AppError, fromCents } from '@points/contracts';
import { recipientTallies } from '../../limits/spend-limits';
import { BulkAwardFacts } from '../../state/ledger-state';
import { entryFor, sourceName } from '../ledger-book';
import { available, ensureCovers } from '../checks';
import { CommandRule } from './command-rule';

/** Rows that fail their checks: the whole award is refused, each bad row named. */
export class InvalidBulkRows extends AppError {
  constructor(readonly facts: BulkAwardFacts) {
    super(
      // Rows refused only by a spend limit make it a limit's refusal; any other row error, an invalid upload.
      facts.onlyLimitErrors ? 'LIMIT_EXCEEDED' : 'VALIDATION_FAILED',
      `${facts.failedRows} of ${facts.rows} rows are invalid; nothing was awarded`,
      facts.rowErrors.slice(0, 100).map((e) => ({ field: `items[${e.row}].${e.field}`, message: e.message })),
    );
  }
}

/**
 * Many awards from one source, all or nothing: every row is checked and the
 * total is covered by the locked source before anything moves. The source is
 * debited once (one journal row); the rows' credits are written set-based
 * (write/bulk-credits.ts), from the facts loaded with the recipients' wallets locked.
 */
export const bulkAward: CommandRule<'bulk_award'> = {
  accounts: (command, keys) => {
    keys.sourceOwnerIds.push(command.issuerId);
    const tenantId = command.tenantId as string;
    const version = command.settingsVersion ?? 0;
    keys.bulkAwards.push({ id: command.id, tenantId, version });
    keys.gifts.push({ tenantId, version, giverId: command.issuerId, recipientId: null });
  },
  plan: (book, command, issuer) => {
    const facts = book.bulkAward(command.id);
    if (facts.failedRows > 0) throw new InvalidBulkRows(facts);
    const source = book.sourceOf(issuer);
    ensureCovers(available(source.account), facts.total, { what: sourceName(source), field: 'items', asked: 'this bulk award needs', problem: 'total exceeds the available balance' });
    // Its rows were checked against the per-award and per-recipient limits with its facts; the giver's period cap is checked on the total.
    const gift = { tenantId: issuer.tenantId as string, giverId: issuer.id, recipientId: null };
    book.ensureWithinLimits(command, gift, facts.total, 'items');
    book.recordGift(command, gift, facts.total, facts.rows);
    for (const settings of book.countingSettings(command)) {
      const tallies = recipientTallies(settings, book.now);
      if (tallies) book.writes.bulkRecipientTallies.push({ bulkId: command.id, tallies });
    }

    const debit = book.debitSource(source, facts.total, entryFor(command, 'bulk_award', { type: 'bulk_award', id: command.id }));
    const totalAmount = fromCents(facts.total);
    const description = command.payload.description;
    book.writes.bulkCredits.push({
      bulkId: command.id,
      tenantId: issuer.tenantId as string,
      issuerId: issuer.id,
      description,
      rows: facts.rows,
      sourceType: debit.change.type,
      sourceBalanceBefore: debit.change.previousBalance,
      sourceVersion: debit.version.toString(),
    });
    book.writes.bulkAwardEnds.push({ bulkId: command.id, status: 'succeeded', recipients: facts.rows, totalAmount });
    book.succeed(command, { bulkId: command.id, recipients: facts.rows, totalAmount, source: debit.change });
    book.emit(command, { type: 'bulk_award.completed', bulkId: command.id, recipients: facts.rows, totalAmount, description, source: debit.change });
  },
  rejected: (book, command, error) => {
    const rows =
      error instanceof InvalidBulkRows
        ? { failedRows: error.facts.failedRows, errors: error.facts.rowErrors }
        : { failedRows: command.payload.rows, errors: (error.details ?? []).map((detail) => ({ row: 0, field: detail.field ?? '', message: detail.message, code: error.code })) };
    book.writes.bulkAwardEnds.push({ bulkId: command.id, status: 'rejected', ...rows });
  },
};
