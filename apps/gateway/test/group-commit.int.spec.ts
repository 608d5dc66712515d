import { randomUUID } from 'node:crypto';
import { NewCommand, storeCommands } from '@points/db';
import { TestUser, balances, insertTenantWithStaff, insertUser } from '@points/testing';
import { Stack, call, fundTenant, startStack, tokenFor } from './gateway-harness';

// The gateway stores concurrent commands with one INSERT and one COMMIT (group
// commit). These pin what each request still gets: its own command, the
// Idempotency-Key rules, nothing stored when the hand-over fails.

let stack: Stack;
let t: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let admin: TestUser;

beforeAll(async () => {
  stack = await startStack();
  t = await insertTenantWithStaff(stack.db.orm.em);
  admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  const funded = await fundTenant(stack, admin, t.tenantId, '1000');
  expect(funded.status).toBe(200);
});
afterAll(() => stack.stop());

const award = (issuer: NewCommand['issuerId'], key?: string): NewCommand => ({
  type: 'award',
  tenantId: t.tenantId,
  issuerId: issuer,
  payload: { userId: t.employee.id, amount: '1.00' },
  idempotencyKey: key,
  requestHash: key ? `hash-${key}` : null,
});

const storedUnder = (key: string) => stack.db.orm.em.fork().execute<{ id: string }[]>(`SELECT id FROM commands WHERE idempotency_key = ?`, [key]);

describe('storeCommands (one INSERT, one COMMIT for many)', () => {
  it('answers in input order; the same key twice in one batch is one command, the second a replay of the first', async () => {
    const key = `dup-${randomUUID()}`;
    const handedOver: string[] = [];
    const results = await storeCommands(stack.db.orm.em, [award(t.manager.id), award(t.manager.id, key), award(t.hr.id), award(t.manager.id, key)], async (created) => {
      handedOver.push(...created.map((command) => command.id));
    });

    expect(results.map((r) => r.created)).toEqual([true, expect.any(Boolean), true, expect.any(Boolean)]);
    expect(results[1].command.id).toBe(results[3].command.id);
    expect([results[1].created, results[3].created].sort()).toEqual([false, true]);
    expect(results[2].command.issuerId).toBe(t.hr.id);
    expect(handedOver.sort()).toEqual([results[0].command.id, results[1].command.id, results[2].command.id].sort());
    expect(await storedUnder(key)).toEqual([{ id: results[1].command.id }]);
  });

  it('a key already committed names the earlier command, which is not handed over again', async () => {
    const key = `again-${randomUUID()}`;
    const [first] = await storeCommands(stack.db.orm.em, [award(t.manager.id, key)]);
    const handedOver: string[] = [];
    const [retry, fresh] = await storeCommands(stack.db.orm.em, [award(t.manager.id, key), award(t.manager.id)], async (created) => {
      handedOver.push(...created.map((command) => command.id));
    });

    expect(retry).toEqual({ command: first.command, created: false });
    expect(fresh.created).toBe(true);
    expect(handedOver).toEqual([fresh.command.id]);
  });

  it('if the hand-over fails, none of the batch is stored', async () => {
    const keys = [`lost-${randomUUID()}`, `lost-${randomUUID()}`];
    await expect(
      storeCommands(
        stack.db.orm.em,
        keys.map((key) => award(t.manager.id, key)),
        async () => {
          throw new Error('Redis went away');
        },
      ),
    ).rejects.toThrow('Redis went away');
    for (const key of keys) expect(await storedUnder(key)).toEqual([]);
  });
});

describe('concurrent awards over HTTP', () => {
  it('60 at once, 10 of them retries of one key: 51 commands, each applied once', async () => {
    const token = await tokenFor(t.manager);
    const before = await balances(stack.db.orm.em, t.tenantId);
    const send = (headers: Record<string, string>) =>
      call(stack.base, 'POST', '/api/allocations/award-points', { token, headers, body: { userId: t.employee.id, amount: '1.00' } });
    const burst = `burst-${randomUUID()}`;
    const responses = await Promise.all([...Array.from({ length: 50 }, () => send({})), ...Array.from({ length: 10 }, () => send({ 'idempotency-key': burst }))]);

    expect(responses.map((r) => r.status)).toEqual(Array(60).fill(202));
    expect(new Set(responses.slice(0, 50).map((r) => r.body.commandId)).size).toBe(50);
    expect(new Set(responses.slice(50).map((r) => r.body.commandId)).size).toBe(1);
    const last = await call(stack.base, 'POST', '/api/allocations/award-points', { token, headers: { 'idempotency-key': burst, prefer: 'wait=10' }, body: { userId: t.employee.id, amount: '1.00' } });
    expect(last.body.status).toBe('succeeded');
    const ids = responses.map((r) => r.body.commandId as string);
    for (const id of new Set(ids)) {
      const done = await call(stack.base, 'GET', `/api/commands/${id}`, { token, headers: { prefer: 'wait=10' } });
      expect(done.body.status).toBe('succeeded');
    }
    expect(Number((await balances(stack.db.orm.em, t.tenantId)).pool)).toBe(Number(before.pool) - 51);
    // Stored together: a row's created_at is its transaction's start, so fewer distinct ones than commands means shared transactions.
    const [{ transactions }] = await stack.db.orm.em
      .fork()
      .execute<{ transactions: number }[]>('SELECT count(DISTINCT created_at)::int AS transactions FROM commands WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)', [JSON.stringify([...new Set(ids)])]);
    expect(transactions).toBeLessThan(51);
  });
});
