import { EntityManager } from '@mikro-orm/postgresql';

export interface BulkRowError {
  row: number;
  field: string;
  message: string;
}

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'; // bound as parameters: knex reads a bare ? as a placeholder
const AMOUNT = '^(0|[1-9][0-9]{0,12})([.][0-9]{1,2})?$';
export const MAX_REPORTED_ERRORS = 1000;

/**
 * Checks every row of a bulk award with a handful of set-based statements (fast
 * at 100,000 rows): resolves each recipient by id or email within the tenant,
 * parses each amount, and reports unknown or other-tenant users, bad amounts,
 * duplicate recipients, self-awards and wallets that would overflow — each with
 * its row number. Re-running it gives the same answer.
 */
export async function validateBulkRows(em: EntityManager, bulk: { id: string; tenantId: string; issuerId: string }): Promise<{ errors: BulkRowError[]; failedRows: number }> {
  const db = em.fork();
  // One pass over the rows: resolve the recipient (by id, else by email) and parse the amount.
  await db.execute(
    `UPDATE bulk_award_items i SET
       user_id = COALESCE(
         (SELECT u.id FROM users u WHERE u.id = CASE WHEN i.user_ref ~ ? THEN i.user_ref::uuid END AND u.tenant_id = ? AND u.active),
         (SELECT u.id FROM users u WHERE lower(u.email) = lower(i.user_ref) AND u.tenant_id = ? AND u.active)),
       amount = CASE WHEN i.amount_text ~ ? AND i.amount_text::numeric > 0 THEN i.amount_text::numeric END
     WHERE i.bulk_award_id = ?`,
    [UUID, bulk.tenantId, bulk.tenantId, AMOUNT, bulk.id],
    'run',
  );
  const rows = await db.execute<(BulkRowError & { failed_rows: string })[]>(
    `WITH items AS (SELECT * FROM bulk_award_items WHERE bulk_award_id = ?),
     errors AS (
       SELECT row_number, 'userId' AS field, 'no such user in this tenant' AS message FROM items WHERE user_id IS NULL
       UNION ALL
       SELECT row_number, 'amount', 'must be a decimal greater than 0 with at most 2 places, at most 9999999999999.99' FROM items WHERE amount IS NULL
       UNION ALL
       SELECT row_number, 'userId', 'you cannot award yourself' FROM items WHERE user_id = ?::uuid
       UNION ALL
       SELECT row_number, 'userId', 'duplicate recipient: also on row ' || first_row FROM (
         SELECT row_number, min(row_number) OVER (PARTITION BY user_id) AS first_row FROM items WHERE user_id IS NOT NULL
       ) d WHERE row_number <> first_row
       UNION ALL
       SELECT i.row_number, 'userId', 'the recipient has no wallet' FROM items i
        WHERE i.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM wallets w WHERE w.user_id = i.user_id)
       UNION ALL
       SELECT i.row_number, 'amount', 'the recipient''s wallet would exceed 9999999999999.99' FROM items i JOIN wallets w ON w.user_id = i.user_id
        WHERE i.amount IS NOT NULL AND w.lifetime_earned + i.amount > 9999999999999.99
     )
     SELECT row_number AS row, field, message, (SELECT count(DISTINCT row_number) FROM errors)::text AS failed_rows
       FROM errors ORDER BY row_number, field LIMIT ${MAX_REPORTED_ERRORS}`,
    [bulk.id, bulk.issuerId],
  );
  return { errors: rows.map(({ row, field, message }) => ({ row, field, message })), failedRows: Number(rows[0]?.failed_rows ?? 0) };
}
