// Every figure the benchmark reads from PostgreSQL, in one place: where a
// command's outcome or an event's delivery is stored is known here only.
// Windows are [from, to) in the database's clock (now() stamps the rows),
// passed as the ISO text `dbNow` returns.
import { EntityManager } from '@mikro-orm/postgresql';

/** The database's clock, as ISO 8601 text in UTC (microseconds) to pass back as a window bound. */
export async function dbNow(em: EntityManager): Promise<string> {
  const [row] = await em.fork().execute<{ now: string }[]>(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS now`);
  return row.now;
}

/** Commands not final yet, and events neither delivered (feed/audit written) nor dead-lettered; and how many commands there are. */
export async function pendingWork(em: EntityManager): Promise<{ commands: number; events: number; stored: number }> {
  const [row] = await em.fork().execute<{ commands: string; events: string; stored: string }[]>(
    // Undecided commands, from the sweep's horizon (before it every command is decided): the count stays cheap as the table grows.
    `SELECT (SELECT count(*) FROM undecided_commands WHERE created_at >= (SELECT decided_before FROM command_sweep))::text AS commands,
            (SELECT count(*) FROM outbox_events e, outbox_relay r
              WHERE e.created_at >= r.settled_before AND NOT EXISTS (SELECT 1 FROM outbox_outcomes o WHERE o.event_id = e.id))::text AS events,
            (SELECT count(*) FROM accepted_commands)::text AS stored`,
  );
  return { commands: Number(row.commands), events: Number(row.events), stored: Number(row.stored) };
}

/** Awards that reached a final status (succeeded, rejected, failed) within the window. */
export async function awardsFinishedBetween(em: EntityManager, from: string, to: string): Promise<number> {
  const [row] = await em.fork().execute<{ n: string }[]>(
    `SELECT count(*)::text AS n FROM commands
      WHERE type = 'award' AND status IN ('succeeded', 'rejected', 'failed') AND completed_at >= ?::timestamptz AND completed_at < ?::timestamptz`,
    [from, to],
  );
  return Number(row.n);
}

export interface AwardLatencies {
  /** Awards accepted (stored) within the window. */
  accepted: number;
  succeeded: number;
  /** Final but not succeeded (rejected or failed). */
  notSucceeded: number;
  unfinished: number;
  /** accept → applied: the outcome's completed_at − the command's created_at, ms. */
  appliedP50Ms: number | null;
  appliedP99Ms: number | null;
  /** accept → feed entry: the points.awarded event's outbox.delivered_at − commands.created_at, ms. */
  feedP50Ms: number | null;
  feedP99Ms: number | null;
}

/** Latencies of the awards accepted within the window (measure once they are final and their events delivered). */
export async function awardLatencies(em: EntityManager, from: string, to: string): Promise<AwardLatencies> {
  const [row] = await em.fork().execute<Record<string, string | null>[]>(
    `WITH c AS (
       SELECT id, status, created_at, completed_at FROM commands
        WHERE type = 'award' AND created_at >= ?::timestamptz AND created_at < ?::timestamptz),
     applied AS (SELECT extract(epoch FROM completed_at - created_at) * 1000 AS ms FROM c WHERE completed_at IS NOT NULL),
     fed AS (
       SELECT extract(epoch FROM o.delivered_at - c.created_at) * 1000 AS ms
         FROM c JOIN outbox o ON o.command_id = c.id AND o.event_type = 'points.awarded'
        WHERE o.delivered_at IS NOT NULL)
     SELECT (SELECT count(*) FROM c)::text AS accepted,
            (SELECT count(*) FROM c WHERE status = 'succeeded')::text AS succeeded,
            (SELECT count(*) FROM c WHERE status IN ('rejected', 'failed'))::text AS not_succeeded,
            (SELECT count(*) FROM c WHERE completed_at IS NULL)::text AS unfinished,
            (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM applied)::text AS applied_p50,
            (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) FROM applied)::text AS applied_p99,
            (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM fed)::text AS feed_p50,
            (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) FROM fed)::text AS feed_p99`,
    [from, to],
  );
  const num = (value: string | null) => (value === null ? null : Number(value));
  return {
    accepted: Number(row.accepted),
    succeeded: Number(row.succeeded),
    notSucceeded: Number(row.not_succeeded),
    unfinished: Number(row.unfinished),
    appliedP50Ms: num(row.applied_p50),
    appliedP99Ms: num(row.applied_p99),
    feedP50Ms: num(row.feed_p50),
    feedP99Ms: num(row.feed_p99),
  };
}

/** The tables that grow with every award (the soak watches their bloat). */
export const GROWING_TABLES = ['accepted_commands', 'command_outcomes', 'outbox_events', 'outbox_outcomes', 'feed', 'audit_log'] as const;

export type TableSizes = Record<string, { deadTuples: number; bytes: number }>;

/** Dead tuples (pg_stat_user_tables, updated by the statistics collector with a short delay) and total size with indexes and TOAST. */
export async function tableSizes(em: EntityManager, tables: readonly string[] = GROWING_TABLES): Promise<TableSizes> {
  const rows = await em.fork().execute<{ relname: string; dead: string; bytes: string }[]>(
    `SELECT relname, n_dead_tup::text AS dead, pg_total_relation_size(relid)::text AS bytes
       FROM pg_stat_user_tables WHERE relname IN (${tables.map(() => '?').join(', ')})`,
    [...tables],
  );
  return Object.fromEntries(rows.map((row) => [row.relname, { deadTuples: Number(row.dead), bytes: Number(row.bytes) }]));
}

/** The server's WAL so far (pg_stat_wal: every database of it; the benchmark is the only writer while it runs). */
export interface WalTotals {
  bytes: number;
  records: number;
  fullPageImages: number;
}

export async function walTotals(em: EntityManager): Promise<WalTotals> {
  const [row] = await em.fork().execute<{ bytes: string; records: string; fpi: string }[]>(`SELECT wal_bytes::text AS bytes, wal_records::text AS records, wal_fpi::text AS fpi FROM pg_stat_wal`);
  return { bytes: Number(row.bytes), records: Number(row.records), fullPageImages: Number(row.fpi) };
}

/** WAL written between two readings, per award. */
export const walPerAward = (before: WalTotals, after: WalTotals, awards: number): WalTotals => ({
  bytes: (after.bytes - before.bytes) / awards,
  records: (after.records - before.records) / awards,
  fullPageImages: (after.fullPageImages - before.fullPageImages) / awards,
});
