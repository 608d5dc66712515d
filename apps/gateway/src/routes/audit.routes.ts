import { AuditEntryView, ListQuery, MANAGER_ROLES, PlatformAuditQuery, page } from '@points/contracts';
import { AuditLogEntrySchema, Orm } from '@points/db';
import { ApiRouter } from '../openapi/api-router';
import { jsonResponse } from '../openapi/responses';
import { tenantOf } from '../http/request-context';
import { keysetPage, viewOf } from './keyset-page';

/** The audit trail: every state change, for platform admins (any or one tenant) and a tenant's managers (own tenant). */
export function auditRoutes(api: ApiRouter, orm: Orm): void {
  const trail = (tenantId: string | undefined, query: ListQuery) => {
    const entries = orm.em.fork().createQueryBuilder(AuditLogEntrySchema, 'a');
    if (tenantId) entries.where({ tenantId });
    return keysetPage(entries, 'newest first', query, viewOf(AuditEntryView));
  };

  api.route({
    method: 'get',
    path: '/api/platform/audit',
    operationId: 'listPlatformAudit',
    summary: 'The audit trail, newest first; optionally one tenant',
    tag: 'audit',
    roles: ['platform_admin'],
    query: PlatformAuditQuery,
    responses: { 200: jsonResponse('A page of audit entries', page(AuditEntryView)) },
    handler: async ({ res, query }) => {
      res.json(await trail(query.tenantId, query));
    },
  });

  api.route({
    method: 'get',
    path: '/api/audit',
    operationId: 'listTenantAudit',
    summary: "The caller's tenant's audit trail, newest first",
    tag: 'audit',
    roles: MANAGER_ROLES,
    query: ListQuery,
    responses: { 200: jsonResponse('A page of audit entries', page(AuditEntryView)) },
    handler: async ({ req, res, query }) => {
      res.json(await trail(tenantOf(req), query));
    },
  });
}
