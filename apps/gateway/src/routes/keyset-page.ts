import { QueryBuilder } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { AppError, ListQuery } from '@points/contracts';
import { toIsoTimestamp } from '@points/db';

// Keyset pagination for every list: the cursor is the sort key of the last item
// served, so a page costs an index range scan at any depth and rows added
// meanwhile cause no gap or duplicate. The cursor is opaque to clients
// (base64url JSON). Timestamps are compared at full microsecond precision.

export type PageOrder = 'newest first' | 'oldest first' | 'highest version first';

// Only keys PostgreSQL will accept: a forged cursor is a 400, never a failed cast (years 1 to 9999 in UTC).
const TimeCursor = z.object({
  t: z
    .string()
    .max(40)
    .transform((t) => toIsoTimestamp(t))
    .refine((t) => /^(?!0000)\d{4}-/.test(t)),
  id: z.uuid(),
});
const VersionCursor = z.object({ v: z.string().regex(/^\d{1,18}$/) });

/** What a page is keyed by: the time and id of a row, or an account's version. */
export type Keyed = { id: string; createdAt?: string; version?: string };

/**
 * One page of the query's entities, in the given order, each turned into its
 * API view by `view` (usually `viewOf(Schema)`).
 */
export async function keysetPage<E extends Keyed, V>(
  qb: QueryBuilder<E>,
  order: PageOrder,
  page: ListQuery,
  view: (entities: E[]) => V[] | Promise<V[]>,
): Promise<{ items: V[]; nextCursor: string | null }> {
  const alias = qb.alias;
  if (order === 'highest version first') {
    if (page.cursor) qb.andWhere(`${alias}.version < ?::bigint`, [decode(VersionCursor, page.cursor).v]);
    qb.orderBy({ version: 'desc' } as never);
  } else {
    const direction = order === 'newest first' ? 'desc' : 'asc';
    if (page.cursor) {
      const { t, id } = decode(TimeCursor, page.cursor);
      qb.andWhere(`(${alias}.created_at, ${alias}.id) ${direction === 'desc' ? '<' : '>'} (?::timestamptz, ?::uuid)`, [t, id]);
    }
    qb.orderBy({ createdAt: direction, id: direction } as never);
  }
  const rows = await qb.limit(page.limit + 1).getResultList();
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  const key = order === 'highest version first' ? { v: last?.version } : { t: last?.createdAt, id: last?.id };
  return { items: await view(items), nextCursor: rows.length > page.limit && last ? encode(key) : null };
}

/** Entities to their API view: the view's fields, by name, checked against its schema. */
export const viewOf =
  <S extends z.ZodType>(schema: S) =>
  (entities: object[]): z.output<S>[] =>
    entities.map((entity) => schema.parse(entity));

const encode = (key: object) => Buffer.from(JSON.stringify(key)).toString('base64url');

function decode<S extends z.ZodType>(schema: S, cursor: string): z.output<S> {
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new AppError('VALIDATION_FAILED', 'the cursor is not valid', [{ field: 'cursor', message: 'use nextCursor from a previous page' }]);
  }
}
