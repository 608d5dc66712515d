import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { createdAt, money, oneOf, references, text, uuid } from './columns';
import { IsoTimestamp } from './iso-timestamp.type';

const BILLING_TRANSACTION_TYPES = ['allocation', 'clawback'] as const;

/** The platform's billing record of each allocation and clawback. */
export interface PlatformBillingLog {
  /** Columns with a DEFAULT: optional in em.create. */
  [OptionalProps]?: 'createdAt';
  id: string;
  adminId: string;
  tenantId: string;
  amount: string;
  currency: string | null;
  referenceNote: string | null;
  transactionType: (typeof BILLING_TRANSACTION_TYPES)[number];
  invoiceNumber: string | null;
  commandId: string;
  createdAt: IsoTimestamp;
}

export const PlatformBillingLogSchema = new EntitySchema<PlatformBillingLog>({
  name: 'PlatformBillingLog',
  tableName: 'platform_billing_logs',
  properties: {
    id: uuid({ primary: true }),
    adminId: references('User', 'admin_id', 'platform_billing_logs_admin_id_fkey'),
    tenantId: references('Tenant', 'tenant_id', 'platform_billing_logs_tenant_id_fkey'),
    amount: money(),
    currency: text({ nullable: true }),
    referenceNote: text({ nullable: true }),
    transactionType: oneOf(BILLING_TRANSACTION_TYPES),
    invoiceNumber: text({ nullable: true }),
    commandId: references('CommandRecord', 'command_id', 'platform_billing_logs_command_id_fkey', { unique: 'platform_billing_logs_command_id_key' }),
    createdAt: createdAt(),
  },
  checks: [{ name: 'platform_billing_logs_amount_check', expression: 'amount > 0' }],
  indexes: [
    {
      name: 'idx_platform_billing_logs_tenant',
      expression: 'CREATE INDEX idx_platform_billing_logs_tenant ON public.platform_billing_logs USING btree (tenant_id, created_at DESC)',
    },
    {
      name: 'idx_platform_billing_logs_admin',
      expression: 'CREATE INDEX idx_platform_billing_logs_admin ON public.platform_billing_logs USING btree (admin_id, created_at DESC)',
    },
  ],
});
