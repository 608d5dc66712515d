// Runs ceilings B and C with 8 clients on a scratch database of the benchmark's
// PostgreSQL server: pgbench where it is installed, else node clients.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EntityManager } from '@mikro-orm/postgresql';
import { TestDatabase, createTestDatabase } from '@points/testing';
import { SCHEMA, SqlWorkload } from './sql-workloads';

const run = promisify(execFile);
const CLIENTS = 8;

export interface SqlCeiling {
  tool: 'pgbench' | 'node pg clients';
  clients: number;
  transactionsPerSecond: number;
  awardsPerSecond: number;
}

/** A scratch database with the minimal schema; `drop()` removes it. */
export function sqlScratch(serverUrl: string): Promise<TestDatabase> {
  return createTestDatabase(CLIENTS, serverUrl, (orm) => orm.em.fork().execute(SCHEMA));
}

/** pgbench: on PATH, else the newest of /usr/lib/postgresql/<version>/bin (as tools/lib/services.mjs finds PostgreSQL). */
export function findPgbench(): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'pgbench'))) return join(dir, 'pgbench');
  const debianRoot = '/usr/lib/postgresql';
  if (!existsSync(debianRoot)) return null;
  const versions = readdirSync(debianRoot).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) if (existsSync(`${debianRoot}/${version}/bin/pgbench`)) return `${debianRoot}/${version}/bin/pgbench`;
  return null;
}

export async function sqlCeiling(scratch: Pick<TestDatabase, 'url' | 'orm'>, workload: SqlWorkload, seconds: number): Promise<SqlCeiling> {
  await scratch.orm.em.fork().execute('VACUUM ANALYZE pool, wallets, journal');
  const pgbench = findPgbench();
  const tps = pgbench ? await withPgbench(pgbench, scratch.url, workload, seconds) : await withNodeClients(scratch.orm.em as EntityManager, workload, seconds);
  return { tool: pgbench ? 'pgbench' : 'node pg clients', clients: CLIENTS, transactionsPerSecond: tps, awardsPerSecond: tps * workload.awardsPerTransaction };
}

async function withPgbench(pgbench: string, databaseUrl: string, workload: SqlWorkload, seconds: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'points-pgbench-'));
  try {
    const script = join(dir, `${workload.name}.sql`);
    writeFileSync(script, workload.pgbenchScript);
    const url = new URL(databaseUrl);
    // -M prepared: the fastest protocol pgbench has, as befits a ceiling; -n: no vacuum of pgbench's own tables.
    const args = ['-n', '-M', 'prepared', '-c', String(CLIENTS), '-j', '2', '-T', String(Math.max(1, Math.round(seconds))), '-f', script];
    args.push('-h', url.hostname || '127.0.0.1', '-p', url.port || '5432', '-U', decodeURIComponent(url.username) || 'postgres', decodeURIComponent(url.pathname.slice(1)));
    const env = { ...process.env, ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}) };
    const { stdout } = await run(pgbench, args, { env });
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
    const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
    if (!tps || failed > 0) throw new Error(`pgbench (${workload.name}) did not report a clean run:\n${stdout}`);
    return Number(tps);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withNodeClients(em: EntityManager, workload: SqlWorkload, seconds: number): Promise<number> {
  let transactions = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        await workload.transaction(em.fork());
        transactions++;
      }
    }),
  );
  return transactions / ((performance.now() - started) / 1000);
}
