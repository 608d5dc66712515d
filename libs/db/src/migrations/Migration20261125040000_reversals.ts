import { Migration } from '@mikro-orm/migrations';

/**
 * Reversals (issue #13): an award or recognition reversed by correcting journal
 * entries under the reversing command — never an update or delete of history —
 * and an allocation reversed by a clawback tied to it.
 * `reversals` records each one, keyed by the command reversed: a second reversal
 * of the same award is a primary-key violation, so it can only be a no-op.
 * Append-only.
 */
export class Migration20261125040000_reversals extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
CREATE TABLE reversals (
  original_command_id uuid PRIMARY KEY REFERENCES accepted_commands(id),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  command_id uuid NOT NULL CONSTRAINT reversals_command_id_key UNIQUE REFERENCES accepted_commands(id),
  reversed_by uuid NOT NULL REFERENCES users(id),
  reason text NOT NULL,
  amount numeric(15, 2) NOT NULL CONSTRAINT reversals_amount_check CHECK (amount >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reversals_tenant ON reversals (tenant_id, created_at DESC);
CREATE TRIGGER reversals_append_only BEFORE UPDATE OR DELETE ON reversals FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER reversals_no_truncate BEFORE TRUNCATE ON reversals FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();

ALTER TABLE accepted_commands DROP CONSTRAINT accepted_commands_type_check;
ALTER TABLE accepted_commands ADD CONSTRAINT accepted_commands_type_check
  CHECK (type IN ('allocate', 'clawback', 'delegate', 'award', 'recognition', 'create_user', 'bulk_award', 'update_settings', 'approve_award', 'decline_award',
                  'create_department', 'update_department', 'fund_department', 'return_department_funds', 'set_user_department', 'reverse_award', 'reverse_allocation'));
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
ALTER TABLE accepted_commands DROP CONSTRAINT accepted_commands_type_check;
ALTER TABLE accepted_commands ADD CONSTRAINT accepted_commands_type_check
  CHECK (type IN ('allocate', 'clawback', 'delegate', 'award', 'recognition', 'create_user', 'bulk_award', 'update_settings', 'approve_award', 'decline_award',
                  'create_department', 'update_department', 'fund_department', 'return_department_funds', 'set_user_department'));
DROP TABLE reversals;
`);
  }
}
