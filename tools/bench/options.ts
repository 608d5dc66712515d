// What one `npm run bench` measures: the sizes and durations of each part, from
// the command line (--quick, --soak, --soak-minutes N).
import { parseArgs } from 'node:util';

export interface BenchOptions {
  mode: 'full' | 'quick';
  /** Ceiling A: jobs added and consumed. */
  bullmqJobs: number;
  /** Ceilings B and C: seconds of pgbench each. */
  sqlSeconds: number;
  /** Ceiling H and every E2E load: seconds, connections. */
  loadSeconds: number;
  warmupSeconds: number;
  connections: number;
  hotEmployees: number;
  spreadTenants: number;
  spreadEmployeesPerTenant: number;
  /** The paced run's rate, as a share of E2E hot's applied/s. */
  pacedShare: number;
  /** Minutes of soak; 0 = no soak. */
  soakMinutes: number;
  bulkRows: number;
  /** The daily expiry (issue #13): matured wallet lots, across tenants. */
  expiryLots: number;
  expiryTenants: number;
}

const FULL: BenchOptions = {
  mode: 'full',
  bullmqJobs: 20_000,
  sqlSeconds: 8,
  loadSeconds: 10,
  warmupSeconds: 3,
  connections: 32,
  hotEmployees: 1_000,
  spreadTenants: 20,
  spreadEmployeesPerTenant: 50,
  pacedShare: 0.7,
  soakMinutes: 0,
  bulkRows: 100_000,
  expiryLots: 1_000_000,
  expiryTenants: 1_000,
};

/** `--quick`: the same parts, small enough for `npm test` (under a minute); only completion and balanced books are asserted. */
const QUICK: BenchOptions = { ...FULL, mode: 'quick', bullmqJobs: 2_000, sqlSeconds: 2, loadSeconds: 2, warmupSeconds: 1, bulkRows: 2_000, expiryLots: 10_000, expiryTenants: 10 };

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      soak: { type: 'boolean', default: false },
      'soak-minutes': { type: 'string' },
    },
    strict: true,
  });
  const base = values.quick ? QUICK : FULL;
  const minutes = values['soak-minutes'] === undefined ? (values.quick ? 1 : 10) : Number(values['soak-minutes']);
  if (!Number.isInteger(minutes) || minutes < 1) throw new Error(`--soak-minutes: a whole number of minutes ≥ 1, not ${values['soak-minutes']}`);
  return { ...base, soakMinutes: values.soak || values['soak-minutes'] !== undefined ? minutes : 0 };
}
