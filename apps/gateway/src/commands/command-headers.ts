import { z } from 'zod';
import { IdempotencyKey } from '@points/contracts';

const MAX_WAIT_SECONDS = 30;

/**
 * `Prefer: wait=N` (RFC 7240): N above 30 is capped at 30. A preference the
 * server cannot read is ignored, as the RFC asks — never a 400.
 */
export const PreferHeader = z
  .string()
  .optional()
  .transform((header) => {
    const match = header ? /(?:^|[,;\s])wait\s*=\s*(\d+)(?:$|[,;\s])/i.exec(header) : null;
    return { wait: match ? Math.min(Number(match[1]), MAX_WAIT_SECONDS) : 0 };
  })
  .describe('wait=N (N ≤ 30): wait up to N seconds for the outcome instead of answering 202 at once');

/** The headers every command route reads. */
export const CommandHeaders = z.object({
  'idempotency-key': IdempotencyKey.optional().describe('1–255 characters. Makes a retry safe: the same key with the same body returns the same command'),
  prefer: PreferHeader,
});
