import { Migration } from '@mikro-orm/migrations';

/**
 * An event counts as delivered only once its feed and audit rows are written:
 * the notification worker sets `delivered_at` in the same transaction. The relay
 * sends again whatever was published but not delivered after a while (a Redis
 * restart or flush, a job lost), so `published_at` is now only "handed to the
 * queue at least once". An event the worker can never write (an invalid payload,
 * a defect) is dead-lettered here, with the reason, for an operator to read and
 * replay (docs/OPERATIONS.md), instead of vanishing with a Redis job.
 *
 * Events the previous consumer already wrote (they have their audit row) are
 * marked delivered. That backfill rewrites every outbox row under the table's
 * lock, in the migration's transaction: on a large outbox, run it with the apps
 * stopped (docs/OPERATIONS.md, "Upgrading").
 */
export class Migration20261124060000_events_count_once_delivered extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
ALTER TABLE outbox
  ADD COLUMN delivered_at timestamptz NULL,
  ADD COLUMN dead_lettered_at timestamptz NULL,
  ADD COLUMN dead_letter_reason text NULL,
  ADD CONSTRAINT outbox_dead_letter_reason_check CHECK ((dead_lettered_at IS NULL) = (dead_letter_reason IS NULL)),
  ADD CONSTRAINT outbox_delivered_or_dead_check CHECK (delivered_at IS NULL OR dead_lettered_at IS NULL);
UPDATE outbox o SET delivered_at = COALESCE(o.published_at, now()) WHERE EXISTS (SELECT 1 FROM audit_log a WHERE a.event_id = o.id);
-- The relay's second work list: published, neither delivered nor dead, oldest publication first.
CREATE INDEX outbox_undelivered ON outbox (published_at) WHERE published_at IS NOT NULL AND delivered_at IS NULL AND dead_lettered_at IS NULL;
-- The dead-letter gauge and the operator's list, without reading every event ever written.
CREATE INDEX outbox_dead_lettered ON outbox (dead_lettered_at) WHERE dead_lettered_at IS NOT NULL;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
DROP INDEX IF EXISTS outbox_undelivered;
DROP INDEX IF EXISTS outbox_dead_lettered;
ALTER TABLE outbox DROP COLUMN delivered_at, DROP COLUMN dead_lettered_at, DROP COLUMN dead_letter_reason;
`);
  }
}
