import { BigIntType, DecimalType } from '@mikro-orm/core';
import { IsoTimestampType } from './iso-timestamp.type';

/**
 * Property definitions for the column types the migrations use. Each call returns
 * a fresh object: MikroORM writes into property options during discovery.
 *
 * Checks are written as PostgreSQL stores them (BETWEEN expanded, IN as
 * = ANY (ARRAY[...])): MikroORM compares their text, not their meaning.
 */
interface ColumnOptions {
  nullable?: boolean;
  defaultRaw?: string;
  primary?: boolean;
  /** Name of a single-column UNIQUE constraint (PostgreSQL's `<table>_<column>_key`). */
  unique?: string;
}

const column = <T extends object>(shape: T, options: ColumnOptions) => ({ ...shape, ...options, nullable: Boolean(options.nullable) });

export const uuid = (options: ColumnOptions = {}) => column({ type: 'uuid' }, options);
export const text = (options: ColumnOptions = {}) => column({ type: 'text' }, options);
export const boolean = (options: ColumnOptions = {}) => column({ type: 'boolean' }, options);
export const integer = (options: ColumnOptions = {}) => column({ type: 'integer' }, options);
/** A string, as the hand-written SQL reads it (MikroORM's default is a JS bigint). */
export const bigint = (options: ColumnOptions = {}) => column({ type: new BigIntType('string') }, options);
/** NUMERIC(15,2) as a string: money never passes through a float. */
export const money = (options: ColumnOptions = {}) => column({ type: new DecimalType('string'), precision: 15, scale: 2 }, options);
export const jsonb = (options: ColumnOptions = {}) => column({ type: 'json' }, options);
export const timestamp = (options: ColumnOptions = {}) => column({ type: IsoTimestampType }, options);
export const createdAt = () => timestamp({ defaultRaw: 'now()' });

/**
 * A text column whose CHECK (col IN (...)) MikroORM reads back as an enum: the items,
 * in the CHECK's order, are what it compares.
 */
export const oneOf = <const T extends readonly string[]>(items: T, options: ColumnOptions = {}) =>
  column({ enum: true as const, items: [...items], columnType: 'text' }, options);

/**
 * A single-column foreign key, read as the plain id (`mapToPk`). The rules are
 * spelled out because MikroORM would otherwise add ON UPDATE CASCADE (and ON
 * DELETE SET NULL when nullable); the migrations use PostgreSQL's NO ACTION.
 */
export const references = (entity: string, joinColumn: string, foreignKeyName: string, options: ColumnOptions = {}) => ({
  kind: 'm:1' as const,
  entity,
  mapToPk: true,
  fieldName: joinColumn,
  foreignKeyName,
  deleteRule: 'no action',
  updateRule: 'no action',
  ...options,
  nullable: Boolean(options.nullable),
});

/**
 * A composite foreign key over columns that scalar properties already map,
 * referencing a unique (id, tenant_id)-style key rather than the target's primary
 * key. It is there so the metadata holds the constraint, not to be read (readers
 * use the scalar ids; MikroORM keeps only the target's id in it, and nothing when a
 * column is NULL): hidden from serialization, and on insert set from the scalars,
 * so it can never disagree with them.
 */
export const compositeKey = <Owner>(entity: string, foreignKeyName: string, properties: (keyof Owner & string)[], referencedColumnNames: string[]) => ({
  kind: 'm:1' as const,
  entity,
  mapToPk: true,
  hidden: true,
  foreignKeyName,
  joinColumns: properties.map((property) => property.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)),
  referencedColumnNames,
  onCreate: (row: Owner) => properties.map((property) => row[property]),
  deleteRule: 'no action',
  updateRule: 'no action',
  nullable: false,
});
