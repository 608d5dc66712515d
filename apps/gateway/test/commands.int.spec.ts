import { Queue } from 'bullmq';
import { TestUser, balances, insertTenantWithStaff, insertUser } from '@points/testing';
import { Stack, call, fundTenant, startStack, tokenFor } from './gateway-harness';

let stack: Stack;
let t: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let admin: TestUser;
let managerToken: string;

beforeAll(async () => {
  stack = await startStack();
  t = await insertTenantWithStaff(stack.db.orm.em);
  admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  managerToken = await tokenFor(t.manager);
  const funded = await fundTenant(stack, admin, t.tenantId, '100');
  expect(funded.status).toBe(200);
});
afterAll(() => stack.stop());

const award = (amount: string, headers: Record<string, string> = {}) =>
  call(stack.base, 'POST', '/api/allocations/award-points', { token: managerToken, headers, body: { userId: t.employee.id, amount } });

describe('Idempotency-Key', () => {
  it('a sequential retry with the same key and body returns the same command and applies once', async () => {
    const before = await balances(stack.db.orm.em, t.tenantId);
    const first = await award('1.00', { 'idempotency-key': 'seq-1', prefer: 'wait=10' });
    const retry = await award('1', { 'idempotency-key': 'seq-1', prefer: 'wait=10' });

    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.body.commandId).toBe(first.body.commandId);
    const after = await balances(stack.db.orm.em, t.tenantId);
    expect(Number(after.pool)).toBe(Number(before.pool) - 1);
  });

  it('20 concurrent retries of one key apply once', async () => {
    const before = await balances(stack.db.orm.em, t.tenantId);
    const responses = await Promise.all(Array.from({ length: 20 }, () => award('2.00', { 'idempotency-key': 'burst-1' })));

    expect(responses.map((r) => r.status).every((s) => s === 202 || s === 200)).toBe(true);
    expect(new Set(responses.map((r) => r.body.commandId)).size).toBe(1);
    const done = await award('2.00', { 'idempotency-key': 'burst-1', prefer: 'wait=10' });
    expect(done.body.status).toBe('succeeded');
    const after = await balances(stack.db.orm.em, t.tenantId);
    expect(Number(after.pool)).toBe(Number(before.pool) - 2);
  });

  it('the same key with another body is 409 IDEMPOTENCY_KEY_REUSED and changes nothing', async () => {
    await award('1.00', { 'idempotency-key': 'reuse-1', prefer: 'wait=10' });
    const before = await balances(stack.db.orm.em, t.tenantId);
    const reused = await award('3.00', { 'idempotency-key': 'reuse-1' });

    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await balances(stack.db.orm.em, t.tenantId)).toEqual(before);
  });

  it('keys are scoped per user: another user may use the same key', async () => {
    const mine = await award('1.00', { 'idempotency-key': 'shared-key', prefer: 'wait=10' });
    const theirs = await call(stack.base, 'POST', '/api/allocations/award-points', {
      token: await tokenFor(t.hr),
      headers: { 'idempotency-key': 'shared-key', prefer: 'wait=10' },
      body: { userId: t.employee.id, amount: '1.00' },
    });
    expect(theirs.status).toBe(200);
    expect(theirs.body.commandId).not.toBe(mine.body.commandId);
  });
});

describe('Idempotency-Key while the queue fails', () => {
  /** The queue's next `add` or `addBulk` (the group commit's) waits, then fails, as a Redis going away would; later ones work. */
  function failNextEnqueue(queue: Queue) {
    const [add, addBulk] = [queue.add.bind(queue), queue.addBulk.bind(queue)];
    let calls = 0;
    const failFirst =
      <A extends unknown[], R>(real: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        if (calls++ > 0) return real(...args);
        await new Promise((r) => setTimeout(r, 300));
        throw new Error('Redis went away');
      };
    queue.add = failFirst(add) as typeof queue.add;
    queue.addBulk = failFirst(addBulk) as typeof queue.addBulk;
    return () => {
      queue.add = add;
      queue.addBulk = addBulk;
    };
  }

  it('a concurrent retry never holds a 202 for a command that does not stand: it waits for the first, then stores its own', async () => {
    const restore = failNextEnqueue(stack.queue as unknown as Queue);
    try {
      const before = await balances(stack.db.orm.em, t.tenantId);
      const first = award('1.00', { 'idempotency-key': 'race-1' });
      await new Promise((r) => setTimeout(r, 50)); // the first now holds its uncommitted command
      const [refused, retried] = await Promise.all([first, award('1.00', { 'idempotency-key': 'race-1', prefer: 'wait=10' })]);

      expect(refused.status).toBe(503);
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ status: 'succeeded' });
      const stored = await stack.db.orm.em.fork().execute<{ id: string }[]>(`SELECT id FROM commands WHERE issuer_id = ? AND idempotency_key = 'race-1'`, [t.manager.id]);
      expect(stored.map((row) => row.id)).toEqual([retried.body.commandId]);
      expect(Number((await balances(stack.db.orm.em, t.tenantId)).pool)).toBe(Number(before.pool) - 1);
    } finally {
      restore();
    }
  });

  it('the same for a bulk upload (its retry was a 500)', async () => {
    const restore = failNextEnqueue(stack.queues.bulkAwards as unknown as Queue);
    try {
      const send = () =>
        call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: managerToken, rawBody: `userId,amount\n${t.employee2.id},1.00\n`, headers: { 'content-type': 'text/csv', 'idempotency-key': 'bulk-race-1' } });
      const first = send();
      await new Promise((r) => setTimeout(r, 50));
      const [refused, retried] = await Promise.all([first, send()]);
      expect(refused.status).toBe(503);
      expect(retried.status).toBe(202);
      // The 202 names a bulk award that stands, and ends.
      let bulk = (await call(stack.base, 'GET', retried.body.statusUrl, { token: managerToken })).body;
      for (let i = 0; i < 200 && !['succeeded', 'rejected', 'failed'].includes(bulk.status); i++) {
        await new Promise((r) => setTimeout(r, 50));
        bulk = (await call(stack.base, 'GET', retried.body.statusUrl, { token: managerToken })).body;
      }
      expect(bulk).toMatchObject({ bulkId: retried.body.bulkId, status: 'succeeded', totalAmount: '1.00' });
    } finally {
      restore();
    }
  });
});

describe('Prefer: wait', () => {
  it('returns 200 with the command resource when it succeeds', async () => {
    const response = await award('1.00', { prefer: 'wait=10' });
    expect(response.status).toBe(200);
    expect(response.headers.get('preference-applied')).toBe('wait=10');
    expect(response.body).toMatchObject({ type: 'award', status: 'succeeded', result: { amount: '1.00', wallet: { newBalance: expect.any(String) } } });
  });

  it('returns 422 INSUFFICIENT_BALANCE when a business rule rejects it, and nothing moves', async () => {
    const before = await balances(stack.db.orm.em, t.tenantId);
    const response = await award('1000000.00', { prefer: 'wait=10' });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('INSUFFICIENT_BALANCE');
    expect(response.body.command).toMatchObject({ status: 'rejected' });
    expect(await balances(stack.db.orm.em, t.tenantId)).toEqual(before);
  });

  it('answers a rejection with the status of its code (SPEC §4): 404 for an unknown user, 403 for a self-award, with the command beside the error', async () => {
    const before = await balances(stack.db.orm.em, t.tenantId);
    const unknown = await call(stack.base, 'POST', '/api/allocations/award-points', {
      token: managerToken,
      headers: { prefer: 'wait=10' },
      body: { userId: '00000000-0000-4000-8000-000000000000', amount: '1.00' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'NOT_FOUND' }, command: { status: 'rejected', type: 'award' } });
    const self = await call(stack.base, 'POST', '/api/allocations/award-points', { token: managerToken, headers: { prefer: 'wait=10' }, body: { userId: t.manager.id, amount: '1.00' } });
    expect(self.status).toBe(403);
    expect(self.body).toMatchObject({ error: { code: 'FORBIDDEN' }, command: { status: 'rejected' } });
    expect(await balances(stack.db.orm.em, t.tenantId)).toEqual(before);
  });

  it('still answers 202 when the outcome is not ready in time', async () => {
    await stack.worker?.child.kill('SIGSTOP');
    try {
      const started = Date.now();
      const response = await award('1.00', { prefer: 'wait=1' });
      expect(response.status).toBe(202);
      expect(response.body).toMatchObject({ status: 'queued', statusUrl: `/api/commands/${response.body.commandId}` });
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      stack.worker?.child.kill('SIGCONT');
    }
  });
});

describe('GET /api/commands/:id', () => {
  it('serves the status and result to the issuer', async () => {
    const accepted = await award('1.00');
    expect(accepted.status).toBe(202);
    let resource = accepted.body;
    for (let i = 0; i < 100 && resource.status !== 'succeeded'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      resource = (await call(stack.base, 'GET', accepted.body.statusUrl, { token: managerToken })).body;
    }
    expect(resource).toMatchObject({ commandId: accepted.body.commandId, type: 'award', status: 'succeeded', createdAt: expect.any(String), completedAt: expect.any(String) });
  });
});

it("each job names the tenant its command acts on (the ledger worker batches by it)", async () => {
  const allocate = await call(stack.base, 'POST', '/api/platform/allocations/allocate', {
    token: await tokenFor(admin),
    body: { tenantId: t.tenantId, amount: '1', currency: 'USD', referenceNote: 'lane' },
  });
  const awarded = await award('0.50');
  expect((await stack.queue.getJob(allocate.body.commandId))?.data).toEqual({ commandId: allocate.body.commandId, type: 'allocate', tenantId: t.tenantId });
  expect((await stack.queue.getJob(awarded.body.commandId))?.data).toEqual({ commandId: awarded.body.commandId, type: 'award', tenantId: t.tenantId });
});
