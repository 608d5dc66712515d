import { InferEntity } from '@mikro-orm/core';
import { money, references, text } from './columns';
import { AcceptedCommandSchema } from './accepted-command';
import { btreeIndex, table } from './table';
import { TenantSchema } from './tenant';
import { UserSchema } from './user';

export const RecognitionSchema = table(
  'Recognition',
  'recognitions',
  {
    tenantId: references(TenantSchema, 'tenant_id', 'recognitions_tenant_id_fkey'),
    giverId: references(UserSchema, 'giver_id', 'recognitions_giver_id_fkey'),
    recipientId: references(UserSchema, 'recipient_id', 'recognitions_recipient_id_fkey'),
    points: money(),
    message: text(),
    commandId: references(AcceptedCommandSchema, 'command_id', 'recognitions_command_id_fkey').unique('recognitions_command_id_key'),
  },
  {
    checks: [{ name: 'recognitions_points_check', expression: 'points >= 0' }],
    // A tenant's recognitions, newest first: the keyset order of the list endpoint.
    indexes: [btreeIndex('recognitions', 'recognitions_tenant', 'tenant_id, created_at DESC, id DESC')],
  },
);
export type Recognition = InferEntity<typeof RecognitionSchema>;
