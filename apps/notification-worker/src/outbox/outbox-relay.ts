import { EntityManager } from '@mikro-orm/postgresql';
import { Queue } from 'bullmq';
import { NotificationJob } from '@points/contracts';
import { Logger } from '@points/config';
import { EventToPublish, claimUndeliveredEvents, claimUnpublishedEvents, deadLetterEvent, markEventsPublished, unpublishedHorizon } from '@points/db';
import { publishEvents } from '@points/queue';

export interface RelayHooks {
  /** Test seams for crash injection: called with the batch in hand. */
  beforePublish?: (ids: string[]) => void | Promise<void>;
  afterPublish?: (ids: string[]) => void | Promise<void>;
}

export interface RelaySettings {
  batchSize: number;
  /** An event published this long ago and still undelivered is looked at again (OUTBOX_RESEND_AFTER_MS). */
  resendAfterMs: number;
  hooks?: RelayHooks;
  /** How often a claim starts from the oldest entry rather than from the horizon (the safety net; OUTBOX_FULL_CLAIM_MS). */
  fullClaimEveryMs?: number;
}

/**
 * Where the relay's next claim starts. Published rows leave dead entries in
 * the unpublished index until vacuum; starting at the horizon of the last
 * claim that drained the outbox skips them. Every `fullClaimEveryMs` a claim
 * starts from the oldest entry instead, for rows the horizon cannot see (locked
 * by another relay that then failed, written by another database role).
 */
export class ClaimStart {
  private since: string | undefined;
  private lastFullClaim = Number.NEGATIVE_INFINITY;
  constructor(
    private readonly fullClaimEveryMs = 10_000,
    /** A monotonic clock in ms: a wall clock set back must not put off the full claim. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** undefined: from the oldest entry. */
  next(): string | undefined {
    return this.now() - this.lastFullClaim >= this.fullClaimEveryMs ? undefined : this.since;
  }

  /** A committed claim from `from` found fewer rows than it could take: nothing older than `horizon` is left. */
  drained(from: string | undefined, horizon: string): void {
    if (from === undefined) this.lastFullClaim = this.now();
    this.since = horizon;
  }
}

/**
 * Moves committed outbox rows onto the notification queue, at least once, until
 * each is delivered:
 * - rows are claimed with FOR UPDATE SKIP LOCKED, so two relays split the work;
 * - a row is marked published only after the queue accepted it, in the same
 *   transaction that claimed it — a crash before that leaves it unpublished,
 *   to be sent again;
 * - a row published a while ago and still undelivered is sent again if its job
 *   is gone (Redis lost it) and dead-lettered if BullMQ gave up on it (a defect);
 *   a job still waiting in the queue is left alone;
 * - the job id is the event id, and the consumer writes each event once
 *   (unique event_id, delivered_at), so a repeat is harmless.
 * The transaction here belongs to the relay, never to the ledger.
 */
export async function relayOutboxBatch(em: EntityManager, queue: Queue<NotificationJob>, settings: RelaySettings, start = new ClaimStart(settings.fullClaimEveryMs)): Promise<number> {
  const from = start.next();
  const { moved, fresh, horizon } = await em.fork().transactional(async (tx) => {
    const horizon = await unpublishedHorizon(tx);
    const fresh = await claimUnpublishedEvents(tx, settings.batchSize, from);
    const stale = fresh.length < settings.batchSize ? await claimUndeliveredEvents(tx, settings.resendAfterMs, settings.batchSize - fresh.length) : [];
    if (fresh.length + stale.length === 0) return { moved: 0, fresh: 0, horizon };
    const ids = [...fresh, ...stale].map((r) => r.id);
    await settings.hooks?.beforePublish?.(ids);
    const lost = await sortStale(tx, queue, stale);
    await publishEvents(queue, [...fresh, ...lost]);
    await settings.hooks?.afterPublish?.(ids);
    // Still-queued stale rows are marked too: they are looked at again only after another resendAfterMs.
    await markEventsPublished(tx, ids);
    return { moved: fresh.length + lost.length, fresh: fresh.length, horizon };
  });
  if (fresh < settings.batchSize) start.drained(from, horizon);
  return moved;
}

/** Of the stale events, those whose job is gone (to publish again); those BullMQ gave up on are dead-lettered. */
async function sortStale(tx: EntityManager, queue: Queue<NotificationJob>, stale: EventToPublish[]): Promise<EventToPublish[]> {
  const lost: EventToPublish[] = [];
  for (const event of stale) {
    const job = await queue.getJob(event.id);
    const state = job ? await job.getState() : 'missing';
    if (state === 'failed') {
      await deadLetterEvent(tx, event.id, `notification job failed for good after ${job?.attemptsMade} attempts: ${job?.failedReason ?? 'no reason recorded'}`);
      // The reason is kept on the row; without the job, a replay (docs/OPERATIONS.md) publishes it afresh.
      await job?.remove();
    } else if (state === 'completed' || state === 'missing' || state === 'unknown') {
      await job?.remove();
      lost.push(event);
    }
  }
  return lost;
}

/** Polls the outbox; drains back-to-back while batches come back full. */
export function startOutboxRelay(em: EntityManager, queue: Queue<NotificationJob>, logger: Logger, settings: RelaySettings & { pollMs: number }): { stop(): Promise<void> } {
  let stopped = false;
  const start = new ClaimStart(settings.fullClaimEveryMs);
  const loop = (async () => {
    while (!stopped) {
      let moved = 0;
      try {
        moved = await relayOutboxBatch(em, queue, settings, start);
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
