import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { createdAt, money, references, text, uuid } from './columns';
import { IsoTimestamp } from './iso-timestamp.type';

export interface Recognition {
  /** Columns with a DEFAULT: optional in em.create. */
  [OptionalProps]?: 'createdAt';
  id: string;
  tenantId: string;
  giverId: string;
  recipientId: string;
  points: string;
  message: string;
  commandId: string;
  createdAt: IsoTimestamp;
}

export const RecognitionSchema = new EntitySchema<Recognition>({
  name: 'Recognition',
  tableName: 'recognitions',
  properties: {
    id: uuid({ primary: true }),
    tenantId: references('Tenant', 'tenant_id', 'recognitions_tenant_id_fkey'),
    giverId: references('User', 'giver_id', 'recognitions_giver_id_fkey'),
    recipientId: references('User', 'recipient_id', 'recognitions_recipient_id_fkey'),
    points: money(),
    message: text(),
    commandId: references('CommandRecord', 'command_id', 'recognitions_command_id_fkey', { unique: 'recognitions_command_id_key' }),
    createdAt: createdAt(),
  },
  checks: [{ name: 'recognitions_points_check', expression: 'points >= 0' }],
  indexes: [
    // A tenant's recognitions, newest first: the keyset order of the list endpoint.
    { name: 'recognitions_tenant', expression: 'CREATE INDEX recognitions_tenant ON public.recognitions USING btree (tenant_id, created_at DESC, id DESC)' },
  ],
});
