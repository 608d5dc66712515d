import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './private-redis';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the test's own (initdb + pg_ctl from the machine's
 * binaries) on a free port, for fault tests: stopping it never touches the
 * shared server other tests and developers use. Durability is off (fsync):
 * a crash here is a stopped server, not a lost disk.
 */
export interface PrivatePostgres {
  /** The server's `postgres` database; createTestDatabase(…, url) makes one of its own on it. */
  url: string;
  port: number;
  /** Shuts the server down at once, as a crash would (connections are cut, no checkpoint). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its files. */
  destroy(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** Extra server settings, e.g. { shared_preload_libraries: 'pg_stat_statements' }. */
  settings?: Record<string, string>;
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = postgresBinaries();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'points-pg-'));
  // PostgreSQL refuses to run as root; as root, run it as the machine's postgres user.
  const asRoot = process.getuid?.() === 0;
  const pg = (tool: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args));
  if (asRoot) {
    chmodSync(dir, 0o777);
    await run('chown', ['postgres', dir]);
  }
  const dataDir = join(dir, 'data');
  await pg('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-instructions', '--no-sync']);
  const settings: Record<string, string> = { port: String(port), listen_addresses: '127.0.0.1', unix_socket_directories: dir, fsync: 'off', full_page_writes: 'off', ...options.settings };
  const serverOptions = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
  const start = async () => {
    await pg('pg_ctl', ['-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', serverOptions, 'start']);
  };
  const stop = async () => {
    if (existsSync(join(dataDir, 'postmaster.pid'))) await pg('pg_ctl', ['-D', dataDir, '-w', '-m', 'immediate', 'stop']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    async destroy() {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The directory holding initdb and pg_ctl: PG_BIN, else the newest Debian-packaged PostgreSQL. */
function postgresBinaries(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const debianRoot = '/usr/lib/postgresql';
  const versions = existsSync(debianRoot) ? readdirSync(debianRoot).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) if (existsSync(join(debianRoot, version, 'bin', 'pg_ctl'))) return join(debianRoot, version, 'bin');
  throw new Error('No PostgreSQL binaries (initdb, pg_ctl) found: install PostgreSQL or set PG_BIN to their directory');
}
