// `npm test`: the same service set-up as `npm run up`, then a type check, every
// project's lint and tests, then the benchmark's quick run. Integration tests
// create their own database (points_test_*) and queue prefix per test file, so
// they never touch a developer's data.
import { spawnSync } from 'node:child_process';
import { ensureChromium } from './lib/browser.mjs';
import { ensureDependencies } from './lib/dependencies.mjs';
import { loadEnvFiles } from './lib/env-files.mjs';
import { ROOT } from './lib/paths.mjs';

ensureDependencies();
const { ensureServices } = await import('./lib/services.mjs');
loadEnvFiles(ROOT);
const services = await ensureServices();
ensureChromium();
const env = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  TEST_DATABASE_URL: services.databaseUrl,
  TEST_REDIS_URL: services.redisUrl,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
};
const extra = process.argv.slice(2);
// Type errors fail the run like lint errors do (jest's transform does not type-check).
const typecheck = spawnSync('npx', ['tsc', '-p', 'tsconfig.base.json', '--noEmit'], { cwd: ROOT, env, stdio: 'inherit' });
if (typecheck.status !== 0) {
  console.error('✗ type check failed (npm run typecheck)');
  process.exit(typecheck.status ?? 1);
}
// A hung test run must fail loudly rather than eat CI's time.
const TIMEOUT_MS = 30 * 60 * 1000;
const result = spawnSync('npx', ['nx', 'run-many', '-t', 'lint', 'test', '--parallel=1', '--outputStyle=stream', ...extra], {
  cwd: ROOT,
  env,
  stdio: 'inherit',
  timeout: TIMEOUT_MS,
  killSignal: 'SIGKILL',
});
if (result.error?.code === 'ETIMEDOUT') console.error(`✗ tests did not finish within ${TIMEOUT_MS / 60000} minutes`);
if (result.status !== 0) process.exit(result.status ?? 1);
// Last, the benchmark's quick run (`npm run bench -- --quick`, under a minute), so the
// harness never rots: it must finish and leave the books balanced (tools/sql).
const BENCH_TIMEOUT_MS = 5 * 60 * 1000;
const bench = spawnSync(process.execPath, ['tools/bench.mjs', '--quick'], { cwd: ROOT, env, stdio: 'inherit', timeout: BENCH_TIMEOUT_MS, killSignal: 'SIGKILL' });
if (bench.error?.code === 'ETIMEDOUT') console.error(`✗ the quick benchmark did not finish within ${BENCH_TIMEOUT_MS / 60000} minutes`);
if (bench.status !== 0) console.error('✗ the quick benchmark failed (npm run bench -- --quick)');
process.exit(bench.status ?? 1);
