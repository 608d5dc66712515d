import { TestDatabase, createTestDatabase, freePort, insertTenantWithStaff, startAppProcess, testQueuePrefix, testRedisUrl } from '@points/testing';
import { JWT_SECRET, call, tokenFor } from './gateway-harness';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(2);
});
afterAll(() => db.drop());

it('on SIGTERM the gateway stops accepting, finishes the request in flight, and exits cleanly', async () => {
  const t = await insertTenantWithStaff(db.orm.em);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const gateway = await startAppProcess(
    'gateway',
    { DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: testQueuePrefix(), PORT: String(port), JWT_SECRET },
    'gateway listening',
  );
  const exited = new Promise<number | null>((done) => gateway.child.once('exit', (code) => done(code)));
  for (let i = 0; i < 50 && (await fetch(`${base}/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));

  // No ledger worker runs, so this request waits its full 2 seconds before answering 202.
  const inFlight = call(base, 'POST', '/api/allocations/award-points', {
    token: await tokenFor(t.manager),
    headers: { prefer: 'wait=2' },
    body: { userId: t.employee.id, amount: '1.00' },
  });
  // In flight once its command is stored (it then waits for the outcome).
  const stored = async () => Number((await db.orm.em.fork().execute<{ n: string }[]>('SELECT count(*)::text AS n FROM commands'))[0].n) > 0;
  for (let i = 0; i < 200 && !(await stored()); i++) await new Promise((r) => setTimeout(r, 10));
  gateway.child.kill('SIGTERM');

  const response = await inFlight;
  expect(response.status).toBe(202);
  expect(response.body).toMatchObject({ status: 'queued' });
  expect(await exited).toBe(0);
  await expect(fetch(`${base}/healthz`)).rejects.toThrow();
}, 30_000);
