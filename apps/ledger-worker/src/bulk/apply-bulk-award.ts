import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { AppError, ErrorBody, LedgerEvent, fromCents, isPoolSpender, toCents } from '@points/contracts';
import { BulkRowError, MAX_REPORTED_ERRORS, validateBulkRows } from './bulk-validation';

export interface BulkOptions {
  /** Rows written per statement inside the transaction; progress is reported after each chunk. */
  chunkSize?: number;
  /** Test seam: runs inside the transaction after each chunk (throw to simulate a crash mid-job). */
  afterChunk?: (processed: number) => Promise<void>;
  /** Test seam: runs between validation and the apply transaction. */
  afterValidation?: () => Promise<void>;
  /**
   * Told each time progress is recorded (the worker mirrors it onto the BullMQ job,
   * for the dashboard). Not awaited: the apply transaction never waits on Redis.
   */
  onProgress?: (update: BulkProgress) => void;
}

export interface BulkProgress {
  status: 'validating' | 'applying';
  processed: number;
  total: number;
}

/** Rows that fail validation, before the apply transaction or (no longer holding) inside it. */
class InvalidRows extends AppError {
  constructor(
    readonly rowErrors: BulkRowError[],
    readonly failedRows: number,
    total: number,
  ) {
    super('VALIDATION_FAILED', `${failedRows} of ${total} rows are invalid; nothing was awarded`);
  }
}

interface BulkRow {
  id: string;
  tenant_id: string;
  issuer_id: string;
  description: string | null;
  total: number;
  status: string;
  request_id: string | null;
}

const FINAL = ['succeeded', 'rejected', 'failed'];

/**
 * Runs one bulk award to its end. Validation first (nothing moves if any row is
 * wrong); then every award in ONE transaction, so anyone reading balances sees
 * all of it or none of it. A crash anywhere rolls back; the redelivered job
 * starts again from the top and, the command row being locked and checked first,
 * never credits anyone twice.
 */
export async function processBulkAward(em: EntityManager, bulkId: string, options: BulkOptions = {}): Promise<string> {
  const [bulk] = await em.fork().execute<BulkRow[]>(
    `SELECT b.id, b.tenant_id, b.issuer_id, b.description, b.total, b.status, c.request_id
       FROM bulk_awards b JOIN commands c ON c.id = b.id WHERE b.id = ?`,
    [bulkId],
  );
  if (!bulk) throw new Error(`bulk award ${bulkId} does not exist`);
  if (FINAL.includes(bulk.status)) return bulk.status;

  await progress(em, bulk, 'validating', 0, options);
  const { errors, failedRows } = await validateBulkRows(em, { id: bulk.id, tenantId: bulk.tenant_id, issuerId: bulk.issuer_id });
  if (errors.length > 0) {
    const invalid = new InvalidRows(errors, failedRows, bulk.total);
    await em.fork().transactional((tx) => reject(tx, bulk, invalid.toBody(), invalid.rowErrors, invalid.failedRows));
    return 'rejected';
  }

  await options.afterValidation?.();
  await progress(em, bulk, 'applying', 0, options);
  return em.fork().transactional(async (tx) => {
    const [command] = await tx.execute<{ status: string }[]>('SELECT status FROM commands WHERE id = ? FOR NO KEY UPDATE', [bulk.id]);
    if (FINAL.includes(command.status)) return command.status;
    try {
      await applyAll(tx, em, bulk, options);
      return 'succeeded';
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error instanceof InvalidRows) {
        await reject(tx, bulk, error.toBody(), error.rowErrors, error.failedRows);
        return 'rejected';
      }
      await reject(tx, bulk, error.toBody(), error.details?.map((d) => ({ row: 0, field: d.field ?? '', message: d.message })) ?? [], bulk.total);
      return 'rejected';
    }
  });
}

async function applyAll(tx: EntityManager, em: EntityManager, bulk: BulkRow, options: BulkOptions): Promise<void> {
  const [issuer] = await tx.execute<{ role: string; active: boolean; tenant_id: string | null }[]>('SELECT role, active, tenant_id FROM users WHERE id = ?', [bulk.issuer_id]);
  if (!issuer || !issuer.active || issuer.tenant_id !== bulk.tenant_id || !['tenant_manager', 'hr_admin', 'lead'].includes(issuer.role)) {
    throw new AppError('FORBIDDEN', 'the issuer may not award points');
  }
  const fromPool = isPoolSpender(issuer.role as 'tenant_manager');
  // Lock order as everywhere: the source (tenant, or lead budget), then wallets by id.
  const [source] = fromPool
    ? await tx.execute<{ id: string; balance: string; version: string }[]>('SELECT id, points_allocation_balance AS balance, pool_version AS version FROM tenants WHERE id = ? FOR NO KEY UPDATE', [bulk.tenant_id])
    : await tx.execute<{ id: string; balance: string; version: string }[]>('SELECT id, balance, version FROM lead_budgets WHERE user_id = ? FOR NO KEY UPDATE', [bulk.issuer_id]);
  if (!source) throw new AppError('FORBIDDEN', 'you have no points to give');
  const [{ sum }] = await tx.execute<{ sum: string }[]>('SELECT sum(amount)::text AS sum FROM bulk_award_items WHERE bulk_award_id = ?', [bulk.id]);
  const total = toCents(normalise(sum));
  const before = toCents(source.balance);
  if (before < total) {
    throw new AppError('INSUFFICIENT_BALANCE', `the ${fromPool ? 'tenant pool' : 'lead budget'} holds ${fromCents(before)}, less than the ${fromCents(total)} this bulk award needs`, [
      { field: 'items', message: 'total exceeds the available balance', available: fromCents(before), requested: fromCents(total) },
    ]);
  }
  await tx.execute(
    `SELECT id FROM wallets WHERE user_id IN (SELECT user_id FROM bulk_award_items WHERE bulk_award_id = ?) ORDER BY id FOR NO KEY UPDATE`,
    [bulk.id],
  );
  // Validation ran before this transaction; a recipient deactivated or moved since is not credited.
  const gone = await tx.execute<{ row: number; failed_rows: string }[]>(
    `SELECT i.row_number AS row, count(*) OVER ()::text AS failed_rows FROM bulk_award_items i JOIN users u ON u.id = i.user_id
      WHERE i.bulk_award_id = ? AND NOT (u.active AND u.tenant_id = ?) ORDER BY i.row_number LIMIT ${MAX_REPORTED_ERRORS}`,
    [bulk.id, bulk.tenant_id],
  );
  if (gone.length > 0) {
    throw new InvalidRows(
      gone.map(({ row }) => ({ row, field: 'userId', message: 'no such user in this tenant' })),
      Number(gone[0].failed_rows),
      bulk.total,
    );
  }

  const after = before - total;
  const version = (BigInt(source.version) + 1n).toString();
  const sourceType = fromPool ? 'tenant_pool' : 'lead_budget';
  const journalRow = [randomUUID(), bulk.tenant_id, `-${fromCents(total)}`, 'bulk_award', 'bulk_award', bulk.id, fromCents(before), fromCents(after), version, bulk.id];
  if (fromPool) {
    await tx.execute('UPDATE tenants SET points_allocation_balance = ?::numeric, pool_version = ? WHERE id = ?', [fromCents(after), version, source.id], 'run');
    await tx.execute(
      `INSERT INTO pool_ledger (id, tenant_id, amount, transaction_type, reference_type, reference_id, previous_balance, new_balance, version, command_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      journalRow,
      'run',
    );
  } else {
    await tx.execute('UPDATE lead_budgets SET balance = ?::numeric, version = ? WHERE id = ?', [fromCents(after), version, source.id], 'run');
    await tx.execute(
      `INSERT INTO lead_budget_ledger (id, tenant_id, amount, transaction_type, reference_type, reference_id, previous_balance, new_balance, version, command_id, lead_budget_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [...journalRow, source.id],
      'run',
    );
  }

  const chunkSize = options.chunkSize ?? 10_000;
  for (let first = 1; first <= bulk.total; first += chunkSize) {
    const last = Math.min(bulk.total, first + chunkSize - 1);
    await tx.execute(
      `WITH chunk AS (
         SELECT user_id, amount FROM bulk_award_items WHERE bulk_award_id = ? AND row_number BETWEEN ? AND ?
       ), moved AS (
         UPDATE wallets w SET balance = w.balance + c.amount, lifetime_earned = w.lifetime_earned + c.amount, version = w.version + 1
           FROM chunk c WHERE w.user_id = c.user_id
         RETURNING w.id AS wallet_id, w.tenant_id, c.amount, w.balance - c.amount AS previous_balance, w.balance AS new_balance, w.version
       )
       INSERT INTO wallet_ledger (id, wallet_id, tenant_id, amount, transaction_type, reference_type, reference_id, previous_balance, new_balance, version, command_id)
       SELECT gen_random_uuid(), wallet_id, tenant_id, amount, 'bulk_award', 'bulk_award', ?::uuid, previous_balance, new_balance, version, ?::uuid FROM moved`,
      [bulk.id, first, last, bulk.id, bulk.id],
      'run',
    );
    // The source's balance before row k is its balance before the job minus the rows before k.
    await tx.execute(
      `INSERT INTO distribution_logs (id, tenant_id, from_user_id, to_user_id, amount, transaction_type, reference_type, reference_id, description,
                                      source_type, previous_pool_balance, new_pool_balance, source_version, command_id)
       SELECT gen_random_uuid(), ?::uuid, ?::uuid, r.user_id, r.amount, 'bulk_award', 'bulk_award', ?::uuid, COALESCE(r.description, ?),
              ?, start.balance - (r.running - r.amount), start.balance - r.running, ?::bigint, ?::uuid
         FROM (SELECT ?::numeric - COALESCE(sum(amount), 0) AS balance
                 FROM bulk_award_items WHERE bulk_award_id = ? AND row_number < ?) start,
              (SELECT user_id, amount, description, sum(amount) OVER (ORDER BY row_number) AS running
                 FROM bulk_award_items WHERE bulk_award_id = ? AND row_number BETWEEN ? AND ?) r`,
      [bulk.tenant_id, bulk.issuer_id, bulk.id, bulk.description, sourceType, version, bulk.id, fromCents(before), bulk.id, first, bulk.id, first, last],
      'run',
    );
    await options.afterChunk?.(last);
    // Progress goes through another connection, so readers see it while this transaction is open.
    await progress(em, bulk, 'applying', last, options);
  }

  const change = { type: sourceType, previousBalance: fromCents(before), newBalance: fromCents(after) } as const;
  await tx.execute(
    `UPDATE commands SET status = 'succeeded', result = ?::jsonb, updated_at = now(), completed_at = now() WHERE id = ?`,
    [JSON.stringify({ bulkId: bulk.id, recipients: bulk.total, totalAmount: fromCents(total), source: change }), bulk.id],
    'run',
  );
  await tx.execute(
    `UPDATE bulk_awards SET status = 'succeeded', processed = total, succeeded = total, failed = 0, total_amount = ?::numeric, updated_at = now(), completed_at = now() WHERE id = ?`,
    [fromCents(total), bulk.id],
    'run',
  );
  await outbox(tx, {
    ...eventEnvelope(bulk),
    type: 'bulk_award.completed',
    bulkId: bulk.id,
    recipients: bulk.total,
    totalAmount: fromCents(total),
    description: bulk.description,
    source: change,
  });
}

async function reject(tx: EntityManager, bulk: BulkRow, error: ErrorBody, rowErrors: BulkRowError[], failedRows: number): Promise<void> {
  const [command] = await tx.execute<{ status: string }[]>('SELECT status FROM commands WHERE id = ? FOR NO KEY UPDATE', [bulk.id]);
  if (FINAL.includes(command.status)) return;
  const details = rowErrors.slice(0, 100).map((e) => ({ field: `items[${e.row}].${e.field}`, message: e.message }));
  await tx.execute(`UPDATE commands SET status = 'rejected', error = ?::jsonb, updated_at = now(), completed_at = now() WHERE id = ?`, [JSON.stringify({ ...error, details }), bulk.id], 'run');
  await tx.execute(
    `UPDATE bulk_awards SET status = 'rejected', errors = ?::jsonb, failed = ?, succeeded = 0, updated_at = now(), completed_at = now() WHERE id = ?`,
    [JSON.stringify(rowErrors), failedRows, bulk.id],
    'run',
  );
  await outbox(tx, {
    ...eventEnvelope(bulk),
    type: 'command.rejected',
    commandType: 'bulk_award',
    error: { code: error.code, message: error.message },
  });
}

function eventEnvelope(bulk: BulkRow) {
  return {
    eventId: randomUUID(),
    commandId: bulk.id,
    tenantId: bulk.tenant_id,
    actorId: bulk.issuer_id,
    occurredAt: new Date().toISOString(),
    requestId: bulk.request_id,
  };
}

async function outbox(tx: EntityManager, event: LedgerEvent): Promise<void> {
  await tx.execute('INSERT INTO outbox (id, event_type, tenant_id, command_id, payload) VALUES (?, ?, ?, ?, ?::jsonb)', [event.eventId, event.type, event.tenantId, event.commandId, JSON.stringify(event)], 'run');
}

async function progress(em: EntityManager, bulk: BulkRow, status: BulkProgress['status'], processed: number, options: BulkOptions): Promise<void> {
  await em.fork().execute(
    `UPDATE bulk_awards SET status = ?, processed = ?, updated_at = now() WHERE id = ? AND status NOT IN ('succeeded', 'rejected', 'failed')`,
    [status, processed, bulk.id],
    'run',
  );
  options.onProgress?.({ status, processed, total: bulk.total });
}

function normalise(sum: string): string {
  const [whole, fraction = ''] = sum.split('.');
  return `${whole}.${fraction.padEnd(2, '0').slice(0, 2)}`;
}
