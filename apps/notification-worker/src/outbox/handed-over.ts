import { EventToPublish } from '@points/db';

/** Entries kept at most: a pass that stops short cannot say which are settled, so the memory is bounded instead. */
const MAX_REMEMBERED = 200_000;

/**
 * What this relay has handed to the queue, and when, of the events still
 * without an outcome. It is memory, not record: after a restart every event
 * without an outcome is handed over once more, which BullMQ ignores while
 * the event's job still exists (its job id is the event id).
 */
export class HandedOver {
  private readonly at = new Map<string, number>();
  constructor(
    /** A monotonic clock in ms: a wall clock set back must not put off a resend. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Of the events without an outcome (oldest first): those never handed over
   * (`fresh`) and those handed over at least `resendAfterMs` ago (`stale`),
   * together at most `limit`.
   */
  due(unsettled: EventToPublish[], options: { limit: number; resendAfterMs: number }): { fresh: EventToPublish[]; stale: EventToPublish[] } {
    const fresh: EventToPublish[] = [];
    const stale: EventToPublish[] = [];
    const now = this.now();
    for (const event of unsettled) {
      if (fresh.length + stale.length >= options.limit) break;
      const handedAt = this.at.get(event.id);
      if (handedAt === undefined) fresh.push(event);
      else if (now - handedAt >= options.resendAfterMs) stale.push(event);
    }
    return { fresh, stale };
  }

  record(events: EventToPublish[]): void {
    if (this.at.size + events.length > MAX_REMEMBERED) this.at.clear();
    const now = this.now();
    for (const event of events) this.at.set(event.id, now);
  }

  /** `unsettled` are every event without an outcome: anything else remembered is settled. */
  forgetAllBut(unsettled: string[]): void {
    const keep = new Set(unsettled);
    for (const id of this.at.keys()) if (!keep.has(id)) this.at.delete(id);
  }
}
