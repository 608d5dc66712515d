// `npm run bench` (second part): a 100,000-row bulk award as a user sends it —
// a CSV POSTed to the real gateway, applied by the real ledger worker (both as
// child processes), followed through the status URL until it ends. Runs in a
// database and queue prefix of its own, removed afterwards.
import { Queue } from 'bullmq';
import { issueToken } from '@points/auth';
import { QUEUES } from '@points/contracts';
import { createRedis } from '@points/queue';
import { AppProcess, createTestDatabase, freePort, insertEmployees, insertTenantWithStaff, insertUser, startAppProcess, testQueuePrefix, testRedisUrl } from '@points/testing';

const ROWS = Number(process.env.BENCH_BULK_ROWS ?? 100_000);
const JWT_SECRET = 'bench-secret-0123456789abcdef';
const FINAL = ['succeeded', 'rejected', 'failed'];

async function main() {
  const db = await createTestDatabase(2);
  const prefix = testQueuePrefix();
  const apps: AppProcess[] = [];
  try {
    const em = db.orm.em.fork();
    const t = await insertTenantWithStaff(em);
    const admin = await insertUser(em, 'platform_admin', null);
    const recipients = await insertEmployees(em, t.tenantId, ROWS, 'bench');
    const csvOf = (column: 'userId' | 'email') => [`${column},amount,description`, ...recipients.map((r, i) => `${column === 'userId' ? r.id : r.email},${(1 + (i % 100) / 100).toFixed(2)},`)].join('\n');

    const port = await freePort();
    const env = { DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, JWT_SECRET, LOG_LEVEL: 'warn' };
    apps.push(await startAppProcess('ledger-worker', { ...env, LEDGER_WORKER_PORT: String(await freePort()), LOG_LEVEL: 'info' }, 'ledger worker started'));
    apps.push(await startAppProcess('gateway', { ...env, PORT: String(port), LOG_LEVEL: 'info' }, 'gateway listening'));
    const base = `http://127.0.0.1:${port}`;
    const send = async (method: string, path: string, token: string, body?: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${base}${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...headers } });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    const funded = await send('POST', '/api/platform/allocations/allocate', await issueToken(JWT_SECRET, { sub: admin.id, role: 'platform_admin', tenantId: null }, 600), JSON.stringify({ tenantId: t.tenantId, amount: '9000000000', currency: 'USD', referenceNote: 'bench' }), {
      'content-type': 'application/json',
      prefer: 'wait=30',
    });
    if (funded.status !== 200) throw new Error(`funding the tenant failed: ${JSON.stringify(funded)}`);

    const managerToken = await issueToken(JWT_SECRET, { sub: t.manager.id, role: 'tenant_manager', tenantId: t.tenantId }, 600);
    for (const column of ['userId', 'email'] as const) {
      const csv = csvOf(column);
      const started = performance.now();
      const accepted = await send('POST', '/api/allocations/bulk-awards?description=bench', managerToken, csv, { 'content-type': 'text/csv' });
      const acceptedMs = performance.now() - started;
      if (accepted.status !== 202) throw new Error(`upload refused: ${JSON.stringify(accepted)}`);

      // Poll as the CLI's progress bar does, noting when each phase is first seen.
      const firstSeen: Record<string, number> = {};
      let view = accepted.body;
      while (!FINAL.includes(String(view.status))) {
        await new Promise((r) => setTimeout(r, 50));
        view = (await send('GET', String(accepted.body.statusUrl), managerToken)).body;
        firstSeen[String(view.status)] ??= performance.now() - started;
      }
      const doneMs = performance.now() - started;
      const applying = firstSeen.applying ?? acceptedMs;
      console.log(
        `bulk award over HTTP: ${ROWS} CSV rows by ${column} (${(csv.length / 1e6).toFixed(1)} MB) accepted (202) in ${seconds(acceptedMs)}; ` +
          `validated in ~${seconds(applying - acceptedMs)}, applied in ~${seconds(doneMs - applying)}; ${view.status} ${seconds(doneMs)} after the POST (target < 10 s)`,
      );
      if (view.status !== 'succeeded' || view.processed !== ROWS) {
        console.error(JSON.stringify(view).slice(0, 2000));
        process.exitCode = 1;
      }
    }
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
    const redis = createRedis(testRedisUrl(), 'producer');
    const queues = Object.values(QUEUES).map((name) => new Queue(name, { connection: redis, prefix }));
    await Promise.all(queues.map((queue) => queue.obliterate({ force: true }).catch(() => undefined)));
    await Promise.all(queues.map((queue) => queue.close()));
    redis.disconnect();
    await db.drop();
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
