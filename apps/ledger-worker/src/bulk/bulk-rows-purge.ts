import { EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@points/config';
import { purgeFinishedBulkRows } from '@points/db';

/**
 * Deletes the uploaded rows of bulk awards finished more than
 * BULK_ROWS_RETENTION_DAYS ago (they can hold 100,000 rows each); the ledger's
 * record of each award stays. Runs every `intervalMs` on every ledger worker:
 * two at once delete disjoint or already-deleted rows, which is harmless.
 */
export function startBulkRowsPurge(em: EntityManager, logger: Logger, settings: { retentionDays: number; intervalMs: number }): () => void {
  let running = false;
  const purge = async () => {
    let total = 0;
    for (;;) {
      const purged = await purgeFinishedBulkRows(em, settings.retentionDays);
      if (purged === 0) return total;
      total += purged;
    }
  };
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    purge()
      .then((awards) => awards > 0 && logger.info({ awards, retentionDays: settings.retentionDays }, 'purged the uploaded rows of old bulk awards'))
      .catch((err: unknown) => logger.error({ err }, 'bulk rows purge failed'))
      .finally(() => (running = false));
  }, settings.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
