import { FeedEntryView, ListQuery, TENANT_ROLES, WalletLedgerView, page } from '@points/contracts';
import { Orm } from '@points/db';
import { ApiRouter } from '../openapi/api-router';
import { jsonResponse } from '../openapi/responses';
import { tenantOf } from '../http/request-context';
import { iso, timeKeyset, toPage, versionKeyset } from './keyset';


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
      const keyset = timeKeyset('f', query.cursor);
      const rows = await db().execute<Record<string, string | null>[]>(
        `SELECT f.id, f.type, f.points, f.message, f.reference_id, ${iso('f.created_at')} AS created_at,
                a.id AS actor_id, a.display_name AS actor_name, t.id AS target_id, t.display_name AS target_name
           FROM feed f JOIN users a ON a.id = f.actor_id LEFT JOIN users t ON t.id = f.target_user_id
          WHERE f.tenant_id = ? AND ${keyset.where} ORDER BY ${keyset.order} LIMIT ?`,
        [tenantOf(req), ...keyset.params, query.limit + 1],
      );
      res.json(
        toPage(
          rows,
          query.limit,
          (r) => ({
            id: r.id,
            type: r.type,
            actor: { id: r.actor_id, displayName: r.actor_name },
            target: r.target_id ? { id: r.target_id, displayName: r.target_name } : null,
            points: r.points,
            message: r.message,
            referenceId: r.reference_id,
            createdAt: r.created_at,
          }),
          (r) => ({ t: r.created_at, id: r.id }),
        ),
      );
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
      const keyset = versionKeyset('l', query.cursor);
      const rows = await db().execute<Record<string, string>[]>(
        `SELECT l.id, l.amount, l.transaction_type, l.reference_type, l.reference_id, l.previous_balance, l.new_balance, l.version,
                ${iso('l.created_at')} AS created_at
           FROM wallet_ledger l JOIN wallets w ON w.id = l.wallet_id
          WHERE w.user_id = ? AND ${keyset.where} ORDER BY ${keyset.order} LIMIT ?`,
        [caller.userId, ...keyset.params, query.limit + 1],
      );
      res.json(
        toPage(
          rows,
          query.limit,
          (r) => ({
            id: r.id,
            amount: r.amount,
            transactionType: r.transaction_type,
            referenceType: r.reference_type,
            referenceId: r.reference_id,
            previousBalance: r.previous_balance,
            newBalance: r.new_balance,
            version: r.version,
            createdAt: r.created_at,
          }),
          (r) => ({ v: r.version }),
        ),
      );
    },
  });
}
