import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { PrivateRedis, TestDatabase, createTestDatabase, freePort, startPrivateRedis, testQueuePrefix } from '@points/testing';

/**
 * BullMQ's production guide: the queues' Redis must never evict keys and should
 * persist them. Every app checks at start: a refusal in production (unless
 * REDIS_ALLOW_UNSAFE=true), a warning in development.
 */
const ROOT = resolve(__dirname, '../../..');
const APPS = ['gateway', 'ledger-worker', 'notification-worker'] as const;
const STARTED = { gateway: 'gateway listening', 'ledger-worker': 'ledger worker started', 'notification-worker': 'notification worker started' };
const PRODUCTION_SECRET = 'a-production-secret-that-is-long-enough-0123456789';

let unsafe: PrivateRedis;
let safe: PrivateRedis;
let db: TestDatabase;
beforeAll(async () => {
  [unsafe, safe, db] = await Promise.all([
    startPrivateRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] }),
    startPrivateRedis({ args: ['--appendonly', 'yes', '--maxmemory-policy', 'noeviction'] }),
    createTestDatabase(2),
  ]);
});
afterAll(async () => {
  await Promise.all([unsafe?.kill(), safe?.kill()]);
  await db?.drop();
});

/** Runs an app until it logs that it started (then stops it) or exits; returns what happened and its log. */
async function boot(app: (typeof APPS)[number], redisUrl: string, env: Record<string, string>): Promise<{ started: boolean; exitCode: number | null; log: string }> {
  const port = String(await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/${app}/src/main.ts`], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', DATABASE_URL: db.url, REDIS_URL: redisUrl, QUEUE_PREFIX: testQueuePrefix(), PORT: port, LEDGER_WORKER_PORT: port, NOTIFICATION_WORKER_PORT: port, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  let started = false;
  return new Promise((done) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (!started && log.includes(STARTED[app])) {
        started = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => done({ started, exitCode: started ? null : code, log }));
  });
}

const production = { NODE_ENV: 'production', JWT_SECRET: PRODUCTION_SECRET };

it.each(APPS)('%s refuses to start in production on a Redis that may evict keys and keeps nothing on disk, saying why', async (app) => {
  const run = await boot(app, unsafe.url, production);
  expect(run).toMatchObject({ started: false, exitCode: 1 });
  expect(run.log).toMatch(/Redis is not safe for the queues in production/);
  expect(run.log).toMatch(/maxmemory-policy is allkeys-lru/);
  expect(run.log).toMatch(/persistence is off/);
  expect(run.log).toMatch(/REDIS_ALLOW_UNSAFE=true/);
});

it('in production, starts on a Redis with AOF and noeviction, and on an unsafe one only when told to (with a warning)', async () => {
  expect((await boot('ledger-worker', safe.url, production)).started).toBe(true);
  const overridden = await boot('ledger-worker', unsafe.url, { ...production, REDIS_ALLOW_UNSAFE: 'true' });
  expect(overridden.started).toBe(true);
  expect(overridden.log).toMatch(/REDIS_ALLOW_UNSAFE=true: the queues' Redis is not checked/);
});

it('in development, starts on an unsafe Redis with a warning naming the problems', async () => {
  const run = await boot('notification-worker', unsafe.url, { NODE_ENV: 'development' });
  expect(run.started).toBe(true);
  expect(run.log).toMatch(/Redis is not set up as production queues need/);
  expect(run.log).toMatch(/maxmemory-policy is allkeys-lru/);
});
