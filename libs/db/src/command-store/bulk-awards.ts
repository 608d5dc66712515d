import { EntityManager } from '@mikro-orm/postgresql';
import { BULK_FINAL_STATUSES, BULK_SETTLED_STATUSES, BulkAwardView, ErrorCode } from '@points/contracts';
import { queryBound } from '../bound-query';
import { BulkAwardSchema } from '../entities/bulk-awards';
import { CommandOutcomeSchema } from '../entities/accepted-command';

// A bulk award is a command of type `bulk_award` whose rows are stored apart:
// `bulk_awards` holds its progress and row errors, `bulk_award_items` its rows
// as uploaded. Written with the command (stored, finished), and for
// progress through a connection of its own while the ledger's transaction runs.

export interface NewBulkAwardRow {
  /** A user id or an email, as uploaded. */
  userRef: string;
  amountText: string;
  description: string | null;
}

const INSERT_CHUNK = 20_000;
const sqlList = (statuses: readonly string[]) => `(${statuses.map((status) => `'${status}'`).join(', ')})`;
/** Done: nothing will move for it any more. */
const FINAL = sqlList(BULK_FINAL_STATUSES);
/** Done processing: final, or held whole for an approver (its rows are checked again when approved). */
const SETTLED = sqlList(BULK_SETTLED_STATUSES);

/** Whether a bulk award needs no more processing by the bulk worker. */
export const isSettledBulkStatus = (status: string): boolean => (BULK_SETTLED_STATUSES as readonly string[]).includes(status);

/** The bulk award's progress row and every uploaded row, in the transaction that stores its command. */
export async function insertBulkAwardRows(
  tx: EntityManager,
  bulkId: string,
  bulk: { tenantId: string; issuerId: string; description: string | null; rows: NewBulkAwardRow[] },
): Promise<void> {
  await tx.execute('INSERT INTO bulk_awards (id, tenant_id, issuer_id, description, total) VALUES (?, ?, ?, ?, ?)', [bulkId, bulk.tenantId, bulk.issuerId, bulk.description, bulk.rows.length], 'run');
  for (let start = 0; start < bulk.rows.length; start += INSERT_CHUNK) {
    const chunk = bulk.rows.slice(start, start + INSERT_CHUNK).map((row, i) => ({
      bulk_award_id: bulkId,
      row_number: start + i + 1,
      user_ref: row.userRef,
      amount_text: row.amountText,
      description: row.description,
    }));
    // Megabytes of rows: bound by the server, not inlined into the SQL text (see queryBound).
    await queryBound(
      tx,
      `INSERT INTO bulk_award_items (bulk_award_id, row_number, user_ref, amount_text, description)
       SELECT bulk_award_id, row_number, user_ref, amount_text, description FROM jsonb_populate_recordset(NULL::bulk_award_items, ?::jsonb)`,
      [JSON.stringify(chunk)],
    );
  }
}

/** Progress of record, visible to readers while the apply transaction is still open. Never moves a finished award, nor one held for approval. */
export async function recordBulkProgress(em: EntityManager, bulkId: string, status: 'validating' | 'applying', processed: number): Promise<void> {
  await em.fork().execute(`UPDATE bulk_awards SET status = ?, processed = ?, updated_at = now() WHERE id = ? AND status NOT IN ${SETTLED}`, [status, processed, bulkId], 'run');
}

export interface BulkAwardRowError {
  row: number;
  field: string;
  message: string;
  code: ErrorCode;
}

/** How a bulk award ended, written in the ledger transaction that decided it. */
export type BulkAwardEnd =
  | { bulkId: string; status: 'succeeded'; recipients: number; totalAmount: string }
  | { bulkId: string; status: 'rejected'; failedRows: number; errors: BulkAwardRowError[] }
  /** Held whole for an approver: checked, nothing moved; not complete. */
  | { bulkId: string; status: 'pending_approval'; recipients: number; totalAmount: string }
  /** Released without posting: declined by an approver, or its window ended. */
  | { bulkId: string; status: 'declined' | 'expired' };

/** Writes how bulk awards ended (or that they are held), in the ledger transaction that decided it. */
export async function finishBulkAwards(tx: EntityManager, ends: BulkAwardEnd[]): Promise<void> {
  if (ends.length === 0) return;
  const rows = ends.map((end) => {
    switch (end.status) {
      case 'succeeded':
        return { id: end.bulkId, status: end.status, processed: end.recipients, succeeded: end.recipients, failed: 0, total_amount: end.totalAmount, errors: [], complete: true };
      case 'pending_approval':
        return { id: end.bulkId, status: end.status, processed: end.recipients, succeeded: 0, failed: 0, total_amount: end.totalAmount, errors: [], complete: false };
      case 'declined':
      case 'expired':
        return { id: end.bulkId, status: end.status, processed: null, succeeded: 0, failed: 0, total_amount: null, errors: [], complete: true };
      default:
        return { id: end.bulkId, status: end.status, processed: null, succeeded: 0, failed: end.failedRows, total_amount: null, errors: end.errors, complete: true };
    }
  });
  await tx.execute(
    `UPDATE bulk_awards b
        SET status = v.status, processed = COALESCE(v.processed, b.processed), succeeded = v.succeeded, failed = v.failed,
            -- A declined or expired bulk award keeps the total it held: what was not awarded.
            total_amount = CASE WHEN v.status IN ('declined', 'expired') THEN b.total_amount ELSE v.total_amount END,
            errors = v.errors, updated_at = now(), completed_at = CASE WHEN v.complete THEN now() END
       FROM jsonb_to_recordset(?::jsonb) AS v(id uuid, status text, processed int, succeeded int, failed int, total_amount numeric, errors jsonb, complete boolean)
      WHERE b.id = v.id`,
    [JSON.stringify(rows)],
    'run',
  );
}

/** Mirrors a command marked failed onto its bulk award (a no-op for other commands). */
export async function markBulkAwardsFailed(tx: EntityManager, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.execute(
    `UPDATE bulk_awards SET status = 'failed', updated_at = now(), completed_at = now()
      WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) AND status NOT IN ${FINAL}`,
    [JSON.stringify(ids)],
    'run',
  );
}

export type BulkAwardRecord = Omit<BulkAwardView, 'bulkId' | 'statusUrl'> & { id: string; tenantId: string; issuerId: string };

/** A bulk award's progress, with the code its command ended with (null while it runs or when it succeeded). */
export async function findBulkAward(em: EntityManager, bulkId: string): Promise<BulkAwardRecord | undefined> {
  // The outcome is read after the bulk award: both are written in one transaction, so a final bulk award always finds its code.
  const bulk = await em.fork().findOne(BulkAwardSchema, bulkId);
  const outcome = bulk && (await em.fork().findOne(CommandOutcomeSchema, bulkId, { fields: ['error'] }));
  const error = outcome?.error as { code?: ErrorCode } | null | undefined;
  return bulk ? { ...bulk, errors: bulk.errors as BulkAwardRecord['errors'], code: error?.code ?? null } : undefined;
}

/**
 * How many of the tenant's bulk awards are still being processed (one held for an approver is not), counted under a
 * per-tenant lock held until the caller's transaction ends: two uploads at once
 * cannot both take the last place under the cap.
 */
export async function lockPendingBulkAwards(tx: EntityManager, tenantId: string): Promise<number> {
  await tx.execute(`SELECT pg_advisory_xact_lock(hashtextextended('bulk_awards:' || ?, 0))`, [tenantId]);
  const [row] = await tx.execute<{ n: number }[]>(`SELECT count(*)::int AS n FROM bulk_awards WHERE tenant_id = ? AND status NOT IN ${SETTLED}`, [tenantId]);
  return row.n;
}

/**
 * Deletes the uploaded rows of bulk awards finished more than `retentionDays`
 * ago, a few awards at a time (BULK_ROWS_RETENTION_DAYS). What the ledger did
 * stays: the journals, distribution_logs and the award's progress row with its
 * row errors. Returns how many awards had their rows purged.
 */
export async function purgeFinishedBulkRows(em: EntityManager, retentionDays: number, awards = 20): Promise<number> {
  const purged = await em.fork().execute<{ id: string }[]>(
    `WITH old AS (
       SELECT b.id FROM bulk_awards b
        WHERE b.status IN ${FINAL} AND COALESCE(b.completed_at, b.updated_at) < now() - make_interval(days => ?)
          AND EXISTS (SELECT 1 FROM bulk_award_items i WHERE i.bulk_award_id = b.id)
        LIMIT ?)
     DELETE FROM bulk_award_items i USING old WHERE i.bulk_award_id = old.id RETURNING old.id`,
    [retentionDays, awards],
  );
  return new Set(purged.map((row) => row.id)).size;
}

/** What the issuer may give from (the tenant pool for managers, the lead's budget): its balance less what it holds for awards pending approval, read without a lock; null for anyone else. */
export async function sourceBalanceOf(em: EntityManager, issuer: { userId: string; tenantId: string; manager: boolean }): Promise<string | null> {
  const [row] = issuer.manager
    ? await em.fork().execute<{ balance: string }[]>('SELECT (points_allocation_balance - points_held)::text AS balance FROM tenants WHERE id = ?', [issuer.tenantId])
    : await em.fork().execute<{ balance: string }[]>('SELECT (balance - held)::text AS balance FROM lead_budgets WHERE user_id = ? AND tenant_id = ?', [issuer.userId, issuer.tenantId]);
  return row?.balance ?? (issuer.manager ? null : '0.00');
}
