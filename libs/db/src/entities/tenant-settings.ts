import { InferEntity, defineEntity } from '@mikro-orm/core';
import { createdAt, integer, jsonb, money, nullable, oneOf, references, text, timestamp, uuid } from './columns';
import { LeadBudgetSchema } from './accounts';
import { DepartmentSchema } from './department';
import { btreeIndex } from './table';
import { AcceptedCommandSchema } from './accepted-command';
import { TenantSchema } from './tenant';
import { UserSchema } from './user';

/** Every version of a tenant's settings, append-only; the latest is in force (libs/db/src/settings). */
export const TenantSettingsVersionSchema = defineEntity({
  name: 'TenantSettingsVersion',
  tableName: 'tenant_settings',
  properties: {
    tenantId: references(TenantSchema, 'tenant_id', 'tenant_settings_tenant_id_fkey').primary(),
    version: integer().primary().autoincrement(false),
    settings: jsonb(),
    tallyEpoch: integer(),
    commandId: references(AcceptedCommandSchema, 'command_id', 'tenant_settings_command_id_fkey').unique('tenant_settings_command_id_key'),
    changedBy: references(UserSchema, 'changed_by', 'tenant_settings_changed_by_fkey'),
    createdAt: createdAt(),
  },
  checks: [
    { name: 'tenant_settings_version_check', expression: 'version > 0' },
    { name: 'tenant_settings_tally_epoch_check', expression: '(tally_epoch > 0) AND (tally_epoch <= version)' },
  ],
});
export type TenantSettingsVersionRecord = InferEntity<typeof TenantSettingsVersionSchema>;

/** What a person gave or received, or a pair exchanged, in one period of one tally epoch (libs/db/src/settings/spend-tallies.ts). */
export const SpendTallySchema = defineEntity({
  name: 'SpendTally',
  tableName: 'spend_tallies',
  properties: {
    tenantId: references(TenantSchema, 'tenant_id', 'spend_tallies_tenant_id_fkey').primary(),
    epoch: integer().primary().autoincrement(false),
    scope: oneOf(['giver', 'recipient', 'pair']).primary(),
    userId: uuid().primary(),
    counterpartId: uuid().primary(),
    periodStart: timestamp().primary(),
    periodEnd: timestamp(),
    amount: money(),
    awards: integer(),
  },
  checks: [
    { name: 'spend_tallies_period_check', expression: 'period_end > period_start' },
    { name: 'spend_tallies_amount_check', expression: 'amount >= (0)::numeric' },
    { name: 'spend_tallies_awards_check', expression: 'awards >= 0' },
  ],
});
export type SpendTallyRecord = InferEntity<typeof SpendTallySchema>;

/** An award pending approval, its points held on the source; keyed by the award command's id. Append-only. */
export const AwardHoldSchema = defineEntity({
  name: 'AwardHold',
  tableName: 'award_holds',
  properties: {
    id: references(AcceptedCommandSchema, 'id', 'award_holds_id_fkey').primary(),
    tenantId: references(TenantSchema, 'tenant_id', 'award_holds_tenant_id_fkey'),
    giverId: references(UserSchema, 'giver_id', 'award_holds_giver_id_fkey'),
    recipientId: nullable(references(UserSchema, 'recipient_id', 'award_holds_recipient_id_fkey')),
    sourceType: oneOf(['tenant_pool', 'lead_budget', 'department_pool']),
    leadBudgetId: nullable(references(LeadBudgetSchema, 'lead_budget_id', 'award_holds_lead_budget_id_fkey')),
    departmentId: nullable(references(DepartmentSchema, 'department_id', 'award_holds_department_id_fkey')),
    amount: money(),
    description: nullable(text()),
    expiresAt: timestamp(),
    createdAt: createdAt(),
    /** An award (one recipient) or a bulk award held whole (its rows are its recipients). */
    kind: oneOf(['award', 'bulk_award']).defaultRaw(`'award'`),
  },
  checks: [
    { name: 'award_holds_amount_check', expression: 'amount > (0)::numeric' },
    { name: 'award_holds_recipient_check', expression: `(kind = 'award'::text) = (recipient_id IS NOT NULL)` },
    {
      name: 'award_holds_source_check',
      expression: `((source_type = 'lead_budget'::text) = (lead_budget_id IS NOT NULL)) AND ((source_type = 'department_pool'::text) = (department_id IS NOT NULL))`,
    },
  ],
  indexes: [btreeIndex('award_holds', 'award_holds_tenant', 'tenant_id, created_at DESC'), btreeIndex('award_holds', 'award_holds_expiry', 'expires_at')],
});
export type AwardHoldRecord = InferEntity<typeof AwardHoldSchema>;

/** What became of a hold: approved, declined or expired; one row per hold (its primary key). Append-only. */
export const AwardHoldDecisionSchema = defineEntity({
  name: 'AwardHoldDecision',
  tableName: 'award_hold_decisions',
  properties: {
    holdId: references(AwardHoldSchema, 'hold_id', 'award_hold_decisions_hold_id_fkey').primary(),
    decision: oneOf(['approved', 'declined', 'expired']),
    decidedBy: nullable(references(UserSchema, 'decided_by', 'award_hold_decisions_decided_by_fkey')),
    commandId: nullable(references(AcceptedCommandSchema, 'command_id', 'award_hold_decisions_command_id_fkey').unique('award_hold_decisions_command_id_key')),
    reason: nullable(text()),
    decidedAt: timestamp().defaultRaw('now()'),
  },
  checks: [{ name: 'award_hold_decisions_decider_check', expression: `(decision = 'expired'::text) = ((decided_by IS NULL) AND (command_id IS NULL))` }],
});
export type AwardHoldDecisionRecord = InferEntity<typeof AwardHoldDecisionSchema>;
