import { Command, Option } from 'commander';
import { ApiClient, apiBase, resolveToken } from './api-client';

/** Options every sub-command takes; declared once on the program, which commander reads before or after the sub-command. */
export interface GlobalOptions {
  token?: string;
  email?: string;
  api?: string;
  json?: boolean;
}

export const GLOBAL_OPTIONS = [
  new Option('--token <jwt>', 'bearer token for the API (default: $POINTS_TOKEN)'),
  new Option('--email <address>', 'mint a token for this user from the database instead (needs DATABASE_URL and JWT_SECRET, as npm run token does)'),
  new Option('--api <url>', 'the gateway (default: $POINTS_API, else http://127.0.0.1:$PORT or 3000)'),
  new Option('--json', 'print the raw JSON response, for scripts'),
];

/** What a sub-command's work gets: a client logged in as the caller, and whether to print raw JSON. */
export interface Session {
  client: ApiClient;
  json: boolean;
}

/**
 * A commander action from a sub-command's work, which returns its exit code
 * (0 done, 2 the ledger said no). The code goes to process.exitCode because
 * commander's parseAsync does not hand back what an action returns.
 */
export function withSession(work: (session: Session, command: Command) => Promise<number>): (...received: unknown[]) => Promise<void> {
  return async (...received) => {
    // commander passes the sub-command itself last, after its arguments and options.
    const command = received[received.length - 1] as Command;
    const globals = command.optsWithGlobals<GlobalOptions>();
    const client = new ApiClient(apiBase(globals.api), await resolveToken(globals));
    process.exitCode = await work({ client, json: globals.json === true }, command);
  };
}

/** The options a sub-command declared itself, typed honestly: whatever the user typed, or a default. */
export const ownOptions = (command: Command) => command.opts<Record<string, string | boolean | number | undefined>>();

export const idempotencyHeader = (key: unknown): Record<string, string> => (typeof key === 'string' ? { 'idempotency-key': key } : {});
