import { Migration } from '@mikro-orm/migrations';

/**
 * Approvals with holds (issue #12): an award above the tenant's approval
 * threshold holds its points on the source until an approver decides.
 * - `tenants.points_held` and `lead_budgets.held`: points held for pending
 *   awards. They are part of the balance, so no journal row moves for a hold; a
 *   CHECK keeps `0 <= held <= balance`, so a source can never hold more than it
 *   has, nor spend what it holds (every spend lowers the balance, not the held).
 * - `award_holds`: one row per pending award, keyed by the award command's id,
 *   append-only.
 * - `award_hold_decisions`: what became of a hold — approved, declined, or
 *   expired — one row per hold (its primary key), append-only: of an approval and
 *   an expiry racing, exactly one is written.
 * What a source holds equals the sum of its holds without a decision
 * (tools/sql/journal-check.sql checks it).
 */
export class Migration20261125010000_award_holds extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
ALTER TABLE tenants ADD COLUMN points_held numeric(15, 2) NOT NULL DEFAULT 0,
  ADD CONSTRAINT tenants_points_held_check CHECK (points_held >= 0 AND points_held <= greatest(points_allocation_balance, 0));
ALTER TABLE lead_budgets ADD COLUMN held numeric(15, 2) NOT NULL DEFAULT 0,
  ADD CONSTRAINT lead_budgets_held_check CHECK (held >= 0 AND held <= greatest(balance, 0));

CREATE TABLE award_holds (
  id uuid PRIMARY KEY REFERENCES accepted_commands(id),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  giver_id uuid NOT NULL REFERENCES users(id),
  recipient_id uuid NOT NULL REFERENCES users(id),
  source_type text NOT NULL CONSTRAINT award_holds_source_type_check CHECK (source_type IN ('tenant_pool', 'lead_budget')),
  lead_budget_id uuid NULL REFERENCES lead_budgets(id),
  amount numeric(15, 2) NOT NULL CONSTRAINT award_holds_amount_check CHECK (amount > 0),
  description text NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT award_holds_source_check CHECK ((source_type = 'lead_budget') = (lead_budget_id IS NOT NULL))
);
CREATE INDEX award_holds_tenant ON award_holds (tenant_id, created_at DESC);
CREATE INDEX award_holds_expiry ON award_holds (expires_at);
CREATE TRIGGER award_holds_append_only BEFORE UPDATE OR DELETE ON award_holds FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER award_holds_no_truncate BEFORE TRUNCATE ON award_holds FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();

CREATE TABLE award_hold_decisions (
  hold_id uuid PRIMARY KEY REFERENCES award_holds(id),
  decision text NOT NULL CONSTRAINT award_hold_decisions_decision_check CHECK (decision IN ('approved', 'declined', 'expired')),
  decided_by uuid NULL REFERENCES users(id),
  command_id uuid NULL UNIQUE REFERENCES accepted_commands(id),
  reason text NULL,
  decided_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT award_hold_decisions_decider_check CHECK ((decision = 'expired') = (decided_by IS NULL AND command_id IS NULL))
);
CREATE TRIGGER award_hold_decisions_append_only BEFORE UPDATE OR DELETE ON award_hold_decisions FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER award_hold_decisions_no_truncate BEFORE TRUNCATE ON award_hold_decisions FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();

ALTER TABLE accepted_commands DROP CONSTRAINT accepted_commands_type_check;
ALTER TABLE accepted_commands ADD CONSTRAINT accepted_commands_type_check
  CHECK (type IN ('allocate', 'clawback', 'delegate', 'award', 'recognition', 'create_user', 'bulk_award', 'update_settings', 'approve_award', 'decline_award'));
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
ALTER TABLE accepted_commands DROP CONSTRAINT accepted_commands_type_check;
ALTER TABLE accepted_commands ADD CONSTRAINT accepted_commands_type_check
  CHECK (type IN ('allocate', 'clawback', 'delegate', 'award', 'recognition', 'create_user', 'bulk_award', 'update_settings'));
DROP TABLE award_hold_decisions;
DROP TABLE award_holds;
ALTER TABLE lead_budgets DROP COLUMN held;
ALTER TABLE tenants DROP COLUMN points_held;
`);
  }
}
