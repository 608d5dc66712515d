import { COMMAND_CATALOG, DistributionView, ListQuery, MANAGER_ROLES, MeView, PoolView, ROLES, UserView, fromCents, page, toCents } from '@points/contracts';
import { DistributionLogSchema, LeadBudgetSchema, Orm, TenantSchema, UserSchema, WalletSchema } from '@points/db';
import { ApiRouter } from '../openapi/api-router';
import { jsonResponse } from '../openapi/responses';
import { CommandService } from '../commands/command-service';
import { tenantOf } from '../http/request-context';
import { commandRoute } from '../commands/command-route';
import { keysetPage, viewOf } from './keyset-page';

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
      const users = db().createQueryBuilder(UserSchema, 'u').where({ tenantId: tenantOf(req) });
      res.json(await keysetPage(users, 'oldest first', query, viewOf(UserView)));
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
      const [user, wallet, budget] = await Promise.all([
        db().findOneOrFail(UserSchema, caller.userId),
        db().findOne(WalletSchema, { userId: caller.userId }),
        db().findOne(LeadBudgetSchema, { userId: caller.userId }),
      ]);
      res.json(
        MeView.parse({
          user,
          wallet: wallet && { balance: wallet.balance, lifetimeEarned: wallet.lifetimeEarned },
          leadBudget: budget && { balance: budget.balance },
        }),
      );
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
      const tenant = await db().findOneOrFail(TenantSchema, tenantOf(req), { fields: ['pointsAllocationBalance'] });
      const balance = tenant.pointsAllocationBalance;
      res.json({ tenantId: tenant.id, balance, message: poolMessage(balance) });
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
        const given = db()
          .createQueryBuilder(DistributionLogSchema, 'd')
          .where({ tenantId: tenantOf(req), ...(scope === 'own' ? { fromUserId: caller.userId } : {}) });
        res.json(await keysetPage(given, 'newest first', query, viewOf(DistributionView)));
      },
    });
  distributions('own');
  distributions('tenant');
}

function poolMessage(balance: string): string {
  const cents = toCents(balance);
  if (cents === 0n) return 'The pool is empty: ask your platform admin to allocate points before awarding.';
  if (cents < 100_000n) return `The pool is running low (${fromCents(cents)} points left).`;
  return `${fromCents(cents)} points are available to delegate and award.`;
}
