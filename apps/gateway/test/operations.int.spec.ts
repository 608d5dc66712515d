import { existsSync } from 'node:fs';
import { AppProcess, PrivateRedis, freePort, insertTenantWithStaff, insertUser, startAppProcess, startPrivateRedis } from '@points/testing';
import { JWT_SECRET, Stack, call, startStack, tokenFor } from './gateway-harness';

const CHROMIUM = '/usr/bin/chromium';
let stack: Stack;
let notifier: AppProcess;
let notifierUrl: string;

beforeAll(async () => {
  stack = await startStack();
  const port = await freePort();
  notifierUrl = `http://127.0.0.1:${port}`;
  notifier = await startAppProcess(
    'notification-worker',
    { DATABASE_URL: stack.db.url, REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', QUEUE_PREFIX: stack.prefix, NOTIFICATION_WORKER_PORT: String(port), JWT_SECRET },
    'notification worker started',
  );
}, 60_000);
afterAll(async () => {
  await notifier.stop();
  await stack.stop();
});

/** The value of one sample line, e.g. metric('x_total', 'type="award"'). */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(name) && !l.startsWith('#') && labels.split(',').every((label) => l.includes(label)));
  return line ? Number(line.split(' ').pop()) : Number.NaN;
}

describe('metrics', () => {
  it('gateway and workers expose the documented series, with non-zero values after traffic', async () => {
    const t = await insertTenantWithStaff(stack.db.orm.em);
    const admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
    await call(stack.base, 'POST', '/api/platform/allocations/allocate', { token: await tokenFor(admin), headers: { prefer: 'wait=10' }, body: { tenantId: t.tenantId, amount: '100', currency: 'USD', referenceNote: 'm' } });
    const award = await call(stack.base, 'POST', '/api/allocations/award-points', { token: await tokenFor(t.manager), headers: { prefer: 'wait=10' }, body: { userId: t.employee.id, amount: '7.50' } });
    expect(award.status).toBe(200);

    const gateway = await (await fetch(`${stack.base}/metrics`)).text();
    expect(sample(gateway, 'points_http_requests_total', 'route="/api/allocations/award-points",status="200"')).toBe(1);
    expect(sample(gateway, 'points_http_request_duration_seconds_count', 'route="/api/allocations/award-points"')).toBe(1);
    expect(gateway).toMatch(/points_queue_jobs\{queue="commands",state="completed"[^}]*\} [1-9]/);

    const ledger = await (await fetch(`${stack.workerOpsUrl}/metrics`)).text();
    expect(sample(ledger, 'points_command_latency_seconds_count', 'type="award",status="succeeded"')).toBe(1);
    expect(sample(ledger, 'points_commands_total', 'type="allocate",status="succeeded"')).toBe(1);
    expect(sample(ledger, 'points_awards_total', 'source="tenant_pool"')).toBe(1);
    expect(sample(ledger, 'points_points_awarded_total', 'source="tenant_pool"')).toBe(7.5);
    expect(ledger).toMatch(/points_queue_jobs\{queue="commands",state="waiting"/);
    expect(sample(ledger, 'points_ledger_batch_size_count')).toBeGreaterThanOrEqual(2);

    // The notification worker relays the outbox on its own schedule: wait for it to have handled the events.
    const handled = /points_queue_jobs\{queue="notifications",state="completed"[^}]*\} [1-9]/;
    let notifications = '';
    for (let i = 0; i < 100 && !handled.test(notifications); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      notifications = await (await fetch(`${notifierUrl}/metrics`)).text();
    }
    expect(notifications).toMatch(/points_outbox_lag_seconds[^\n]* \d/);
    expect(notifications).toMatch(/\npoints_outbox_undelivered[^\n]* \d/);
    expect(notifications).toMatch(/\npoints_outbox_dead_lettered[^\n]* 0\n/);
    expect(notifications).toMatch(handled);
    expect((await fetch(`${notifierUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${stack.workerOpsUrl}/healthz`)).status).toBe(200);
  });
});

describe('queue dashboard', () => {
  it('lets only platform admins in: 401 without credentials, 403 for another role, 200 for an admin', async () => {
    const t = await insertTenantWithStaff(stack.db.orm.em);
    const admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
    expect((await call(stack.base, 'GET', '/admin/queues', { headers: { accept: 'application/json' } })).status).toBe(401);
    expect((await call(stack.base, 'GET', '/admin/queues', { token: await tokenFor(t.manager) })).status).toBe(403);
    expect((await call(stack.base, 'GET', '/admin/queues/api/queues', { token: await tokenFor(t.hr) })).status).toBe(403);
    const api = await call(stack.base, 'GET', '/admin/queues/api/queues', { token: await tokenFor(admin) });
    expect(api.status).toBe(200);
    expect(api.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(['bulk-awards', 'commands', 'dead-letters', 'notifications']);
    const forged = await fetch(`${stack.base}/admin/queues/api/queues`, { headers: { cookie: 'points_admin_session=forged' } });
    expect(forged.status).toBe(401);
  });

  it('a browser logs in with a form post (no token in the URL) and gets a short-lived HttpOnly cookie', async () => {
    const admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
    const login = await fetch(`${stack.base}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: await tokenFor(admin) }).toString(),
    });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/admin/queues');
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/points_admin_session=.+; Max-Age=1800; Path=\/admin;.*HttpOnly; SameSite=Strict/);
    const page = await fetch(`${stack.base}/admin/queues/api/queues`, { headers: { cookie: cookie.split(';')[0] } });
    expect(page.status).toBe(200);
  });

  it('every change made in the dashboard is an audit row naming the admin, by token or by cookie; a refused attempt records nothing', async () => {
    const t = await insertTenantWithStaff(stack.db.orm.em);
    const admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
    const token = await tokenFor(admin);
    const dashboardAudit = async () =>
      (await call(stack.base, 'GET', '/api/platform/audit?limit=100', { token })).body.items.filter((e: { action: string }) => e.action.startsWith('queue_dashboard.'));
    const before = (await dashboardAudit()).length;

    expect((await call(stack.base, 'PUT', '/admin/queues/api/queues/dead-letters/clean/completed', { token: await tokenFor(t.manager) })).status).toBe(403);
    expect(await dashboardAudit()).toHaveLength(before);

    const added = await call(stack.base, 'POST', '/admin/queues/api/queues/dead-letters/add', { token, body: { name: 'probe', data: { note: 'added by hand' } } });
    expect(added.status).toBe(200);
    const login = await fetch(`${stack.base}/admin/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const cleaned = await fetch(`${stack.base}/admin/queues/api/queues/dead-letters/clean/completed`, { method: 'PUT', headers: { cookie } });
    expect(cleaned.status).toBe(200);

    const recorded = (await dashboardAudit()).slice(0, 2);
    expect(recorded).toEqual([
      expect.objectContaining({ action: 'queue_dashboard.clean', actorId: admin.id, entityType: 'queue', after: expect.objectContaining({ method: 'PUT', queue: 'dead-letters', path: '/api/queues/dead-letters/clean/completed' }) }),
      expect.objectContaining({ action: 'queue_dashboard.add', actorId: admin.id, after: expect.objectContaining({ method: 'POST', queue: 'dead-letters', body: { name: 'probe', data: { note: 'added by hand' } } }) }),
    ]);
  });

  (existsSync(CHROMIUM) ? it : it.skip)('in headless Chromium, a logged-in admin sees every queue listed', async () => {
    const { chromium } = await import('playwright-core');
    const admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${stack.base}/admin/queues`);
      expect(page.url()).toBe(`${stack.base}/admin/login`);
      await page.fill('textarea[name=token]', await tokenFor(admin));
      await page.click('button[type=submit]');
      await page.waitForURL(`${stack.base}/admin/queues`);
      for (const name of ['commands', 'notifications', 'bulk-awards', 'dead-letters']) {
        await page.getByText(name, { exact: true }).first().waitFor({ timeout: 15_000 });
      }
      await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/points-dashboard.png` });
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe('readiness under a Redis outage', () => {
  let redis: PrivateRedis;
  let worker: AppProcess;
  let opsUrl: string;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    const port = await freePort();
    opsUrl = `http://127.0.0.1:${port}`;
    worker = await startAppProcess('ledger-worker', { DATABASE_URL: stack.db.url, REDIS_URL: redis.url, QUEUE_PREFIX: stack.prefix, LEDGER_WORKER_PORT: String(port), LOG_LEVEL: 'info' }, 'ledger worker started');
  }, 60_000);
  afterAll(async () => {
    await worker.stop('SIGKILL');
    await redis.kill();
  });

  it("a worker's /readyz turns 503 when its Redis stops and 200 when it returns", async () => {
    expect((await fetch(`${opsUrl}/readyz`)).status).toBe(200);
    await redis.kill();
    let status = 200;
    for (let i = 0; i < 40 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await fetch(`${opsUrl}/readyz`)).status;
    }
    expect(status).toBe(503);
    await redis.restart();
    for (let i = 0; i < 80 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await fetch(`${opsUrl}/readyz`)).status;
    }
    expect(status).toBe(200);
  }, 60_000);
});
