import { COMMAND_CATALOG, DistributionView, ListQuery, MANAGER_ROLES, MeView, PoolView, ROLES, UserView, fromCents, page, toCents } from '@points/contracts';
import { Orm } from '@points/db';
import { ApiRouter } from '../openapi/api-router';
import { jsonResponse } from '../openapi/responses';
import { CommandService } from '../commands/command-service';
import { tenantOf } from '../http/request-context';
import { commandRoute } from '../commands/command-route';
import { iso, timeKeyset, toPage } from './keyset';


/** Users, the caller's own view, the tenant pool and distributions. Every query is scoped by the caller's tenant. */
export function tenantRoutes(api: ApiRouter, orm: Orm, commands: CommandService): void {
  const db = () => orm.em.fork();

  commandRoute(api, commands, 'create_user');

  api.route({
    method: 'get',
    path: '/api/users',
    operationId: 'listUsers',
    summary: "The tenant's users",
    tag: 'users',
    roles: MANAGER_ROLES,
    query: ListQuery,
    responses: { 200: jsonResponse('A page of users', page(UserView)) },
    handler: async ({ req, res, query }) => {
      const keyset = timeKeyset('u', query.cursor, 'asc');
      const rows = await db().execute<UserRow[]>(
        `SELECT id, tenant_id, email, display_name, role, active, ${iso('created_at')} AS created_at
           FROM users u WHERE tenant_id = ? AND ${keyset.where} ORDER BY ${keyset.order} LIMIT ?`,
        [tenantOf(req), ...keyset.params, query.limit + 1],
      );
      res.json(toPage(rows, query.limit, userView, (r) => ({ t: r.created_at, id: r.id })));
    },
  });

  api.route({
    method: 'get',
    path: '/api/me',
    operationId: 'getMe',
    summary: 'The caller, their wallet and their lead budget if any',
    tag: 'users',
    roles: ROLES,
    responses: { 200: jsonResponse('You', MeView) },
    handler: async ({ res, caller }) => {
      const [row] = await db().execute<(UserRow & { balance: string | null; lifetime_earned: string | null; budget: string | null })[]>(
        `SELECT u.id, u.tenant_id, u.email, u.display_name, u.role, u.active, ${iso('u.created_at')} AS created_at,
                w.balance, w.lifetime_earned, b.balance AS budget
           FROM users u LEFT JOIN wallets w ON w.user_id = u.id LEFT JOIN lead_budgets b ON b.user_id = u.id
          WHERE u.id = ?`,
        [caller.userId],
      );
      res.json({
        user: userView(row),
        wallet: row.balance === null ? null : { balance: row.balance, lifetimeEarned: row.lifetime_earned },
        leadBudget: row.budget === null ? null : { balance: row.budget },
      });
    },
  });

  api.route({
    method: 'get',
    path: '/api/allocations/pool',
    operationId: 'getPool',
    summary: "The tenant pool's balance and a short status message",
    tag: 'allocations',
    roles: MANAGER_ROLES,
    responses: { 200: jsonResponse('The pool', PoolView) },
    handler: async ({ req, res }) => {
      const tenantId = tenantOf(req);
      const [row] = await db().execute<{ balance: string }[]>('SELECT points_allocation_balance AS balance FROM tenants WHERE id = ?', [tenantId]);
      res.json({ tenantId, balance: row.balance, message: poolMessage(row.balance) });
    },
  });

  commandRoute(api, commands, 'delegate');
  commandRoute(api, commands, 'award');
  commandRoute(api, commands, 'recognition');

  const distributions = (scope: 'own' | 'tenant') =>
    api.route({
      method: 'get',
      path: scope === 'own' ? '/api/allocations/history' : '/api/allocations/history/tenant',
      operationId: scope === 'own' ? 'listOwnDistributions' : 'listTenantDistributions',
      summary: scope === 'own' ? 'Distributions the caller made, newest first' : "All of the tenant's distributions, newest first",
      tag: 'allocations',
      // Anyone who may award has a history of their own; managers see the whole tenant's.
      roles: scope === 'own' ? COMMAND_CATALOG.award.roles : MANAGER_ROLES,
      query: ListQuery,
      responses: { 200: jsonResponse('A page of distributions', page(DistributionView)) },
      handler: async ({ req, res, caller, query }) => {
        const keyset = timeKeyset('d', query.cursor);
        const own = scope === 'own' ? 'AND d.from_user_id = ?' : '';
        const rows = await db().execute<Record<string, string>[]>(
          `SELECT d.id, d.from_user_id, d.to_user_id, d.transaction_type, d.source_type, d.amount, d.description,
                  d.previous_pool_balance, d.new_pool_balance, d.command_id, ${iso('d.created_at')} AS created_at
             FROM distribution_logs d
            WHERE d.tenant_id = ? ${own} AND ${keyset.where} ORDER BY ${keyset.order} LIMIT ?`,
          [tenantOf(req), ...(scope === 'own' ? [caller.userId] : []), ...keyset.params, query.limit + 1],
        );
        res.json(
          toPage(
            rows,
            query.limit,
            (r) => ({
              id: r.id,
              fromUserId: r.from_user_id,
              toUserId: r.to_user_id,
              transactionType: r.transaction_type,
              sourceType: r.source_type,
              amount: r.amount,
              description: r.description,
              previousPoolBalance: r.previous_pool_balance,
              newPoolBalance: r.new_pool_balance,
              commandId: r.command_id,
              createdAt: r.created_at,
            }),
            (r) => ({ t: r.created_at, id: r.id }),
          ),
        );
      },
    });
  distributions('own');
  distributions('tenant');
}

interface UserRow {
  id: string;
  tenant_id: string | null;
  email: string;
  display_name: string;
  role: string;
  active: boolean;
  created_at: string;
}

const userView = (r: UserRow) => ({
  id: r.id,
  tenantId: r.tenant_id,
  email: r.email,
  displayName: r.display_name,
  role: r.role,
  active: r.active,
  createdAt: r.created_at,
});

function poolMessage(balance: string): string {
  const cents = toCents(balance);
  if (cents === 0n) return 'The pool is empty: ask your platform admin to allocate points before awarding.';
  if (cents < 100_000n) return `The pool is running low (${fromCents(cents)} points left).`;
  return `${fromCents(cents)} points are available to delegate and award.`;
}
