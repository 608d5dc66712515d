import { EntityManager } from '@mikro-orm/postgresql';
import { Queue } from 'bullmq';
import { NotificationJob } from '@points/contracts';
import { Logger } from '@points/config';
import { EventToPublish, deadLetterEvent, eventsHorizon, lockRelayHorizon, moveRelayHorizon, reopenHiddenEvents, unsettledEvents } from '@points/db';
import { publishEvents } from '@points/queue';
import { HandedOver } from './handed-over';

export interface RelayHooks {
  /** Test seams for crash injection: called with the batch in hand. */
  beforePublish?: (ids: string[]) => void | Promise<void>;
  afterPublish?: (ids: string[]) => void | Promise<void>;
}

export interface RelaySettings {
  /** Most events handed to the queue per pass (OUTBOX_BATCH_SIZE). */
  batchSize: number;
  /** An event handed to the queue this long ago and still without an outcome is looked at again (OUTBOX_RESEND_AFTER_MS). */
  resendAfterMs: number;
  hooks?: RelayHooks;
}

/**
 * How many pages (of a batch each) one pass may read: events handed to the queue
 * and not delivered yet are read again (they hold the horizon where it is), so a
 * pass may read past them to find new ones.
 */
const MAX_PAGES = 20;

/**
 * Moves committed outbox events onto the notification queue, at least once,
 * until each has its outcome (delivered or dead-lettered):
 * - a pass reads the events without an outcome from the relay's horizon (every
 *   event before it has one), under the horizon row's lock, so two relays take
 *   turns instead of sending the same events;
 * - it hands over those this relay has not handed over yet (a job per event,
 *   the job id is the event id: BullMQ keeps one), and moves the horizon to the
 *   oldest event still without an outcome, never past a transaction still open;
 * - an event handed over a while ago and still without an outcome is sent
 *   again if its job is gone (Redis lost it) and dead-lettered if BullMQ gave up
 *   on it (a defect); a job still waiting in the queue is left alone;
 * - the consumer records each outcome once (a primary key), so a repeat is harmless.
 * Nothing here rewrites an event. The transaction belongs to the relay, never to the ledger.
 */
export async function relayOutboxBatch(em: EntityManager, queue: Queue<NotificationJob>, settings: RelaySettings, handed = new HandedOver()): Promise<number> {
  return em.fork().transactional(async (tx) => {
    const horizon = await eventsHorizon(tx);
    const settledBefore = await lockRelayHorizon(tx);
    if (settledBefore === undefined) return 0;
    const due = await dueEvents(tx, settledBefore, handed, settings);
    let moved = 0;
    const { fresh, stale } = due;
    if (fresh.length + stale.length > 0) {
      const ids = [...fresh, ...stale].map((event) => event.id);
      await settings.hooks?.beforePublish?.(ids);
      const lost = await sortStale(tx, queue, stale);
      await publishEvents(queue, [...fresh, ...lost]);
      // Still-queued stale events count as handed over now: looked at again only after another resendAfterMs.
      handed.record([...fresh, ...stale]);
      await settings.hooks?.afterPublish?.(ids);
      moved = fresh.length + lost.length;
    }
    await moveRelayHorizon(tx, settledBefore, due.oldest?.createdAt, horizon);
    return moved;
  });
}

/** Reads events without an outcome page by page until a batch is due or none is left; forgets what was settled when it saw them all. */
async function dueEvents(tx: EntityManager, settledBefore: string, handed: HandedOver, settings: RelaySettings) {
  const fresh: EventToPublish[] = [];
  const stale: EventToPublish[] = [];
  const seen: string[] = [];
  let oldest: EventToPublish | undefined;
  let after: EventToPublish | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const events = await unsettledEvents(tx, settledBefore, settings.batchSize, after);
    oldest ??= events[0];
    seen.push(...events.map((event) => event.id));
    const due = handed.due(events, { limit: settings.batchSize - fresh.length - stale.length, resendAfterMs: settings.resendAfterMs });
    fresh.push(...due.fresh);
    stale.push(...due.stale);
    if (events.length < settings.batchSize) {
      handed.forgetAllBut(seen);
      break;
    }
    if (fresh.length + stale.length >= settings.batchSize) break;
    after = events[events.length - 1];
  }
  return { fresh, stale, oldest };
}

/** Of the stale events, those whose job is gone (to publish again); those BullMQ gave up on are dead-lettered. */
async function sortStale(tx: EntityManager, queue: Queue<NotificationJob>, stale: EventToPublish[]): Promise<EventToPublish[]> {
  const lost: EventToPublish[] = [];
  for (const event of stale) {
    const job = await queue.getJob(event.id);
    const state = job ? await job.getState() : 'missing';
    if (state === 'failed') {
      await deadLetterEvent(tx, event.id, `notification job failed for good after ${job?.attemptsMade} attempts: ${job?.failedReason ?? 'no reason recorded'}`);
      // The reason is kept in its outcome; without the job, a replay (docs/OPERATIONS.md) publishes it afresh.
      await job?.remove();
    } else if (state === 'completed' || state === 'missing' || state === 'unknown') {
      await job?.remove();
      lost.push(event);
    }
  }
  return lost;
}

/**
 * Polls the outbox; drains back-to-back while passes hand over full batches.
 * Every `fullScanEveryMs` it also looks behind the horizon, for events the
 * horizon cannot see (written by another database role's long transaction).
 */
export function startOutboxRelay(
  em: EntityManager,
  queue: Queue<NotificationJob>,
  logger: Logger,
  settings: RelaySettings & { pollMs: number; fullScanEveryMs: number },
): { stop(): Promise<void> } {
  let stopped = false;
  const handed = new HandedOver();
  let lastFullScan = performance.now();
  const loop = (async () => {
    while (!stopped) {
      let moved = 0;
      try {
        if (performance.now() - lastFullScan >= settings.fullScanEveryMs) {
          const reopened = await reopenHiddenEvents(em.fork());
          if (reopened) logger.warn({ from: reopened }, 'outbox events behind the relay horizon had no outcome; the horizon moved back to them');
          lastFullScan = performance.now();
        }
        moved = await relayOutboxBatch(em, queue, settings, handed);
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
