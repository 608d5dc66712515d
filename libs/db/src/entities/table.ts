import { EntityMetadataWithProperties, defineEntity } from '@mikro-orm/core';
import { createdAt, integer, timestamp, uuid } from './columns';

/** A CHECK constraint, its expression as PostgreSQL prints it. */
export interface Check {
  name: string;
  expression: string;
}

/** Every table but the bulk award tables: a uuid primary key, and `created_at DEFAULT now()`. */
const row = <Columns extends Record<string, unknown>>(columns: Columns) => ({ id: uuid().primary(), ...columns, createdAt: createdAt() });

type Constraints<Columns extends Record<string, unknown>> = Pick<EntityMetadataWithProperties<ReturnType<typeof row<Columns>>>, 'checks' | 'indexes' | 'uniques'>;

/** A table of such rows, as an entity whose type is inferred from its columns. */
export const table = <Columns extends Record<string, unknown>>(name: string, tableName: string, columns: Columns, constraints: Constraints<Columns> = {}) =>
  defineEntity({ name, tableName, properties: row(columns), ...constraints });

/**
 * A table of one row (id = 1) holding a horizon: a time before which every row
 * of some kind is settled, kept so a scan starts there (`command_sweep`, `outbox_relay`).
 */
export const horizonRow = (name: string, tableName: string, horizon: string) =>
  defineEntity({
    name,
    tableName,
    properties: { id: integer().primary().autoincrement(false).defaultRaw('1'), [horizon]: timestamp() },
    checks: [{ name: `${tableName}_id_check`, expression: 'id = 1' }],
  });

/**
 * A btree index as `pg_indexes.indexdef` prints it: MikroORM compares expression
 * indexes by name only, and a test compares this text. Written so for what a
 * property index cannot say: DESC columns, a partial WHERE, an expression.
 */
export const btreeIndex = (tableName: string, name: string, columns: string, options: { unique?: boolean; where?: string } = {}) => ({
  name,
  expression: `CREATE ${options.unique ? 'UNIQUE ' : ''}INDEX ${name} ON public.${tableName} USING btree (${columns})${options.where ? ` WHERE (${options.where})` : ''}`,
});

/** The seed design's indexes: `idx_<table>_<owner>` on (<owner>_id, created_at DESC), a page of an owner's rows, newest first. */
export const newestFirstIndexes = (tableName: string, owners: string[]) =>
  owners.map((owner) => btreeIndex(tableName, `idx_${tableName}_${owner}`, `${owner}_id, created_at DESC`));
