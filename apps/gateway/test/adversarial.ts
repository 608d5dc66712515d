import { request as httpRequest } from 'node:http';
import { EntityManager } from '@mikro-orm/postgresql';
import { ERROR_CODES, ErrorResponse, httpStatusOf } from '@points/contracts';

/**
 * Helpers for the adversarial suites (fuzz.int.spec.ts, security-cases.int.spec.ts):
 * a raw HTTP client that sends exactly the bytes it is given, a one-query
 * snapshot of everything a request could change, and the SPEC error-body check.
 */

export interface RawRequest {
  method: string;
  /** Sent as is: no normalisation of `..`, no re-encoding (unlike fetch). */
  path: string;
  headers?: Record<string, string | undefined>;
  body?: Buffer | string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed JSON body, or undefined when it is not JSON. */
  json: unknown;
}

/** One HTTP request over node:http, with exactly the method, path, headers and body given. */
export function rawRequest(base: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(base);
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers ?? {})) if (value !== undefined) headers[name] = value;
  if (body !== undefined) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = undefined;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * Why a response breaks the error model, or null when it keeps it: a non-2xx
 * answer must be `{error:{code,message,details?}}` with a SPEC code whose status
 * it carries (a body past the limit may say so with HTTP's own 413).
 */
export function errorModelViolation(status: number, json: unknown, text: string): string | null {
  if (status >= 500) return `a ${status}: ${text.slice(0, 300)}`;
  if (status < 400) return null;
  const parsed = ErrorResponse.safeParse(json);
  if (!parsed.success) return `a ${status} whose body is not the SPEC error body: ${text.slice(0, 300)}`;
  const { code } = parsed.data.error;
  if (!(ERROR_CODES as readonly string[]).includes(code)) return `unknown code ${code}`;
  const expected = httpStatusOf(code);
  if (status !== expected && !(status === 413 && code === 'VALIDATION_FAILED')) return `status ${status} with code ${code} (which is a ${expected})`;
  return null;
}

const TENANT_TABLES = [
  'pool_ledger',
  'lead_budget_ledger',
  'wallet_ledger',
  'allocation_logs',
  'platform_billing_logs',
  'distribution_logs',
  'recognitions',
  'commands',
  'outbox',
  'bulk_awards',
  'feed',
  'audit_log',
] as const;

export interface TenantState {
  pool: string;
  wallets: string;
  budgets: string;
  users: string;
  rows: Record<string, number>;
}

export interface Snapshot {
  /** Row counts of every table a request could add to. */
  counts: Record<string, number>;
  /** Per tenant: balances, users, and its rows in every journal and log. */
  tenants: Record<string, TenantState>;
}

/**
 * Everything a request could change, in one statement: what `balances` and
 * `journalCounts` (libs/testing) report, and the commands, outbox, bulk
 * awards, users, feed and audit rows besides, per tenant.
 */
export async function snapshot(em: EntityManager): Promise<Snapshot> {
  const countsSql = ['tenants', 'users', 'wallets', 'lead_budgets', 'bulk_award_items', ...TENANT_TABLES].map((table) => `(SELECT count(*) FROM ${table})::int AS ${table}`).join(', ');
  const perTenant = TENANT_TABLES.map((table) => `(SELECT count(*) FROM ${table} x WHERE x.tenant_id = t.id)::int AS ${table}`).join(', ');
  const fork = em.fork();
  const [counts] = await fork.execute<Record<string, number>[]>(`SELECT ${countsSql}`);
  const tenants = await fork.execute<(Record<string, number | string> & { id: string; pool: string; wallets: string; budgets: string; users: string })[]>(
    `SELECT t.id, t.points_allocation_balance::text AS pool,
       (SELECT coalesce(string_agg(w.user_id || '=' || w.balance || '/' || w.lifetime_earned, ',' ORDER BY w.user_id), '') FROM wallets w WHERE w.tenant_id = t.id) AS wallets,
       (SELECT coalesce(string_agg(b.user_id || '=' || b.balance, ',' ORDER BY b.user_id), '') FROM lead_budgets b WHERE b.tenant_id = t.id) AS budgets,
       (SELECT coalesce(string_agg(md5(u.id || u.role || u.active || u.email || u.display_name), ',' ORDER BY u.id), '') FROM users u WHERE u.tenant_id = t.id) AS users,
       ${perTenant}
     FROM tenants t`,
  );
  return {
    counts: { ...counts },
    tenants: Object.fromEntries(
      tenants.map(({ id, pool, wallets, budgets, users, ...rows }) => [id, { pool, wallets, budgets, users, rows: rows as Record<string, number> }]),
    ),
  };
}

/** Balances and journals only (what a command the ledger rejected must leave as it was). */
export function moneyOf(state: Snapshot) {
  const journals = ['pool_ledger', 'lead_budget_ledger', 'wallet_ledger', 'allocation_logs', 'platform_billing_logs', 'distribution_logs', 'recognitions'];
  return Object.fromEntries(
    Object.entries(state.tenants).map(([id, t]) => [id, { pool: t.pool, wallets: t.wallets, budgets: t.budgets, journals: journals.map((j) => t.rows[j]) }]),
  );
}

/** Waits until no command and no bulk award is queued or in progress (the ledger worker has caught up). */
export async function waitForQuiet(em: EntityManager, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    const [row] = await em
      .fork()
      .execute<{ n: number }[]>(
        `SELECT ((SELECT count(*) FROM commands WHERE status IN ('queued', 'processing')) + (SELECT count(*) FROM bulk_awards WHERE status IN ('queued', 'validating', 'applying')))::int AS n`,
      );
    if (row.n === 0) return;
    if (Date.now() > deadline) throw new Error(`${row.n} commands or bulk awards still unfinished after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
}

/** A body's size in bytes from an Express/`bytes` limit such as '100kb' or '20mb'. */
export function limitInBytes(limit: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(limit.trim());
  if (!match) throw new Error(`not a size: ${limit}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb' | 'gb'];
  return Math.floor(Number(match[1]) * unit);
}
