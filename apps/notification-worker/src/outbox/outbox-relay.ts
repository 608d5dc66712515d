import { EntityManager } from '@mikro-orm/postgresql';
import { Queue } from 'bullmq';
import { Logger } from '@points/config';
import { claimUnpublishedEvents, markEventsPublished } from '@points/db';

export interface RelayHooks {
  /** Test seams for crash injection: called with the batch in hand. */
  beforePublish?: (ids: string[]) => void | Promise<void>;
  afterPublish?: (ids: string[]) => void | Promise<void>;
}

/**
 * Moves committed outbox rows onto the notification queue, at least once:
 * - rows are claimed with FOR UPDATE SKIP LOCKED, so two relays split the work;
 * - a row is marked published only after the queue accepted it, in the same
 *   transaction that claimed it — a crash before that leaves it unpublished,
 *   to be sent again;
 * - the job id is the event id, and the consumer writes each event once
 *   (unique event_id), so a repeat is harmless.
 * The transaction here belongs to the relay, never to the ledger.
 */
export async function relayOutboxBatch(em: EntityManager, queue: Queue<unknown>, batchSize: number, hooks: RelayHooks = {}): Promise<number> {
  return em.fork().transactional(async (tx) => {
    const rows = await claimUnpublishedEvents(tx, batchSize);
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    await hooks.beforePublish?.(ids);
    await queue.addBulk(
      rows.map((row) => ({
        name: row.eventType,
        data: row.payload,
        opts: { jobId: row.id, attempts: 10, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: { age: 7 * 24 * 3600 } },
      })),
    );
    await hooks.afterPublish?.(ids);
    await markEventsPublished(tx, ids);
    return rows.length;
  });
}

/** Polls the outbox; drains back-to-back while batches come back full. */
export function startOutboxRelay(
  em: EntityManager,
  queue: Queue<unknown>,
  logger: Logger,
  settings: { pollMs: number; batchSize: number; hooks?: RelayHooks },
): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      let moved = 0;
      try {
        moved = await relayOutboxBatch(em, queue, settings.batchSize, settings.hooks);
        if (moved > 0) logger.debug({ moved }, 'outbox events relayed');
      } catch (err) {
        logger.error({ err }, 'outbox relay failed; will retry');
      }
      if (moved < settings.batchSize) await new Promise((r) => setTimeout(r, settings.pollMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
