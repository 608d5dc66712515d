import { AsOfQuery, COMMAND_CATALOG, DistributionView, MANAGER_ROLES, MeView, PoolView, ROLES, UserView, availableOf, fromCents, toCents } from '@points/contracts';
import { DistributionLogSchema, LeadBudgetSchema, Orm, TenantSchema, UserSchema, WalletSchema, currentSettings, expiryPolicies, walletExpiries } from '@points/db';
import { ApiRouter } from '../openapi/api-router';
import { jsonResponse } from '../openapi/responses';
import { CommandService } from '../commands/command-service';
import { tenantOf } from '../http/request-context';
import { commandRoute } from '../commands/command-route';
import { asOf, inTheFuture } from './balance-as-of';
import { limitsFor } from './limits-view';
import { listRoute } from './list-route';

/** Users, the caller's own view, the tenant pool and distributions. Every query is scoped by the caller's tenant. */
export function tenantRoutes(api: ApiRouter, orm: Orm, commands: CommandService): void {
  const db = () => orm.em.fork();

  commandRoute(api, commands, 'create_user');

  listRoute(api, {
    path: '/api/users',
    operationId: 'listUsers',
    summary: "The tenant's users",
    tag: 'users',
    roles: MANAGER_ROLES,
    rows: ({ req }) => db().createQueryBuilder(UserSchema, 'u').where({ tenantId: tenantOf(req) }),
    order: 'oldest first',
    item: UserView,
  });

  api.route({
    method: 'get',
    path: '/api/me',
    operationId: 'getMe',
    summary: "The caller, their wallet, their lead budget if any, and the tenant's spend limits with what the caller has used and has left this period",
    tag: 'users',
    roles: ROLES,
    query: AsOfQuery,
    description:
      "With asOf, the wallet and lead budget are as they stood then (from their journals); the user, the limits and the wallet's coming expiries are as they are now.",
    responses: { 200: jsonResponse('You', MeView) },
    handler: async ({ res, caller, query }) => {
      // A moment to come is refused for everyone, with or without a wallet (a platform admin has none).
      if (query.asOf && Date.parse(query.asOf) > Date.now()) throw inTheFuture();
      const settings = caller.tenantId ? currentSettings(orm.em, caller.tenantId) : Promise.resolve(null);
      const ownWallet = db().findOne(WalletSchema, { userId: caller.userId });
      const [user, wallet, budget, limits, expiries] = await Promise.all([
        db().findOneOrFail(UserSchema, caller.userId),
        ownWallet,
        db().findOne(LeadBudgetSchema, { userId: caller.userId }),
        settings.then((current) => current && limitsFor(orm, current, caller.userId)),
        ownWallet.then(async (mine) => {
          const [policy] = mine ? await expiryPolicies(db(), [mine.tenantId]) : [];
          return policy && mine ? walletExpiries(db(), mine.id, policy) : [];
        }),
      ]);
      const at = query.asOf;
      const [walletThen, budgetThen] = await Promise.all([
        wallet && at ? asOf(orm, { kind: 'wallet', id: wallet.id }, at) : wallet,
        budget && at ? asOf(orm, { kind: 'lead_budget', id: budget.id }, at) : budget,
      ]);
      res.json(
        MeView.parse({
          user,
          wallet: walletThen && { balance: walletThen.balance, lifetimeEarned: walletThen.lifetimeEarned },
          leadBudget: budgetThen && { balance: budgetThen.balance, held: budgetThen.held, available: availableOf(budgetThen) },
          limits,
          expiries,
        }),
      );
    },
  });

  api.route({
    method: 'get',
    path: '/api/allocations/pool',
    operationId: 'getPool',
    summary: "The tenant pool's balance, what it holds for awards pending approval, what is available, and a short status message",
    tag: 'allocations',
    roles: MANAGER_ROLES,
    query: AsOfQuery,
    description: 'With asOf, the pool as it stood then: its balance from its journal, and what it held for the awards then pending.',
    responses: { 200: jsonResponse('The pool', PoolView) },
    handler: async ({ req, res, query }) => {
      if (query.asOf) {
        const then = await asOf(orm, { kind: 'pool', tenantId: tenantOf(req) }, query.asOf);
        res.json({ tenantId: tenantOf(req), balance: then.balance, held: then.held, available: then.available, message: poolMessage(then.available) });
        return;
      }
      const tenant = await db().findOneOrFail(TenantSchema, tenantOf(req), { fields: ['pointsAllocationBalance', 'pointsHeld'] });
      const balance = tenant.pointsAllocationBalance;
      const available = availableOf({ balance, held: tenant.pointsHeld });
      res.json({ tenantId: tenant.id, balance, held: tenant.pointsHeld, available, message: poolMessage(available) });
    },
  });

  commandRoute(api, commands, 'delegate');
  commandRoute(api, commands, 'award');
  commandRoute(api, commands, 'recognition');
  commandRoute(api, commands, 'reverse_award');

  const distributions = (scope: 'own' | 'tenant') =>
    listRoute(api, {
      path: scope === 'own' ? '/api/allocations/history' : '/api/allocations/history/tenant',
      operationId: scope === 'own' ? 'listOwnDistributions' : 'listTenantDistributions',
      summary: scope === 'own' ? 'Distributions the caller made, newest first' : "All of the tenant's distributions, newest first",
      tag: 'allocations',
      // Anyone who may award has a history of their own; managers see the whole tenant's.
      roles: scope === 'own' ? COMMAND_CATALOG.award.roles : MANAGER_ROLES,
      rows: ({ req, caller }) =>
        db()
          .createQueryBuilder(DistributionLogSchema, 'd')
          .where({ tenantId: tenantOf(req), ...(scope === 'own' ? { fromUserId: caller.userId } : {}) }),
      order: 'newest first',
      item: DistributionView,
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
