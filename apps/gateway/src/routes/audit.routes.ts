import { AuditEntryView, ListQuery, MANAGER_ROLES, PlatformAuditQuery, page } from '@points/contracts';
import { Orm } from '@points/db';
import { ApiRouter } from '../openapi/api-router';
import { jsonResponse } from '../openapi/responses';
import { tenantOf } from '../http/request-context';
import { iso, timeKeyset, toPage } from './keyset';

/** The audit trail: every state change, for platform admins (any or one tenant) and a tenant's managers (own tenant). */
export function auditRoutes(api: ApiRouter, orm: Orm): void {
  const list = async (tenantId: string | undefined, limit: number, cursor: string | undefined) => {
    const keyset = timeKeyset('a', cursor);
    const scope = tenantId ? 'a.tenant_id = ?' : 'TRUE';
    const rows = await orm.em.fork().execute<Record<string, unknown>[]>(
      `SELECT a.id, a.event_id, a.tenant_id, a.actor_id, a.action, a.entity_type, a.entity_id, a.before, a.after, a.request_id,
              ${iso('a.created_at')} AS created_at
         FROM audit_log a WHERE ${scope} AND ${keyset.where} ORDER BY ${keyset.order} LIMIT ?`,
      [...(tenantId ? [tenantId] : []), ...keyset.params, limit + 1],
    );
    return toPage(
      rows,
      limit,
      (r) => ({
        id: r.id,
        eventId: r.event_id,
        tenantId: r.tenant_id,
        actorId: r.actor_id,
        action: r.action,
        entityType: r.entity_type,
        entityId: r.entity_id,
        before: r.before,
        after: r.after,
        requestId: r.request_id,
        createdAt: r.created_at,
      }),
      (r) => ({ t: r.created_at, id: r.id }),
    );
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
      res.json(await list(query.tenantId, query.limit, query.cursor));
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
      res.json(await list(tenantOf(req), query.limit, query.cursor));
    },
  });
}
