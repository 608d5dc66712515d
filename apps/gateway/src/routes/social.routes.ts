import { EntityManager } from '@mikro-orm/postgresql';
import { FeedEntryView, ListQuery, TENANT_ROLES, WalletLedgerView, page } from '@points/contracts';
import { FeedEntry, FeedEntrySchema, Orm, UserSchema, WalletLedgerEntrySchema, WalletSchema } from '@points/db';
import { ApiRouter } from '../openapi/api-router';
import { jsonResponse } from '../openapi/responses';
import { tenantOf } from '../http/request-context';
import { keysetPage, viewOf } from './keyset-page';

/** The tenant feed and the caller's own wallet history. */
export function socialRoutes(api: ApiRouter, orm: Orm): void {
  const db = () => orm.em.fork();

  api.route({
    method: 'get',
    path: '/api/feed',
    operationId: 'listFeed',
    summary: "The tenant's recognition feed, newest first",
    tag: 'feed',
    roles: TENANT_ROLES,
    query: ListQuery,
    responses: { 200: jsonResponse('A page of feed entries', page(FeedEntryView)) },
    handler: async ({ req, res, query }) => {
      const em = db();
      const entries = em.createQueryBuilder(FeedEntrySchema, 'f').where({ tenantId: tenantOf(req) });
      res.json(await keysetPage(entries, 'newest first', query, (page) => withPeople(em, page)));
    },
  });

  api.route({
    method: 'get',
    path: '/api/wallets/me/ledger',
    operationId: 'listWalletLedger',
    summary: "The caller's wallet history, newest first",
    tag: 'wallets',
    roles: TENANT_ROLES,
    query: ListQuery,
    responses: { 200: jsonResponse('A page of wallet ledger entries', page(WalletLedgerView)) },
    handler: async ({ res, caller, query }) => {
      const em = db();
      const wallet = await em.findOne(WalletSchema, { userId: caller.userId }, { fields: ['id'] });
      const entries = em.createQueryBuilder(WalletLedgerEntrySchema, 'l').where({ walletId: wallet?.id ?? null });
      res.json(await keysetPage(entries, 'highest version first', query, viewOf(WalletLedgerView)));
    },
  });
}

/** Feed entries name their actor and target by display name: one lookup for the whole page. */
async function withPeople(em: EntityManager, entries: FeedEntry[]): Promise<FeedEntryView[]> {
  const ids = [...new Set(entries.flatMap((entry) => [entry.actorId, entry.targetUserId ?? []].flat()))];
  const people = new Map((await em.find(UserSchema, { id: { $in: ids } }, { fields: ['id', 'displayName'] })).map((user) => [user.id, { id: user.id, displayName: user.displayName }]));
  return entries.map((entry) =>
    FeedEntryView.parse({ ...entry, actor: people.get(entry.actorId), target: entry.targetUserId ? (people.get(entry.targetUserId) ?? null) : null }),
  );
}
