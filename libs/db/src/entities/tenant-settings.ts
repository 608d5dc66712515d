import { InferEntity, defineEntity } from '@mikro-orm/core';
import { createdAt, integer, jsonb, money, oneOf, references, timestamp, uuid } from './columns';
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
