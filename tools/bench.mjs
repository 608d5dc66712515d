// `npm run bench`: the same service set-up as `npm test`, then the benchmarks.
import { spawnSync } from 'node:child_process';
import { ensureDependencies } from './lib/dependencies.mjs';
import { loadEnvFiles } from './lib/env-files.mjs';
import { ROOT } from './lib/paths.mjs';

ensureDependencies();
const { ensureServices } = await import('./lib/services.mjs');
loadEnvFiles(ROOT);
const services = await ensureServices({ quiet: true });
// The ledger alone (single commands, then a bulk award without HTTP); then end to end
// over HTTP with the real apps: a 100,000-row bulk award, and many concurrent awards.
const BENCHMARKS = ['apps/ledger-worker/bench/bulk-award.bench.ts', 'tools/bench/bulk-award-http.bench.ts', 'tools/bench/award-throughput.bench.ts'];
let failed = false;
for (const bench of BENCHMARKS) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', bench], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, TEST_DATABASE_URL: services.databaseUrl, TEST_REDIS_URL: services.redisUrl },
  });
  failed ||= result.status !== 0;
}
process.exit(failed ? 1 : 0);
