import { EntityManager } from '@mikro-orm/postgresql';

// Bound as parameters: knex would read the bare ? of a quantifier as a placeholder.
const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const AMOUNT = '^(0|[1-9][0-9]{0,12})([.][0-9]{1,2})?$';

/**
 * The first step of a bulk award, before the ledger's transaction: one pass
 * over the uploaded rows (set-based, fast at 100,000 rows) resolves each
 * recipient — by id, else by email — among the tenant's active users, and parses
 * each amount. A row left without a user or an amount is reported by the ledger,
 * which checks every row again with the wallets locked. Running it twice gives
 * the same answer.
 */
export async function resolveBulkRows(em: EntityManager, bulkId: string): Promise<void> {
  await em.fork().execute(
    `UPDATE bulk_award_items i SET
       user_id = COALESCE(
         (SELECT u.id FROM users u WHERE u.id = CASE WHEN i.user_ref ~ ? THEN i.user_ref::uuid END AND u.tenant_id = b.tenant_id AND u.active),
         (SELECT u.id FROM users u WHERE lower(u.email) = lower(i.user_ref) AND u.tenant_id = b.tenant_id AND u.active)),
       amount = CASE WHEN i.amount_text ~ ? AND i.amount_text::numeric > 0 THEN i.amount_text::numeric END
      FROM bulk_awards b
     WHERE b.id = i.bulk_award_id AND i.bulk_award_id = ?`,
    [UUID, AMOUNT, bulkId],
    'run',
  );
}
