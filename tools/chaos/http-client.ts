// A careful API client: every command carries an Idempotency-Key, and a timeout,
// a connection error, a 429 or a 5xx is retried with the SAME key (and the same
// body), on the next gateway, until the command is acknowledged, definitively
// refused, or the run's deadline passes.
import { sleep } from './stack';

export interface CommandRequest {
  path: string;
  /** The exact body sent on every attempt. */
  body: string;
  contentType: 'application/json' | 'text/csv';
  token: string;
  idempotencyKey: string;
  /** `Prefer: wait=N` seconds, or none. */
  waitSeconds?: number;
}

export type Submission =
  | { kind: 'acknowledged'; commandId: string; status: number; attempts: number }
  /** A definitive answer without a command (400/403/404 at the gateway, or a 409 key conflict). */
  | { kind: 'refused'; status: number; code: string; attempts: number }
  | { kind: 'gave-up'; lastProblem: string; attempts: number };

const REQUEST_TIMEOUT_MS = 10_000;

export class CarefulClient {
  private next = 0;

  constructor(
    private readonly gatewayUrls: string[],
    /** Retrying stops after this moment (epoch ms). */
    private readonly deadline: () => number,
  ) {}

  async submit(request: CommandRequest): Promise<Submission> {
    let lastProblem = '';
    for (let attempt = 1; ; attempt++) {
      const base = this.gatewayUrls[this.next++ % this.gatewayUrls.length];
      const headers: Record<string, string> = {
        authorization: `Bearer ${request.token}`,
        'content-type': request.contentType,
        'idempotency-key': request.idempotencyKey,
      };
      if (request.waitSeconds) headers.prefer = `wait=${request.waitSeconds}`;
      try {
        const response = await fetch(`${base}${request.path}`, { method: 'POST', headers, body: request.body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS + (request.waitSeconds ?? 0) * 1000) });
        const text = await response.text();
        const body = parse(text);
        const commandId = body?.commandId ?? body?.bulkId ?? body?.command?.commandId;
        if ((response.status === 200 || response.status === 202 || (response.status >= 400 && response.status < 500)) && typeof commandId === 'string') {
          return { kind: 'acknowledged', commandId, status: response.status, attempts: attempt };
        }
        if (response.status === 429 || response.status >= 500) {
          lastProblem = `${response.status} ${body?.error?.code ?? text.slice(0, 100)}`;
        } else {
          return { kind: 'refused', status: response.status, code: String(body?.error?.code ?? text.slice(0, 100)), attempts: attempt };
        }
      } catch (error) {
        lastProblem = describe(error);
      }
      if (Date.now() > this.deadline()) return { kind: 'gave-up', lastProblem, attempts: attempt };
      await sleep(Math.min(100 * 2 ** Math.min(attempt - 1, 5), 2_000));
    }
  }

  /** A read, for sampling balances; undefined when it did not answer 200. */
  async get(path: string, token: string): Promise<unknown> {
    const base = this.gatewayUrls[this.next++ % this.gatewayUrls.length];
    try {
      const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
      return response.status === 200 ? await response.json() : undefined;
    } catch {
      return undefined;
    }
  }
}

// The API's JSON, read loosely: the client only looks for a command id and an error code.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function parse(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  const e = error as Error & { cause?: { code?: string } };
  if (e.name === 'TimeoutError') return 'timeout';
  return e.cause?.code ?? e.message;
}
