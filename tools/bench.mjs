// `npm run bench [-- --quick | --soak [--soak-minutes N]]`: the same service
// set-up as `npm test`, then the one benchmark (tools/bench/run.ts), which
// prints one table and writes it to bench/results/.
import { spawnSync } from 'node:child_process';
import { ensureDependencies } from './lib/dependencies.mjs';
import { loadEnvFiles } from './lib/env-files.mjs';
import { ROOT } from './lib/paths.mjs';

ensureDependencies();
const { ensureServices } = await import('./lib/services.mjs');
loadEnvFiles(ROOT);
const services = await ensureServices({ quiet: true });
const result = spawnSync(process.execPath, ['--import', 'tsx', 'tools/bench/run.ts', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, TEST_DATABASE_URL: services.databaseUrl, TEST_REDIS_URL: services.redisUrl },
});
process.exit(result.status ?? 1);
