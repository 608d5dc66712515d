import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { CommandType } from '@points/contracts';
import { queryBound } from './bound-query';

export interface NewCommand {
  id?: string;
  type: CommandType;
  tenantId: string | null;
  issuerId: string;
  payload: unknown;
  idempotencyKey?: string | null;
  requestHash?: string | null;
  requestId?: string | null;
}

/** Records an accepted command as `queued`; the ledger worker takes it from there. */
export async function insertCommand(em: EntityManager, command: NewCommand): Promise<string> {
  const id = command.id ?? randomUUID();
  await em.fork().execute(
    `INSERT INTO commands (id, type, tenant_id, issuer_id, payload, idempotency_key, request_hash, request_id)
     VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?)`,
    [id, command.type, command.tenantId, command.issuerId, JSON.stringify(command.payload), command.idempotencyKey ?? null, command.requestHash ?? null, command.requestId ?? null],
  );
  return id;
}

export interface NewBulkAwardRow {
  /** A user id or an email, as uploaded. */
  userRef: string;
  amountText: string;
  description: string | null;
}

/**
 * Records an accepted bulk award: its command (type `bulk_award`), its progress
 * row and every uploaded row, in one transaction. Rows are stored as uploaded;
 * the ledger worker checks each one.
 */
export async function insertBulkAward(
  em: EntityManager,
  bulk: {
    tenantId: string;
    issuerId: string;
    description: string | null;
    rows: NewBulkAwardRow[];
    requestId?: string | null;
    idempotencyKey?: string | null;
    requestHash?: string | null;
  },
): Promise<{ id: string; created: boolean }> {
  const id = randomUUID();
  return em.fork().transactional(async (tx) => {
    const inserted = await tx.execute<{ id: string }[]>(
      `INSERT INTO commands (id, type, tenant_id, issuer_id, payload, request_id, idempotency_key, request_hash)
       VALUES (?, 'bulk_award', ?, ?, ?::jsonb, ?, ?, ?)
       ON CONFLICT (issuer_id, idempotency_key) DO NOTHING RETURNING id`,
      [id, bulk.tenantId, bulk.issuerId, JSON.stringify({ description: bulk.description, rows: bulk.rows.length }), bulk.requestId ?? null, bulk.idempotencyKey ?? null, bulk.requestHash ?? null],
    );
    if (inserted.length === 0) {
      const [existing] = await tx.execute<{ id: string }[]>('SELECT id FROM commands WHERE issuer_id = ? AND idempotency_key = ?', [bulk.issuerId, bulk.idempotencyKey]);
      return { id: existing.id, created: false };
    }
    await tx.execute('INSERT INTO bulk_awards (id, tenant_id, issuer_id, description, total) VALUES (?, ?, ?, ?, ?)', [id, bulk.tenantId, bulk.issuerId, bulk.description, bulk.rows.length]);
    for (let start = 0; start < bulk.rows.length; start += 20_000) {
      const chunk = bulk.rows.slice(start, start + 20_000).map((row, i) => ({
        bulk_award_id: id,
        row_number: start + i + 1,
        user_ref: row.userRef,
        amount_text: row.amountText,
        description: row.description,
      }));
      await queryBound(
        tx,
        `INSERT INTO bulk_award_items (bulk_award_id, row_number, user_ref, amount_text, description)
         SELECT bulk_award_id, row_number, user_ref, amount_text, description FROM jsonb_populate_recordset(NULL::bulk_award_items, ?::jsonb)`,
        [JSON.stringify(chunk)],
      );
    }
    return { id, created: true };
  });
}
