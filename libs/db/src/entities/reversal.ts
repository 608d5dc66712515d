import { InferEntity, defineEntity } from '@mikro-orm/core';
import { createdAt, money, references, text } from './columns';
import { AcceptedCommandSchema } from './accepted-command';
import { btreeIndex } from './table';
import { TenantSchema } from './tenant';
import { UserSchema } from './user';

/** An award or recognition reversed, keyed by its command: one reversal each. Append-only. */
export const ReversalSchema = defineEntity({
  name: 'Reversal',
  tableName: 'reversals',
  properties: {
    originalCommandId: references(AcceptedCommandSchema, 'original_command_id', 'reversals_original_command_id_fkey').primary(),
    tenantId: references(TenantSchema, 'tenant_id', 'reversals_tenant_id_fkey'),
    commandId: references(AcceptedCommandSchema, 'command_id', 'reversals_command_id_fkey').unique('reversals_command_id_key'),
    reversedBy: references(UserSchema, 'reversed_by', 'reversals_reversed_by_fkey'),
    reason: text(),
    amount: money(),
    createdAt: createdAt(),
  },
  checks: [{ name: 'reversals_amount_check', expression: 'amount >= (0)::numeric' }],
  indexes: [btreeIndex('reversals', 'reversals_tenant', 'tenant_id, created_at DESC')],
});
export type ReversalRecord = InferEntity<typeof ReversalSchema>;
