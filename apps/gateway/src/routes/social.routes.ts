import { EntityManager } from '@mikro-orm/postgresql';
import { FeedEntryView, TENANT_ROLES, WalletLedgerView } from '@points/contracts';
import { FeedEntry, FeedEntrySchema, Orm, UserSchema, WalletLedgerEntrySchema } from '@points/db';
import { ApiRouter } from '../openapi/api-router';
import { tenantOf } from '../http/request-context';
import { listRoute } from './list-route';

/** The tenant feed and the caller's own wallet history. */
export function socialRoutes(api: ApiRouter, orm: Orm): void {
  const db = () => orm.em.fork();

  listRoute(api, {
    path: '/api/feed',
    operationId: 'listFeed',
    summary: "The tenant's recognition feed, newest first",
    tag: 'feed',
    roles: TENANT_ROLES,
    rows: ({ req }) => db().createQueryBuilder(FeedEntrySchema, 'f').where({ tenantId: tenantOf(req) }),
    order: 'newest first',
    item: FeedEntryView,
    view: (entries) => withPeople(db(), entries),
  });

  listRoute(api, {
    path: '/api/wallets/me/ledger',
    operationId: 'listWalletLedger',
    summary: "The caller's wallet history, newest first",
    tag: 'wallets',
    roles: TENANT_ROLES,
    rows: ({ caller }) => db().createQueryBuilder(WalletLedgerEntrySchema, 'l').where('l.wallet_id = (SELECT id FROM wallets WHERE user_id = ?)', [caller.userId]),
    order: 'highest version first',
    item: WalletLedgerView,
  });
}

/**
 * Feed entries name their actor and target by display name, and say whether the
 * award or recognition was reversed since (the feed is append-only; `reversals`
 * says so): one lookup each for the whole page.
 */
async function withPeople(em: EntityManager, entries: FeedEntry[]): Promise<FeedEntryView[]> {
  const ids = [...new Set(entries.flatMap((entry) => [entry.actorId, entry.targetUserId ?? []].flat()))];
  const people = new Map((await em.find(UserSchema, { id: { $in: ids } }, { fields: ['id', 'displayName'] })).map((user) => [user.id, { id: user.id, displayName: user.displayName }]));
  const reversed = new Set(
    entries.length === 0
      ? []
      : (
          await em.execute<{ id: string }[]>(
            // An entry's award is its event's command, or (an approved award's) the command it references.
            `SELECT f.id FROM feed f JOIN outbox_events o ON o.id = f.event_id
               WHERE f.id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
                 AND EXISTS (SELECT 1 FROM reversals r WHERE r.original_command_id IN (o.command_id, f.reference_id))`,
            [JSON.stringify(entries.map((entry) => entry.id))],
          )
        ).map((row) => row.id),
  );
  return entries.map((entry) =>
    FeedEntryView.parse({ ...entry, actor: people.get(entry.actorId), target: entry.targetUserId ? (people.get(entry.targetUserId) ?? null) : null, reversed: reversed.has(entry.id) }),
  );
}
