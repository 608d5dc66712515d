// Everything one run measured, and the table rows that show it.
import { BullmqCeiling } from './ceilings/bullmq';
import { SqlCeiling } from './ceilings/sql-ceilings';
import { BulkResult } from './bulk';
import { ExpiryResult } from './expiry';
import { CpuSnapshot } from './cpu';
import { E2EResult } from './e2e';
import { LoadResult } from './load';
import { WalTotals } from './measure-sql';
import { BenchOptions } from './options';
import { Row, fmt, row } from './report';
import { SoakResult } from './soak';

export interface BenchResults {
  ceilings: { bullmq: BullmqCeiling; naive: SqlCeiling; batched: SqlCeiling; express: LoadResult };
  hot: E2EResult;
  spread: E2EResult;
  /** E2E hot again, on a tenant whose spend limits count every award (issue #12): what governance costs. */
  governed: E2EResult;
  paced: E2EResult & { rate: number };
  /** E2E hot, from the start of its load until every award was final and delivered. */
  cpu: { awards: number; spentSeconds: CpuSnapshot; secondsPer1000: CpuSnapshot; totalSecondsPer1000: number | null };
  /** WAL per award over the same window as `cpu`. */
  wal: WalTotals;
  soak: SoakResult | null;
  bulk: BulkResult;
  expiry: ExpiryResult;
}

function e2eRows(section: string, run: E2EResult): Row[] {
  return [
    row(section, 'applied/s (awards final within the load window, in PostgreSQL)', run.appliedPerSecond, '/s'),
    row(section, `accepted/s (HTTP 202, autocannon); refused ${run.load.refused}`, run.load.acceptedPerSecond, '/s'),
    row(section, 'HTTP accept p50 / p99', run.load.p99Ms, 'ms', { text: `${fmt(run.load.p50Ms)} / ${fmt(run.load.p99Ms)} ms` }),
    row(section, 'accept → applied p50 / p99 (completed_at − created_at)', run.latencies.appliedP99Ms, 'ms', { text: `${fmt(run.latencies.appliedP50Ms)} / ${fmt(run.latencies.appliedP99Ms)} ms` }),
    row(section, 'accept → feed entry p99 (outbox.delivered_at − created_at)', run.latencies.feedP99Ms, 'ms'),
    row(section, `awards accepted / succeeded / not succeeded`, run.latencies.accepted, '', { text: `${run.latencies.accepted} / ${run.latencies.succeeded} / ${run.latencies.notSucceeded}` }),
    row(section, 'drain after the load (until all final and delivered)', run.drainSeconds, 's'),
  ];
}

export function figureRows(results: BenchResults, options: BenchOptions): Row[] {
  const { ceilings, hot, spread, governed, paced, cpu, wal, soak, bulk, expiry } = results;
  const s = options.loadSeconds;
  const rows: Row[] = [
    row('Ceilings', `A raw BullMQ: addBulk ${ceilings.bullmq.jobs.toLocaleString('en-US')} jobs → no-op Worker (concurrency 32)`, ceilings.bullmq.jobsPerSecond, 'jobs/s'),
    row('Ceilings', `B naive SQL: 1 award/transaction, hot pool row, ${ceilings.naive.clients} clients (${ceilings.naive.tool})`, ceilings.naive.transactionsPerSecond, 'tx/s'),
    row('Ceilings', `C batched SQL: 100 awards/transaction, ${ceilings.batched.clients} clients (${ceilings.batched.tool})`, ceilings.batched.awardsPerSecond, 'awards/s'),
    row('Ceilings', `H bare Express 5: express.json() → 202, ${options.connections} connections`, ceilings.express.acceptedPerSecond, 'req/s'),
    ...e2eRows(`E2E hot: 1 tenant, ${options.hotEmployees.toLocaleString('en-US')} employees, ${options.connections} connections, ${s} s`, hot),
    ...e2eRows(`E2E spread: ${options.spreadTenants} tenants × ${options.spreadEmployeesPerTenant} employees, ${options.connections} connections, ${s} s`, spread),
    ...e2eRows(`E2E governed: as E2E hot, on a tenant with per-giver and per-recipient monthly caps (no award near them), ${s} s`, governed),
    row(
      `E2E governed: as E2E hot, on a tenant with per-giver and per-recipient monthly caps (no award near them), ${s} s`,
      'applied/s ÷ E2E hot applied/s (what counting every award in its tallies costs)',
      hot.appliedPerSecond > 0 ? governed.appliedPerSecond / hot.appliedPerSecond : null,
      '×',
    ),
  ];
  const cpuSection = `CPU seconds per 1,000 awards (E2E hot, ${cpu.awards.toLocaleString('en-US')} awards, load start → drained)`;
  for (const [name, value] of Object.entries(cpu.secondsPer1000)) {
    const figure = name === 'postgres' ? 'postgres (every process of the server: all its sessions)' : name === 'redis' ? 'redis (INFO cpu, the whole server)' : name;
    rows.push(row(cpuSection, figure, value, 's'));
  }
  rows.push(row(cpuSection, 'total', cpu.totalSecondsPer1000, 's'));
  const walSection = 'WAL per award (E2E hot, same window; pg_stat_wal, the whole server)';
  rows.push(row(walSection, 'bytes · records · full-page images', wal.bytes / 1000, 'KB', { text: `${fmt(wal.bytes / 1000)} KB · ${fmt(wal.records)} · ${fmt(wal.fullPageImages)}` }));
  const pacedSection = `Paced at ${Math.round(options.pacedShare * 100)} % of E2E hot: ${fmt(paced.rate)} awards/s, ${s} s`;
  rows.push(
    row(pacedSection, `accepted/s; refused ${paced.load.refused}`, paced.load.acceptedPerSecond, '/s'),
    row(pacedSection, 'HTTP accept p99 (corrected for coordinated omission)', paced.load.p99Ms, 'ms'),
    row(pacedSection, 'accept → applied p99', paced.latencies.appliedP99Ms, 'ms'),
    row(pacedSection, 'accept → feed entry p99', paced.latencies.feedP99Ms, 'ms'),
  );
  if (soak) rows.push(...soakRows(soak));
  const bulkSection = `Bulk award over HTTP: ${bulk.rows.toLocaleString('en-US')} rows by userId (${fmt(bulk.megabytes)} MB CSV)`;
  rows.push(row(bulkSection, 'POST → succeeded', bulk.seconds, 's'), row(bulkSection, 'rows/s', bulk.rowsPerSecond, 'rows/s'), row(bulkSection, 'POST → 202', bulk.acceptSeconds, 's'));
  const expirySection = `Daily expiry: ${expiry.lots.toLocaleString('en-US')} matured lots across ${expiry.tenants.toLocaleString('en-US')} tenants (scratch database)`;
  rows.push(
    row(expirySection, `expiry job, start → end (${expiry.runs} runs, ${expiry.wallets.toLocaleString('en-US')} wallets, ${expiry.amount} points)`, expiry.seconds, 's'),
    row(expirySection, `longest wait for a pool lock meanwhile (${expiry.poolProbes} probes)`, expiry.longestPoolWaitMs, 'ms'),
    row(expirySection, 'seeding the lots (not part of the job)', expiry.seedSeconds, 's'),
  );
  return rows;
}

function soakRows(soak: SoakResult): Row[] {
  const section = `Soak: ${soak.minutes.length} min at ${fmt(soak.rate)} awards/s`;
  const rows = soak.minutes.map((m) =>
    row(section, `minute ${m.minute}: applied/s · p99 HTTP / applied / feed`, m.appliedPerSecond, '/s', {
      text: `${fmt(m.appliedPerSecond)}/s · ${fmt(m.httpP99Ms)}/${fmt(m.appliedP99Ms)}/${fmt(m.feedP99Ms)} ms`,
    }),
  );
  const first = soak.minutes[0];
  const last = soak.minutes[soak.minutes.length - 1];
  const before = soak.minutes.length > 1 ? soak.minutes[soak.minutes.length - 2].tables : soak.tablesBefore;
  for (const table of Object.keys(last.tables)) {
    const grew = (after: typeof last.tables, earlier: typeof last.tables) => ((after[table]?.bytes ?? 0) - (earlier[table]?.bytes ?? 0)) / 1e6;
    rows.push(
      row(section, `${table}: dead tuples after first / last minute`, last.tables[table]?.deadTuples, '', { text: `${fmt(first.tables[table]?.deadTuples)} / ${fmt(last.tables[table]?.deadTuples)}` }),
      row(section, `${table}: size growth in first / last minute → size at end`, grew(last.tables, before), 'MB', {
        text: `${fmt(grew(first.tables, soak.tablesBefore))} / ${fmt(grew(last.tables, before))} → ${fmt((last.tables[table]?.bytes ?? 0) / 1e6)} MB`,
      }),
    );
  }
  return rows;
}
