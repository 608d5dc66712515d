import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { createdAt, integer, jsonb, money, oneOf, references, text, timestamp, uuid } from './columns';
import { IsoTimestamp } from './iso-timestamp.type';

const BULK_AWARD_STATUSES = ['queued', 'validating', 'applying', 'succeeded', 'rejected', 'failed'] as const;

/** A bulk award's progress and errors; its id is the id of its `bulk_award` command. */
export interface BulkAward {
  /** Columns with a DEFAULT: optional in em.create. */
  [OptionalProps]?: 'status' | 'processed' | 'succeeded' | 'failed' | 'errors' | 'createdAt' | 'updatedAt';
  id: string;
  tenantId: string;
  issuerId: string;
  description: string | null;
  status: (typeof BULK_AWARD_STATUSES)[number];
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
  totalAmount: string | null;
  errors: unknown[];
  createdAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
  completedAt: IsoTimestamp | null;
}

export const BulkAwardSchema = new EntitySchema<BulkAward>({
  name: 'BulkAward',
  tableName: 'bulk_awards',
  properties: {
    id: references('CommandRecord', 'id', 'bulk_awards_id_fkey', { primary: true }),
    tenantId: references('Tenant', 'tenant_id', 'bulk_awards_tenant_id_fkey'),
    issuerId: references('User', 'issuer_id', 'bulk_awards_issuer_id_fkey'),
    description: text({ nullable: true }),
    status: oneOf(BULK_AWARD_STATUSES, { defaultRaw: `'queued'` }),
    total: integer(),
    processed: integer({ defaultRaw: '0' }),
    succeeded: integer({ defaultRaw: '0' }),
    failed: integer({ defaultRaw: '0' }),
    totalAmount: money({ nullable: true }),
    errors: jsonb({ defaultRaw: `'[]'` }),
    createdAt: createdAt(),
    updatedAt: timestamp({ defaultRaw: 'now()' }),
    completedAt: timestamp({ nullable: true }),
  },
  checks: [
    { name: 'bulk_awards_total_check', expression: 'total >= 1 AND total <= 100000' },
    { name: 'bulk_awards_processed_check', expression: 'processed >= 0' },
    { name: 'bulk_awards_succeeded_check', expression: 'succeeded >= 0' },
    { name: 'bulk_awards_failed_check', expression: 'failed >= 0' },
  ],
  indexes: [{ name: 'bulk_awards_tenant', expression: 'CREATE INDEX bulk_awards_tenant ON public.bulk_awards USING btree (tenant_id, created_at DESC)' }],
});

/** One uploaded row of a bulk award, as uploaded (`amountText`) and as resolved (`userId`, `amount`). */
export interface BulkAwardItem {
  bulkAwardId: string;
  rowNumber: number;
  userRef: string;
  amountText: string;
  description: string | null;
  userId: string | null;
  amount: string | null;
}

export const BulkAwardItemSchema = new EntitySchema<BulkAwardItem>({
  name: 'BulkAwardItem',
  tableName: 'bulk_award_items',
  properties: {
    bulkAwardId: references('BulkAward', 'bulk_award_id', 'bulk_award_items_bulk_award_id_fkey', { primary: true }),
    rowNumber: integer({ primary: true }),
    userRef: text(),
    amountText: text(),
    description: text({ nullable: true }),
    userId: uuid({ nullable: true }),
    amount: money({ nullable: true }),
  },
  checks: [
    { name: 'bulk_award_items_row_number_check', expression: 'row_number > 0' },
    { name: 'bulk_award_items_amount_check', expression: 'amount > 0' },
  ],
});
