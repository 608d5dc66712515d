import { z } from 'zod';
import { AppError } from '@points/contracts';

/**
 * Keyset pagination: the cursor is the sort key of the last item served, so a
 * page costs an index range scan at any depth and rows added meanwhile cause no
 * gap or duplicate. The cursor is opaque to clients (base64url JSON).
 */
const TimeCursor = z.object({ t: z.string().min(1), id: z.uuid() });
const VersionCursor = z.object({ v: z.string().regex(/^\d+$/) });

export function encodeCursor(key: object): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decode<S extends z.ZodType>(schema: S, cursor: string): z.output<S> {
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new AppError('VALIDATION_FAILED', 'the cursor is not valid', [{ field: 'cursor', message: 'use nextCursor from a previous page' }]);
  }
}

/** `(created_at, id)` after the cursor, newest first (or oldest first when ascending). */
export function timeKeyset(alias: string, cursor: string | undefined, direction: 'desc' | 'asc' = 'desc') {
  const order = `${alias}.created_at ${direction}, ${alias}.id ${direction}`;
  if (!cursor) return { where: 'TRUE', params: [] as unknown[], order };
  const { t, id } = decode(TimeCursor, cursor);
  const op = direction === 'desc' ? '<' : '>';
  return { where: `(${alias}.created_at, ${alias}.id) ${op} (?::timestamptz, ?::uuid)`, params: [t, id] as unknown[], order };
}

/** Journals order by the account version, newest first. */
export function versionKeyset(alias: string, cursor: string | undefined) {
  const order = `${alias}.version desc`;
  if (!cursor) return { where: 'TRUE', params: [] as unknown[], order };
  return { where: `${alias}.version < ?::bigint`, params: [decode(VersionCursor, cursor).v] as unknown[], order };
}

/** Rows were fetched with limit + 1: the extra row only says there is a next page. */
export function toPage<R, T>(rows: R[], limit: number, view: (row: R) => T, keyOf: (row: R) => object) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(view), nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}

/** A timestamp column as ISO 8601 text with microseconds, exact enough to be a cursor. */
export const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
