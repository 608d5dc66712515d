// `npm run up`: everything from a fresh clone to a running system.
//   dependencies → PostgreSQL + Redis → migrations → demo data → gateway and
//   both workers → prints the URLs and a demo token. Ctrl-C stops the apps.
//   `npm run up -- --detach` leaves them running in the background (logs in .data/logs).
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { ensureDependencies } from './lib/dependencies.mjs';
import { loadEnvFiles } from './lib/env-files.mjs';
import { DATA_DIR, ROOT } from './lib/paths.mjs';

const detach = process.argv.includes('--detach');
process.env.NX_NO_CLOUD ??= 'true';
ensureDependencies();
const { ensureServices } = await import('./lib/services.mjs');
loadEnvFiles(ROOT);
const services = await ensureServices();
const env = { ...process.env, DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl };

for (const [what, script] of [['migrations', 'tools/migrate.ts'], ['demo data', 'tools/seed-demo.ts']]) {
  console.log(`• ${what}…`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const port = Number(env.PORT ?? 3000);
const apps = ['gateway', 'ledger-worker', 'notification-worker'];
mkdirSync(`${DATA_DIR}/logs`, { recursive: true });
const children = apps.map((app) => {
  const log = detach ? openSync(`${DATA_DIR}/logs/${app}.log`, 'a') : 'inherit';
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/${app}/src/main.ts`], {
    cwd: ROOT,
    env,
    stdio: ['ignore', log, log],
    detached: detach,
  });
  if (detach) {
    closeSync(log);
    child.unref();
  }
  child.on('exit', (code) => !detach && code && console.error(`✗ ${app} exited with code ${code}`));
  return child;
});
if (detach) writeFileSync(`${DATA_DIR}/apps.pid`, children.map((c) => c.pid).join('\n'));

const ready = await waitForReady(`http://127.0.0.1:${port}/readyz`, 60_000);
if (!ready) {
  console.error(`✗ the gateway did not become ready on port ${port}${detach ? `; see ${DATA_DIR}/logs` : ''}`);
  for (const child of children) child.kill('SIGTERM');
  process.exit(1);
}
const token = spawnSync(process.execPath, ['--import', 'tsx', 'tools/token.ts', '--email', 'manager@triton.local', '--ttl', '86400'], {
  cwd: ROOT,
  env,
  encoding: 'utf8',
}).stdout.trim();
console.log(`
✓ points platform is up
  API          http://127.0.0.1:${port}/api
  readiness    http://127.0.0.1:${port}/readyz
  ledger ops   http://127.0.0.1:${env.LEDGER_WORKER_PORT ?? 9101}/readyz
  notify ops   http://127.0.0.1:${env.NOTIFICATION_WORKER_PORT ?? 9102}/readyz
  demo token (manager@triton.local, 24h):
  ${token}
  another user: npm run token -- --email admin@platform.local
${detach ? `  stop with: npm run down` : '  Ctrl-C stops the apps.'}`);

if (!detach) {
  const stop = () => {
    for (const child of children) child.kill('SIGTERM');
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function waitForReady(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}
