import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { bigint, createdAt, money, oneOf, references, text, uuid } from './columns';
import { IsoTimestamp } from './iso-timestamp.type';

const ALLOCATION_TRANSACTION_TYPES = ['allocation', 'clawback'] as const;

/** Points moved into (allocation) or out of (clawback) a tenant's pool. */
export interface AllocationLog {
  /** Columns with a DEFAULT: optional in em.create. */
  [OptionalProps]?: 'createdAt';
  id: string;
  tenantId: string;
  adminId: string;
  amount: string;
  currency: string | null;
  referenceNote: string | null;
  transactionType: (typeof ALLOCATION_TRANSACTION_TYPES)[number];
  previousBalance: string;
  newBalance: string;
  version: string;
  commandId: string;
  createdAt: IsoTimestamp;
}

export const AllocationLogSchema = new EntitySchema<AllocationLog>({
  name: 'AllocationLog',
  tableName: 'allocation_logs',
  properties: {
    id: uuid({ primary: true }),
    tenantId: references('Tenant', 'tenant_id', 'allocation_logs_tenant_id_fkey'),
    adminId: references('User', 'admin_id', 'allocation_logs_admin_id_fkey'),
    amount: money(),
    currency: text({ nullable: true }),
    referenceNote: text({ nullable: true }),
    transactionType: oneOf(ALLOCATION_TRANSACTION_TYPES),
    previousBalance: money(),
    newBalance: money(),
    version: bigint(),
    commandId: references('CommandRecord', 'command_id', 'allocation_logs_command_id_fkey', { unique: 'allocation_logs_command_id_key' }),
    createdAt: createdAt(),
  },
  checks: [
    { name: 'allocation_logs_amount_check', expression: 'amount > 0' },
    { name: 'allocation_logs_previous_balance_check', expression: 'previous_balance >= 0' },
    { name: 'allocation_logs_new_balance_check', expression: 'new_balance >= 0' },
    { name: 'allocation_logs_version_check', expression: 'version > 0' },
    {
      name: 'allocation_logs_arithmetic',
      expression: `new_balance = previous_balance + CASE transaction_type WHEN 'allocation' THEN amount ELSE -amount END`,
    },
  ],
  indexes: [
    { name: 'idx_allocation_logs_tenant', expression: 'CREATE INDEX idx_allocation_logs_tenant ON public.allocation_logs USING btree (tenant_id, created_at DESC)' },
    { name: 'idx_allocation_logs_admin', expression: 'CREATE INDEX idx_allocation_logs_admin ON public.allocation_logs USING btree (admin_id, created_at DESC)' },
  ],
});
