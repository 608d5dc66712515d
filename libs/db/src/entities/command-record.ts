import { EntitySchema, HiddenProps, OptionalProps } from '@mikro-orm/core';
import { compositeKey, createdAt, integer, jsonb, oneOf, references, text, timestamp, uuid } from './columns';
import { IsoTimestamp } from './iso-timestamp.type';

const COMMAND_TYPES = ['allocate', 'clawback', 'delegate', 'award', 'recognition', 'create_user', 'bulk_award'] as const;
const COMMAND_STATUSES = ['queued', 'processing', 'succeeded', 'rejected', 'failed'] as const;

/** Every state-changing request: the gateway inserts it, the ledger worker finishes it. */
export interface CommandRecord {
  /** Columns with a DEFAULT: optional in em.create. */
  [OptionalProps]?: 'status' | 'attempts' | 'createdAt' | 'updatedAt';
  [HiddenProps]?: 'issuerOfTenant';
  id: string;
  type: (typeof COMMAND_TYPES)[number];
  tenantId: string | null;
  issuerId: string;
  payload: Record<string, unknown>;
  status: (typeof COMMAND_STATUSES)[number];
  result: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
  idempotencyKey: string | null;
  requestHash: string | null;
  requestId: string | null;
  attempts: number;
  createdAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
  completedAt: IsoTimestamp | null;
  /** Holds the key commands_issuer_of_tenant — a tenant's command is issued by a user of that tenant; read issuerId and tenantId. */
  issuerOfTenant?: unknown;
}

export const CommandRecordSchema = new EntitySchema<CommandRecord>({
  name: 'CommandRecord',
  tableName: 'commands',
  properties: {
    id: uuid({ primary: true }),
    type: oneOf(COMMAND_TYPES),
    tenantId: references('Tenant', 'tenant_id', 'commands_tenant_id_fkey', { nullable: true }),
    issuerId: references('User', 'issuer_id', 'commands_issuer_id_fkey'),
    payload: jsonb(),
    status: oneOf(COMMAND_STATUSES, { defaultRaw: `'queued'` }),
    result: jsonb({ nullable: true }),
    error: jsonb({ nullable: true }),
    idempotencyKey: text({ nullable: true }),
    requestHash: text({ nullable: true }),
    requestId: text({ nullable: true }),
    attempts: integer({ defaultRaw: '0' }),
    createdAt: createdAt(),
    updatedAt: timestamp({ defaultRaw: 'now()' }),
    completedAt: timestamp({ nullable: true }),
    issuerOfTenant: compositeKey<CommandRecord>('User', 'commands_issuer_of_tenant', ['issuerId', 'tenantId'], ['id', 'tenant_id']),
  },
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
    {
      name: 'commands_unfinished',
      expression: `CREATE INDEX commands_unfinished ON public.commands USING btree (updated_at) WHERE (status = ANY (ARRAY['queued'::text, 'processing'::text]))`,
    },
    { name: 'commands_issuer', expression: 'CREATE INDEX commands_issuer ON public.commands USING btree (issuer_id, created_at DESC)' },
  ],
  uniques: [
    { name: 'commands_idempotency_key_unique', properties: ['issuerId', 'idempotencyKey'] },
    // Target of distribution_logs' key: a distribution's giver and tenant are its command's issuer and tenant.
    { name: 'commands_id_issuer_tenant_unique', properties: ['id', 'issuerId', 'tenantId'] },
  ],
});
