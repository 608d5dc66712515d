import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { AppError, BulkAwardBody, BulkAwardRow, MAX_BULK_ROWS } from '@points/contracts';
import { NewBulkAwardRow } from '@points/db';

export interface BulkUpload {
  description: string | null;
  rows: NewBulkAwardRow[];
}

/**
 * Turns an upload into rows as given. Only the envelope is checked here (a
 * header we can read, 1–100,000 rows); each row's user and amount are checked
 * by the ledger, which reports every bad row with its number.
 */
export function fromJson(body: z.output<typeof BulkAwardBody>): BulkUpload {
  return {
    description: body.description ?? null,
    rows: body.items.map((item) => ({
      userRef: String(item.userId ?? item.email ?? ''),
      amountText: amountText(item.amount),
      description: item.description ?? null,
    })),
  };
}

export function fromCsv(text: string, description: string | undefined): BulkUpload {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: (header: string[]) => header.map((h) => h.trim()), skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    throw new AppError('VALIDATION_FAILED', 'the CSV could not be read', [{ field: 'body', message: (error as Error).message }]);
  }
  const header = records.length > 0 ? Object.keys(records[0]) : firstLine(text);
  if (!header.includes('amount') || !(header.includes('userId') || header.includes('email'))) {
    throw new AppError('VALIDATION_FAILED', 'the CSV header must be userId,amount,description (or email in place of userId)', [{ field: 'header', message: `got: ${header.join(',')}` }]);
  }
  if (records.length === 0 || records.length > MAX_BULK_ROWS) {
    throw new AppError('VALIDATION_FAILED', `a bulk award has 1 to ${MAX_BULK_ROWS} rows`, [{ field: 'rows', message: `got ${records.length}` }]);
  }
  ensureFieldLengths(records);
  return {
    description: description || null,
    rows: records.map((r) => ({ userRef: r.userId || r.email || '', amountText: r.amount ?? '', description: r.description || null })),
  };
}

/** A CSV cell is bounded like the same JSON field (BulkAwardRow): a 400 naming the first bad cells, as `items.<index>.<column>`. */
function ensureFieldLengths(records: Record<string, string>[]): void {
  const parsed = CsvRows.safeParse(records.map((r) => ({ userId: r.userId || undefined, email: r.email || undefined, amount: r.amount ?? '', description: r.description || undefined })));
  if (parsed.success) return;
  const details = parsed.error.issues.slice(0, 100).map((issue) => ({ field: `items.${issue.path.join('.')}`, message: issue.message }));
  throw new AppError('VALIDATION_FAILED', `${parsed.error.issues.length} CSV cells are invalid`, details);
}

const CsvRows = z.array(BulkAwardRow);

/** Numbers keep their shortest decimal rendering, so 0.1 + 0.2 still fails the ledger's 2-places rule. */
function amountText(amount: unknown): string {
  return typeof amount === 'number' ? amount.toString() : typeof amount === 'string' ? amount.trim() : '';
}

function firstLine(text: string): string[] {
  return (text.split(/\r?\n/, 1)[0] ?? '').split(',').map((h) => h.trim());
}
