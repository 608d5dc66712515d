import { InferEntity } from '@mikro-orm/core';
import { bigint, compositeKey, money, nullable, oneOf, text, uuid } from './columns';
import { AcceptedCommandSchema } from './accepted-command';
import { newestFirstIndexes, table } from './table';
import { UserSchema } from './user';

/**
 * Points given from a source (the tenant pool, a department pool or a lead budget, `sourceType`) to a
 * user. Its ids are plain columns: the database checks them only through the two
 * composite keys, which tie giver, recipient and command to the row's tenant.
 */
export const DistributionLogSchema = table(
  'DistributionLog',
  'distribution_logs',
  {
    tenantId: uuid(),
    fromUserId: uuid(),
    toUserId: uuid(),
    amount: money(),
    transactionType: oneOf(['delegation', 'award', 'recognition', 'bulk_award']),
    referenceType: nullable(text()),
    referenceId: nullable(uuid()),
    description: nullable(text()),
    sourceType: oneOf(['tenant_pool', 'lead_budget', 'department_pool']),
    previousPoolBalance: money(),
    newPoolBalance: money(),
    sourceVersion: bigint(),
    commandId: uuid(),
    /** Holds the key (toUserId, tenantId) → users: the recipient is a user of the tenant. */
    recipientOfTenant: compositeKey(UserSchema, 'distribution_logs_recipient_of_tenant', ['toUserId', 'tenantId'], ['id', 'tenant_id']),
    /** Holds the key (commandId, fromUserId, tenantId) → accepted_commands: the giver and tenant are the command's issuer and tenant. */
    givenByCommandIssuer: compositeKey(
      AcceptedCommandSchema,
      'distribution_logs_given_by_command_issuer',
      ['commandId', 'fromUserId', 'tenantId'],
      ['id', 'issuer_id', 'tenant_id'],
    ),
  },
  {
    checks: [
      { name: 'distribution_logs_amount_check', expression: 'amount > 0' },
      { name: 'distribution_logs_previous_pool_balance_check', expression: 'previous_pool_balance >= 0' },
      { name: 'distribution_logs_new_pool_balance_check', expression: 'new_pool_balance >= 0' },
      { name: 'distribution_logs_source_version_check', expression: 'source_version > 0' },
      { name: 'distribution_logs_arithmetic', expression: 'new_pool_balance = previous_pool_balance - amount' },
    ],
    indexes: newestFirstIndexes('distribution_logs', ['tenant', 'from_user', 'to_user']),
    // One distribution per recipient per command: a command applied twice cannot give twice.
    uniques: [{ name: 'distribution_logs_command_recipient_unique', properties: ['commandId', 'toUserId'] }],
  },
);
export type DistributionLog = InferEntity<typeof DistributionLogSchema>;
