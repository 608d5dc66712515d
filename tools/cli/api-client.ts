import { loadConfig } from '@points/config';
import { createOrm } from '@points/db';
import { issueToken } from '@points/auth';

/** A thin client over the gateway's HTTP API: every CLI command is one or two of these calls. */
export class ApiClient {
  constructor(
    readonly base: string,
    private readonly token: string,
  ) {}

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${this.token}`, ...headers } };
    if (typeof body === 'string') init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, init);
    } catch {
      throw new CliError(`cannot reach the gateway at ${this.base} (is it running? npm run up)`);
    }
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : {};
    if (response.status >= 400 && response.status !== 422) {
      const error = parsed.error ?? {};
      const details = (error.details ?? []).map((d: { field?: string; message: string }) => `\n  ${d.field ?? ''}: ${d.message}`).join('');
      throw new CliError(`${response.status} ${error.code ?? ''}: ${error.message ?? text}${details}`);
    }
    return { status: response.status, body: parsed as T };
  }
}

export class CliError extends Error {}

/** --token, else POINTS_TOKEN, else a token minted for --email (needs DATABASE_URL and JWT_SECRET, as `npm run token` does). */
export async function resolveToken(options: { token?: string; email?: string }): Promise<string> {
  if (options.token) return options.token;
  if (process.env.POINTS_TOKEN) return process.env.POINTS_TOKEN;
  if (!options.email) throw new CliError('give --token <jwt>, set POINTS_TOKEN, or give --email <user email>');
  const config = loadConfig();
  const orm = await createOrm(config.DATABASE_URL, 1);
  try {
    const [user] = await orm.em.fork().execute<{ id: string; role: string; tenant_id: string | null }[]>('SELECT id, role, tenant_id FROM users WHERE lower(email) = lower(?) AND active', [options.email]);
    if (!user) throw new CliError(`no active user with email ${options.email}`);
    return issueToken(config.JWT_SECRET, { sub: user.id, role: user.role, tenantId: user.tenant_id }, 3600);
  } finally {
    await orm.close();
  }
}

export const apiBase = (flag?: string) => flag ?? process.env.POINTS_API ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;

/** Prints rows as an aligned table. */
export function printTable(rows: Record<string, unknown>[]): void {
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const columns = Object.keys(rows[0]);
  const width = (c: string) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length));
  const widths = columns.map(width);
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ');
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => String(row[c] ?? ''))));
}
