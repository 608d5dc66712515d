import { randomUUID } from 'node:crypto';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { AllocationLog, AllocationLogSchema, Orm, PlatformBillingLogSchema, Tenant, TenantSchema } from '@points/db';
import { AllocationLogView, AllocationStats, AppError, CreateTenantBody, ListQuery, TenantAllocationSummary, TenantView, page } from '@points/contracts';
import { ApiRouter } from '../openapi/api-router';
import { jsonResponse } from '../openapi/responses';
import { CommandService } from '../commands/command-service';
import { commandRoute } from '../commands/command-route';
import { keysetPage } from './keyset-page';
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

  api.route({
    method: 'get',
    path: '/api/platform/tenants',
    operationId: 'listTenants',
    summary: 'List tenants with their pool balances',
    tag: TAG,
    roles: ADMIN,
    query: ListQuery,
    responses: { 200: jsonResponse('A page of tenants', page(TenantView)) },
    handler: async ({ res, query }) => {
      res.json(await keysetPage(db().createQueryBuilder(TenantSchema, 't'), 'oldest first', query, (tenants) => tenants.map(tenantView)));
    },
  });

  commandRoute(api, commands, 'allocate');
  commandRoute(api, commands, 'clawback');

  api.route({
    method: 'get',
    path: '/api/platform/allocations/history/:tenantId',
    operationId: 'getTenantAllocationHistory',
    summary: "A tenant's allocation log, newest first",
    tag: TAG,
    roles: ADMIN,
    params: TenantParams,
    query: ListQuery,
    responses: { 200: jsonResponse('A page of allocation log entries', page(AllocationLogView)) },
    errors: ['NOT_FOUND'],
    handler: async ({ res, params, query }) => {
      const em = db();
      if (!(await em.count(TenantSchema, params.tenantId))) throw new AppError('NOT_FOUND', 'tenant not found');
      const entries = em.createQueryBuilder(AllocationLogSchema, 'a').where({ tenantId: params.tenantId });
      res.json(await keysetPage(entries, 'highest version first', query, (page) => withInvoices(em, page)));
    },
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

  api.route({
    method: 'get',
    path: '/api/platform/allocations/all',
    operationId: 'listTenantAllocationSummaries',
    summary: "Every tenant's allocation summary",
    tag: TAG,
    roles: ADMIN,
    query: ListQuery,
    responses: { 200: jsonResponse('A page of tenant summaries', page(TenantAllocationSummary)) },
    handler: async ({ res, query }) => {
      const em = db();
      res.json(
        await keysetPage(em.createQueryBuilder(TenantSchema, 't'), 'oldest first', query, async (tenants) => {
          const totals = await allocationTotals(em, tenants.map((tenant) => tenant.id));
          return tenants.map((tenant) => TenantAllocationSummary.parse({ ...tenant, tenantId: tenant.id, poolBalance: tenant.pointsAllocationBalance, ...totals.get(tenant.id) }));
        }),
      );
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
