import { randomUUID } from 'node:crypto';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { AllocationLog, AllocationLogSchema, AllocationSchedule, AllocationScheduleSchema, Orm, PlatformBillingLogSchema, Tenant, TenantSchema, readSchedules, scheduleResultOf } from '@points/db';
import { AllocationLogView, AllocationStats, AppError, CreateTenantBody, ScheduleResult, SchedulesQuery, TenantAllocationSummary, TenantView } from '@points/contracts';
import { ApiRouter } from '../openapi/api-router';
import { jsonResponse } from '../openapi/responses';
import { CommandService } from '../commands/command-service';
import { commandRoute } from '../commands/command-route';
import { listRoute } from './list-route';
import { allocationStats, allocationTotals } from './allocation-reports';

const ADMIN = ['platform_admin'] as const;
const TAG = 'platform';
const TenantParams = z.object({ tenantId: z.uuid() });

/** Tenants and their allocations, for platform admins. */
export function platformRoutes(api: ApiRouter, orm: Orm, commands: CommandService): void {
  const db = () => orm.em.fork();

  api.route({
    method: 'post',
    path: '/api/platform/tenants',
    operationId: 'createTenant',
    summary: 'Create a tenant (its pool starts at 0.00)',
    tag: TAG,
    roles: ADMIN,
    body: CreateTenantBody,
    responses: { 201: jsonResponse('Created', TenantView) },
    handler: async ({ res, body }) => {
      const em = db();
      const tenant = em.create(TenantSchema, { id: randomUUID(), name: body.name, slug: body.slug });
      try {
        await em.flush();
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException) throw new AppError('VALIDATION_FAILED', 'the slug is already taken', [{ field: 'slug', message: 'already taken' }]);
        throw error;
      }
      res.status(201).json(tenantView(tenant));
    },
  });

  listRoute(api, {
    path: '/api/platform/tenants',
    operationId: 'listTenants',
    summary: 'Tenants with their pool balances',
    tag: TAG,
    roles: ADMIN,
    rows: () => db().createQueryBuilder(TenantSchema, 't'),
    order: 'oldest first',
    item: TenantView,
    view: (tenants) => tenants.map(tenantView),
  });

  commandRoute(api, commands, 'allocate');
  commandRoute(api, commands, 'clawback');
  commandRoute(api, commands, 'reverse_allocation');

  commandRoute(api, commands, 'create_schedule');
  commandRoute(api, commands, 'update_schedule');
  commandRoute(api, commands, 'delete_schedule');
  commandRoute(api, commands, 'run_schedule');

  listRoute(api, {
    path: '/api/platform/schedules',
    operationId: 'listSchedules',
    summary: 'Recurring allocations with their next run, oldest first; optionally one tenant’s',
    tag: TAG,
    roles: ADMIN,
    query: SchedulesQuery,
    rows: ({ query }) => {
      const qb = db().createQueryBuilder(AllocationScheduleSchema, 's');
      if (query.tenantId) qb.andWhere({ tenantId: query.tenantId });
      if (query.includeDeleted !== 'true') qb.andWhere({ deletedAt: null });
      return qb;
    },
    order: 'oldest first',
    item: ScheduleResult,
    view: async (schedules: AllocationSchedule[]) => {
      const rows = new Map((await readSchedules(db(), schedules.map((schedule) => schedule.id))).map((row) => [row.id, row]));
      return schedules.flatMap((schedule) => {
        const row = rows.get(schedule.id);
        return row ? [scheduleResultOf(row)] : [];
      });
    },
  });

  listRoute(api, {
    path: '/api/platform/allocations/history/:tenantId',
    operationId: 'getTenantAllocationHistory',
    summary: "A tenant's allocation log, newest first",
    tag: TAG,
    roles: ADMIN,
    params: TenantParams,
    errors: ['NOT_FOUND'],
    check: async ({ params }) => {
      if (!(await db().count(TenantSchema, { id: params.tenantId }))) throw new AppError('NOT_FOUND', 'tenant not found');
    },
    rows: ({ params }) => db().createQueryBuilder(AllocationLogSchema, 'a').where({ tenantId: params.tenantId }),
    order: 'highest version first',
    item: AllocationLogView,
    view: (entries: AllocationLog[]) => withInvoices(db(), entries),
  });

  api.route({
    method: 'get',
    path: '/api/platform/allocations/stats/:tenantId',
    operationId: 'getTenantAllocationStats',
    summary: "A tenant's totals and an accounting check computed from the journals",
    tag: TAG,
    roles: ADMIN,
    params: TenantParams,
    responses: { 200: jsonResponse('Totals and the accounting check', AllocationStats) },
    errors: ['NOT_FOUND'],
    handler: async ({ res, params }) => {
      const stats = await allocationStats(db(), params.tenantId);
      if (!stats) throw new AppError('NOT_FOUND', 'tenant not found');
      res.json(stats);
    },
  });

  listRoute(api, {
    path: '/api/platform/allocations/all',
    operationId: 'listTenantAllocationSummaries',
    summary: "Every tenant's allocation summary",
    tag: TAG,
    roles: ADMIN,
    rows: () => db().createQueryBuilder(TenantSchema, 't'),
    order: 'oldest first',
    item: TenantAllocationSummary,
    view: async (tenants) => {
      const totals = await allocationTotals(db(), tenants.map((tenant) => tenant.id));
      return tenants.map((tenant) => TenantAllocationSummary.parse({ ...tenantView(tenant), tenantId: tenant.id, ...totals.get(tenant.id) }));
    },
  });
}

/** The API calls the pool balance what it is; the table keeps the seed design's column name. */
const tenantView = (tenant: Tenant) => TenantView.parse({ ...tenant, poolBalance: tenant.pointsAllocationBalance });

/** Each allocation's invoice number is on its billing record (one per command). */
async function withInvoices(em: EntityManager, entries: AllocationLog[]) {
  const billing = await em.find(PlatformBillingLogSchema, { commandId: { $in: entries.map((entry) => entry.commandId) } }, { fields: ['commandId', 'invoiceNumber'] });
  const invoices = new Map(billing.map((record) => [record.commandId, record.invoiceNumber]));
  return entries.map((entry) => AllocationLogView.parse({ ...entry, invoiceNumber: invoices.get(entry.commandId) ?? null }));
}
