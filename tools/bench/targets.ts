// The targets (#11), each with this run's figure and whether it is met.
import { BenchResults } from './figures';
import { Row, fmt, row } from './report';

const SECTION = 'Targets (issue #11)';

function ratio(figure: string, value: number | null, target: string, met: (v: number) => boolean, text?: string): Row {
  return row(SECTION, figure, value, '×', { target, met: value === null || !Number.isFinite(value) ? null : met(value), ...(text ? { text } : {}) });
}

function atMost(figure: string, value: number | null, limit: number, unit: string): Row {
  return row(SECTION, figure, value, unit, { target: `≤ ${fmt(limit)} ${unit}`, met: value === null ? null : value <= limit });
}

/** A p99 is flat when the last minute's is within 10 % (or 5 ms) of the first's. */
const flat = (first: number | null, last: number | null) => first !== null && last !== null && last <= Math.max(first * 1.1, first + 5);

export function targetRows(results: BenchResults): Row[] {
  const { ceilings, hot, spread, paced, cpu, soak, bulk } = results;
  const applied = hot.appliedPerSecond;
  const rows = [
    ratio('E2E hot applied/s ÷ H bare Express req/s', applied / ceilings.express.acceptedPerSecond, '≥ 0.4', (v) => v >= 0.4),
    ratio('E2E hot applied/s ÷ B naive SQL tx/s', applied / ceilings.naive.transactionsPerSecond, '≥ 2', (v) => v >= 2),
    ratio('E2E hot applied/s ÷ E2E spread applied/s', applied / spread.appliedPerSecond, '≥ 0.9', (v) => v >= 0.9),
    atMost('paced: HTTP accept p99', paced.load.p99Ms, 25, 'ms'),
    atMost('paced: accept → applied p99', paced.latencies.appliedP99Ms, 100, 'ms'),
    atMost('paced: accept → feed entry p99', paced.latencies.feedP99Ms, 500, 'ms'),
    atMost('CPU per award, all processes (E2E hot)', cpu.totalSecondsPer1000, 1, 'ms'),
  ];
  if (soak) {
    const first = soak.minutes[0];
    const last = soak.minutes[soak.minutes.length - 1];
    rows.push(ratio('soak: last minute applied/s ÷ first minute', last.appliedPerSecond / first.appliedPerSecond, '0.9 – 1.1', (v) => v >= 0.9 && v <= 1.1));
    for (const [name, key] of [['HTTP', 'httpP99Ms'], ['applied', 'appliedP99Ms'], ['feed', 'feedP99Ms']] as const) {
      rows.push(
        row(SECTION, `soak: ${name} p99 flat (first → last minute)`, last[key], 'ms', {
          text: `${fmt(first[key])} → ${fmt(last[key])} ms`,
          target: '≤ +10 %/+5 ms',
          met: first[key] === null || last[key] === null ? null : flat(first[key], last[key]),
        }),
      );
    }
  }
  if (bulk.rows === 100_000) rows.push(atMost('bulk: 100,000 rows POST → succeeded', bulk.seconds, 4, 's'));
  rows.push(ratio('bulk rows/s ÷ C batched SQL awards/s', bulk.rowsPerSecond / ceilings.batched.awardsPerSecond, '≥ 0.35', (v) => v >= 0.35));
  // Issue #13's: the daily expiry of 1,000,000 lots across 1,000 tenants, awards flowing meanwhile.
  if (results.expiry.lots >= 1_000_000) {
    rows.push(
      row('Targets (issue #13)', 'expiry: 1,000,000 lots across 1,000 tenants', results.expiry.seconds, 's', { target: '< 60 s', met: results.expiry.seconds < 60 }),
      row('Targets (issue #13)', 'expiry: longest pool lock wait meanwhile', results.expiry.longestPoolWaitMs, 'ms', { target: '≤ 1,000 ms', met: results.expiry.longestPoolWaitMs <= 1_000 }),
    );
  }
  return rows;
}
