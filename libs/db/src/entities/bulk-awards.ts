import { InferEntity, defineEntity } from '@mikro-orm/core';
import { BULK_STATUSES } from '@points/contracts';
import { createdAt, integer, jsonb, money, nullable, oneOf, references, text, timestamp, uuid } from './columns';
import { AcceptedCommandSchema } from './accepted-command';
import { btreeIndex } from './table';
import { TenantSchema } from './tenant';
import { UserSchema } from './user';

/** A bulk award's progress and errors; its id is the id of its `bulk_award` command. */
export const BulkAwardSchema = defineEntity({
  name: 'BulkAward',
  tableName: 'bulk_awards',
  properties: {
    id: references(AcceptedCommandSchema, 'id', 'bulk_awards_id_fkey').primary(),
    tenantId: references(TenantSchema, 'tenant_id', 'bulk_awards_tenant_id_fkey'),
    issuerId: references(UserSchema, 'issuer_id', 'bulk_awards_issuer_id_fkey'),
    description: nullable(text()),
    status: oneOf(BULK_STATUSES).defaultRaw(`'queued'`),
    total: integer(),
    processed: integer().defaultRaw('0'),
    succeeded: integer().defaultRaw('0'),
    failed: integer().defaultRaw('0'),
    totalAmount: nullable(money()),
    errors: jsonb<unknown[]>().defaultRaw(`'[]'`),
    createdAt: createdAt(),
    updatedAt: timestamp().defaultRaw('now()'),
    completedAt: nullable(timestamp()),
  },
  checks: [
    { name: 'bulk_awards_total_check', expression: 'total >= 1 AND total <= 100000' },
    { name: 'bulk_awards_processed_check', expression: 'processed >= 0' },
    { name: 'bulk_awards_succeeded_check', expression: 'succeeded >= 0' },
    { name: 'bulk_awards_failed_check', expression: 'failed >= 0' },
  ],
  indexes: [btreeIndex('bulk_awards', 'bulk_awards_tenant', 'tenant_id, created_at DESC')],
});
export type BulkAward = InferEntity<typeof BulkAwardSchema>;

/** One uploaded row of a bulk award, as uploaded (`amountText`) and as resolved (`userId`, `amount`). */
export const BulkAwardItemSchema = defineEntity({
  name: 'BulkAwardItem',
  tableName: 'bulk_award_items',
  properties: {
    bulkAwardId: references(BulkAwardSchema, 'bulk_award_id', 'bulk_award_items_bulk_award_id_fkey').primary(),
    rowNumber: integer().primary(),
    userRef: text(),
    amountText: text(),
    description: nullable(text()),
    userId: nullable(uuid()),
    amount: nullable(money()),
  },
  primaryKeys: ['bulkAwardId', 'rowNumber'],
  checks: [
    { name: 'bulk_award_items_row_number_check', expression: 'row_number > 0' },
    { name: 'bulk_award_items_amount_check', expression: 'amount > 0' },
  ],
});
export type BulkAwardItem = InferEntity<typeof BulkAwardItemSchema>;
