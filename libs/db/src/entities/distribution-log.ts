import { EntitySchema, HiddenProps, OptionalProps } from '@mikro-orm/core';
import { bigint, compositeKey, createdAt, money, oneOf, text, uuid } from './columns';
import { IsoTimestamp } from './iso-timestamp.type';

const DISTRIBUTION_TRANSACTION_TYPES = ['delegation', 'award', 'recognition', 'bulk_award'] as const;
const DISTRIBUTION_SOURCE_TYPES = ['tenant_pool', 'lead_budget'] as const;

/**
 * Points given from a source (the tenant pool or a lead budget, `sourceType`) to a
 * user. Its ids are plain columns: the database checks them only through the two
 * composite keys, which tie giver, recipient and command to the row's tenant.
 */
export interface DistributionLog {
  /** Columns with a DEFAULT: optional in em.create. */
  [OptionalProps]?: 'createdAt';
  [HiddenProps]?: 'recipientOfTenant' | 'givenByCommandIssuer';
  id: string;
  tenantId: string;
  fromUserId: string;
  toUserId: string;
  amount: string;
  transactionType: (typeof DISTRIBUTION_TRANSACTION_TYPES)[number];
  referenceType: string | null;
  referenceId: string | null;
  description: string | null;
  sourceType: (typeof DISTRIBUTION_SOURCE_TYPES)[number];
  previousPoolBalance: string;
  newPoolBalance: string;
  sourceVersion: string;
  commandId: string;
  createdAt: IsoTimestamp;
  /** Holds the key (toUserId, tenantId) → users: the recipient is a user of the tenant. */
  recipientOfTenant?: unknown;
  /** Holds the key (commandId, fromUserId, tenantId) → commands: the giver and tenant are the command's issuer and tenant. */
  givenByCommandIssuer?: unknown;
}

export const DistributionLogSchema = new EntitySchema<DistributionLog>({
  name: 'DistributionLog',
  tableName: 'distribution_logs',
  properties: {
    id: uuid({ primary: true }),
    tenantId: uuid(),
    fromUserId: uuid(),
    toUserId: uuid(),
    amount: money(),
    transactionType: oneOf(DISTRIBUTION_TRANSACTION_TYPES),
    referenceType: text({ nullable: true }),
    referenceId: uuid({ nullable: true }),
    description: text({ nullable: true }),
    sourceType: oneOf(DISTRIBUTION_SOURCE_TYPES),
    previousPoolBalance: money(),
    newPoolBalance: money(),
    sourceVersion: bigint(),
    commandId: uuid(),
    createdAt: createdAt(),
    recipientOfTenant: compositeKey<DistributionLog>('User', 'distribution_logs_recipient_of_tenant', ['toUserId', 'tenantId'], ['id', 'tenant_id']),
    givenByCommandIssuer: compositeKey<DistributionLog>(
      'CommandRecord',
      'distribution_logs_given_by_command_issuer',
      ['commandId', 'fromUserId', 'tenantId'],
      ['id', 'issuer_id', 'tenant_id'],
    ),
  },
  checks: [
    { name: 'distribution_logs_amount_check', expression: 'amount > 0' },
    { name: 'distribution_logs_previous_pool_balance_check', expression: 'previous_pool_balance >= 0' },
    { name: 'distribution_logs_new_pool_balance_check', expression: 'new_pool_balance >= 0' },
    { name: 'distribution_logs_source_version_check', expression: 'source_version > 0' },
    { name: 'distribution_logs_arithmetic', expression: 'new_pool_balance = previous_pool_balance - amount' },
  ],
  indexes: [
    {
      name: 'idx_distribution_logs_tenant',
      expression: 'CREATE INDEX idx_distribution_logs_tenant ON public.distribution_logs USING btree (tenant_id, created_at DESC)',
    },
    {
      name: 'idx_distribution_logs_from_user',
      expression: 'CREATE INDEX idx_distribution_logs_from_user ON public.distribution_logs USING btree (from_user_id, created_at DESC)',
    },
    {
      name: 'idx_distribution_logs_to_user',
      expression: 'CREATE INDEX idx_distribution_logs_to_user ON public.distribution_logs USING btree (to_user_id, created_at DESC)',
    },
  ],
});
