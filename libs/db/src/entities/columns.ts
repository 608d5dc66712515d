import { p } from '@mikro-orm/core';
import { IsoTimestampType } from './iso-timestamp.type';

/**
 * Property builders for the column types the migrations use. `defineEntity` infers each
 * entity's TypeScript type from them, so a column is written once; a column with a
 * DEFAULT (`.defaultRaw(...)`) is optional in em.create. Each call returns a fresh
 * builder: MikroORM writes into property options during discovery.
 *
 * Checks are written as PostgreSQL stores them (BETWEEN expanded, IN as
 * = ANY (ARRAY[...])): MikroORM compares their text, not their meaning.
 */
export const { uuid, text, boolean, integer } = p;
/** A string, as the hand-written SQL reads it (MikroORM's default is a JS bigint). */
export const bigint = () => p.bigint('string');
/** NUMERIC(15,2) as a string: money never passes through a float. */
export const money = () => p.decimal('string').precision(15).scale(2);
export const jsonb = <T = Record<string, unknown>>() => p.json<T>();
/** timestamptz, read as an IsoTimestamp. */
export const timestamp = () => p.type(IsoTimestampType);
export const createdAt = () => timestamp().defaultRaw('now()');

/**
 * A text column whose CHECK (col IN (...)) MikroORM reads back as an enum: the items,
 * in the CHECK's order, are what it compares. Typed as the union of the items.
 */
export const oneOf = <const T extends readonly string[]>(items: T) => p.enum([...items]).columnType('text');

/** What defineEntity infers a property's type from: its value and the options that qualify it. */
interface Typed<Value, Options> {
  '~type'?: { value: Value };
  '~options': Options;
}

/**
 * NULL allowed, read as `T | null` — what a loaded row holds. (The builder's own
 * `.nullable()` types it `T | null | undefined`.) Last in a chain.
 */
export const nullable = <Value, Options>(column: Typed<Value, Options> & { nullable(): Typed<Value, Options> }): Typed<Value | null, Options> => column.nullable();

/** An entity a relation points to. */
export type RelationTarget = Parameters<typeof p.manyToOne>[0];

/**
 * A single-column foreign key, read as the plain id (`mapToPk`). The rules are
 * spelled out because MikroORM would otherwise add ON UPDATE CASCADE (and ON
 * DELETE SET NULL when nullable); the migrations use PostgreSQL's NO ACTION.
 */
export const references = <T extends RelationTarget>(target: T, column: string, foreignKeyName: string) =>
  p.manyToOne(target).mapToPk().fieldName(column).foreignKeyName(foreignKeyName).deleteRule('no action').updateRule('no action');

/**
 * A composite foreign key over columns that scalar properties already map,
 * referencing a unique (id, tenant_id)-style key rather than the target's primary
 * key. It is there so the metadata holds the constraint, not to be read (readers
 * use the scalar ids; MikroORM keeps only the target's id in it, and nothing when a
 * column is NULL): typed `unknown`, hidden from serialization, optional in em.create,
 * and on insert set from the scalars, so it can never disagree with them. `nullable`
 * when one of its columns may be NULL (PostgreSQL then checks nothing for that row).
 */
export const compositeKey = (
  target: RelationTarget,
  foreignKeyName: string,
  properties: string[],
  referencedColumnNames: string[],
  options: { nullable?: boolean } = {},
): Typed<unknown, { hidden: true; onCreate: (row: Record<string, unknown>) => unknown }> =>
  p
    .manyToOne(target)
    .nullable(options.nullable ?? false)
    .mapToPk()
    .hidden()
    .foreignKeyName(foreignKeyName)
    .joinColumns(...properties.map((property) => property.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)))
    .referencedColumnNames(...referencedColumnNames)
    .onCreate((row: Record<string, unknown>) => properties.map((property) => row[property]))
    .deleteRule('no action')
    .updateRule('no action');
