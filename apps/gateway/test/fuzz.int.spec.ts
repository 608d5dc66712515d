/**
 * Property-based fuzzing of EVERY route in the gateway's own /openapi.json (a
 * route added later is fuzzed without touching this file): random and
 * adversarial methods, paths and path ids, query strings, headers
 * (Authorization, Content-Type, Content-Encoding, Idempotency-Key, Prefer) and
 * bodies (schema-aware: each documented field gets valid values, other
 * tenants' ids, wrong types, money such as '1e3', '0.001', '-1', NUL bytes, lone
 * surrogates, SQL and unicode, very long and nested values, and extra keys such
 * as `__proto__`, `constructor`, `tenantId`, `role`, `balance`). Properties, for
 * every request:
 *   1. never a 5xx;
 *   2. every non-2xx body is the contracts' ErrorResponse with a SPEC code whose
 *      status it carries (413 VALIDATION_FAILED past the body limit);
 *   3. a request the gateway refuses changes nothing at all (balances, journals,
 *      commands, outbox, bulk awards, users: one snapshot before, one after); a
 *      command the ledger refused under `Prefer: wait` moves no money;
 *   4. a tenant user's request, even an accepted one, never changes another tenant.
 * A second property sends bodies of sizes around each route's body limit.
 *
 * The real gateway, ledger worker, PostgreSQL and Redis (startStack). After an
 * accepted command the test waits until the ledger has applied it, so every
 * "before" snapshot is taken at rest.
 *
 * Runs: FUZZ_RUNS cases in all for the route property (shared evenly between the
 * routes), FUZZ_RUNS / 4 for the size property. The default keeps the file well
 * under a minute in `npm test`. Long mode (12,199 cases in about 3.5 minutes on 2 cores, measured):
 *
 *   FUZZ_RUNS=10000 TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres LOG_LEVEL=silent \
 *     npx jest -c apps/gateway/jest.config.cjs fuzz
 *
 * FUZZ_SEED=<n> replays a run (fast-check prints the seed and the shrunk
 * counterexample of a failure); FUZZ_REPORT=1 prints the statuses seen per route.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { Role } from '@points/contracts';
import { TestUser, insertTenantWithStaff, insertUser } from '@points/testing';
import { Stack, call, startStack, tokenFor } from './gateway-harness';
import { RawRequest, Snapshot, errorModelViolation, limitInBytes, moneyOf, rawRequest, snapshot, waitForQuiet } from './adversarial';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 800);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const REPORT = Boolean(process.env.FUZZ_REPORT ?? process.env.FUZZ_RUNS);
/**
 * Nesting the main property sends. A few thousand levels (3,000 to 6,500, depending on JIT warm-up) is a
 * known 500: security-cases.int.spec.ts keeps it as a failing test, so the fuzzers stay well below.
 */
const SAFE_DEPTH = 1_000;
/** The harness's BODY_LIMIT, and the bulk-award route's own (used when the document does not say). */
const DEFAULT_LIMITS = { body: '100kb', bulk: '20mb' };

// ---------------------------------------------------------------------------
// The OpenAPI document, as operations

interface JsonSchema {
  type?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: JsonSchema;
}

interface Operation {
  method: 'get' | 'post';
  /** OpenAPI template, e.g. /api/commands/{commandId}. */
  path: string;
  id: string;
  /** null: no authentication (operations routes). */
  roles: Role[] | null;
  params: Parameter[];
  /** Media type → schema. */
  bodies: Record<string, JsonSchema>;
  /** Bytes; only for operations with a body. */
  bodyLimit: number;
}

interface OpenApiOperation {
  operationId: string;
  description?: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description?: string }>;
}

function operationsOf(document: { paths: Record<string, Record<string, OpenApiOperation>>; components?: { schemas?: Record<string, JsonSchema> } }): Operation[] {
  const deref = (schema: JsonSchema): JsonSchema => {
    if (schema.$ref) return deref(document.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')] ?? {});
    const out: JsonSchema = { ...schema };
    if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, deref(v)]));
    if (schema.items) out.items = deref(schema.items);
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) if (schema[key]) out[key] = schema[key]?.map(deref);
    return out;
  };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const roles = /Roles: ([a-z_, ]+)\./.exec(op.description ?? '')?.[1].split(', ') as Role[] | undefined;
      const bodies = Object.fromEntries(Object.entries(op.requestBody?.content ?? {}).map(([type, { schema }]) => [type, deref(schema)]));
      // The 413 the router documents names the route's limit; otherwise the harness's.
      const documented = /larger than (\d+(?:\.\d+)?\s*[kmg]?b)\b/i.exec(op.responses['413']?.description ?? '')?.[1];
      const limit = documented ?? (path.includes('bulk-awards') ? DEFAULT_LIMITS.bulk : DEFAULT_LIMITS.body);
      operations.push({
        method: method as 'get' | 'post',
        path,
        id: op.operationId,
        roles: op.security && op.security.length === 0 ? null : (roles ?? []),
        params: (op.parameters ?? []).map((p) => ({ ...p, schema: deref(p.schema ?? {}) })),
        bodies,
        bodyLimit: limitInBytes(limit),
      });
    }
  }
  return operations;
}

// ---------------------------------------------------------------------------
// JSON with exact control over its text: duplicate keys, `__proto__` as an own
// key, numbers PostgreSQL or JavaScript cannot hold, nesting of any depth.

class Obj {
  constructor(readonly entries: [string, Json][]) {}
}
class Raw {
  constructor(readonly text: string) {}
}
type Json = null | boolean | string | Json[] | Obj | Raw;

function serialise(value: Json): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Obj) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${serialise(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(serialise).join(',')}]`;
  return JSON.stringify(value);
}

function toJson(value: unknown): Json {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return new Raw(Number.isFinite(value) ? JSON.stringify(value) : '1e999');
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') return new Obj(Object.entries(value as object).map(([k, v]) => [k, toJson(v)]));
  return null;
}

// ---------------------------------------------------------------------------
// Corpora

const TEXT = [
  '',
  ' ',
  '\t\n',
  "Robert'); DROP TABLE users;--",
  "' OR '1'='1",
  '%_\\',
  '$1 $$ ::text',
  '${jndi:ldap://x/a}',
  '<script>alert(1)</script>',
  '🎉🏆',
  '👨‍👩‍👧‍👦',
  'مرحبا بالعالم',
  'שלום \u202Egnp.exe',
  'e\u0301\u0301\u0301 Z̴̡̛͓a̶l̷g̶o̸',
  'a\u0000b',
  '\u0000',
  'x\ud800',
  '\udc00y',
  '\uFEFFbom',
  '\u2028\u2029',
  'null',
  '__proto__',
  'NaN',
  '9'.repeat(400),
  '\r\n\r\n',
];

const GOOD_MONEY = ['1', '0.01', '10.50', '1000.00', '9999999999999.99', '0', '0.00', ' 5 '];
const BAD_MONEY = [
  '-1',
  '-0.01',
  '0.001',
  '1e3',
  '1E3',
  '1,00',
  '1.',
  '.5',
  '+1',
  '0x10',
  'Infinity',
  'NaN',
  '',
  '١٢٣',
  '１２３',
  '10000000000000',
  '99999999999999.99',
  '1.234',
  '00.1',
  '01',
  '1_000',
  '1e-2',
  '1\u0000',
  '1 000',
];
const NUMBERS = [
  '0',
  '-0',
  '1',
  '-1',
  '1e3',
  '1E3',
  '1e400',
  '-1e400',
  '1e-400',
  '0.1',
  '0.001',
  '1.005',
  '9999999999999.99',
  '10000000000000',
  '9007199254740993',
  '123456789012345678901234567890',
  '0.30000000000000004',
  '1.0',
  '1.000',
  '2e1',
  '-9999999999999.99',
];
const RAW_BODIES = [
  '',
  ' ',
  'null',
  'true',
  '0',
  '"x"',
  '[]',
  '{}',
  '{',
  '{"a":1,}',
  "{'a':1}",
  '{"a":1}{"b":2}',
  '\uFEFF{}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  'NaN',
  '1e99999',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"items":[{"__proto__":{"polluted":true},"userId":"x","amount":"1"}]}',
  '[{"amount":"1"}]',
  '{"amount":1}'.repeat(3),
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=UTF-8',
  'application/json;charset="utf-8"; foo=bar',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=utf-7',
  'application/json; charset=nonsense',
  'APPLICATION/JSON',
  'application/merge-patch+json',
  'application/vnd.api+json',
  'text/plain',
  'text/csv',
  'text/csv; charset=latin1',
  'text/csv; charset=nonsense',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '*/*',
  '',
  ';;;',
  'json',
];
const ENCODINGS = ['gzip', 'deflate', 'br', 'zstd', 'identity', 'GZIP', 'gzip, identity', 'x-gzip', 'compress', '*', 'identity, gzip'];
const PREFER = ['wait=0', 'wait=1', 'wait=2', 'wait=abc', 'wait=-1', 'wait=99999999999999999999', 'respond-async', 'wait=1;foo', 'handling=strict, wait=1', 'wait = 1', 'wait=1.5', 'WAIT=1', 'return=minimal', ''];
const IDEMPOTENCY_KEYS = ['', ' ', 'k', 'fuzz-key-1', 'fuzz-key-2', 'a'.repeat(255), 'a'.repeat(256), 'a'.repeat(3000), 'cl\u00e9', Buffer.from('🔑', 'utf8').toString('latin1'), "k'; DROP TABLE commands;--", '\t k \t'];
/**
 * Header and path sizes stay under Node's 16 KB request-head limit (maxHeaderSize): past it Node itself
 * answers 431 with an empty body before the gateway sees the request (pinned by its own test below).
 */
const JUNK_AUTH = [
  'Bearer',
  'Bearer ',
  'Bearer not.a.jwt',
  'Bearer a.b.c',
  'Basic Zm9vOmJhcg==',
  'bearer',
  'Token abc',
  `Bearer ${'a'.repeat(3000)}`,
  'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  "Bearer ' OR '1'='1",
  'Bearer \u00ff\u00fe',
];
const JUNK_IDS = ['%', '%zz', '%E0%A4%A', '%ED%A0%80', '%C0%80', '%FF', 'not-a-uuid', '0', '-1', '..', '.', 'a%2Fb', '%2F', '%2e%2e', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%00', 'x%00y', '%20', '%EF%BF%BF', '%F0%9F%8E%89', "'%20OR%20'1'%3D'1", 'a'.repeat(2000), 'null', 'undefined', '__proto__', 'constructor'];
const EXTRA_QUERY = ['asOf', 'foo', '__proto__', 'constructor', 'tenantId', 'role', 'sort', 'limit[]', 'cursor[a]', 'limit[__proto__]', 'constructor[prototype][x]'];
const QUERY_VALUES = ['', '1', '50', '200', '0', '201', '-1', '1.5', '1e2', 'abc', '%20', '+1', '%201', '0x10', 'Infinity', 'NaN', '9'.repeat(400), 'x'.repeat(600), '%00', '%zz', '%E0%A4%A', '%ED%A0%80', 'true', 'null', '2026-01-01T00:00:00Z', '1970-01-01'];

// ---------------------------------------------------------------------------
// The cast

let stack: Stack;
let a: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let b: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let admin: TestUser;
let inactive: TestUser;
let operations: Operation[];
const tokens = new Map<TestUser, string>();
const ids = { own: [] as string[], foreign: [] as string[], ownEmails: [] as string[], foreignEmails: [] as string[] };

async function wait(path: string, as: TestUser, body: unknown) {
  const response = await call(stack.base, 'POST', path, { token: tokens.get(as), headers: { prefer: 'wait=20' }, body });
  if (response.status !== 200 && response.status !== 202) throw new Error(`set-up ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

beforeAll(async () => {
  stack = await startStack();
  a = await insertTenantWithStaff(stack.db.orm.em);
  b = await insertTenantWithStaff(stack.db.orm.em);
  admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  inactive = await insertUser(stack.db.orm.em, 'tenant_manager', a.tenantId, { active: false });
  for (const user of [admin, inactive, ...Object.values(a), ...Object.values(b)].filter((u): u is TestUser => typeof u === 'object')) {
    tokens.set(user, await tokenFor(user, 6 * 3600));
  }
  // Money in both tenants, a command and a bulk award in each: real ids for paths and bodies.
  const fund = async (t: typeof a) => {
    await wait('/api/platform/allocations/allocate', admin, { tenantId: t.tenantId, amount: '100000', currency: 'USD', referenceNote: 'fuzz' });
    await wait('/api/allocations/distribute-to-lead', t.manager, { leadId: t.lead.id, amount: '1000' });
    const award = await wait('/api/allocations/award-points', t.manager, { userId: t.employee.id, amount: '10' });
    const bulk = await call(stack.base, 'POST', '/api/allocations/bulk-awards', { token: tokens.get(t.manager), body: { items: [{ userId: t.employee2.id, amount: '1' }] } });
    const users = [t.manager, t.hr, t.lead, t.employee, t.employee2];
    return { ids: [t.tenantId, award.commandId as string, bulk.body.bulkId as string, ...users.map((u) => u.id)], emails: users.map((u) => u.email) };
  };
  const own = await fund(a);
  const foreign = await fund(b);
  Object.assign(ids, { own: own.ids, foreign: foreign.ids, ownEmails: own.emails, foreignEmails: foreign.emails });
  await waitForQuiet(stack.db.orm.em);
  const document = await call(stack.base, 'GET', '/openapi.json');
  operations = operationsOf(document.body as never);
}, 120_000);
afterAll(() => stack?.stop());

// ---------------------------------------------------------------------------
// Arbitraries

const text = (schema: JsonSchema = {}): fc.Arbitrary<Json> => {
  const max = schema.maxLength ?? 500;
  const min = schema.minLength ?? 0;
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
    { weight: 3, arbitrary: fc.constantFrom(...TEXT) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
    { weight: 1, arbitrary: fc.constantFrom(max, max + 1, Math.max(0, min - 1), min).map((n) => 'é'.repeat(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 40_000 }).map((n) => 'x'.repeat(n)) },
  );
};

const number = (): fc.Arbitrary<Json> =>
  fc.oneof(
    fc.constantFrom(...NUMBERS).map((n) => new Raw(n)),
    fc.double().map((d) => new Raw(Number.isFinite(d) ? JSON.stringify(d) : '1e999')),
    fc.integer().map((i) => new Raw(String(i))),
  );

const nested = (max = SAFE_DEPTH): fc.Arbitrary<Json> =>
  fc.tuple(fc.integer({ min: 2, max }), fc.boolean()).map(([depth, arrays]) => new Raw(arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

const junk = (): fc.Arbitrary<Json> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }).map(toJson) },
    { weight: 2, arbitrary: text() },
    { weight: 2, arbitrary: number() },
    { weight: 1, arbitrary: fc.constantFrom<Json>(null, true, false, [], new Obj([]), new Obj([['__proto__', new Obj([['polluted', true]])]])) },
    { weight: 1, arbitrary: nested(200) },
  );

const money = (): fc.Arbitrary<Json> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<Json>(...GOOD_MONEY) },
    { weight: 3, arbitrary: fc.constantFrom<Json>(...BAD_MONEY) },
    { weight: 2, arbitrary: number() },
    { weight: 1, arbitrary: junk() },
  );

const id = (): fc.Arbitrary<Json> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ids.own) },
    { weight: 3, arbitrary: fc.constantFrom(...ids.foreign) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom(...ids.ownEmails, ...ids.foreignEmails) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...ids.own, ...ids.foreign), fc.constantFrom<(s: string) => string>((s) => s.toUpperCase(), (s) => `{${s}}`, (s) => ` ${s} `, (s) => `${s}\u0000`, (s) => s.replace(/-/g, ''), (s) => `urn:uuid:${s}`, (s) => `${s}' OR '1'='1`, () => '00000000-0000-0000-0000-000000000000', () => 'not-a-uuid', () => ''))
        .map(([value, mangle]) => mangle(value)),
    },
  );

const email = (): fc.Arbitrary<Json> =>
  fc.oneof(
    fc.constantFrom(...ids.ownEmails, ...ids.foreignEmails),
    fc.emailAddress(),
    fc.constantFrom('a@', '@b', 'a@b', `${'x'.repeat(300)}@x.test`, 'UPPER@EXAMPLE.TEST', "o'reilly@x.test", '"a b"@x.test', 'a@b.test\u0000', 'ünïcödé@exämple.test'),
    text(),
  );

const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'tenantId', 'role', 'balance', 'status', 'issuerId', 'newBalance', 'adminId', 'id', 'createdAt', 'amount', 'userId', ''];

function fromSchema(schema: JsonSchema, name: string, depth: number): fc.Arbitrary<Json> {
  return fc.oneof({ weight: 6, arbitrary: validish(schema, name, depth) }, { weight: 1, arbitrary: depth > 4 ? fc.constant(null) : junk() });
}

function validish(schema: JsonSchema, name: string, depth: number): fc.Arbitrary<Json> {
  if (/^(amount|points)$/.test(name)) return money();
  const alternatives = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => validish(s, name, depth)));
  if (schema.enum?.length) return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...(schema.enum as Json[])) }, { weight: 1, arbitrary: text() });
  switch (schema.type) {
    case 'object': {
      const properties = Object.entries(schema.properties ?? {});
      const required = new Set(schema.required ?? []);
      const extra = fc.tuple(fc.oneof(fc.constantFrom(...EXTRA_KEYS, ...properties.map(([k]) => k)), fc.string({ maxLength: 8 })), junk());
      return fc
        .tuple(
          fc.tuple(...properties.map(([key, s]) => fc.option(fromSchema(s, key, depth + 1), { freq: required.has(key) ? 12 : 2, nil: undefined }))),
          fc.oneof({ weight: 5, arbitrary: fc.constant([] as [string, Json][]) }, { weight: 1, arbitrary: fc.array(extra, { minLength: 1, maxLength: 3 }) }),
        )
        .map(([values, extras]) => new Obj([...properties.flatMap(([key], i): [string, Json][] => (values[i] === undefined ? [] : [[key, values[i] as Json]])), ...extras]));
    }
    case 'array':
      return fc.oneof(
        { weight: 5, arbitrary: fc.array(fromSchema(schema.items ?? {}, name, depth + 1), { minLength: 1, maxLength: 4 }) },
        { weight: 1, arbitrary: fc.constant<Json>([]) },
        { weight: 1, arbitrary: fc.integer({ min: 50, max: 400 }).chain((n) => fc.array(validish(schema.items ?? {}, name, depth + 1), { minLength: n, maxLength: n })) },
      );
    case 'string':
      if (schema.format === 'uuid' || /Id$/.test(name)) return id();
      if (schema.format === 'email' || name === 'email') return email();
      if (schema.pattern) return fc.oneof(fc.stringMatching(new RegExp(schema.pattern)), text(schema));
      return text(schema);
    case 'number':
    case 'integer':
      return number();
    case 'boolean':
      return fc.boolean();
    default:
      return junk();
  }
}

interface Body {
  bytes: Buffer;
  /** The media type this body was made for. */
  kind: 'json' | 'csv' | 'other';
}

const csvCell = () =>
  fc.oneof(fc.constantFrom(...ids.own, ...ids.foreign, ...ids.ownEmails, ...ids.foreignEmails, ...GOOD_MONEY, ...BAD_MONEY), fc.constantFrom(...TEXT), fc.string({ maxLength: 10 }), fc.constantFrom('"unterminated', '"a""b"', '=HYPERLINK("http://x")', '@SUM(1)', ''));

const csv = (): fc.Arbitrary<Json> =>
  fc
    .tuple(
      fc.constantFrom('userId,amount,description', 'email,amount', 'email,amount,description', 'amount', '', 'userId;amount', '\uFEFFuserId,amount', '"userId","amount"', 'userId,userId,amount', 'USERID,AMOUNT'),
      fc.array(fc.array(csvCell(), { minLength: 0, maxLength: 4 }), { minLength: 0, maxLength: 6 }),
      fc.constantFrom('\n', '\r\n', '\r'),
    )
    .map(([header, rows, eol]) => [header, ...rows.map((cells) => cells.join(','))].join(eol));

function bodyFor(op: Operation): fc.Arbitrary<Body | undefined> {
  const json = op.bodies['application/json'];
  const encode = (kind: Body['kind']) => (value: Json) => ({ bytes: Buffer.from(typeof value === 'string' && kind !== 'json' ? value : serialise(value), 'utf8'), kind });
  const options: fc.WeightedArbitrary<Body | undefined>[] = [
    { weight: json ? 1 : 12, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: junk().map(encode('json')) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_BODIES).map((t) => ({ bytes: Buffer.from(t, 'utf8'), kind: 'json' as const })) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((t) => ({ bytes: Buffer.from(t, 'utf8'), kind: 'other' as const })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((u) => ({ bytes: Buffer.from(u), kind: 'other' as const })) },
    { weight: 1, arbitrary: nested().map(encode('json')) },
  ];
  if (json) {
    options.push({ weight: 30, arbitrary: fromSchema(json, '', 0).map(encode('json')) });
    // A valid-looking body with deep nesting inside a field.
    options.push({ weight: 1, arbitrary: fc.tuple(validish(json, '', 0), nested()).map(([v, deep]) => encode('json')(v instanceof Obj ? new Obj([...v.entries, ['extra', deep]]) : v)) });
  }
  if (op.bodies['text/csv']) options.push({ weight: 8, arbitrary: csv().map((t) => ({ bytes: Buffer.from(t as string, 'utf8'), kind: 'csv' as const })) });
  return fc.oneof(...options);
}

interface Fuzzed {
  request: RawRequest;
  /** The caller's tenant, when the request carries a valid token of a tenant user. */
  callerTenant?: string | null;
}

/** fast-check prints a counterexample with this: short, and readable as a request. */
const printable = (fuzzed: Fuzzed): Fuzzed => Object.assign(fuzzed, { [fc.toStringMethod]: () => describeRequest(fuzzed) });

/** `arbitrary` in `percent` % of the cases, undefined otherwise. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 100 - percent, arbitrary: fc.constant(undefined) }, { weight: percent, arbitrary });

const headerSafe = (value: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(value);

function requestFor(op: Operation): fc.Arbitrary<Fuzzed> {
  const allowed = [...tokens.keys()].filter((u) => u !== inactive && u.tenantId !== b.tenantId && (op.roles === null || op.roles.includes(u.role)));
  const anyone = [...tokens.keys()];
  const auth = fc.oneof(
    { weight: 14, arbitrary: fc.constantFrom(...(allowed.length ? allowed : anyone)).map((u) => ({ header: `Bearer ${tokens.get(u)}`, tenant: u.tenantId })) },
    { weight: 3, arbitrary: fc.constantFrom(...anyone).map((u) => ({ header: `Bearer ${tokens.get(u)}`, tenant: u.tenantId })) },
    { weight: 1, arbitrary: fc.constantFrom(...anyone).map((u) => ({ header: `bearer   ${tokens.get(u)}`, tenant: u.tenantId })) },
    { weight: 2, arbitrary: fc.constantFrom(...JUNK_AUTH).map((header) => ({ header, tenant: undefined })) },
    { weight: 1, arbitrary: fc.constant({ header: undefined, tenant: undefined }) },
  );

  const pathParams = op.params.filter((p) => p.in === 'path');
  const pathValue = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ids.own) },
    { weight: 3, arbitrary: fc.constantFrom(...ids.foreign) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: fc.constantFrom(...JUNK_IDS) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent) },
  );
  const path = fc
    .tuple(fc.tuple(...pathParams.map(() => pathValue)), fc.oneof({ weight: 12, arbitrary: fc.constant((p: string) => p) }, { weight: 1, arbitrary: fc.constantFrom((p: string) => `${p}/`, (p: string) => p.toUpperCase(), (p: string) => `/${p}`, (p: string) => `${p};x=1`, (p: string) => p.replace('/api/', '/api//')) }))
    .map(([values, mangle]) => mangle(pathParams.reduce((p, param, i) => p.replace(`{${param.name}}`, values[i]), op.path)));

  const queryParams = op.params.filter((p) => p.in === 'query').map((p) => p.name);
  const queryValue = fc.oneof(
    fc.constantFrom(...QUERY_VALUES),
    fc.constantFrom(...ids.own, ...ids.foreign),
    fc.string({ maxLength: 30 }).map(encodeURIComponent),
    fc.jsonValue({ maxDepth: 1 }).map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
  );
  const queryPart = fc.tuple(fc.constantFrom(...queryParams, ...EXTRA_QUERY), queryValue).map(([k, v]) => `${k}=${v}`);
  const query = fc.oneof(
    { weight: 6, arbitrary: fc.constant('') },
    { weight: 3, arbitrary: fc.array(queryPart, { minLength: 1, maxLength: 4 }).map((parts) => `?${parts.join('&')}`) },
    { weight: 1, arbitrary: fc.constantFrom('?', '?&&', '?=', '?==1', '?limit', '?limit=1&limit=2', '?limit=1;cursor=x', `?${'a=1&'.repeat(1000)}`) },
  );

  const headers = fc.record({
    contentType: rarely(fc.constantFrom(...CONTENT_TYPES, ...Object.keys(op.bodies)), 25),
    useDeclaredType: fc.boolean(),
    contentEncoding: rarely(fc.tuple(fc.constantFrom(...ENCODINGS), fc.boolean()), 5),
    idempotencyKey: rarely(fc.oneof(fc.constantFrom(...IDEMPOTENCY_KEYS), fc.string({ maxLength: 40 }).filter(headerSafe)), 30),
    prefer: rarely(fc.constantFrom(...PREFER), 30),
    accept: rarely(fc.constantFrom('application/xml', 'text/html', '*/*', 'application/json;q=0'), 10),
    extra: rarely(
      fc.constantFrom<[string, string]>(
        ['x-http-method-override', 'DELETE'],
        ['x-forwarded-for', "1.2.3.4, ' OR 1=1"],
        ['x-tenant-id', '00000000-0000-4000-8000-000000000000'],
        ['x-user-role', 'platform_admin'],
        ['cookie', 'points_admin_session=%E0%A4%A'],
        ['origin', 'null'],
        ['expect', '100-continue'],
      ),
      10,
    ),
  });

  const method = fc.oneof({ weight: 14, arbitrary: fc.constant(op.method.toUpperCase()) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') });

  return fc.tuple(method, path, query, auth, headers, bodyFor(op)).map(([m, p, q, who, h, body]) => {
    const out: Record<string, string | undefined> = { authorization: who.header };
    let bytes = body?.bytes;
    if (body) {
      const declared = body.kind === 'csv' ? 'text/csv' : 'application/json';
      out['content-type'] = h.useDeclaredType || !h.contentType ? declared : h.contentType;
    } else if (h.contentType) out['content-type'] = h.contentType;
    if (h.contentEncoding && bytes) {
      const [encoding, compress] = h.contentEncoding;
      out['content-encoding'] = encoding;
      if (compress) bytes = encoding.startsWith('br') ? brotliCompressSync(bytes) : encoding.startsWith('deflate') ? deflateSync(bytes) : gzipSync(bytes);
    }
    if (h.idempotencyKey !== undefined) out['idempotency-key'] = h.idempotencyKey;
    if (h.prefer) out.prefer = h.prefer;
    if (h.accept) out.accept = h.accept;
    if (h.extra) out[h.extra[0]] = h.extra[1];
    return printable({ request: { method: m, path: `${p}${q}`, headers: out, body: bytes }, callerTenant: who.tenant });
  });
}

// ---------------------------------------------------------------------------
// The properties

type Stats = Map<string, Map<number, number>>;

function count(stats: Stats, op: Operation, status: number) {
  const key = `${op.method.toUpperCase()} ${op.path}`;
  const byStatus = stats.get(key) ?? new Map<number, number>();
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  stats.set(key, byStatus);
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);
function describeRequest({ request }: Fuzzed): string {
  const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k, v === undefined ? v : clip(v, 80)]));
  const body = request.body !== undefined ? JSON.stringify(clip(Buffer.from(request.body).toString('utf8'), 400)) : '(none)';
  return `${request.method} ${clip(request.path, 300)} ${JSON.stringify(headers)} body=${body}`;
}

/** Sends one request and checks the four properties; returns the response. */
async function check(op: Operation, fuzzed: Fuzzed, stats: Stats) {
  const em = stack.db.orm.em;
  const before: Snapshot = await snapshot(em);
  const response = await rawRequest(stack.base, fuzzed.request);
  count(stats, op, response.status);
  const where = () => `${describeRequest(fuzzed)}\n→ ${response.status} ${response.text.slice(0, 400)}`;

  // 1 and 2: never a 5xx; the SPEC error body on every refusal (a HEAD answer has no body).
  const violation = fuzzed.request.method === 'HEAD' ? (response.status >= 500 ? `a ${response.status}` : null) : errorModelViolation(response.status, response.json, response.text);
  if (violation) throw new Error(`${violation}\n${where()}`);

  const ok = response.status >= 200 && response.status < 300;
  const ledgerRejection = !ok && typeof response.json === 'object' && response.json !== null && 'command' in response.json;
  if (ok || ledgerRejection) await waitForQuiet(em);
  const after = await snapshot(em);

  // 3: a refusal changes nothing; a command the ledger refused moves no money.
  if (!ok && !ledgerRejection) {
    if (JSON.stringify(after) !== JSON.stringify(before)) expect({ request: where(), state: after }).toEqual({ request: where(), state: before });
  } else if (ledgerRejection) {
    expect({ request: where(), money: moneyOf(after) }).toEqual({ request: where(), money: moneyOf(before) });
  }

  // 4: whatever happened, a tenant user's request leaves every other tenant as it was.
  if (fuzzed.callerTenant) {
    for (const [tenantId, state] of Object.entries(before.tenants)) {
      if (tenantId !== fuzzed.callerTenant) expect({ request: where(), tenantId, state: after.tenants[tenantId] }).toEqual({ request: where(), tenantId, state });
    }
  }
  return response;
}

function report(title: string, stats: Stats, started: number) {
  const total = [...stats.values()].reduce((sum, byStatus) => sum + [...byStatus.values()].reduce((s, n) => s + n, 0), 0);
  const fiveHundreds = [...stats.values()].reduce((sum, byStatus) => sum + [...byStatus].filter(([s]) => s >= 500).reduce((s, [, n]) => s + n, 0), 0);
  if (!REPORT) return;
  const lines = [...stats].map(([route, byStatus]) => `  ${route}: ${[...byStatus].sort(([x], [y]) => x - y).map(([s, n]) => `${s}×${n}`).join(' ')}`);
  console.log(`${title}: ${total} requests in ${((Date.now() - started) / 1000).toFixed(1)} s, ${fiveHundreds} 5xx\n${lines.join('\n')}`);
}

/** Runs one property per operation; every operation runs even when an earlier one fails, and all failures are reported. */
async function forEveryOperation<T>(ops: Operation[], runsEach: number | ((op: Operation) => number), property: (op: Operation) => fc.IAsyncPropertyWithHooks<[T]>) {
  const failures: string[] = [];
  for (const op of ops) {
    try {
      await fc.assert(property(op), { numRuns: typeof runsEach === 'number' ? runsEach : runsEach(op), seed: SEED, includeErrorInReport: true });
    } catch (error) {
      failures.push(`${op.method.toUpperCase()} ${op.path}: ${(error as Error).message}`);
    }
  }
  if (failures.length) throw new Error(failures.join('\n\n'));
}

/** A user of tenant A (or the platform admin) whom the route lets in. */
const allowedCaller = (op: Operation): TestUser => [...tokens.keys()].find((u) => u !== inactive && u.tenantId !== b.tenantId && (op.roles === null || op.roles.includes(u.role))) ?? admin;

it('finds every route in the OpenAPI document, with its roles and body (the fuzzers below depend on it)', () => {
  const byKey = new Map(operations.map((op) => [`${op.method} ${op.path}`, op]));
  // The document names roles for every authenticated route, and documents the body of every command.
  expect(operations.filter((op) => op.roles !== null && op.roles.length === 0).map((op) => op.path)).toEqual([]);
  expect(operations.length).toBeGreaterThanOrEqual(20);
  expect(Object.keys(byKey.get('post /api/allocations/bulk-awards')?.bodies ?? {}).sort()).toEqual(['application/json', 'text/csv']);
  expect(byKey.get('get /api/commands/{commandId}')?.params.map((p) => `${p.in}:${p.name}`)).toEqual(['path:commandId']);
  // Every route the gateway mounts is in the document, so it is fuzzed.
  const documented = new Set(operations.map((op) => `${op.method} ${op.path}`));
  expect(stack.gateway.routes.map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`).filter((r) => !documented.has(r))).toEqual([]);
});

it(`every route: ${FUZZ_RUNS} adversarial requests never get a 5xx, always get the SPEC error body, and a refusal changes nothing`, async () => {
  const started = Date.now();
  const stats: Stats = new Map();
  const runsEach = Math.max(1, Math.ceil(FUZZ_RUNS / operations.length));
  await forEveryOperation(operations, runsEach, (op) => fc.asyncProperty(requestFor(op), async (fuzzed) => void (await check(op, fuzzed, stats))));
  report('routes', stats, started);
}, Math.max(300_000, FUZZ_RUNS * 300));

it("bodies around each route's body limit: 413 VALIDATION_FAILED past it, never a 5xx, and nothing changes", async () => {
  const started = Date.now();
  const stats: Stats = new Map();
  const withBody = operations.filter((op) => Object.keys(op.bodies).length > 0);
  const runsEach = Math.max(4, Math.ceil(FUZZ_RUNS / 4 / withBody.length));
  // Each run near a multi-megabyte limit (bulk uploads) sends that much: a few suffice.
  await forEveryOperation(withBody, (op) => (op.bodyLimit > 1024 * 1024 ? Math.min(runsEach, 8) : runsEach), (op) => {
    const caller = allowedCaller(op);
    const sizes = fc.oneof(
      fc.integer({ min: -3, max: 3 }).map((d) => op.bodyLimit + d),
      fc.integer({ min: -4096, max: 4096 }).map((d) => op.bodyLimit + d),
      // Far past the limit, only for small limits (a 20 MB body is sent only near its edge).
      fc.integer({ min: 2, max: 4 }).map((m) => (op.bodyLimit <= 1024 * 1024 ? op.bodyLimit * m : op.bodyLimit + 1)),
    );
    return fc.asyncProperty(fc.record({ size: sizes, type: fc.constantFrom(...Object.keys(op.bodies)), filler: fc.constantFrom('x', 'é', '🎉') }), async ({ size, type, filler }) => {
      const bytes = padded(type, size, filler);
      const fuzzed: Fuzzed = {
        request: { method: op.method.toUpperCase(), path: op.path.replace(/\{[^}]+\}/g, ids.own[1]), headers: { authorization: `Bearer ${tokens.get(caller)}`, 'content-type': type }, body: bytes },
        callerTenant: caller.tenantId,
      };
      const response = await check(op, fuzzed, stats);
      const code = (response.json as { error?: { code?: string } } | undefined)?.error?.code;
      const seen = { size, limit: op.bodyLimit, past: size > op.bodyLimit, status: response.status, code };
      if (size > op.bodyLimit) expect(seen).toEqual({ ...seen, status: 413, code: 'VALIDATION_FAILED' });
      else expect(seen.status).not.toBe(413);
    });
  });
  report('body sizes', stats, started);
}, Math.max(300_000, FUZZ_RUNS * 300));

/** A body of exactly `size` bytes of the given media type: a JSON object with one long string, or CSV rows. */
function padded(type: string, size: number, filler: string): Buffer {
  const head = type === 'text/csv' ? `userId,amount,description\n${ids.own[3]},1,` : '{"description":"';
  const tail = type === 'text/csv' ? '\n' : '"}';
  const room = size - Buffer.byteLength(head + tail);
  const unit = Buffer.byteLength(filler);
  const fill = filler.repeat(Math.max(0, Math.floor(room / unit))) + 'x'.repeat(Math.max(0, room % unit));
  const bytes = Buffer.from(head + fill + tail, 'utf8');
  if (bytes.length !== size) throw new Error(`padded ${bytes.length} bytes, wanted ${size}`);
  return bytes;
}

// Was a 500 INTERNAL until e6ae095 (Express's URIError reached the error handler unmapped); the main property sends these too.
it('a path id with malformed percent-encoding is a 4xx with the SPEC error body, on every route with a path id', async () => {
  const violations: string[] = [];
  for (const op of operations.filter((o) => o.params.some((p) => p.in === 'path'))) {
    for (const bad of ['%', '%zz', '%E0%A4%A', '%ED%A0%80', '%FF']) {
      const path = op.path.replace(/\{[^}]+\}/g, bad);
      const response = await rawRequest(stack.base, { method: op.method.toUpperCase(), path, headers: { authorization: `Bearer ${tokens.get(allowedCaller(op))}` } });
      const violation = errorModelViolation(response.status, response.json, response.text);
      if (violation) violations.push(`${op.method.toUpperCase()} ${path}: ${violation}`);
    }
  }
  expect(violations).toEqual([]);
});

// Not the gateway's doing: Node's HTTP parser answers a request head past maxHeaderSize (16 KB) itself, with
// 431 and an EMPTY body (not the SPEC error body), before Express runs. Giving it the SPEC body would take a
// 'clientError' handler on the server (apps/gateway/src/main.ts); the fuzzers stay under the limit.
it("a request head past Node's 16 KB limit is a 431 from Node itself: never a 5xx, and nothing changes", async () => {
  const em = stack.db.orm.em;
  const before = await snapshot(em);
  const op = operations.find((o) => o.path === '/api/allocations/award-points') as Operation;
  for (const headers of [{ 'idempotency-key': 'k'.repeat(17_000) }, { authorization: `Bearer ${'a'.repeat(17_000)}` }, { 'x-padding': 'p'.repeat(17_000) }]) {
    const response = await rawRequest(stack.base, {
      method: 'POST',
      path: op.path,
      headers: { authorization: `Bearer ${tokens.get(a.manager)}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ userId: a.employee.id, amount: '1' }),
    });
    expect({ status: response.status, body: response.text }).toEqual({ status: 431, body: '' });
  }
  expect(await snapshot(em)).toEqual(before);
});
