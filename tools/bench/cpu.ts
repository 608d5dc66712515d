// CPU seconds (user + system) spent so far by each process of the system: the
// apps (their child processes), the PostgreSQL server and the Redis server.
// Subtract two snapshots for what a run cost. Linux only (/proc); null elsewhere.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { EntityManager } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';

let clockTicks: number | undefined;
const ticksPerSecond = () => (clockTicks ??= Number(safely(() => execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())) || 100);

function safely<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/** Fields of /proc/<pid>/stat after the command name: [0] state, [1] ppid, … [11] utime, [12] stime, [13] cutime, [14] cstime. */
const statFields = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');

/** utime + stime of one process, in seconds. */
export function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  return safely(() => {
    const fields = statFields(pid);
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  });
}

/** The postmaster of the server `em` is connected to: the parent of our own backend. */
export async function postmasterPid(em: EntityManager): Promise<number | null> {
  const [row] = await em.fork().execute<{ pid: number }[]>('SELECT pg_backend_pid() AS pid');
  return safely(() => Number(statFields(Number(row.pid))[1]));
}

/**
 * Every process of one PostgreSQL server (the postmaster and its children:
 * backends, WAL writer, checkpointer, autovacuum…), plus what the postmaster's
 * exited children spent (its cutime + cstime), so a backend that ends during a
 * run still counts. All sessions on the server count, not only the benchmark's.
 */
export function postgresServerCpuSeconds(postmaster: number | null): number | null {
  if (postmaster === null) return null;
  return safely(() => {
    const own = statFields(postmaster);
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const fields = safely(() => statFields(Number(entry)));
      if (fields && Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / ticksPerSecond();
  });
}

/** used_cpu_sys + used_cpu_user of the Redis server (every client's work, not only the benchmark's). */
export async function redisCpuSeconds(redis: Redis): Promise<number | null> {
  const info = await redis.info('cpu').catch(() => null);
  if (!info) return null;
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  const total = field('used_cpu_sys') + field('used_cpu_user');
  return Number.isFinite(total) ? total : null;
}

export type CpuSnapshot = Record<string, number | null>;

/** One reading of every process of interest, by name. */
export async function cpuSnapshot(pids: Record<string, number | undefined>, postmaster: number | null, redis: Redis): Promise<CpuSnapshot> {
  const apps = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuSeconds(pid)]));
  return { ...apps, postgres: postgresServerCpuSeconds(postmaster), redis: await redisCpuSeconds(redis) };
}

/** CPU seconds spent between two snapshots, by process. */
export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  return Object.fromEntries(Object.keys(after).map((name) => [name, before[name] == null || after[name] == null ? null : (after[name] as number) - (before[name] as number)]));
}
