import { EntityManager, Knex } from '@mikro-orm/postgresql';

/**
 * Runs SQL with its parameters bound by the server ($1, $2, … sent apart from
 * the text), inside the entity manager's transaction when it has one.
 *
 * `em.execute` inlines parameters into the SQL text on the client; for a
 * parameter of several megabytes (a 100,000-row upload as JSON) that alone
 * takes over a second. Paths that move large parameters use this instead.
 */
export async function queryBound<T = Record<string, unknown>>(em: EntityManager, sql: string, params: readonly unknown[]): Promise<T[]> {
  const knex = em.getTransactionContext<Knex.Transaction>() ?? em.getConnection().getKnex();
  const result: { rows: T[] } = await knex.raw(sql, params as Knex.RawBinding[]);
  return result.rows;
}
