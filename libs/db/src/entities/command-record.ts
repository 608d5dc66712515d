import { InferEntity } from '@mikro-orm/core';
import { COMMAND_STATUSES } from '@points/contracts';
import { compositeKey, integer, jsonb, nullable, oneOf, references, text, timestamp } from './columns';
import { btreeIndex, table } from './table';
import { TenantSchema } from './tenant';
import { UserSchema } from './user';

/** Every state-changing request: the gateway inserts it, the ledger worker finishes it. */
export const CommandRecordSchema = table(
  'CommandRecord',
  'commands',
  {
    type: oneOf(['allocate', 'clawback', 'delegate', 'award', 'recognition', 'create_user', 'bulk_award']),
    tenantId: nullable(references(TenantSchema, 'tenant_id', 'commands_tenant_id_fkey')),
    issuerId: references(UserSchema, 'issuer_id', 'commands_issuer_id_fkey'),
    payload: jsonb(),
    status: oneOf(COMMAND_STATUSES).defaultRaw(`'queued'`),
    result: nullable(jsonb()),
    error: nullable(jsonb()),
    idempotencyKey: nullable(text()),
    requestHash: nullable(text()),
    requestId: nullable(text()),
    attempts: integer().defaultRaw('0'),
    updatedAt: timestamp().defaultRaw('now()'),
    completedAt: nullable(timestamp()),
    /** Holds the key commands_issuer_of_tenant — a tenant's command is issued by a user of that tenant; read issuerId and tenantId. */
    issuerOfTenant: compositeKey(UserSchema, 'commands_issuer_of_tenant', ['issuerId', 'tenantId'], ['id', 'tenant_id']),
  },
  {
    checks: [
      { name: 'commands_idempotency_key_check', expression: 'length(idempotency_key) >= 1 AND length(idempotency_key) <= 255' },
      {
        name: 'commands_final_has_outcome',
        expression:
          `(status = 'succeeded' AND result IS NOT NULL AND completed_at IS NOT NULL)` +
          ` OR (status = ANY (ARRAY['rejected', 'failed']) AND error IS NOT NULL AND completed_at IS NOT NULL)` +
          ` OR (status = ANY (ARRAY['queued', 'processing']) AND completed_at IS NULL)`,
      },
    ],
    indexes: [
      // The recovery sweep's work list: only unfinished commands are indexed.
      btreeIndex('commands', 'commands_unfinished', 'updated_at', { where: `status = ANY (ARRAY['queued'::text, 'processing'::text])` }),
      btreeIndex('commands', 'commands_issuer', 'issuer_id, created_at DESC'),
    ],
    uniques: [
      { name: 'commands_idempotency_key_unique', properties: ['issuerId', 'idempotencyKey'] },
      // Target of distribution_logs' key: a distribution's giver and tenant are its command's issuer and tenant.
      { name: 'commands_id_issuer_tenant_unique', properties: ['id', 'issuerId', 'tenantId'] },
    ],
  },
);
export type CommandRecord = InferEntity<typeof CommandRecordSchema>;
