import { EntityManager } from '@mikro-orm/postgresql';
import { LimitPeriod, MAX_AMOUNT } from '@points/contracts';
import { BULK_RECIPIENT_TALLY, BulkAwardRowError, RecipientTallies, bulkRecipientTallyParams } from '@points/db';
import { BulkAwardFacts } from './ledger-state';

// A bulk award's rows stay in PostgreSQL (up to 100,000 of them): the ledger
// checks them with set-based statements inside its transaction and brings only
// the facts into memory. Its rows were resolved to users and amounts before the
// transaction (bulk/resolve-bulk-rows.ts).

const MAX_REPORTED_ERRORS = 1000;

/** Locks every recipient's wallet, sorted by id; only a count comes back, not 100,000 rows. */
export async function lockBulkAwardWallets(tx: EntityManager, bulkId: string): Promise<void> {
  await tx.execute(
    `SELECT count(*) FROM (
       SELECT 1 FROM wallets WHERE user_id IN (SELECT user_id FROM bulk_award_items WHERE bulk_award_id = ?) ORDER BY id FOR NO KEY UPDATE
     ) locked`,
    [bulkId],
  );
}

/** The tenant's limits a bulk award's rows are checked against (each row is an award). */
export interface BulkRowLimits {
  perAward: string | null;
  /** Rows above it are counted: a bulk award with any is held whole for an approver (not a row error). */
  approvalThreshold: string | null;
  /** With the recipients' tallies, seeded by the caller. */
  perRecipient: { amount: string; period: LimitPeriod; tallies: RecipientTallies } | null;
}

const NO_LIMITS: BulkRowLimits = { perAward: null, approvalThreshold: null, perRecipient: null };

/**
 * Every row problem, each with its row number: a recipient who is not (or no
 * longer) an active user of the tenant, a bad amount, a self-award, a duplicate
 * recipient, a missing wallet, a wallet that would overflow, a row past a spend
 * limit (code LIMIT_EXCEEDED) — and the total.
 */
export async function readBulkAwardFacts(tx: EntityManager, bulkId: string, limits: BulkRowLimits = NO_LIMITS): Promise<BulkAwardFacts> {
  const limitErrors = limitRowErrors(limits);
  const errors = await tx.execute<(BulkAwardRowError & { failed_rows: number; only_limits: boolean })[]>(
    `WITH bulk AS (SELECT id, tenant_id, issuer_id FROM bulk_awards WHERE id = ?),
     items AS (
       SELECT i.row_number, i.user_id, i.amount, i.user_id = bulk.issuer_id AS self, (u.active AND u.tenant_id = bulk.tenant_id) IS TRUE AS member
         FROM bulk JOIN bulk_award_items i ON i.bulk_award_id = bulk.id LEFT JOIN users u ON u.id = i.user_id),
     errors AS (
       SELECT row_number, 'userId' AS field, 'no such user in this tenant' AS message, 'VALIDATION_FAILED' AS code FROM items WHERE NOT member
       UNION ALL
       SELECT row_number, 'amount', 'must be a decimal greater than 0 with at most 2 places, at most ${MAX_AMOUNT}', 'VALIDATION_FAILED' FROM items WHERE amount IS NULL
       UNION ALL
       SELECT row_number, 'userId', 'you cannot award yourself', 'VALIDATION_FAILED' FROM items WHERE self
       UNION ALL
       SELECT row_number, 'userId', 'duplicate recipient: also on row ' || first_row, 'VALIDATION_FAILED' FROM (
         SELECT row_number, min(row_number) OVER (PARTITION BY user_id) AS first_row FROM items WHERE user_id IS NOT NULL
       ) d WHERE row_number <> first_row
       UNION ALL
       SELECT i.row_number, 'userId', 'the recipient has no wallet', 'VALIDATION_FAILED' FROM items i
        WHERE i.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM wallets w WHERE w.user_id = i.user_id)
       UNION ALL
       SELECT i.row_number, 'amount', 'the recipient''s wallet would exceed ${MAX_AMOUNT}', 'VALIDATION_FAILED' FROM items i JOIN wallets w ON w.user_id = i.user_id
        WHERE i.amount IS NOT NULL AND w.lifetime_earned + i.amount > ${MAX_AMOUNT}
${limitErrors.sql}
     )
     SELECT row_number AS row, field, message, code, (SELECT count(DISTINCT row_number) FROM errors)::int AS failed_rows,
            (SELECT bool_and(code = 'LIMIT_EXCEEDED') FROM errors) AS only_limits
       FROM errors ORDER BY row_number, field LIMIT ${MAX_REPORTED_ERRORS}`,
    [bulkId, ...limitErrors.params],
  );
  // In cents, as a whole number: 100,000 rows can sum past what NUMERIC(15,2) and a bigint hold.
  const [sum] = await tx.execute<{ rows: number; total_cents: string; above_threshold: number }[]>(
    `SELECT count(*)::int AS rows, (COALESCE(sum(amount), 0) * 100)::numeric(30, 0)::text AS total_cents,
            count(*) FILTER (WHERE amount > ?::numeric)::int AS above_threshold
       FROM bulk_award_items WHERE bulk_award_id = ?`,
    [limits.approvalThreshold, bulkId],
  );
  return {
    rows: sum.rows,
    total: BigInt(sum.total_cents),
    rowsAboveThreshold: sum.above_threshold,
    failedRows: errors[0]?.failed_rows ?? 0,
    onlyLimitErrors: errors[0]?.only_limits ?? false,
    rowErrors: errors.map(({ row, field, message, code }) => ({ row, field, message, code })),
  };
}

/** The rows past a spend limit, as more branches of the errors' UNION (none when the tenant sets no such limit, so an unlimited bulk award pays nothing). */
function limitRowErrors(limits: BulkRowLimits): { sql: string; params: unknown[] } {
  const branches: string[] = [];
  const params: unknown[] = [];
  if (limits.perAward) {
    branches.push(`SELECT row_number, 'amount', 'exceeds the per-award limit of ' || ?::numeric, 'LIMIT_EXCEEDED' FROM items WHERE amount > ?::numeric`);
    params.push(limits.perAward, limits.perAward);
  }
  const cap = limits.perRecipient;
  if (cap) {
    branches.push(
      `SELECT i.row_number, 'amount', 'the recipient may receive ' || greatest(?::numeric - t.amount, 0) || ' more this ' || ?::text || ' (perRecipient limit ' || ?::numeric || ')', 'LIMIT_EXCEEDED'
         FROM items i JOIN spend_tallies t ON ${BULK_RECIPIENT_TALLY}
        WHERE i.amount IS NOT NULL AND t.amount + i.amount > ?::numeric`,
    );
    params.push(cap.amount, cap.period, cap.amount, ...bulkRecipientTallyParams(cap.tallies), cap.amount);
  }
  return { sql: branches.map((branch) => `       UNION ALL\n       ${branch}`).join('\n'), params };
}
