import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { createdAt, jsonb, references, text, uuid } from './columns';
import { IsoTimestamp } from './iso-timestamp.type';

/** Who changed what, written by the notification worker once per event. */
export interface AuditLogEntry {
  /** Columns with a DEFAULT: optional in em.create. */
  [OptionalProps]?: 'createdAt';
  id: string;
  eventId: string;
  tenantId: string | null;
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
  createdAt: IsoTimestamp;
}

export const AuditLogEntrySchema = new EntitySchema<AuditLogEntry>({
  name: 'AuditLogEntry',
  tableName: 'audit_log',
  properties: {
    id: uuid({ primary: true }),
    eventId: uuid({ unique: 'audit_log_event_id_key' }),
    tenantId: references('Tenant', 'tenant_id', 'audit_log_tenant_id_fkey', { nullable: true }),
    actorId: references('User', 'actor_id', 'audit_log_actor_id_fkey', { nullable: true }),
    action: text(),
    entityType: text(),
    entityId: uuid({ nullable: true }),
    before: jsonb({ nullable: true }),
    after: jsonb({ nullable: true }),
    requestId: text({ nullable: true }),
    createdAt: createdAt(),
  },
  indexes: [
    { name: 'audit_log_tenant', expression: 'CREATE INDEX audit_log_tenant ON public.audit_log USING btree (tenant_id, created_at DESC, id DESC)' },
  ],
});
