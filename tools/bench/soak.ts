// The soak (`--soak`): minute after minute of paced awards at a fixed rate, then
// each minute's throughput and p99s, and how the tables that grow with every
// award (accepted_commands, command_outcomes, outbox_events, outbox_outcomes, feed, audit_log) bloat: dead tuples and size.
import { EntityManager } from '@mikro-orm/postgresql';
import { BenchStack, BenchTenant } from './bench-stack';
import { AWARD_PATH, awardRotation, waitUntilIdle, windowSeconds } from './e2e';
import { runLoad } from './load';
import { TableSizes, awardLatencies, awardsFinishedBetween, dbNow, tableSizes } from './measure-sql';

export interface SoakMinute {
  minute: number;
  appliedPerSecond: number;
  httpP99Ms: number;
  appliedP99Ms: number | null;
  feedP99Ms: number | null;
  refused: number;
  /** The growing tables at the end of the minute. */
  tables: TableSizes;
}

export interface SoakResult {
  rate: number;
  minutes: SoakMinute[];
  /** The growing tables before the first minute. */
  tablesBefore: TableSizes;
}

export async function runSoak(
  stack: BenchStack,
  options: { tenants: BenchTenant[]; connections: number; minutes: number; rate: number; print: (line: string) => void },
): Promise<SoakResult> {
  const em = stack.db.orm.em as EntityManager;
  const rotation = awardRotation(options.tenants);
  const tablesBefore = await tableSizes(em);
  const windows: { from: string; to: string; httpP99Ms: number; refused: number; tables: TableSizes }[] = [];
  for (let minute = 1; minute <= options.minutes; minute++) {
    const from = await dbNow(em);
    const load = await runLoad({ url: stack.baseUrl, path: AWARD_PATH, connections: options.connections, seconds: 60, overallRate: options.rate, rotation });
    const to = await dbNow(em);
    windows.push({ from, to, httpP99Ms: load.p99Ms, refused: load.refused, tables: await tableSizes(em) });
    options.print(`  soak minute ${minute}/${options.minutes}: ${Math.round(load.acceptedPerSecond)} accepted/s, HTTP p99 ${load.p99Ms} ms`);
  }
  await waitUntilIdle(em, 300);
  const minutes: SoakMinute[] = [];
  for (const [i, window] of windows.entries()) {
    const latencies = await awardLatencies(em, window.from, window.to);
    const finished = await awardsFinishedBetween(em, window.from, window.to);
    minutes.push({
      minute: i + 1,
      appliedPerSecond: finished / windowSeconds(window.from, window.to),
      httpP99Ms: window.httpP99Ms,
      appliedP99Ms: latencies.appliedP99Ms,
      feedP99Ms: latencies.feedP99Ms,
      refused: window.refused,
      tables: window.tables,
    });
  }
  return { rate: options.rate, minutes, tablesBefore };
}
