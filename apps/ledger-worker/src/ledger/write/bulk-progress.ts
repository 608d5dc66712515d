import { EntityManager } from '@mikro-orm/postgresql';
import { recordBulkProgress } from '@points/db';

export interface BulkProgress {
  status: 'validating' | 'applying';
  processed: number;
  total: number;
}

/** Told each time progress is recorded (the worker mirrors it onto the BullMQ job). Not awaited. */
export type OnBulkProgress = (progress: BulkProgress) => void;

/**
 * Records a bulk award's progress through the connection it is given — never
 * the apply transaction's, so readers see it while that transaction is open.
 */
export async function reportBulkProgress(db: EntityManager, bulk: { bulkId: string; total: number }, progress: Omit<BulkProgress, 'total'>, onProgress?: OnBulkProgress): Promise<void> {
  await recordBulkProgress(db, bulk.bulkId, progress.status, progress.processed);
  onProgress?.({ ...progress, total: bulk.total });
}
