// One end-to-end run: awards POSTed to the real gateway by autocannon, applied
// by the real ledger worker, delivered by the real notification worker. Waits
// until every accepted award is final and every event delivered, then reads
// the figures from PostgreSQL (measure-sql.ts).
import { EntityManager } from '@mikro-orm/postgresql';
import { BenchStack, BenchTenant } from './bench-stack';
import { LoadRequest, LoadResult, runLoad } from './load';
import { AwardLatencies, awardLatencies, awardsFinishedBetween, dbNow, pendingWork } from './measure-sql';

export const AWARD_PATH = '/api/allocations/award-points';

/**
 * Who awards whom, request by request: tenants interleaved (one request each in
 * turn), within a tenant every employee, from its manager then its HR admin.
 */
export function awardRotation(tenants: BenchTenant[]): LoadRequest[] {
  const rotation: LoadRequest[] = [];
  const perTenant = Math.max(...tenants.map((tenant) => tenant.employees.length * tenant.givers.length));
  for (let k = 0; k < perTenant; k++) {
    for (const tenant of tenants) {
      const employee = tenant.employees[k % tenant.employees.length];
      const giver = tenant.givers[Math.floor(k / tenant.employees.length) % tenant.givers.length];
      rotation.push({ token: giver, body: JSON.stringify({ userId: employee.id, amount: '0.01' }) });
    }
  }
  return rotation;
}

export interface E2EResult {
  load: LoadResult;
  /** Awards final within the load's window, per second of it (counted in PostgreSQL). */
  appliedPerSecond: number;
  latencies: AwardLatencies;
  /** Seconds from the end of the load until every award was final and every event delivered. */
  drainSeconds: number;
  from: string;
  to: string;
}

export async function runE2E(
  stack: BenchStack,
  options: { tenants: BenchTenant[]; connections: number; seconds: number; overallRate?: number; drainTimeoutSeconds?: number },
): Promise<E2EResult> {
  const em = stack.db.orm.em as EntityManager;
  const from = await dbNow(em);
  const load = await runLoad({ url: stack.baseUrl, path: AWARD_PATH, connections: options.connections, seconds: options.seconds, overallRate: options.overallRate, rotation: awardRotation(options.tenants) });
  const to = await dbNow(em);
  const drainSeconds = await waitUntilIdle(em, options.drainTimeoutSeconds ?? 120);
  const finished = await awardsFinishedBetween(em, from, to);
  const latencies = await awardLatencies(em, from, to);
  if (load.accepted === 0 || latencies.succeeded === 0) throw new Error(`no award went through: ${JSON.stringify({ load, latencies })}`);
  return { load, appliedPerSecond: finished / windowSeconds(from, to), latencies, drainSeconds, from, to };
}

/**
 * Waits until no command is unfinished and no event undelivered, and no command
 * has been stored for half a second (requests still inside the gateway when the
 * load generator stopped are stored a moment later); returns the seconds until
 * the work was first seen done.
 */
export async function waitUntilIdle(em: EntityManager, timeoutSeconds: number): Promise<number> {
  const started = performance.now();
  let stored = -1;
  let storedSince = started;
  let doneAt: number | undefined;
  for (;;) {
    const pending = await pendingWork(em);
    const now = performance.now();
    if (pending.stored !== stored) [stored, storedSince] = [pending.stored, now];
    doneAt = pending.commands === 0 && pending.events === 0 ? (doneAt ?? now) : undefined;
    if (doneAt !== undefined && now - storedSince >= QUIET_MS) return (doneAt - started) / 1000;
    if (now - started > timeoutSeconds * 1000) throw new Error(`still busy ${timeoutSeconds} s after the load: ${JSON.stringify(pending)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const QUIET_MS = 500;

/** Length of a window given as two `dbNow` timestamps, in seconds. */
export const windowSeconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;
