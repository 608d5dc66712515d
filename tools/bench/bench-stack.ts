// The real system for the end-to-end benchmark: a scratch database and queue
// prefix, all three apps as child processes (as `npm run up` starts them), a
// platform admin to fund tenants. `close()` removes all of it.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { issueToken } from '@points/auth';
import { QUEUES } from '@points/contracts';
import { createRedis } from '@points/queue';
import { AppProcess, TestDatabase, TestUser, createTestDatabase, freePort, insertEmployees, insertTenantWithStaff, insertUser, startAppProcess, testQueuePrefix, testRedisUrl } from '@points/testing';

const JWT_SECRET = 'bench-secret-0123456789abcdef';

export type AppName = 'gateway' | 'ledger-worker' | 'notification-worker';
export const APP_NAMES: AppName[] = ['gateway', 'ledger-worker', 'notification-worker'];

const STARTED_LINE: Record<AppName, string> = {
  gateway: 'gateway listening',
  'ledger-worker': 'ledger worker started',
  'notification-worker': 'notification worker started',
};

/** A funded tenant: its manager's and HR admin's tokens (the givers) and its employees. */
export interface BenchTenant {
  tenantId: string;
  givers: string[];
  managerToken: string;
  employees: TestUser[];
}

export interface BenchStack {
  db: TestDatabase;
  /** The gateway's base URL. */
  baseUrl: string;
  pids: Record<AppName, number | undefined>;
  /** A tenant with `employees` employees, its pool funded through the API. */
  addTenant(employees: number): Promise<BenchTenant>;
  send(method: string, path: string, token: string, body?: string, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startBenchStack(options: { env?: Record<string, string> } = {}): Promise<BenchStack> {
  const db = await createTestDatabase(4);
  const prefix = testQueuePrefix();
  const apps: Partial<Record<AppName, AppProcess>> = {};
  const close = async () => {
    await Promise.all(Object.values(apps).map((app) => app.stop()));
    const redis = createRedis(testRedisUrl(), 'producer');
    const queues = Object.values(QUEUES).map((name) => new Queue(name, { connection: redis, prefix }));
    await Promise.all(queues.map((queue) => queue.obliterate({ force: true }).catch(() => undefined)));
    await Promise.all(queues.map((queue) => queue.close()));
    redis.disconnect();
    await db.drop();
  };
  try {
    const admin = await insertUser(db.orm.em.fork(), 'platform_admin', null);
    const port = await freePort();
    // Info level, as in production: the apps announce readiness at that level.
    const env = { DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, JWT_SECRET, LOG_LEVEL: 'info', ...options.env };
    const ports: Record<AppName, Record<string, string>> = {
      gateway: { PORT: String(port) },
      'ledger-worker': { LEDGER_WORKER_PORT: String(await freePort()) },
      'notification-worker': { NOTIFICATION_WORKER_PORT: String(await freePort()) },
    };
    await Promise.all(
      APP_NAMES.map(async (name) => {
        apps[name] = await startAppProcess(name, { ...env, ...ports[name] }, STARTED_LINE[name], 60_000);
      }),
    );
    const baseUrl = `http://127.0.0.1:${port}`;
    const send: BenchStack['send'] = async (method, path, token, body, headers = {}) => {
      const response = await fetch(`${baseUrl}${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...headers } });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const tokenFor = (user: TestUser) => issueToken(JWT_SECRET, { sub: user.id, role: user.role, tenantId: user.tenantId }, 6 * 3600);
    const adminToken = await tokenFor(admin);

    const addTenant = async (employeeCount: number): Promise<BenchTenant> => {
      const em = db.orm.em.fork();
      const tenant = await insertTenantWithStaff(em);
      const employees = await insertEmployees(em, tenant.tenantId, employeeCount, `bench-${randomUUID().slice(0, 8)}-`);
      const funded = await send(
        'POST',
        '/api/platform/allocations/allocate',
        adminToken,
        JSON.stringify({ tenantId: tenant.tenantId, amount: '9000000000', currency: 'USD', referenceNote: 'bench' }),
        { 'content-type': 'application/json', prefer: 'wait=30' },
      );
      if (funded.status !== 200) throw new Error(`funding a tenant failed: ${JSON.stringify(funded)}`);
      const [managerToken, hrToken] = await Promise.all([tokenFor(tenant.manager), tokenFor(tenant.hr)]);
      return { tenantId: tenant.tenantId, givers: [managerToken, hrToken], managerToken, employees };
    };
    const pids = Object.fromEntries(APP_NAMES.map((name) => [name, apps[name]?.child.pid])) as Record<AppName, number | undefined>;
    return { db, baseUrl, pids, addTenant, send, close };
  } catch (error) {
    await close();
    throw error;
  }
}
