import { InferEntity } from '@mikro-orm/core';
import { balanceChange, balanceChangeChecks } from './balance-change';
import { money, nullable, oneOf, references, text } from './columns';
import { AcceptedCommandSchema } from './accepted-command';
import { Check, newestFirstIndexes, table } from './table';
import { TenantSchema } from './tenant';
import { UserSchema } from './user';

/**
 * The seed design's records of a platform admin's allocations and clawbacks, one per
 * command (reporting SQL is written against them). Amounts are always positive;
 * transaction_type says the direction.
 */
const allocationRecord = <Columns extends Record<string, unknown>>(name: string, tableName: string, columns: Columns, checks: Check[] = []) =>
  table(
    name,
    tableName,
    {
      tenantId: references(TenantSchema, 'tenant_id', `${tableName}_tenant_id_fkey`),
      adminId: references(UserSchema, 'admin_id', `${tableName}_admin_id_fkey`),
      amount: money(),
      currency: nullable(text()),
      referenceNote: nullable(text()),
      transactionType: oneOf(['allocation', 'clawback']),
      ...columns,
      commandId: references(AcceptedCommandSchema, 'command_id', `${tableName}_command_id_fkey`).unique(`${tableName}_command_id_key`),
    },
    {
      checks: [{ name: `${tableName}_amount_check`, expression: 'amount > 0' }, ...checks],
      indexes: newestFirstIndexes(tableName, ['tenant', 'admin']),
    },
  );

/** Points moved into (allocation) or out of (clawback) a tenant's pool. */
export const AllocationLogSchema = allocationRecord('AllocationLog', 'allocation_logs', balanceChange(), [
  ...balanceChangeChecks('allocation_logs'),
  { name: 'allocation_logs_arithmetic', expression: `new_balance = previous_balance + CASE transaction_type WHEN 'allocation' THEN amount ELSE -amount END` },
]);
export type AllocationLog = InferEntity<typeof AllocationLogSchema>;

/** The platform's billing record of each allocation and clawback. */
export const PlatformBillingLogSchema = allocationRecord('PlatformBillingLog', 'platform_billing_logs', { invoiceNumber: nullable(text()) });
export type PlatformBillingLog = InferEntity<typeof PlatformBillingLogSchema>;
