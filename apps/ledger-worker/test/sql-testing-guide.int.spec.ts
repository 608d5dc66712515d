import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EntityManager } from '@mikro-orm/postgresql';
import { Orm, createOrm, databaseName, withDatabase } from '@points/db';
import {
  AppProcess,
  TestDatabase,
  TestUser,
  createTestDatabase,
  freePort,
  insertBulkAward,
  insertTenant,
  insertUser,
  startAppProcess,
  testQueuePrefix,
  testRedisUrl,
} from '@points/testing';
import { processBulkAward } from '../src/bulk/process-bulk-award';
import { run } from './ledger-harness';

/**
 * docs/SQL_TESTING_GUIDE.md, run. Every ```sql block of the guide is executed in
 * order, as an operator would paste it into psql, against a fresh database that
 * holds the guide's sample flow (applied through the real ledger; feed and audit
 * rows written by the real notification worker). The guide's conventions:
 *
 * - `:'name'` / `:"name"` are psql variables: `tenant` is given (`psql -v tenant=triton`),
 *   `db_pattern` too (the cleanup section); the others are set by blocks ending in `\gset`.
 * - `\i tools/sql/<file>.sql` runs an operator check from the repository; `\gexec`
 *   runs each value the query returns as a statement (psql's meanings).
 * - `-- expect: no rows` | `-- expect: N rows` | `-- expect: some rows` |
 *   `-- expect: every row: col = value, …` | `-- expect: first row: col = value, …`
 *   say what the query returns; a block without one must simply succeed.
 * - `-- expect error: <SQLSTATE> <message fragment>` marks a statement the database
 *   refuses; such a block is `BEGIN; … ROLLBACK;`. The ```text block after it shows
 *   the psql error line (`<…>` stands for a value that varies); it must match.
 * - `-- database: postgres` runs the block on the server's maintenance database.
 *
 * Read blocks run in READ ONLY transactions, and the whole database is compared
 * before and after every error block and the whole guide: reading the guide
 * changes nothing.
 */

const ROOT = resolve(__dirname, '../../..');
const GUIDE_PATH = resolve(ROOT, 'docs/SQL_TESTING_GUIDE.md');

interface Expectation {
  kind: 'no rows' | 'rows' | 'some rows' | 'every row' | 'first row';
  count?: number;
  values?: [string, string][];
}

interface Block {
  index: number;
  line: number;
  section: string;
  text: string;
  expectations: Expectation[];
  error: { sqlstate: string; fragment: string; shown: string | null } | null;
  database: 'ledger' | 'postgres';
}

/** Every ```sql block of the guide, with its annotations and the section it is in. */
function parseGuide(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const heading = /^#{1,4} (.*)$/.exec(lines[i]);
    if (heading) section = heading[1];
    if (!lines[i].startsWith('```')) continue;
    const fence = lines[i].slice(3).trim();
    const start = i;
    let end = i + 1;
    while (end < lines.length && !lines[end].startsWith('```')) end++;
    if (end >= lines.length) throw new Error(`unclosed fence at line ${start + 1}`);
    const body = lines.slice(start + 1, end).join('\n');
    i = end;
    if (fence !== 'sql') continue;
    const block: Block = { index: blocks.length + 1, line: start + 1, section, text: body, expectations: [], error: null, database: 'ledger' };
    for (const annotation of body.split('\n').filter((l) => /^--\s*(expect|database)/.test(l))) {
      const error = /^-- expect error: ([0-9A-Z]{5}) (.+)$/.exec(annotation);
      const expectation = /^-- expect: (.+)$/.exec(annotation);
      const database = /^-- database: (\w+)$/.exec(annotation);
      if (error) block.error = { sqlstate: error[1], fragment: error[2].trim(), shown: null };
      else if (expectation) block.expectations.push(parseExpectation(expectation[1].trim(), block.line));
      else if (database && database[1] === 'postgres') block.database = 'postgres';
      else throw new Error(`line ${block.line}: unreadable annotation "${annotation}"`);
    }
    if (block.error) {
      // The psql output the guide shows for it: the next fenced block, if it is ```text.
      let next = i + 1;
      while (next < lines.length && lines[next].trim() === '') next++;
      if (lines[next]?.startsWith('```text')) block.error.shown = lines[next + 1] ?? null;
    }
    blocks.push(block);
  }
  return blocks;
}

function parseExpectation(text: string, line: number): Expectation {
  if (text === 'no rows') return { kind: 'no rows' };
  if (text === 'some rows') return { kind: 'some rows' };
  const count = /^(\d+) rows?$/.exec(text);
  if (count) return { kind: 'rows', count: Number(count[1]) };
  const values = /^(every row|first row): (.+)$/.exec(text);
  if (values) {
    const pairs = values[2].split(/,\s*/).map((pair) => {
      const [column, ...rest] = pair.split('=');
      if (!rest.length) throw new Error(`line ${line}: "${pair}" is not column = value`);
      return [column.trim(), rest.join('=').trim()] as [string, string];
    });
    return { kind: values[1] as 'every row' | 'first row', values: pairs };
  }
  throw new Error(`line ${line}: unknown expectation "${text}"`);
}

/** A psql variable's value as psql interpolates it: :'x' a literal, :"x" an identifier. */
function interpolate(sql: string, variables: Map<string, string>, line: number): string {
  return sql.replace(/(?<!:):(['"])([A-Za-z_][A-Za-z0-9_]*)\1/g, (_match, quote: string, name: string) => {
    const value = variables.get(name);
    if (value === undefined) throw new Error(`line ${line}: psql variable ${name} is used before it is set`);
    return quote === "'" ? `'${value.replace(/'/g, "''")}'` : `"${value.replace(/"/g, '""')}"`;
  });
}

/** The statement text of a block: comments kept, \i expanded, and the trailing \gset / \gexec taken off. */
function statementOf(block: Block): { sql: string; meta: '\\gset' | '\\gexec' | null } {
  let meta: '\\gset' | '\\gexec' | null = null;
  const out: string[] = [];
  for (const line of block.text.split('\n')) {
    const include = /^\\i (\S+)$/.exec(line.trim());
    if (include) out.push(readFileSync(resolve(ROOT, include[1]), 'utf8'));
    else if (line.trim() === '\\gset' || line.trim() === '\\gexec') meta = line.trim() as '\\gset' | '\\gexec';
    else if (line.trim().startsWith('\\')) throw new Error(`line ${block.line}: psql meta-command "${line.trim()}" is not one the test understands`);
    else out.push(line);
  }
  return { sql: out.join('\n'), meta };
}

interface PgField {
  name: string;
}
interface PgResult {
  rows: Record<string, unknown>[];
  fields: PgField[] | null;
}
interface PgClient {
  query(sql: string): Promise<PgResult | PgResult[]>;
}
interface PgError {
  code?: string;
  message: string;
}

/** One physical connection of an ORM's pool, held for the whole file (transactions span several calls). */
async function holdConnection(orm: Orm) {
  const knex = (orm.em as EntityManager).getConnection().getKnex();
  const client = (await knex.client.acquireConnection()) as PgClient;
  return { client, release: () => knex.client.releaseConnection(client) };
}

/** The last result of a (possibly multi-statement) simple query that returned rows. */
async function query(client: PgClient, sql: string): Promise<PgResult> {
  const result = await client.query(sql);
  const results = Array.isArray(result) ? result : [result];
  return [...results].reverse().find((r) => r.fields && r.fields.length > 0) ?? results[results.length - 1];
}

const show = (value: unknown): string => (value instanceof Date ? value.toISOString() : value === null ? 'null' : typeof value === 'object' ? JSON.stringify(value) : String(value));

/** Every table's rows, digested: equal digests, unchanged database. */
async function snapshot(client: PgClient): Promise<Record<string, string>> {
  const tables = (await query(client, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)).rows.map((r) => String(r.tablename));
  const digest: Record<string, string> = {};
  for (const table of tables) {
    const { rows } = await query(client, `SELECT count(*) AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM "${table}" t`);
    digest[table] = `${rows[0].n}:${rows[0].digest}`;
  }
  return digest;
}

/** The psql error line the guide shows, as a pattern: `<…>` stands for a value that varies. */
const shownErrorPattern = (shown: string) =>
  new RegExp(
    '^' +
      shown
        .replace(/^ERROR:\s+/, '')
        .split(/<[^>]*>/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.+?') +
      '$',
  );

const guide = parseGuide(readFileSync(GUIDE_PATH, 'utf8'));

let db: TestDatabase;
let admin: Orm;
let ledger: Awaited<ReturnType<typeof holdConnection>>;
let server: Awaited<ReturnType<typeof holdConnection>>;
let scratchDatabase: string;
let before: Record<string, string>;
const variables = new Map<string, string>();
const em = () => db.orm.em as EntityManager;

/**
 * The guide's sample flow, through the real ledger: the platform admin allocates
 * to tenant `triton`, the manager and the HR admin delegate to two leads, managers
 * and leads award and recognise, the manager runs a bulk award, a lead tries to
 * award beyond their budget (rejected), and the admin claws back unused points.
 */
async function seedSampleFlow() {
  const tenantId = await insertTenant(em(), 'triton');
  const platformAdmin = await insertUser(em(), 'platform_admin', null);
  const manager = await insertUser(em(), 'tenant_manager', tenantId);
  const hr = await insertUser(em(), 'hr_admin', tenantId);
  const lead1 = await insertUser(em(), 'lead', tenantId);
  const lead2 = await insertUser(em(), 'lead', tenantId);
  const employees: TestUser[] = [];
  for (let i = 0; i < 6; i++) employees.push(await insertUser(em(), 'employee', tenantId));
  const [e1, e2, e3, e4, e5, e6] = employees;

  const applied = async (...args: Parameters<typeof run>) => {
    const outcome = await run(...args);
    expect(outcome.status).toBe('succeeded');
    return outcome;
  };
  await applied(em(), 'allocate', platformAdmin, { tenantId, amount: '50000.00', currency: 'USD', referenceNote: 'Annual plan', invoiceNumber: 'INV-2026-001' });
  await applied(em(), 'delegate', manager, { leadId: lead1.id, amount: '5000.00', description: 'Q1 team budget' });
  await applied(em(), 'delegate', hr, { leadId: lead2.id, amount: '2000.00' });
  await applied(em(), 'award', manager, { userId: e1.id, amount: '250.00', description: 'Launch week' });
  await applied(em(), 'award', lead1, { userId: e2.id, amount: '100.00', description: 'Fixed the build' });
  await applied(em(), 'recognition', lead1, { recipientId: e1.id, points: '25.00', message: 'Great demo' });
  await applied(em(), 'recognition', e1, { recipientId: e2.id, points: '0', message: 'Thanks for the pairing' });
  const bulk = await insertBulkAward(em(), {
    tenantId,
    issuerId: manager.id,
    description: 'Q1 thanks',
    rows: [e3, e4, e5, e6].map((u) => ({ userRef: u.email, amountText: '20.00', description: null })),
  });
  expect((await processBulkAward(em(), bulk.id)).status).toBe('succeeded');
  expect((await run(em(), 'award', lead2, { userId: e3.id, amount: '2500.00' })).status).toBe('rejected');
  await applied(em(), 'clawback', platformAdmin, { tenantId, amount: '1000.00', referenceNote: 'Unused Q4 points' });
}

/** Runs the real notification worker until every outbox event is delivered (feed and audit rows written). */
async function deliverNotifications() {
  let worker: AppProcess | undefined;
  try {
    worker = await startAppProcess(
      'notification-worker',
      { DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: testQueuePrefix(), NOTIFICATION_WORKER_PORT: String(await freePort()) },
      'notification worker started',
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [{ pending }] = await em().fork().execute<{ pending: string }[]>('SELECT count(*)::text AS pending FROM outbox WHERE delivered_at IS NULL');
      if (pending === '0') break;
      if (Date.now() > deadline) throw new Error(`${pending} outbox events still undelivered after 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await worker?.stop();
  }
}

beforeAll(async () => {
  db = await createTestDatabase(4);
  await seedSampleFlow();
  await deliverNotifications();
  admin = await createOrm(withDatabase(db.url, 'postgres'), 1);
  ledger = await holdConnection(db.orm);
  server = await holdConnection(admin);
  // A database named like a test database, for the cleanup section to drop (and only it).
  scratchDatabase = `points_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await server.client.query(`CREATE DATABASE "${scratchDatabase}"`);
  variables.set('tenant', 'triton');
  variables.set('db_pattern', scratchDatabase);
  before = await snapshot(ledger.client);
}, 120_000);

afterAll(async () => {
  if (server) {
    await server.client.query(`DROP DATABASE IF EXISTS "${scratchDatabase}" WITH (FORCE)`);
    await server.release();
  }
  await ledger?.release();
  await admin?.close(true);
  await db?.drop();
});

it('the guide has SQL to run, every block annotated readably', () => {
  expect(guide.length).toBeGreaterThan(30);
  for (const block of guide.filter((b) => b.error)) {
    // Safe to paste: a statement the database must refuse runs in a transaction that is rolled back.
    expect({ line: block.line, begins: /^BEGIN;/m.test(block.text), ends: /ROLLBACK;\s*$/.test(block.text) }).toEqual({ line: block.line, begins: true, ends: true });
    expect({ line: block.line, shown: block.error?.shown }).toEqual({ line: block.line, shown: expect.stringMatching(/^ERROR: {2}/) });
  }
});

describe.each(guide.map((block) => [`block ${block.index} (line ${block.line}, ${block.section})`, block] as const))('%s', (_name, block) => {
  it(block.error ? `is refused: ${block.error.sqlstate} ${block.error.fragment}` : block.expectations.length ? block.expectations.map((e) => e.kind).join(', ') : 'runs', async () => {
    const { sql, meta } = statementOf(block);
    const text = interpolate(sql, variables, block.line);
    const { client } = block.database === 'postgres' ? server : ledger;

    if (block.error) {
      const ahead = await snapshot(client);
      let failure: PgError | null = null;
      try {
        await client.query(text);
      } catch (error) {
        failure = error as PgError;
      }
      await client.query('ROLLBACK');
      expect(failure).not.toBeNull();
      expect({ code: failure?.code, message: failure?.message }).toEqual({ code: block.error.sqlstate, message: expect.stringContaining(block.error.fragment) });
      expect(failure?.message).toMatch(shownErrorPattern(block.error.shown ?? ''));
      expect(await snapshot(client)).toEqual(ahead);
      return;
    }

    let result: PgResult;
    if (meta === '\\gexec') {
      // psql runs the generated statements outside any transaction (DROP DATABASE must).
      result = await query(client, text);
      for (const row of result.rows) for (const statement of Object.values(row)) await client.query(String(statement));
    } else {
      await client.query('BEGIN TRANSACTION READ ONLY');
      try {
        result = await query(client, text);
      } finally {
        await client.query('ROLLBACK');
      }
    }
    const rows = result.rows;
    for (const expectation of block.expectations) {
      if (expectation.kind === 'no rows') expect(rows).toEqual([]);
      if (expectation.kind === 'some rows') expect(rows.length).toBeGreaterThan(0);
      if (expectation.kind === 'rows') expect(rows).toHaveLength(expectation.count ?? -1);
      const values = Object.fromEntries(expectation.values ?? []);
      const pick = (row: Record<string, unknown>) => Object.fromEntries(Object.keys(values).map((column) => [column, column in row ? show(row[column]) : '(no such column)']));
      if (expectation.kind === 'first row') expect(pick(rows[0] ?? {})).toEqual(values);
      if (expectation.kind === 'every row') {
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.map(pick).filter((row) => JSON.stringify(row) !== JSON.stringify(values))).toEqual([]);
      }
    }
    if (meta === '\\gset') {
      // psql's \gset: exactly one row; each column becomes a variable.
      expect(rows).toHaveLength(1);
      for (const [column, value] of Object.entries(rows[0])) variables.set(column, show(value));
    }
  });
});

it('reading the guide, errors included, changed nothing in the database', async () => {
  expect(await snapshot(ledger.client)).toEqual(before);
});

it('the cleanup section dropped the scratch test database, and only it', async () => {
  const names = [scratchDatabase, databaseName(db.url), 'postgres'];
  const { rows } = await query(server.client, `SELECT datname FROM pg_database WHERE datname IN (${names.map((n) => `'${n}'`).join(', ')}) ORDER BY datname`);
  expect(rows.map((r) => r.datname)).toEqual([databaseName(db.url), 'postgres'].sort());
});
