import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AllocationLogView, AllocationStats, AppError, CreateTenantBody, ListQuery, TenantAllocationSummary, TenantView, page } from '@points/contracts';
import { Orm } from '@points/db';
import { ApiRouter } from '../openapi/api-router';
import { jsonResponse } from '../openapi/responses';
import { CommandService } from '../commands/command-service';
import { commandRoute } from '../commands/command-route';
import { iso, timeKeyset, toPage, versionKeyset } from './keyset';

const ADMIN = ['platform_admin'] as const;
const TAG = 'platform';
const TenantParams = z.object({ tenantId: z.uuid() });
const money = (expr: string) => `(${expr})::numeric(20,2)::text`;

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
      const [row] = await db().execute<TenantRow[]>(
        `INSERT INTO tenants (id, name, slug) VALUES (?, ?, ?) ON CONFLICT (slug) DO NOTHING
         RETURNING id, name, slug, points_allocation_balance AS pool, ${iso('created_at')} AS created_at`,
        [randomUUID(), body.name, body.slug],
      );
      if (!row) throw new AppError('VALIDATION_FAILED', 'the slug is already taken', [{ field: 'slug', message: 'already taken' }]);
      res.status(201).json(tenantView(row));
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
      const keyset = timeKeyset('t', query.cursor, 'asc');
      const rows = await db().execute<TenantRow[]>(
        `SELECT id, name, slug, points_allocation_balance AS pool, ${iso('created_at')} AS created_at
           FROM tenants t WHERE ${keyset.where} ORDER BY ${keyset.order} LIMIT ?`,
        [...keyset.params, query.limit + 1],
      );
      res.json(toPage(rows, query.limit, tenantView, (r) => ({ t: r.created_at, id: r.id })));
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
      await ensureTenant(orm, params.tenantId);
      const keyset = versionKeyset('a', query.cursor);
      const rows = await db().execute<Record<string, string>[]>(
        `SELECT a.id, a.tenant_id, a.admin_id, a.transaction_type, a.amount, a.currency, a.reference_note, b.invoice_number,
                a.previous_balance, a.new_balance, a.version, a.command_id, ${iso('a.created_at')} AS created_at
           FROM allocation_logs a LEFT JOIN platform_billing_logs b ON b.command_id = a.command_id
          WHERE a.tenant_id = ? AND ${keyset.where} ORDER BY ${keyset.order} LIMIT ?`,
        [params.tenantId, ...keyset.params, query.limit + 1],
      );
      res.json(
        toPage(
          rows,
          query.limit,
          (r) => ({
            id: r.id,
            tenantId: r.tenant_id,
            adminId: r.admin_id,
            transactionType: r.transaction_type,
            amount: r.amount,
            currency: r.currency,
            referenceNote: r.reference_note,
            invoiceNumber: r.invoice_number,
            previousBalance: r.previous_balance,
            newBalance: r.new_balance,
            version: r.version,
            commandId: r.command_id,
            createdAt: r.created_at,
          }),
          (r) => ({ v: r.version }),
        ),
      );
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
      const [row] = await db().execute<Record<string, string | boolean>[]>(
        `WITH s AS (
           SELECT t.id,
                  t.points_allocation_balance AS pool,
                  COALESCE((SELECT sum(amount) FROM allocation_logs WHERE tenant_id = t.id AND transaction_type = 'allocation'), 0) AS allocated,
                  COALESCE((SELECT sum(amount) FROM allocation_logs WHERE tenant_id = t.id AND transaction_type = 'clawback'), 0) AS clawed_back,
                  COALESCE((SELECT sum(balance) FROM lead_budgets WHERE tenant_id = t.id), 0) AS lead_budgets,
                  COALESCE((SELECT sum(balance) FROM wallets WHERE tenant_id = t.id), 0) AS wallets,
                  COALESCE((SELECT sum(amount) FROM distribution_logs WHERE tenant_id = t.id AND transaction_type <> 'delegation'), 0) AS distributed,
                  COALESCE((SELECT sum(amount) FROM pool_ledger WHERE tenant_id = t.id), 0) AS j_pool,
                  COALESCE((SELECT sum(amount) FROM lead_budget_ledger WHERE tenant_id = t.id), 0) AS j_budgets,
                  COALESCE((SELECT sum(amount) FROM wallet_ledger WHERE tenant_id = t.id), 0) AS j_wallets
             FROM tenants t WHERE t.id = ?)
         SELECT id, ${money('allocated')} AS allocated, ${money('clawed_back')} AS clawed_back, ${money('allocated - clawed_back')} AS net,
                ${money('pool')} AS pool, ${money('lead_budgets')} AS lead_budgets, ${money('wallets')} AS wallets, ${money('distributed')} AS distributed,
                ${money('j_pool')} AS j_pool, ${money('j_budgets')} AS j_budgets, ${money('j_wallets')} AS j_wallets,
                ${money('j_pool + j_budgets + j_wallets')} AS held_journals, ${money('pool + lead_budgets + wallets')} AS held_balances,
                (allocated - clawed_back = j_pool + j_budgets + j_wallets
                  AND j_pool = pool AND j_budgets = lead_budgets AND j_wallets = wallets) AS balanced
           FROM s`,
        [params.tenantId],
      );
      if (!row) throw new AppError('NOT_FOUND', 'tenant not found');
      res.json({
        tenantId: row.id,
        totalAllocated: row.allocated,
        totalClawedBack: row.clawed_back,
        netAllocated: row.net,
        poolBalance: row.pool,
        leadBudgetsTotal: row.lead_budgets,
        walletsTotal: row.wallets,
        totalDistributed: row.distributed,
        accountingCheck: {
          balanced: row.balanced,
          netAllocated: row.net,
          heldPerJournals: row.held_journals,
          heldPerBalances: row.held_balances,
          journals: { pool: row.j_pool, leadBudgets: row.j_budgets, wallets: row.j_wallets },
        },
      });
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
      const keyset = timeKeyset('t', query.cursor, 'asc');
      const rows = await db().execute<Record<string, string>[]>(
        `SELECT t.id, t.name, t.slug, t.points_allocation_balance AS pool, ${iso('t.created_at')} AS created_at,
                ${money("COALESCE(sum(a.amount) FILTER (WHERE a.transaction_type = 'allocation'), 0)")} AS allocated,
                ${money("COALESCE(sum(a.amount) FILTER (WHERE a.transaction_type = 'clawback'), 0)")} AS clawed_back,
                ${money("COALESCE(sum(CASE a.transaction_type WHEN 'allocation' THEN a.amount ELSE -a.amount END), 0)")} AS net,
                count(a.id) FILTER (WHERE a.transaction_type = 'allocation')::int AS allocation_count
           FROM tenants t LEFT JOIN allocation_logs a ON a.tenant_id = t.id
          WHERE ${keyset.where}
          GROUP BY t.id ORDER BY ${keyset.order} LIMIT ?`,
        [...keyset.params, query.limit + 1],
      );
      res.json(
        toPage(
          rows,
          query.limit,
          (r) => ({
            tenantId: r.id,
            name: r.name,
            slug: r.slug,
            poolBalance: r.pool,
            totalAllocated: r.allocated,
            totalClawedBack: r.clawed_back,
            netAllocated: r.net,
            allocationCount: Number(r.allocation_count),
          }),
          (r) => ({ t: r.created_at, id: r.id }),
        ),
      );
    },
  });
}

interface TenantRow {
  id: string;
  name: string;
  slug: string;
  pool: string;
  created_at: string;
}

const tenantView = (r: TenantRow) => ({ id: r.id, name: r.name, slug: r.slug, poolBalance: r.pool, createdAt: r.created_at });

async function ensureTenant(orm: Orm, tenantId: string): Promise<void> {
  const [row] = await orm.em.fork().execute('SELECT 1 FROM tenants WHERE id = ?', [tenantId]);
  if (!row) throw new AppError('NOT_FOUND', 'tenant not found');
}
