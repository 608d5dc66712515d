/**
 * Failures worth retrying: the same command will very likely succeed on a later
 * attempt. Everything else is a bug or a broken invariant and is surfaced.
 */
const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53000', // insufficient_resources
  '53100', // disk_full
  '53200', // out_of_memory
  '53300', // too_many_connections
  '25006', // read_only_sql_transaction: a failover left us on a demoted primary
  '25P03', // idle_in_transaction_session_timeout
]);
const RETRYABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

export function isTransientError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') {
    return /Connection terminated|connection timeout|Timeout acquiring a connection/i.test(String((error as Error)?.message));
  }
  return RETRYABLE_SQLSTATES.has(code) || code.startsWith('08') || RETRYABLE_NODE_CODES.has(code);
}

/**
 * Whether a batch written together may have failed because of one of its rows
 * (it breaks a constraint, holds bad data) or its timing with another batch (a
 * deadlock, a serialization failure): tried again one row at a time, the others
 * go through. An outage is not: every row would fail again.
 */
export function isRowOrConflictError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|40)/.test(code);
}

/** Waiting for a lock gave up (lock_timeout) or deadlocked: the transaction met another one, not a fault. */
export function isLockError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '55P03' || code === '40P01';
}
