import { EntityManager } from '@mikro-orm/postgresql';
import { CommandOutcome } from '@points/contracts';
import { findBulkAward, isSettledBulkStatus, markProcessing } from '@points/db';
import { applyCommands } from '../ledger/apply-commands';
import { BulkWriteOptions } from '../ledger/write/bulk-credits';
import { reportBulkProgress } from '../ledger/write/bulk-progress';
import { resolveBulkRows } from './resolve-bulk-rows';

export interface BulkOptions extends Omit<BulkWriteOptions, 'progressDb'> {
  /** Test seam: runs between resolving the rows and the ledger's transaction. */
  afterValidation?: () => Promise<void>;
  /** This try follows one that failed (the job's attemptsMade > 0). */
  retry?: boolean;
}

/**
 * Runs one bulk award to its end: resolve its rows (outside any transaction),
 * then hand it to the ledger like any other command — which checks every row,
 * the source and the total with everything locked, and applies all of it in ONE
 * transaction or nothing. A crash anywhere rolls back; the redelivered job starts
 * again and, the command being locked and checked first, never credits anyone twice.
 */
export async function processBulkAward(em: EntityManager, bulkId: string, options: BulkOptions = {}): Promise<CommandOutcome> {
  const bulk = await findBulkAward(em, bulkId);
  if (!bulk) throw new Error(`bulk award ${bulkId} does not exist`);
  // Finished or held for an approver already (a redelivered job): the ledger only reads back its stored outcome.
  if (!isSettledBulkStatus(bulk.status)) {
    await reportBulkProgress(em, { bulkId, total: bulk.total }, { status: 'validating', processed: 0 }, options.onProgress);
    await resolveBulkRows(em, bulkId);
    await options.afterValidation?.();
    await markProcessing(em, [bulkId], { retry: options.retry ?? false });
  }
  const outcome = (await applyCommands(em, [bulkId], { bulk: options })).get(bulkId);
  if (!outcome) throw new Error(`bulk award ${bulkId} was not applied`);
  return outcome;
}
