import { InferEntity } from '@mikro-orm/core';
import { jsonb, nullable, references, text, uuid } from './columns';
import { btreeIndex, table } from './table';
import { TenantSchema } from './tenant';
import { UserSchema } from './user';

/** Who changed what, written by the notification worker once per event. */
export const AuditLogEntrySchema = table(
  'AuditLogEntry',
  'audit_log',
  {
    eventId: uuid().unique('audit_log_event_id_key'),
    tenantId: nullable(references(TenantSchema, 'tenant_id', 'audit_log_tenant_id_fkey')),
    actorId: nullable(references(UserSchema, 'actor_id', 'audit_log_actor_id_fkey')),
    action: text(),
    entityType: text(),
    entityId: nullable(uuid()),
    before: nullable(jsonb()),
    after: nullable(jsonb()),
    requestId: nullable(text()),
  },
  { indexes: [btreeIndex('audit_log', 'audit_log_tenant', 'tenant_id, created_at DESC, id DESC')] },
);
export type AuditLogEntry = InferEntity<typeof AuditLogEntrySchema>;
