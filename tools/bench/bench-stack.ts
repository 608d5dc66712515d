// The real system for an end-to-end benchmark: a scratch database and queue
// prefix, the ledger worker and the gateway as child processes (as `npm run up`
// starts them), and a funded tenant. `close()` removes all of it.
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { issueToken } from '@points/auth';
import { QUEUES } from '@points/contracts';
import { createRedis } from '@points/queue';
import { AppProcess, TestDatabase, TestUser, createTestDatabase, freePort, insertEmployees, insertTenantWithStaff, insertUser, startAppProcess, testQueuePrefix, testRedisUrl } from '@points/testing';

const JWT_SECRET = 'bench-secret-0123456789abcdef';

export interface BenchStack {
  db: TestDatabase;
  tenant: Awaited<ReturnType<typeof insertTenantWithStaff>>;
  employees: TestUser[];
  /** A bearer token for one of the tenant's users. */
  tokenFor(user: TestUser): Promise<string>;
  send(method: string, path: string, token: string, body?: string, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  /** CPU seconds (user + system) each app process has used so far, from /proc (null where there is no /proc). */
  cpuSeconds(): Record<'gateway' | 'ledger-worker', number | null>;
  close(): Promise<void>;
}

export async function startBenchStack(options: { employees: number; env?: Record<string, string> }): Promise<BenchStack> {
  const db = await createTestDatabase(2);
  const prefix = testQueuePrefix();
  const apps: AppProcess[] = [];
  const close = async () => {
    await Promise.all(apps.map((app) => app.stop()));
    const redis = createRedis(testRedisUrl(), 'producer');
    const queues = Object.values(QUEUES).map((name) => new Queue(name, { connection: redis, prefix }));
    await Promise.all(queues.map((queue) => queue.obliterate({ force: true }).catch(() => undefined)));
    await Promise.all(queues.map((queue) => queue.close()));
    redis.disconnect();
    await db.drop();
  };
  try {
    const em = db.orm.em.fork();
    const tenant = await insertTenantWithStaff(em);
    const admin = await insertUser(em, 'platform_admin', null);
    const employees = await insertEmployees(em, tenant.tenantId, options.employees, 'bench');

    const port = await freePort();
    // Info level, as in production: the apps announce readiness at that level.
    const env = { DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, JWT_SECRET, LOG_LEVEL: 'info', ...options.env };
    apps.push(await startAppProcess('ledger-worker', { ...env, LEDGER_WORKER_PORT: String(await freePort()) }, 'ledger worker started'));
    apps.push(await startAppProcess('gateway', { ...env, PORT: String(port) }, 'gateway listening'));
    const base = `http://127.0.0.1:${port}`;
    const send: BenchStack['send'] = async (method, path, token, body, headers = {}) => {
      const response = await fetch(`${base}${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...headers } });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const tokenFor = (user: TestUser) => issueToken(JWT_SECRET, { sub: user.id, role: user.role, tenantId: user.tenantId }, 3600);

    const funded = await send('POST', '/api/platform/allocations/allocate', await tokenFor(admin), JSON.stringify({ tenantId: tenant.tenantId, amount: '9000000000', currency: 'USD', referenceNote: 'bench' }), {
      'content-type': 'application/json',
      prefer: 'wait=30',
    });
    if (funded.status !== 200) throw new Error(`funding the tenant failed: ${JSON.stringify(funded)}`);
    const [ledger, gateway] = apps;
    const cpuSeconds = () => ({ gateway: processCpuSeconds(gateway.child.pid), 'ledger-worker': processCpuSeconds(ledger.child.pid) });
    return { db, tenant, employees, tokenFor, send, cpuSeconds, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** utime + stime of a process, in seconds (fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 1/100 s). */
function processCpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Runs one benchmark on a fresh stack, removes the stack afterwards, and exits non-zero if it throws. */
export function runBench(options: Parameters<typeof startBenchStack>[0], bench: (stack: BenchStack) => Promise<void>): void {
  const run = async () => {
    const stack = await startBenchStack(options);
    try {
      await bench(stack);
    } finally {
      await stack.close();
    }
  };
  run().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
