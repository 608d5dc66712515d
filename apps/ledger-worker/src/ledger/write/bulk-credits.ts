import { EntityManager } from '@mikro-orm/postgresql';
import { BulkCredit } from './ledger-writes';
import { OnBulkProgress, reportBulkProgress } from './bulk-progress';

export interface BulkWriteOptions {
  /** Where progress is recorded: a connection other than the apply transaction's. */
  progressDb: EntityManager;
  /** Rows written per statement; progress is reported after each chunk. */
  chunkSize?: number;
  /** Test seam: runs inside the transaction after each chunk (throw to simulate a crash mid-job). */
  afterChunk?: (processed: number) => Promise<void>;
  onProgress?: OnBulkProgress;
}

/**
 * A bulk award's credits, after the planner debited its source once: for each
 * row of `bulk_award_items`, the wallet's credit, its journal row and the
 * distribution row. Set-based on purpose — at 100,000 rows one statement per
 * chunk is what keeps a bulk award in seconds — and in chunks, so progress shows.
 * Wallets were locked, and every row checked, when the batch's state was loaded.
 */
export async function writeBulkCredits(tx: EntityManager, credit: BulkCredit, options: BulkWriteOptions): Promise<void> {
  const progress = (processed: number) => reportBulkProgress(options.progressDb, { bulkId: credit.bulkId, total: credit.rows }, { status: 'applying', processed }, options.onProgress);
  await progress(0);
  const chunkSize = options.chunkSize ?? 10_000;
  for (let first = 1; first <= credit.rows; first += chunkSize) {
    const last = Math.min(credit.rows, first + chunkSize - 1);
    await tx.execute(
      `WITH chunk AS (
         SELECT user_id, amount FROM bulk_award_items WHERE bulk_award_id = ? AND row_number BETWEEN ? AND ?
       ), moved AS (
         UPDATE wallets w SET balance = w.balance + c.amount, lifetime_earned = w.lifetime_earned + c.amount, version = w.version + 1
           FROM chunk c WHERE w.user_id = c.user_id
         RETURNING w.id AS wallet_id, w.tenant_id, c.amount, w.balance - c.amount AS previous_balance, w.balance AS new_balance, w.version
       )
       INSERT INTO wallet_ledger (id, wallet_id, tenant_id, amount, transaction_type, reference_type, reference_id, previous_balance, new_balance, version, command_id)
       SELECT gen_random_uuid(), wallet_id, tenant_id, amount, 'bulk_award', 'bulk_award', ?::uuid, previous_balance, new_balance, version, ?::uuid FROM moved`,
      [credit.bulkId, first, last, credit.bulkId, credit.bulkId],
      'run',
    );
    // The source's balance before row k is its balance before the award minus the rows before k.
    await tx.execute(
      `INSERT INTO distribution_logs (id, tenant_id, from_user_id, to_user_id, amount, transaction_type, reference_type, reference_id, description,
                                      source_type, previous_pool_balance, new_pool_balance, source_version, command_id)
       SELECT gen_random_uuid(), ?::uuid, ?::uuid, r.user_id, r.amount, 'bulk_award', 'bulk_award', ?::uuid, COALESCE(r.description, ?),
              ?, start.balance - (r.running - r.amount), start.balance - r.running, ?::bigint, ?::uuid
         FROM (SELECT ?::numeric - COALESCE(sum(amount), 0) AS balance
                 FROM bulk_award_items WHERE bulk_award_id = ? AND row_number < ?) start,
              (SELECT user_id, amount, description, sum(amount) OVER (ORDER BY row_number) AS running
                 FROM bulk_award_items WHERE bulk_award_id = ? AND row_number BETWEEN ? AND ?) r`,
      [credit.tenantId, credit.issuerId, credit.bulkId, credit.description, credit.sourceType, credit.sourceVersion, credit.bulkId, credit.sourceBalanceBefore, credit.bulkId, first, credit.bulkId, first, last],
      'run',
    );
    await options.afterChunk?.(last);
    await progress(last);
  }
}

/**
 * A bulk award's reversal: every wallet it credited gives its row back, with a
 * `reversal` journal row each under the reversing command, pointing at the bulk
 * award (as its credits do). One statement; the wallets were locked and checked
 * (each holds its row) when the batch's state was loaded, and the planner
 * credited the source with the total.
 */
export async function writeBulkReversalDebits(tx: EntityManager, reversal: { bulkId: string; commandId: string }): Promise<void> {
  await tx.execute(
    `WITH credited AS (
       SELECT wallet_id, amount FROM wallet_ledger WHERE command_id = ? AND transaction_type = 'bulk_award'
     ), moved AS (
       UPDATE wallets w SET balance = w.balance - c.amount, lifetime_earned = w.lifetime_earned - c.amount, version = w.version + 1
         FROM credited c WHERE w.id = c.wallet_id
       RETURNING w.id AS wallet_id, w.tenant_id, c.amount, w.balance + c.amount AS previous_balance, w.balance AS new_balance, w.version
     )
     INSERT INTO wallet_ledger (id, wallet_id, tenant_id, amount, transaction_type, reference_type, reference_id, previous_balance, new_balance, version, command_id)
     SELECT gen_random_uuid(), wallet_id, tenant_id, -amount, 'reversal', 'bulk_award', ?::uuid, previous_balance, new_balance, version, ?::uuid FROM moved`,
    [reversal.bulkId, reversal.bulkId, reversal.commandId],
    'run',
  );
}
