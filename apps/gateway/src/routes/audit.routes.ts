import { AuditEntryView, MANAGER_ROLES, PlatformAuditQuery } from '@points/contracts';
import { AuditLogEntrySchema, Orm } from '@points/db';
import { ApiRouter } from '../openapi/api-router';
import { tenantOf } from '../http/request-context';
import { listRoute } from './list-route';

/** The audit trail: every state change, for platform admins (any or one tenant) and a tenant's managers (own tenant). */
export function auditRoutes(api: ApiRouter, orm: Orm): void {
  const trail = (tenantId?: string) => {
    const entries = orm.em.fork().createQueryBuilder(AuditLogEntrySchema, 'a');
    return tenantId ? entries.where({ tenantId }) : entries;
  };
  const list = { tag: 'audit', order: 'newest first', item: AuditEntryView } as const;

  listRoute(api, {
    path: '/api/platform/audit',
    operationId: 'listPlatformAudit',
    summary: 'The audit trail, newest first; optionally one tenant',
    roles: ['platform_admin'],
    query: PlatformAuditQuery,
    rows: ({ query }) => trail(query.tenantId),
    ...list,
  });

  listRoute(api, {
    path: '/api/audit',
    operationId: 'listTenantAudit',
    summary: "The caller's tenant's audit trail, newest first",
    roles: MANAGER_ROLES,
    rows: ({ req }) => trail(tenantOf(req)),
    ...list,
  });
}
