import { PrivateRedis, TestUser, insertTenantWithStaff, startPrivateRedis } from '@points/testing';
import { Stack, call, startStack, tokenFor } from './gateway-harness';

let redis: PrivateRedis;
let stack: Stack;
let t: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let manager: TestUser;

beforeAll(async () => {
  redis = await startPrivateRedis();
  stack = await startStack({ worker: false, redisUrl: redis.url, rateLimitPerMinute: 30 });
  t = await insertTenantWithStaff(stack.db.orm.em);
  manager = t.manager;
});
afterAll(async () => {
  await stack.stop();
  await redis.kill();
});

const commandCount = async () => Number((await stack.db.orm.em.fork().execute<{ n: string }[]>('SELECT count(*)::text AS n FROM commands'))[0].n);

it('with Redis down, commands get 503, /readyz is 503 and nothing is accepted; reads still work; all recovers when Redis returns', async () => {
  const token = await tokenFor(manager);
  const body = { userId: t.employee.id, amount: '1.00' };
  await redis.kill();
  // Until the gateway has noticed (its readiness says so).
  for (let i = 0; i < 100 && (await call(stack.base, 'GET', '/readyz')).status !== 503; i++) await new Promise((r) => setTimeout(r, 20));
  const before = await commandCount();

  const refused = await call(stack.base, 'POST', '/api/allocations/award-points', { token, body });
  expect(refused.status).toBe(503);
  expect(refused.body.error.code).toBe('SERVICE_UNAVAILABLE');
  expect(await commandCount()).toBe(before);
  expect((await call(stack.base, 'GET', '/api/me', { token })).status).toBe(200);
  expect((await call(stack.base, 'GET', '/readyz')).status).toBe(503);
  // A scrape still answers, promptly, with the queue gauges' last values.
  const scrape = await fetch(`${stack.base}/metrics`);
  expect(scrape.status).toBe(200);
  expect(await scrape.text()).toMatch(/points_http_requests_total/);

  await redis.restart();
  let accepted = refused;
  for (let i = 0; i < 50 && accepted.status !== 202; i++) {
    await new Promise((r) => setTimeout(r, 200));
    accepted = await call(stack.base, 'POST', '/api/allocations/award-points', { token, body });
  }
  expect(accepted.status).toBe(202);
  expect(await commandCount()).toBe(before + 1);
  expect((await call(stack.base, 'GET', '/readyz')).status).toBe(200);
});

it('rate-limits per user with 429 RATE_LIMITED and Retry-After', async () => {
  const token = await tokenFor(t.hr);
  let response = await call(stack.base, 'GET', '/api/me', { token });
  for (let i = 0; i < 40 && response.status !== 429; i++) response = await call(stack.base, 'GET', '/api/me', { token });
  expect(response.status).toBe(429);
  expect(response.body.error.code).toBe('RATE_LIMITED');
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  // Another user is not affected.
  expect((await call(stack.base, 'GET', '/api/me', { token: await tokenFor(t.lead) })).status).toBe(200);
});

it('one limit per user across gateway instances: requests through a second gateway count against the same budget', async () => {
  const token = await tokenFor(t.employee);
  const another = await stack.startAnotherGateway();
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await call(i % 2 ? another.base : stack.base, 'GET', '/api/me', { token })).status);
    // 30 per minute in all, not 30 per instance.
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
  } finally {
    await another.close();
  }
});

it('a private Redis that dies without kill() is reported at once (a fault test fails instead of hanging on it)', async () => {
  let report!: (error: Error) => void;
  const reported = new Promise<Error>((resolve) => (report = resolve));
  const doomed = await startPrivateRedis({ onUnexpectedExit: report });
  process.kill(doomed.pid as number, 'SIGKILL');
  expect((await reported).message).toMatch(new RegExp(`private redis-server on port ${doomed.port} died unexpectedly`));
  // kill() of a server already gone, and a deliberate kill, report nothing.
  await doomed.kill();
  const unexpected: Error[] = [];
  const calm = await startPrivateRedis({ onUnexpectedExit: (error) => unexpected.push(error) });
  await calm.kill();
  await new Promise((r) => setImmediate(r));
  expect(unexpected).toEqual([]);
});
