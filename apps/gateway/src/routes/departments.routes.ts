import { z } from 'zod';
import { AppError, AsOfQuery, DepartmentLedgerView, DepartmentView, ListQuery, TENANT_ROLES, availableOf, isManager } from '@points/contracts';
import { Department, DepartmentLedgerEntrySchema, DepartmentSchema, Orm } from '@points/db';
import { CommandService } from '../commands/command-service';
import { commandRoute } from '../commands/command-route';
import { Caller, tenantOf } from '../http/request-context';
import { ApiRouter } from '../openapi/api-router';
import { jsonResponse } from '../openapi/responses';
import { asOf } from './balance-as-of';
import { listRoute } from './list-route';

const DepartmentParams = z.object({ departmentId: z.uuid() });

/**
 * Departments and their pools. Managers and HR admins see every department of
 * the tenant; anyone else the ones they head or belong to — another's is a 404,
 * as is another tenant's. Every change is a command.
 */
export function departmentsRoutes(api: ApiRouter, orm: Orm, commands: CommandService): void {
  const db = () => orm.em.fork();
  /** The caller's departments, as a condition on alias `d` (none for managers: they see all). */
  const visible = (caller: Caller) =>
    isManager(caller.role) ? null : { sql: 'd.head_id = ? OR d.id = (SELECT department_id FROM users WHERE id = ?)', params: [caller.userId, caller.userId] };

  listRoute(api, {
    path: '/api/departments',
    operationId: 'listDepartments',
    summary: "The tenant's departments with their pools, oldest first (managers and HR admins: all; others: those they head or belong to)",
    tag: 'departments',
    roles: TENANT_ROLES,
    rows: ({ req, caller }) => {
      const qb = db().createQueryBuilder(DepartmentSchema, 'd').where({ tenantId: tenantOf(req) });
      const only = visible(caller);
      if (only) qb.andWhere(`(${only.sql})`, only.params);
      return qb;
    },
    order: 'oldest first',
    item: DepartmentView,
    view: (departments) => views(orm, departments),
  });

  /** The department, if the caller may see it; a 404 otherwise (another tenant's or one they have no part in). */
  const findVisible = async (req: Parameters<typeof tenantOf>[0], caller: Caller, departmentId: string): Promise<Department> => {
    const qb = db().createQueryBuilder(DepartmentSchema, 'd').where({ id: departmentId, tenantId: tenantOf(req) });
    const only = visible(caller);
    if (only) qb.andWhere(`(${only.sql})`, only.params);
    const department = await qb.getSingleResult();
    if (!department) throw new AppError('NOT_FOUND', 'department not found', [{ field: 'departmentId', message: 'no such department in this tenant' }]);
    return department;
  };

  api.route({
    method: 'get',
    path: '/api/departments/:departmentId',
    operationId: 'getDepartment',
    summary: 'One department and its pool',
    tag: 'departments',
    roles: TENANT_ROLES,
    params: DepartmentParams,
    query: AsOfQuery,
    errors: ['NOT_FOUND'],
    description: 'With asOf, its pool as it stood then (from its journal and its holds); its name, parent, head and members as they are now.',
    responses: { 200: jsonResponse('The department', DepartmentView) },
    handler: async ({ req, res, caller, params, query }) => {
      const department = await findVisible(req, caller, params.departmentId.toLowerCase());
      const then = query.asOf ? await asOf(orm, { kind: 'department', id: department.id }, query.asOf) : null;
      const [view] = await views(orm, [then ? { ...department, balance: then.balance, held: then.held } : department]);
      res.json(view);
    },
  });

  listRoute(api, {
    path: '/api/departments/:departmentId/ledger',
    operationId: 'listDepartmentLedger',
    summary: "A department pool's journal, newest first: fundings, returns, delegations and awards",
    tag: 'departments',
    roles: TENANT_ROLES,
    params: DepartmentParams,
    query: ListQuery,
    errors: ['NOT_FOUND'],
    check: async ({ req, caller, params }) => {
      await findVisible(req, caller, params.departmentId.toLowerCase());
    },
    rows: ({ req, params }) => db().createQueryBuilder(DepartmentLedgerEntrySchema, 'l').where({ departmentId: params.departmentId.toLowerCase(), tenantId: tenantOf(req) }),
    order: 'highest version first',
    item: DepartmentLedgerView,
  });

  commandRoute(api, commands, 'create_department');
  commandRoute(api, commands, 'update_department');
  commandRoute(api, commands, 'fund_department');
  commandRoute(api, commands, 'return_department_funds');
  commandRoute(api, commands, 'set_user_department');
}

/** Departments as the API shows them, with their active members counted (one grouped query for the page). */
async function views(orm: Orm, departments: Department[]): Promise<z.output<typeof DepartmentView>[]> {
  const ids = departments.map((department) => department.id);
  const counts =
    ids.length === 0
      ? []
      : await orm.em
          .fork()
          .execute<{ department_id: string; members: number }[]>(
            'SELECT department_id, count(*)::int AS members FROM users WHERE active AND department_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) GROUP BY department_id',
            [JSON.stringify(ids)],
          );
  const members = new Map(counts.map((row) => [row.department_id, row.members]));
  return departments.map((department) =>
    DepartmentView.parse({
      ...department,
      available: availableOf(department),
      members: members.get(department.id) ?? 0,
    }),
  );
}
