import { QueryBuilder } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { ErrorCode, ListQuery, Role, page } from '@points/contracts';
import { ApiRouter, RouteContext, ZodObjectLike } from '../openapi/api-router';
import { jsonResponse } from '../openapi/responses';
import { Keyed, PageOrder, keysetPage, viewOf } from './keyset-page';

/** A list's query: `limit` and `cursor`, and whatever else the list filters by. */
type ListQuerySchema = z.ZodObject<typeof ListQuery.shape & z.ZodRawShape>;

/**
 * A keyset-paginated list: what the caller may see as a query, its order, and
 * how an entity becomes an item. `limit` and `cursor` (or a route's own query
 * extending ListQuery), the page and its documentation are the same for every list.
 */
export interface ListSpec<E extends Keyed, I extends z.ZodType, Q extends ListQuerySchema, P extends ZodObjectLike> {
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  roles: readonly Role[];
  params?: P;
  query?: Q;
  errors?: readonly ErrorCode[];
  /** Runs first, e.g. to answer 404 for a parent that does not exist. */
  check?: (ctx: RouteContext<unknown, z.output<Q>, z.output<P>, object>) => Promise<void>;
  /**
   * The rows the caller may see, as a query the list pages through. Not async:
   * a QueryBuilder is thenable, so awaiting one would run it.
   */
  rows: (ctx: RouteContext<unknown, z.output<Q>, z.output<P>, object>) => QueryBuilder<E>;
  order: PageOrder;
  item: I;
  /** Entities to items when more than their own fields are needed; by default each entity parsed with `item`. */
  view?: (entities: E[]) => z.output<I>[] | Promise<z.output<I>[]>;
}

export function listRoute<E extends Keyed, I extends z.ZodType, Q extends ListQuerySchema = typeof ListQuery, P extends ZodObjectLike = ZodObjectLike>(
  api: ApiRouter,
  spec: ListSpec<E, I, Q, P>,
): void {
  const { check, rows, order, item, view, ...route } = spec;
  api.route({
    ...route,
    method: 'get',
    query: spec.query ?? ListQuery,
    responses: { 200: jsonResponse(`A page of ${spec.summary.replace(/,.*$/, '').toLowerCase()}`, page(item)) },
    handler: async (ctx) => {
      // Without a query of its own, a list's query is ListQuery: Q's default.
      const context = ctx as RouteContext<unknown, z.output<Q>, z.output<P>, object>;
      await check?.(context);
      ctx.res.json(await keysetPage(rows(context), order, ctx.query, view ?? viewOf(item)));
    },
  });
}
