import { z } from 'zod';
import { AppError, BulkAwardBody, BulkAwardCsv, BulkAwardView, commandSpec, isManager } from '@points/contracts';
import { BulkAwardRecord, Orm, findBulkAward, insertBulkAwardRows } from '@points/db';
import { ApiRouter } from '../openapi/api-router';
import { jsonResponse } from '../openapi/responses';
import { Caller, tenantOf } from '../http/request-context';
import { CommandHeaders } from '../commands/command-headers';
import { CommandService } from '../commands/command-service';
import { BULK_BODY_LIMIT } from '../http/body-parsers';
import { BULK_RETRY_AFTER_SECONDS, admitBulkAward, refuseUncoverable } from './bulk-admission';
import { fromCsv, fromJson } from './parse-bulk-upload';

const BULK = commandSpec('bulk_award');
const BulkAwardQuery = z.object({ description: z.string().trim().max(500).optional().describe('names the whole award (text/csv uploads; a JSON body has its own)') });

/** POST a bulk award (JSON or CSV) and follow its progress. It is a command like any other; only its rows are stored apart. */
export function bulkRoutes(api: ApiRouter, deps: { orm: Orm; commands: CommandService; maxPendingPerTenant: number }): void {
  api.route({
    method: 'post',
    path: BULK.route.path,
    operationId: BULK.route.operationId,
    summary: BULK.route.summary,
    description: BULK.route.notes,
    tag: BULK.route.tag,
    roles: BULK.roles,
    body: BulkAwardBody,
    alternativeBodies: { 'text/csv': BulkAwardCsv },
    bodyLimit: BULK_BODY_LIMIT,
    query: BulkAwardQuery,
    headers: CommandHeaders.pick({ 'idempotency-key': true }),
    responses: { 202: jsonResponse('Accepted; follow statusUrl (also in the Location header) for progress and row errors', BulkAwardView) },
    errors: ['IDEMPOTENCY_KEY_REUSED', 'INSUFFICIENT_BALANCE'],
    handler: async ({ req, res, caller, body, query, headers }) => {
      const upload = req.is('text/csv') ? fromCsv(typeof body === 'string' ? body : '', query.description) : fromJson(body);
      const tenantId = tenantOf(req);
      const command = await deps.commands
        .submit({
          type: 'bulk_award',
          caller,
          payload: { description: upload.description, rows: upload.rows.length },
          // A retry is "the same request" only with the same rows.
          fingerprint: upload,
          idempotencyKey: headers['idempotency-key'],
          requestId: String(req.id ?? ''),
          attach: async (tx, bulkId) => {
            await refuseUncoverable(deps.orm, caller, upload.rows);
            const hint = await admitBulkAward(tx, tenantId, deps.maxPendingPerTenant);
            await insertBulkAwardRows(tx, bulkId, { tenantId, issuerId: caller.userId, description: upload.description, rows: upload.rows });
            return hint;
          },
        })
        .catch((error: unknown) => {
          if (error instanceof AppError && error.code === 'RATE_LIMITED') res.setHeader('Retry-After', String(BULK_RETRY_AFTER_SECONDS));
          throw error;
        });
      const view = toView(await mustFind(deps.orm, command.id));
      res.setHeader('Location', view.statusUrl);
      res.status(202).json(view);
    },
  });

  api.route({
    method: 'get',
    path: `${BULK.route.path}/:bulkId`,
    operationId: 'getBulkAward',
    summary: "A bulk award's status, progress and row errors (its creator and the tenant's managers)",
    tag: BULK.route.tag,
    roles: BULK.roles,
    params: z.object({ bulkId: z.string() }),
    responses: { 200: jsonResponse('The bulk award', BulkAwardView) },
    errors: ['NOT_FOUND'],
    handler: async ({ res, caller, params }) => {
      const bulk = z.uuid().safeParse(params.bulkId).success ? await findBulkAward(deps.orm.em, params.bulkId) : undefined;
      if (!bulk || !canRead(caller, bulk)) throw new AppError('NOT_FOUND', 'bulk award not found');
      res.json(toView(bulk));
    },
  });
}

/** Its creator and the managers of its tenant; anyone else is told it does not exist. */
function canRead(caller: Caller, bulk: BulkAwardRecord): boolean {
  return bulk.tenantId === caller.tenantId && (isManager(caller.role) || bulk.issuerId === caller.userId);
}

async function mustFind(orm: Orm, bulkId: string): Promise<BulkAwardRecord> {
  const bulk = await findBulkAward(orm.em, bulkId);
  if (!bulk) throw new Error(`bulk award ${bulkId} vanished`);
  return bulk;
}

function toView(bulk: BulkAwardRecord): BulkAwardView {
  return {
    bulkId: bulk.id,
    status: bulk.status,
    total: bulk.total,
    processed: bulk.processed,
    succeeded: bulk.succeeded,
    failed: bulk.failed,
    totalAmount: bulk.totalAmount,
    code: bulk.code,
    errors: bulk.errors,
    statusUrl: `${BULK.route.path}/${bulk.id}`,
    createdAt: bulk.createdAt,
    completedAt: bulk.completedAt,
  };
}
