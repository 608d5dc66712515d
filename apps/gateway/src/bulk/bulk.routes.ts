import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { AWARDERS, AppError, BulkAwardBody, BulkAwardJob, BulkAwardView } from '@points/contracts';
import { Orm, insertBulkAward } from '@points/db';
import { enqueueBulkAward } from '@points/queue';
import { ApiRouter } from '../openapi/api-router';
import { Caller, tenantOf } from '../http/request-context';
import { iso } from '../routes/keyset';
import { parseBulkUpload } from './parse-bulk-upload';
import { hashRequest, idempotencyKeyReused } from '../commands/command-service';
import { validate } from '../http/validate';
import { CommandHeaders } from '../routes/command-route';

/** POST a bulk award (JSON or CSV) and follow its progress. */
export function bulkRoutes(api: ApiRouter, deps: { orm: Orm; redis: Redis; queue: Queue<BulkAwardJob> }): void {
  api.route({
    method: 'post',
    path: '/api/allocations/bulk-awards',
    summary: 'Award many colleagues at once (up to 100,000 rows), as JSON or text/csv (userId|email,amount,description); all or nothing',
    tag: 'allocations',
    roles: AWARDERS,
    body: BulkAwardBody,
    headers: CommandHeaders.pick({ 'idempotency-key': true }),
    alternativeBodies: { 'text/csv': z.string().describe('header userId,amount,description (or email in place of userId); ?description= names the whole award') },
    responses: { 202: { description: 'Accepted; follow statusUrl for progress', schema: BulkAwardView } },
    handler: async ({ req, res, caller }) => {
      if (deps.redis.status !== 'ready') throw new AppError('SERVICE_UNAVAILABLE', 'the job queue is unavailable; nothing was accepted, try again shortly');
      const upload = parseBulkUpload(req.headers['content-type'], req.body, typeof req.query.description === 'string' ? req.query.description : undefined);
      const { 'idempotency-key': idempotencyKey } = validate(CommandHeaders, { 'idempotency-key': req.header('idempotency-key') }, 'header');
      const requestHash = idempotencyKey ? hashRequest('bulk_award', upload) : null;
      const { id: bulkId, created } = await insertBulkAward(deps.orm.em, {
        tenantId: tenantOf(req),
        issuerId: caller.userId,
        description: upload.description,
        rows: upload.rows,
        requestId: String(req.id ?? ''),
        idempotencyKey,
        requestHash,
      });
      if (!created) {
        // A retry: the same upload returns the same bulk award; another upload under the key is a 409.
        const [existing] = await deps.orm.em.fork().execute<{ type: string; request_hash: string }[]>('SELECT type, request_hash FROM commands WHERE id = ?', [bulkId]);
        if (existing.type !== 'bulk_award' || existing.request_hash !== requestHash) throw idempotencyKeyReused(bulkId);
      } else {
        try {
          await enqueueBulkAward(deps.queue, bulkId);
        } catch {
          await withdraw(deps.orm, bulkId);
          throw new AppError('SERVICE_UNAVAILABLE', 'the job queue is unavailable; nothing was accepted, try again shortly');
        }
      }
      const view = await find(deps.orm, bulkId);
      res.setHeader('Location', view?.statusUrl ?? '');
      res.status(202).json(view);
    },
  });

  api.route({
    method: 'get',
    path: '/api/allocations/bulk-awards/:bulkId',
    summary: "A bulk award's status, progress and row errors (its creator and the tenant's managers)",
    tag: 'allocations',
    roles: AWARDERS,
    params: z.object({ bulkId: z.string() }),
    responses: { 200: { description: 'The bulk award', schema: BulkAwardView } },
    handler: async ({ res, caller, params }) => {
      const view = z.uuid().safeParse(params.bulkId).success ? await find(deps.orm, params.bulkId, caller) : undefined;
      if (!view) throw new AppError('NOT_FOUND', 'bulk award not found');
      res.json(view);
    },
  });
}

async function find(orm: Orm, bulkId: string, caller?: Caller): Promise<BulkAwardView | undefined> {
  const [row] = await orm.em.fork().execute<Record<string, unknown>[]>(
    `SELECT id, tenant_id, issuer_id, status, total, processed, succeeded, failed, total_amount, errors,
            ${iso('created_at')} AS created_at, ${iso('completed_at')} AS completed_at
       FROM bulk_awards WHERE id = ?`,
    [bulkId],
  );
  if (!row) return undefined;
  if (caller) {
    const sameTenant = row.tenant_id === caller.tenantId;
    const isManager = caller.role === 'tenant_manager' || caller.role === 'hr_admin';
    if (!sameTenant || (!isManager && row.issuer_id !== caller.userId)) return undefined;
  }
  return {
    bulkId: row.id as string,
    status: row.status as BulkAwardView['status'],
    total: row.total as number,
    processed: row.processed as number,
    succeeded: row.succeeded as number,
    failed: row.failed as number,
    totalAmount: (row.total_amount as string | null) ?? null,
    errors: row.errors as BulkAwardView['errors'],
    statusUrl: `/api/allocations/bulk-awards/${row.id}`,
    createdAt: row.created_at as string,
    completedAt: (row.completed_at as string | null) ?? null,
  };
}

/** The queue never saw it: take the whole upload back, as if it had never been sent. */
async function withdraw(orm: Orm, bulkId: string): Promise<void> {
  await orm.em.fork().transactional(async (tx) => {
    const [command] = await tx.execute<{ status: string }[]>(`SELECT status FROM commands WHERE id = ? FOR NO KEY UPDATE`, [bulkId]);
    if (command?.status !== 'queued') return;
    await tx.execute('DELETE FROM bulk_award_items WHERE bulk_award_id = ?', [bulkId], 'run');
    await tx.execute(`DELETE FROM bulk_awards WHERE id = ? AND status = 'queued'`, [bulkId], 'run');
    await tx.execute(`DELETE FROM commands WHERE id = ?`, [bulkId], 'run');
  });
}
