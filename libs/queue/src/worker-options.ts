import { WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { DEFAULT_RETRY, RetryPolicy, ledgerBackoff } from './retry-policy';

export interface WorkerSettings {
  connection: Redis;
  prefix: string;
  concurrency: number;
  /** How long a job's lock lasts before another worker may take it over as stalled. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** How failed attempts of jobs with the `ledger` backoff are retried (DEFAULT_RETRY unless told). */
  retry?: RetryPolicy;
}

/**
 * The one crash-recovery policy for every worker: a job whose worker died is
 * found as stalled and handed to another worker, up to 10 times. Redelivery is
 * safe because every handler applies its effect exactly once in PostgreSQL.
 */
export function workerOptions(settings: WorkerSettings, defaultLockDurationMs = 30_000): WorkerOptions {
  return {
    connection: settings.connection,
    prefix: settings.prefix,
    concurrency: settings.concurrency,
    lockDuration: settings.lockDurationMs ?? defaultLockDurationMs,
    stalledInterval: settings.stalledIntervalMs ?? 30_000,
    maxStalledCount: 10,
    settings: { backoffStrategy: ledgerBackoff(settings.retry ?? DEFAULT_RETRY) },
  };
}
