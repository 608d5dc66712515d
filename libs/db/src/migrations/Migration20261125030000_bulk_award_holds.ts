import { Migration } from '@mikro-orm/migrations';

/**
 * Bulk awards held for approval (issue #12): a bulk award with a row above the
 * tenant's approval threshold is held whole — its total on the source — until an
 * approver approves (every row is posted) or declines, or the window ends.
 * - `award_holds.kind`: an award (one recipient) or a bulk award (its rows are
 *   the recipients, so `recipient_id` is NULL exactly then).
 * - `bulk_awards.status`: `pending_approval` while held; `declined` or `expired`
 *   when released without posting.
 */
export class Migration20261125030000_bulk_award_holds extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
ALTER TABLE award_holds ADD COLUMN kind text NOT NULL DEFAULT 'award' CONSTRAINT award_holds_kind_check CHECK (kind IN ('award', 'bulk_award'));
ALTER TABLE award_holds ALTER COLUMN recipient_id DROP NOT NULL;
ALTER TABLE award_holds ADD CONSTRAINT award_holds_recipient_check CHECK ((kind = 'award') = (recipient_id IS NOT NULL));

ALTER TABLE bulk_awards DROP CONSTRAINT bulk_awards_status_check;
ALTER TABLE bulk_awards ADD CONSTRAINT bulk_awards_status_check
  CHECK (status IN ('queued', 'validating', 'applying', 'pending_approval', 'succeeded', 'rejected', 'failed', 'declined', 'expired'));
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
ALTER TABLE bulk_awards DROP CONSTRAINT bulk_awards_status_check;
ALTER TABLE bulk_awards ADD CONSTRAINT bulk_awards_status_check CHECK (status IN ('queued', 'validating', 'applying', 'succeeded', 'rejected', 'failed'));
ALTER TABLE award_holds DROP CONSTRAINT award_holds_recipient_check;
ALTER TABLE award_holds ALTER COLUMN recipient_id SET NOT NULL;
ALTER TABLE award_holds DROP COLUMN kind;
`);
  }
}
