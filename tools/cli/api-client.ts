/** The CLI's own failures: printed as one line (plus field details) and exit code 1, never a stack trace. */
export class CliError extends Error {}

/** A 4xx/5xx answer other than a ledger rejection (which carries the `command`), which is an outcome, not an error. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiResponse<T> {
  status: number;
  body: T;
}

type ErrorBody = { error?: { code?: string; message?: string; details?: { field?: string; message: string }[] } };

/** A thin client over the gateway's HTTP API: every CLI command is one or a few of these calls. */
export class ApiClient {
  constructor(
    readonly base: string,
    private readonly token: string,
  ) {}

  /** A string body is sent as is (set its content-type in `headers`); anything else as JSON. */
  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const sent: Record<string, string> = { authorization: `Bearer ${this.token}`, ...headers };
    let payload: string | undefined;
    if (typeof body === 'string') payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      sent['content-type'] = 'application/json';
    }
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, { method, headers: sent, body: payload });
    } catch {
      throw new CliError(`cannot reach the gateway at ${this.base} (is it running? npm run up)`);
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (response.status >= 400 && !isRejection(parsed)) throw apiError(response.status, parsed, text);
    if (parsed === undefined && text) throw new CliError(`${method} ${path}: the gateway answered ${response.status} with something other than JSON`);
    return { status: response.status, body: (parsed ?? {}) as T };
  }
}

/** A command the ledger rejected: answered with the status of its code, with the command resource beside the error. */
const isRejection = (body: unknown) => typeof body === 'object' && body !== null && 'error' in body && 'command' in body;

function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

function apiError(status: number, parsed: unknown, text: string): ApiError {
  const error = (parsed as ErrorBody | undefined)?.error;
  const details = (error?.details ?? []).map((d) => `\n  ${d.field ?? ''}: ${d.message}`).join('');
  const message = error?.message ?? (text.slice(0, 200) || 'no body');
  return new ApiError(status, `${status}${error?.code ? ` ${error.code}` : ''}: ${message}${details}`);
}

/** --token, else POINTS_TOKEN, else a token minted for --email (needs DATABASE_URL and JWT_SECRET, as `npm run token` does). */
export async function resolveToken(options: { token?: string; email?: string }): Promise<string> {
  if (options.token) return options.token;
  if (process.env.POINTS_TOKEN) return process.env.POINTS_TOKEN;
  if (!options.email) throw new CliError('give --token <jwt>, set POINTS_TOKEN, or give --email <user email>');
  // Loaded only here: the ORM takes most of a second to load, and only --email needs the database.
  const { tokenForEmail } = await import('../lib/token-for-email');
  return tokenForEmail(options.email).catch((error: Error) => {
    throw new CliError(error.message);
  });
}

export const apiBase = (flag?: string) => flag ?? process.env.POINTS_API ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
