import { EntityManager } from '@mikro-orm/postgresql';

/**
 * A time before which no row stamped `created_at DEFAULT now()` can still
 * appear: now() is its transaction's start, so a row not yet committed is no
 * older than the oldest transaction open in this database now. Read it first in
 * the caller's transaction (PostgreSQL keeps the activity snapshot it takes at
 * the first read until the transaction ends), then scan in a later statement,
 * whose snapshot holds every row older than it.
 *
 * Sessions of another database role are invisible here unless the caller's role
 * may read all statistics (pg_read_all_stats): run the apps as one role (or
 * grant it). The outbox relay's periodic full claim and the command sweeper's
 * periodic full sweep cover such a session.
 */
export async function openTransactionsHorizon(tx: EntityManager): Promise<string> {
  const [row] = await tx.execute<{ horizon: string }[]>(
    // A second's margin: a transaction's start is published to pg_stat_activity a moment after it is taken.
    `SELECT (least(clock_timestamp(), min(xact_start)) - interval '1 second')::text AS horizon
       FROM pg_stat_activity WHERE datname = current_database() AND xact_start IS NOT NULL`,
  );
  return row.horizon;
}
