import { gzipSync } from 'node:zlib';
import { AppProcess, freePort, insertEmployees, insertTenantWithStaff, startAppProcess, testRedisUrl } from '@points/testing';
import { JWT_SECRET, Stack, call, startStack, tokenFor } from './gateway-harness';

/**
 * What a caller can make the gateway do before it knows who they are, and how
 * much one tenant can queue. No ledger worker runs here, so bulk awards stay
 * pending until a test starts one.
 */
const MAX_PENDING = 3;
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ worker: false, rateLimitPerMinute: 20, bulkMaxPendingPerTenant: MAX_PENDING });
});
afterAll(() => stack.stop());

const count = async (sql: string, params: unknown[] = []) => Number((await stack.db.orm.em.fork().execute<{ n: string }[]>(`SELECT (${sql})::text AS n`, params))[0].n);
const stored = () => count('SELECT (SELECT count(*) FROM commands) + (SELECT count(*) FROM bulk_award_items)');

/** A tenant whose pool holds `pool`, set directly: no worker runs here, and only the gateway's reading of it matters. */
async function tenantWithPool(pool: string, employees = 5) {
  const t = await insertTenantWithStaff(stack.db.orm.em);
  await stack.db.orm.em.fork().execute('UPDATE tenants SET points_allocation_balance = ? WHERE id = ?', [pool, t.tenantId]);
  return { ...t, employees: await insertEmployees(stack.db.orm.em, t.tenantId, employees, `e-${t.tenantId.slice(0, 8)}`), token: await tokenFor(t.manager) };
}

const bulkOf = (recipients: { id: string }[], amount: string) => ({ description: 'abuse test', items: recipients.map((u) => ({ userId: u.id, amount })) });

describe('bodies', () => {
  it('no body is read before the caller is authenticated: malformed JSON and a 5 MB upload without a token are 401, not 400/413', async () => {
    const malformed = await call(stack.base, 'POST', '/api/allocations/award-points', { rawBody: '{"userId": ' });
    expect(malformed.status).toBe(401);
    const big = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { rawBody: `{"items":[${'{"userId":"x","amount":"1"},'.repeat(180_000)}{}]}` });
    expect(big.status).toBe(401);
    expect(big.body.error.code).toBe('UNAUTHENTICATED');
  });

  it("a caller over the rate limit is refused before their body is read: 429 with Retry-After, even for malformed JSON", async () => {
    const t = await tenantWithPool('0');
    const token = await tokenFor(t.employee);
    for (let i = 0; i < 20; i++) await call(stack.base, 'GET', '/api/me', { token });
    const refused = await call(stack.base, 'POST', '/api/recognitions', { token, rawBody: '{"not json' });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it.each(['gzip', 'deflate', 'br'])('a %s-compressed body is refused with 400 naming Content-Encoding, and nothing is stored', async (encoding) => {
    const t = await tenantWithPool('100.00');
    const before = await stored();
    // 50 KB of gzip that would inflate to 20 MB of JSON.
    const bomb = gzipSync(Buffer.from(JSON.stringify(bulkOf(Array.from({ length: 400_000 }, () => t.employees[0]), '1.00'))));
    const response = await fetch(`${stack.base}/api/allocations/bulk-awards`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json', 'content-encoding': encoding },
      body: bomb,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'content-encoding', message: 'must be identity (or absent)' }] });
    expect(await stored()).toBe(before);
  });

  it('100 kb everywhere except the bulk route: 413 on an award, while a 10,000-row bulk award (~0.5 MB) is accepted', async () => {
    const t = await tenantWithPool('100000.00', 20);
    const award = await call(stack.base, 'POST', '/api/allocations/award-points', { token: t.token, body: { userId: t.employee.id, amount: '1', description: 'x'.repeat(120_000) } });
    expect(award.status).toBe(413);
    const rows = Array.from({ length: 10_000 }, (_, i) => t.employees[i % t.employees.length]);
    const bulk = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: t.token, body: bulkOf(rows, '1.00') });
    expect(bulk.status).toBe(202);
  });

  it('a CSV cell is bounded like the same JSON field: 400 naming the row and column, nothing stored', async () => {
    const t = await tenantWithPool('100.00');
    const before = await stored();
    const csv = `userId,amount,description\n${t.employee.id},1.00,fine\n${t.employee2.id},1.00,${'d'.repeat(501)}\n`;
    const response = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: t.token, rawBody: csv, headers: { 'content-type': 'text/csv' } });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'items.1.description', message: expect.stringMatching(/500/) }] });
    expect(await stored()).toBe(before);
  });
});

describe('bulk awards', () => {
  it('a bulk award whose valid amounts already exceed the source is refused at once (422), before any row is stored', async () => {
    const t = await tenantWithPool('100.00');
    const before = await stored();
    const response = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: t.token, body: bulkOf(t.employees, '30.00') });
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({ code: 'INSUFFICIENT_BALANCE', details: [{ field: 'items', available: '100.00', requested: '150.00' }] });
    expect(await stored()).toBe(before);
  });

  it('a retry under the same Idempotency-Key gets its bulk award back even when the pool has shrunk since', async () => {
    const t = await tenantWithPool('100.00');
    const headers = { 'idempotency-key': 'bulk-retry-1' };
    const first = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: t.token, headers, body: bulkOf(t.employees, '20.00') });
    expect(first.status).toBe(202);
    await stack.db.orm.em.fork().execute('UPDATE tenants SET points_allocation_balance = 0 WHERE id = ?', [t.tenantId]);
    const retry = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: t.token, headers, body: bulkOf(t.employees, '20.00') });
    expect(retry.status).toBe(202);
    expect(retry.body.bulkId).toBe(first.body.bulkId);
  });

  it(`a tenant has at most ${MAX_PENDING} bulk awards pending: of 6 concurrent uploads exactly ${MAX_PENDING} are accepted, the rest get 429 with Retry-After and store nothing; another tenant is unaffected`, async () => {
    const t = await tenantWithPool('1000.00');
    const other = await tenantWithPool('1000.00');
    const before = await stored();
    const responses = await Promise.all(Array.from({ length: 6 }, () => call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: t.token, body: bulkOf(t.employees, '1.00') })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([202, 202, 202, 429, 429, 429]);
    for (const refused of responses.filter((r) => r.status === 429)) {
      expect(refused.body.error.code).toBe('RATE_LIMITED');
      expect(refused.headers.get('retry-after')).toBe('30');
    }
    expect(await stored()).toBe(before + MAX_PENDING * (1 + t.employees.length));
    expect((await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: other.token, body: bulkOf(other.employees, '1.00') })).status).toBe(202);
  });

  it("one tenant's backlog delays another tenant's bulk award by at most one job", async () => {
    // A fresh queue position for both tenants: everything before this test is already queued, so run it in its own prefix's order.
    const busy = await tenantWithPool('1000.00');
    const late = await tenantWithPool('1000.00');
    const ids: Record<string, string> = {};
    for (let i = 0; i < MAX_PENDING; i++) ids[`busy-${i}`] = (await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: busy.token, body: bulkOf(busy.employees, '1.00') })).body.bulkId;
    ids.late = (await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: late.token, body: bulkOf(late.employees, '1.00') })).body.bulkId;
    // The priority each job waits with: its place in its tenant's line.
    const priorities = await Promise.all(Object.values(ids).map(async (id) => (await stack.queues.bulkAwards.getJob(id))?.opts.priority));
    expect(priorities).toEqual([1, 2, 3, 1]);

    // Only these jobs left in the queue, then one worker: the late tenant's award runs second at the latest.
    const others = (await stack.queues.bulkAwards.getJobs(['prioritized', 'waiting'])).filter((job) => !Object.values(ids).includes(job.id as string));
    await Promise.all(others.map((job) => job.remove()));
    const port = await freePort();
    const worker: AppProcess = await startAppProcess('ledger-worker', { DATABASE_URL: stack.db.url, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: stack.prefix, LEDGER_WORKER_PORT: String(port), JWT_SECRET }, 'ledger worker started');
    try {
      const order = async () =>
        stack.db.orm.em
          .fork()
          .execute<{ id: string }[]>(`SELECT id FROM bulk_awards WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) AND completed_at IS NOT NULL ORDER BY completed_at`, [JSON.stringify(Object.values(ids))]);
      for (let i = 0; i < 600 && (await order()).length < 4; i++) await new Promise((r) => setTimeout(r, 50));
      const finished = (await order()).map((row) => row.id);
      expect(finished).toHaveLength(4);
      expect(finished.indexOf(ids.late)).toBeLessThanOrEqual(1);
    } finally {
      await worker.stop();
    }
  }, 60_000);
});
