import { TestUser, balances, insertTenantWithStaff, insertUser, journalCounts } from '@points/testing';
import { Stack, call, startStack, tokenFor } from './gateway-harness';

let stack: Stack;
let t: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let admin: TestUser;

beforeAll(async () => {
  stack = await startStack({ worker: false });
  t = await insertTenantWithStaff(stack.db.orm.em);
  admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
});
afterAll(() => stack.stop());

type Body = Record<string, unknown>;
interface CommandCase {
  path: string;
  as: () => TestUser;
  valid: () => Body;
  amountField: string;
  /** A field this caller may not send (mass assignment). */
  smuggled: Body;
}

const COMMANDS: CommandCase[] = [
  { path: '/api/platform/allocations/allocate', as: () => admin, valid: () => ({ tenantId: t.tenantId, amount: '10', currency: 'USD', referenceNote: 'x' }), amountField: 'amount', smuggled: { newBalance: '1000000' } },
  { path: '/api/platform/allocations/clawback', as: () => admin, valid: () => ({ tenantId: t.tenantId, amount: '10', referenceNote: 'x' }), amountField: 'amount', smuggled: { adminId: '00000000-0000-4000-8000-000000000000' } },
  { path: '/api/allocations/distribute-to-lead', as: () => t.manager, valid: () => ({ leadId: t.lead.id, amount: '10' }), amountField: 'amount', smuggled: { tenantId: '00000000-0000-4000-8000-000000000000' } },
  { path: '/api/allocations/award-points', as: () => t.lead, valid: () => ({ userId: t.employee.id, amount: '10' }), amountField: 'amount', smuggled: { role: 'tenant_manager' } },
  { path: '/api/recognitions', as: () => t.manager, valid: () => ({ recipientId: t.employee.id, points: '10', message: 'hi' }), amountField: 'points', smuggled: { tenantId: '00000000-0000-4000-8000-000000000000' } },
  { path: '/api/users', as: () => t.manager, valid: () => ({ email: 'a@b.test', displayName: 'A', role: 'employee' }), amountField: '', smuggled: { tenantId: '00000000-0000-4000-8000-000000000000' } },
];

function without(body: Body, key: string): Body {
  const copy = { ...body };
  delete copy[key];
  return copy;
}

type Request = { body?: unknown; rawBody?: string; field?: string };

/** Names of the cases, known up front; each builds its request lazily, once the fixtures exist. */
const FIELDS: Record<string, string[]> = {
  '/api/platform/allocations/allocate': ['tenantId', 'amount', 'currency', 'referenceNote'],
  '/api/platform/allocations/clawback': ['tenantId', 'amount', 'referenceNote'],
  '/api/allocations/distribute-to-lead': ['leadId', 'amount'],
  '/api/allocations/award-points': ['userId', 'amount'],
  '/api/recognitions': ['recipientId', 'points', 'message'],
  '/api/users': ['email', 'displayName', 'role'],
};

const invalidBodies = (c: CommandCase): [string, () => Request][] => {
  const cases: [string, () => Request][] = [
    ['malformed JSON', () => ({ rawBody: '{"amount": 1,' })],
    ['a JSON array', () => ({ body: [c.valid()] })],
    ['no body', () => ({ rawBody: '' })],
    ...FIELDS[c.path].map((key): [string, () => Request] => [`missing ${key}`, () => ({ body: without(c.valid(), key), field: key })]),
    ...FIELDS[c.path].map((key): [string, () => Request] => [`${key} of the wrong type`, () => ({ body: { ...c.valid(), [key]: { nested: true } }, field: key })]),
    [`smuggled ${Object.keys(c.smuggled)[0]}`, () => ({ body: { ...c.valid(), ...c.smuggled }, field: Object.keys(c.smuggled)[0] })],
  ];
  if (c.amountField) {
    const amount = (value: unknown) => () => ({ body: { ...c.valid(), [c.amountField]: value }, field: c.amountField });
    cases.push(
      ['a negative amount', amount('-5')],
      ['3 decimals', amount('1.001')],
      ['above the maximum', amount('10000000000000')],
      ['a float like 0.1 + 0.2', amount(0.1 + 0.2)],
      ['an amount in exponent notation', amount('1e3')],
      ['an amount that is a boolean', amount(true)],
    );
    if (c.amountField === 'amount') cases.push(['a zero amount', amount('0')]);
  }
  return cases;
};

describe.each(COMMANDS.map((c) => [c.path, c] as const))('%s', (_path, c) => {
  it.each(invalidBodies(c))('refuses %s with 400 and changes nothing', async (_name, build) => {
    const request = build();
    const before = { balances: await balances(stack.db.orm.em, t.tenantId), journals: await journalCounts(stack.db.orm.em), commands: await commandCount() };
    const response = await call(stack.base, 'POST', c.path, { token: await tokenFor(c.as()), ...request });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.ts|SELECT|INSERT/);
    if (request.field) expect(response.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.stringContaining(request.field) })]));
    expect({ balances: await balances(stack.db.orm.em, t.tenantId), journals: await journalCounts(stack.db.orm.em), commands: await commandCount() }).toEqual(before);
  });
});

/** A free-text field of each command. */
const TEXT_FIELD: Record<string, string> = {
  '/api/platform/allocations/allocate': 'referenceNote',
  '/api/platform/allocations/clawback': 'referenceNote',
  '/api/allocations/distribute-to-lead': 'description',
  '/api/allocations/award-points': 'description',
  '/api/recognitions': 'message',
  '/api/users': 'displayName',
};

describe.each(COMMANDS.map((c) => [c.path, c] as const))('%s with text that cannot be stored', (_path, c) => {
  it.each([
    ['a NUL character', 'a\u0000b'],
    ['an unpaired surrogate', 'x\ud800'],
  ])('refuses %s in a text field with 400 naming the field, and changes nothing', async (_what, text) => {
    const field = TEXT_FIELD[c.path];
    const before = { balances: await balances(stack.db.orm.em, t.tenantId), journals: await journalCounts(stack.db.orm.em), commands: await commandCount() };
    const response = await call(stack.base, 'POST', c.path, { token: await tokenFor(c.as()), body: { ...c.valid(), [field]: text } });
    expect({ field, status: response.status, code: response.body.error?.code }).toEqual({ field, status: 400, code: 'VALIDATION_FAILED' });
    expect(response.body.error.details).toEqual([expect.objectContaining({ field })]);
    expect({ balances: await balances(stack.db.orm.em, t.tenantId), journals: await journalCounts(stack.db.orm.em), commands: await commandCount() }).toEqual(before);
  });
});

it("refuses a NUL in a new tenant's name with 400 (it was a misleading 503), and in a bulk upload, its CSV or its query", async () => {
  const tenant = await call(stack.base, 'POST', '/api/platform/tenants', { token: await tokenFor(admin), body: { name: 'Bad\u0000Name', slug: 'nul-tenant' } });
  expect({ status: tenant.status, code: tenant.body.error?.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
  const token = await tokenFor(t.manager);
  const json = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token, body: { items: [{ userId: t.employee.id, amount: '1', description: 'x\u0000' }] } });
  const csv = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token, rawBody: `userId,amount,description\n${t.employee.id},1,x\u0000y\n`, headers: { 'content-type': 'text/csv' } });
  const query = await call(stack.base, 'POST', '/api/allocations/bulk-awards?description=a%00b', { token, rawBody: `userId,amount\n${t.employee.id},1\n`, headers: { 'content-type': 'text/csv' } });
  expect([json, csv, query].map((r) => [r.status, r.body.error?.code])).toEqual(Array(3).fill([400, 'VALIDATION_FAILED']));
  expect(await commandCount()).toBe(0);
});

it('a platform admin creating a user must name the tenant', async () => {
  const response = await call(stack.base, 'POST', '/api/users', { token: await tokenFor(admin), body: { email: 'x@y.test', displayName: 'X', role: 'employee' } });
  expect(response.status).toBe(400);
  expect(response.body.error.details).toEqual([{ field: 'tenantId', message: 'required for a platform admin' }]);
});

it('an employee may only give 0-point kudos (403), and a too-long Idempotency-Key is a 400', async () => {
  const kudos = await call(stack.base, 'POST', '/api/recognitions', { token: await tokenFor(t.employee), body: { recipientId: t.employee2.id, points: '5', message: 'hi' } });
  expect(kudos.status).toBe(403);
  const longKey = await call(stack.base, 'POST', '/api/allocations/award-points', {
    token: await tokenFor(t.manager),
    headers: { 'idempotency-key': 'k'.repeat(256) },
    body: { userId: t.employee.id, amount: '1' },
  });
  expect(longKey.status).toBe(400);
  expect(longKey.body.error.details).toEqual([expect.objectContaining({ field: 'idempotency-key' })]);
});

it('list queries validate limit and cursor', async () => {
  const token = await tokenFor(t.manager);
  // A cursor that decodes but names a time PostgreSQL cannot hold (year 0) is refused like any other forgery.
  const yearZero = Buffer.from(JSON.stringify({ t: '0000-01-01T00:00:00.000000Z', id: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
  for (const query of ['limit=0', 'limit=201', 'limit=abc', 'cursor=garbage', 'unknown=1', `cursor=${yearZero}`]) {
    const response = await call(stack.base, 'GET', `/api/users?${query}`, { token });
    expect({ query, status: response.status }).toEqual({ query, status: 400 });
  }
});

it('a crafted cursor is a 400 on time-keyed and version-keyed lists alike', async () => {
  const cursor = (key: object) => Buffer.from(JSON.stringify(key)).toString('base64url');
  const token = await tokenFor(t.employee);
  for (const [path, key] of [
    ['/api/feed', { t: 'x', id: '00000000-0000-4000-8000-000000000000' }],
    ['/api/feed', { t: '2026-13-45T00:00:00.000000Z', id: '00000000-0000-4000-8000-000000000000' }],
    ['/api/wallets/me/ledger', { v: '1'.repeat(30) }],
    ['/api/wallets/me/ledger', { v: '-1' }],
  ] as const) {
    const response = await call(stack.base, 'GET', `${path}?cursor=${cursor(key)}`, { token });
    expect({ path, key, status: response.status, code: response.body.error?.code }).toEqual({ path, key, status: 400, code: 'VALIDATION_FAILED' });
  }
});

it('a body over the size limit is refused with 413 and the SPEC code', async () => {
  const response = await call(stack.base, 'POST', '/api/recognitions', { token: await tokenFor(t.manager), body: { recipientId: t.employee.id, points: '1', message: 'x'.repeat(200_000) } });
  expect(response.status).toBe(413);
  expect(response.body.error).toEqual({ code: 'VALIDATION_FAILED', message: 'the request body is too large', details: [{ field: 'body', message: 'larger than the limit of 102400 bytes' }] });
});

async function commandCount(): Promise<number> {
  const [row] = await stack.db.orm.em.fork().execute<{ n: string }[]>('SELECT count(*)::text AS n FROM commands');
  return Number(row.n);
}

it.each(['%', '%zz', '%E0%A4%A', '%ED%A0%80', '%C0%80', '%FF'])('a path id that is not valid percent-encoded UTF-8 (%s) is a 400 naming the path, not a 500', async (id) => {
  const response = await call(stack.base, 'GET', `/api/commands/${id}`, { token: await tokenFor(t.manager) });
  expect(response.status).toBe(400);
  expect(response.body.error).toEqual({ code: 'VALIDATION_FAILED', message: 'the path is not valid percent-encoded UTF-8', details: [{ field: 'path', message: 'malformed percent-encoding' }] });
});
