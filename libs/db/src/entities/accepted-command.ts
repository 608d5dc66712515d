import { InferEntity, defineEntity } from '@mikro-orm/core';
import { FINAL_STATUSES, UNFINISHED_STATUSES } from '@points/contracts';
import { compositeKey, integer, jsonb, nullable, oneOf, references, text, timestamp } from './columns';
import { btreeIndex, horizonRow, table } from './table';
import { TenantSchema } from './tenant';
import { UserSchema } from './user';

/**
 * Every state-changing request, as the gateway accepted it: inserted once. Only a
 * retry or a bulk award's progress touches it again (`processing`, `attempts`);
 * its outcome is a row of its own (`command_outcomes`), and the `commands` view
 * shows the two together.
 */
export const AcceptedCommandSchema = table(
  'AcceptedCommand',
  'accepted_commands',
  {
    type: oneOf([
      'allocate',
      'clawback',
      'delegate',
      'award',
      'recognition',
      'create_user',
      'bulk_award',
      'update_settings',
      'approve_award',
      'decline_award',
      'create_department',
      'update_department',
      'fund_department',
      'return_department_funds',
      'set_user_department',
      'reverse_award',
      'reverse_allocation',
      'create_schedule',
      'update_schedule',
      'delete_schedule',
      'run_schedule',
    ]),
    tenantId: nullable(references(TenantSchema, 'tenant_id', 'accepted_commands_tenant_id_fkey')),
    issuerId: references(UserSchema, 'issuer_id', 'accepted_commands_issuer_id_fkey'),
    payload: jsonb(),
    /** Before its outcome: queued, or processing (a retry, or a bulk award under way). */
    status: oneOf(UNFINISHED_STATUSES).defaultRaw(`'queued'`),
    idempotencyKey: nullable(text()),
    requestHash: nullable(text()),
    requestId: nullable(text()),
    attempts: integer().defaultRaw('0'),
    /** The tenant settings' version in force when it was accepted (null: the defaults). */
    settingsVersion: nullable(integer()),
    updatedAt: timestamp().defaultRaw('now()'),
    /** Holds the key accepted_commands_issuer_of_tenant — a tenant's command is issued by a user of that tenant; read issuerId and tenantId. */
    issuerOfTenant: compositeKey(UserSchema, 'accepted_commands_issuer_of_tenant', ['issuerId', 'tenantId'], ['id', 'tenant_id']),
  },
  {
    checks: [{ name: 'accepted_commands_idempotency_key_check', expression: 'length(idempotency_key) >= 1 AND length(idempotency_key) <= 255' }],
    indexes: [
      // The recovery sweep walks commands in acceptance order from its horizon (command_sweep).
      btreeIndex('accepted_commands', 'accepted_commands_created_at', 'created_at'),
      btreeIndex('accepted_commands', 'accepted_commands_issuer', 'issuer_id, created_at DESC'),
    ],
    uniques: [
      { name: 'accepted_commands_idempotency_key_unique', properties: ['issuerId', 'idempotencyKey'] },
      // Target of distribution_logs' key: a distribution's giver and tenant are its command's issuer and tenant.
      { name: 'accepted_commands_id_issuer_tenant_unique', properties: ['id', 'issuerId', 'tenantId'] },
    ],
  },
);
export type AcceptedCommand = InferEntity<typeof AcceptedCommandSchema>;

/** What the ledger decided about a command: one append-only row, written with its effect. */
export const CommandOutcomeSchema = defineEntity({
  name: 'CommandOutcome',
  tableName: 'command_outcomes',
  properties: {
    commandId: references(AcceptedCommandSchema, 'command_id', 'command_outcomes_command_id_fkey').primary(),
    status: oneOf(FINAL_STATUSES),
    result: nullable(jsonb()),
    error: nullable(jsonb()),
    attempts: integer(),
    completedAt: timestamp().defaultRaw('now()'),
  },
  checks: [
    { name: 'command_outcomes_attempts_check', expression: 'attempts >= 1' },
    {
      name: 'command_outcomes_result_or_error',
      expression: `(status = 'succeeded' AND result IS NOT NULL AND error IS NULL) OR (status <> 'succeeded' AND error IS NOT NULL AND result IS NULL)`,
    },
  ],
});
export type CommandOutcomeRecord = InferEntity<typeof CommandOutcomeSchema>;

/** The recovery sweep's horizon: every command accepted before `decided_before` has its outcome. One row. */
export const CommandSweepSchema = horizonRow('CommandSweep', 'command_sweep', 'decidedBefore');
