import { AppError, BulkAwardResult, Command, CommandOf, TenantSettings, fromCents } from '@points/contracts';
import { recipientTallies } from '../../limits/spend-limits';
import { BulkAwardFacts, UserRow } from '../../state/ledger-state';
import { LedgerBook, Source, entryFor, sourceName } from '../ledger-book';
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
 * (write/bulk-credits.ts), from the facts loaded with the recipients' wallets
 * locked. With a row above the tenant's approval threshold, the whole bulk
 * award is held instead, until an approver decides (decide-award.ts).
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
    const source = book.sourceOf(issuer);
    checkBulkAward(book, command, issuer, source, facts, 0n);
    const approvals = book.settingsOf(command).settings.approvals;
    if (approvals && facts.rowsAboveThreshold > 0) return holdBulkAward(book, command, issuer, source, facts, approvals);
    const result = postBulkAward(book, command, issuer, source, facts, command);
    book.succeed(command, result);
    book.emit(command, { type: 'bulk_award.completed', ...result, description: command.payload.description });
  },
  rejected: (book, command, error) => {
    const rows =
      error instanceof InvalidBulkRows
        ? { failedRows: error.facts.failedRows, errors: error.facts.rowErrors }
        : { failedRows: command.payload.rows, errors: (error.details ?? []).map((detail) => ({ row: 0, field: detail.field ?? '', message: detail.message, code: error.code })) };
    book.writes.bulkAwardEnds.push({ bulkId: command.id, status: 'rejected', ...rows });
  },
};

/**
 * Every check of a bulk award before anything moves: its rows (against the
 * settings its facts were read under), the total against what the source has
 * available (plus `releasing`, held for this very award), and the giver's period
 * cap on the total, under `judgedBy`'s settings.
 */
export function checkBulkAward(book: LedgerBook, judgedBy: Command, issuer: UserRow, source: Source, facts: BulkAwardFacts, releasing: bigint): void {
  if (facts.failedRows > 0) throw new InvalidBulkRows(facts);
  ensureCovers(available(source.account) + releasing, facts.total, { what: sourceName(source), field: 'items', asked: 'this bulk award needs', problem: 'total exceeds the available balance' });
  // Its rows were checked against the per-award and per-recipient limits with its facts; the giver's period cap is checked on the total.
  book.ensureWithinLimits(judgedBy, giftOf(issuer), facts.total, 'items');
}

/** Posts a checked bulk award: the source debited once, every row credited, the gifts counted (under `judgedBy`'s settings). */
export function postBulkAward(book: LedgerBook, command: CommandOf<'bulk_award'>, issuer: UserRow, source: Source, facts: BulkAwardFacts, judgedBy: Command): BulkAwardResult {
  book.recordGift(judgedBy, giftOf(issuer), facts.total, facts.rows);
  for (const settings of book.countingSettings(judgedBy)) {
    const tallies = recipientTallies(settings, book.now);
    if (tallies) book.writes.bulkRecipientTallies.push({ bulkId: command.id, tallies });
  }
  const debit = book.debitSource(source, facts.total, entryFor(command, 'bulk_award', { type: 'bulk_award', id: command.id }));
  const totalAmount = fromCents(facts.total);
  book.writes.bulkCredits.push({
    bulkId: command.id,
    tenantId: issuer.tenantId as string,
    issuerId: issuer.id,
    description: command.payload.description,
    rows: facts.rows,
    sourceType: debit.change.type,
    sourceBalanceBefore: debit.change.previousBalance,
    sourceVersion: debit.version.toString(),
  });
  book.writes.bulkAwardEnds.push({ bulkId: command.id, status: 'succeeded', recipients: facts.rows, totalAmount });
  return { bulkId: command.id, recipients: facts.rows, totalAmount, source: debit.change };
}

/** A checked bulk award with a row above the threshold: its total held on the source; its rows wait in bulk_award_items. */
function holdBulkAward(book: LedgerBook, command: CommandOf<'bulk_award'>, issuer: UserRow, source: Source, facts: BulkAwardFacts, approvals: NonNullable<TenantSettings['approvals']>): void {
  const description = command.payload.description;
  const { held, expiresAt } = book.hold(command, { kind: 'bulk_award', issuer, source, gift: giftOf(issuer), amount: facts.total, description, windowHours: approvals.windowHours });
  const totalAmount = fromCents(facts.total);
  book.writes.bulkAwardEnds.push({ bulkId: command.id, status: 'pending_approval', recipients: facts.rows, totalAmount });
  const pending = { approvalId: command.id, bulkId: command.id, recipients: facts.rows, totalAmount, source: held, expiresAt };
  book.succeed(command, { status: 'pending_approval', ...pending });
  book.emit(command, { type: 'bulk_award.pending_approval', ...pending, giverId: issuer.id, description });
}

/** A bulk award as a gift: from its giver, to many (the per-recipient caps are checked row by row in SQL). */
const giftOf = (issuer: UserRow) => ({ tenantId: issuer.tenantId as string, giverId: issuer.id, recipientId: null });

