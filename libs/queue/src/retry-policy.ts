import { BackoffStrategy } from 'bullmq';
import { isTransientError } from '@points/db';

/** The backoff type of every command job; the worker that runs it knows the strategy. */
export const LEDGER_BACKOFF = 'ledger';

/** Attempts a job may have: in practice unbounded, so an outage of any length is waited out. */
export const ATTEMPTS_UNTIL_DEFECT = 1_000_000;

export interface RetryPolicy {
  /** Delay before the first retry; doubles each attempt. */
  baseDelayMs: number;
  /** The longest wait between two attempts, however long an outage lasts. */
  maxDelayMs: number;
  /** Attempts in all for a failure that is not an outage (a defect): then the job fails. */
  maxAttempts: number;
}

/** The production defaults (LEDGER_MAX_ATTEMPTS, LEDGER_RETRY_MAX_DELAY_MS). */
export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 200, maxDelayMs: 30_000, maxAttempts: 10 };

/**
 * How a command's job retries. A transient failure — a lost connection, a
 * deadlock, a serialization failure, PostgreSQL restarting or out of disk —
 * is retried for as long as it lasts, backing off to `maxDelayMs`, so an outage
 * never ends an accepted command `failed`. Any other failure is a defect: after
 * `maxAttempts` of those (outage attempts do not count; the tally is kept on the
 * job as `defects`) the job fails and its command is marked `failed` (which
 * operators alert on).
 */
export function ledgerBackoff(policy: RetryPolicy): BackoffStrategy {
  return async (attemptsMade, _type, err, job) => {
    const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attemptsMade - 1, 30));
    if (isTransientError(err)) return delay;
    if (!job) return attemptsMade >= policy.maxAttempts ? -1 : delay;
    const defects = (Number((job.data as { defects?: unknown } | null)?.defects) || 0) + 1;
    try {
      await job.updateData({ ...(job.data as object), defects });
    } catch {
      // Redis is going away under us: retry; the tally resumes once it is back.
      return delay;
    }
    return defects >= policy.maxAttempts ? -1 : delay;
  };
}
