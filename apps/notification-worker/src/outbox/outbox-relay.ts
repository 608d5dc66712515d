import { EntityManager } from '@mikro-orm/postgresql';
import { Queue } from 'bullmq';
import { Logger } from '@points/config';

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
    const rows = await tx.execute<{ id: string; event_type: string; payload: unknown }[]>(
      `SELECT id, event_type, payload FROM outbox WHERE published_at IS NULL
        ORDER BY created_at, id LIMIT ? FOR UPDATE SKIP LOCKED`,
      [batchSize],
    );
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    await hooks.beforePublish?.(ids);
    await queue.addBulk(
      rows.map((row) => ({
        name: row.event_type,
        data: row.payload,
        opts: { jobId: row.id, attempts: 10, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: { age: 7 * 24 * 3600 } },
      })),
    );
    await hooks.afterPublish?.(ids);
    await tx.execute(`UPDATE outbox SET published_at = now() WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`, [JSON.stringify(ids)], 'run');
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
