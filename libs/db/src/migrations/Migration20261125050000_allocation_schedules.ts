import { Migration } from '@mikro-orm/migrations';

/**
 * Recurring allocations (issue #13): a platform admin schedules a tenant's
 * allocations — monthly, on a cron expression, or a top-up when its pool falls
 * below a floor. Each run is an allocation like any other (pool journal,
 * allocation log, billing record) under a `run_schedule` command, and
 * `allocation_schedule_runs` records it keyed by (schedule, period): a period
 * allocated twice is a primary-key violation, whatever the scheduler does.
 * A schedule's terms change in place (its history is the audit log); its runs are append-only.
 */
export class Migration20261125050000_allocation_schedules extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
CREATE TABLE allocation_schedules (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  cadence text NOT NULL CONSTRAINT allocation_schedules_cadence_check CHECK (cadence IN ('monthly', 'cron', 'top_up')),
  cron text NULL,
  time_zone text NOT NULL,
  amount numeric(15, 2) NULL CONSTRAINT allocation_schedules_amount_check CHECK (amount > 0),
  top_up_to numeric(15, 2) NULL CONSTRAINT allocation_schedules_top_up_to_check CHECK (top_up_to > 0),
  when_below numeric(15, 2) NULL CONSTRAINT allocation_schedules_when_below_check CHECK (when_below > 0 AND when_below <= top_up_to),
  currency text NOT NULL,
  reference_note text NOT NULL,
  invoice_pattern text NULL,
  owner_id uuid NOT NULL REFERENCES users(id),
  paused boolean NOT NULL DEFAULT false,
  deleted_at timestamptz NULL,
  next_run_at timestamptz NULL,
  last_run_at timestamptz NULL,
  runs integer NOT NULL DEFAULT 0 CONSTRAINT allocation_schedules_runs_check CHECK (runs >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- A calendar schedule allocates an amount on its next run; a top-up has a floor and a target instead.
  CONSTRAINT allocation_schedules_calendar_check CHECK ((cadence = 'top_up') = (amount IS NULL) AND (cadence = 'top_up') = (next_run_at IS NULL)),
  CONSTRAINT allocation_schedules_top_up_check CHECK ((cadence = 'top_up') = (top_up_to IS NOT NULL) AND (cadence = 'top_up') = (when_below IS NOT NULL)),
  CONSTRAINT allocation_schedules_cron_check CHECK ((cadence = 'cron') = (cron IS NOT NULL))
);
CREATE INDEX allocation_schedules_due ON allocation_schedules (next_run_at) WHERE deleted_at IS NULL AND NOT paused;
CREATE INDEX allocation_schedules_tenant ON allocation_schedules (tenant_id, created_at);

CREATE TABLE allocation_schedule_runs (
  schedule_id uuid NOT NULL REFERENCES allocation_schedules(id),
  period_key text NOT NULL,
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  command_id uuid NOT NULL CONSTRAINT allocation_schedule_runs_command_id_key UNIQUE REFERENCES accepted_commands(id),
  amount numeric(15, 2) NOT NULL CONSTRAINT allocation_schedule_runs_amount_check CHECK (amount > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schedule_id, period_key)
);
CREATE TRIGGER allocation_schedule_runs_append_only BEFORE UPDATE OR DELETE ON allocation_schedule_runs FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER allocation_schedule_runs_no_truncate BEFORE TRUNCATE ON allocation_schedule_runs FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();

ALTER TABLE accepted_commands DROP CONSTRAINT accepted_commands_type_check;
ALTER TABLE accepted_commands ADD CONSTRAINT accepted_commands_type_check
  CHECK (type IN ('allocate', 'clawback', 'delegate', 'award', 'recognition', 'create_user', 'bulk_award', 'update_settings', 'approve_award', 'decline_award',
                  'create_department', 'update_department', 'fund_department', 'return_department_funds', 'set_user_department', 'reverse_award', 'reverse_allocation',
                  'create_schedule', 'update_schedule', 'delete_schedule', 'run_schedule'));
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
ALTER TABLE accepted_commands DROP CONSTRAINT accepted_commands_type_check;
ALTER TABLE accepted_commands ADD CONSTRAINT accepted_commands_type_check
  CHECK (type IN ('allocate', 'clawback', 'delegate', 'award', 'recognition', 'create_user', 'bulk_award', 'update_settings', 'approve_award', 'decline_award',
                  'create_department', 'update_department', 'fund_department', 'return_department_funds', 'set_user_department', 'reverse_award', 'reverse_allocation'));
DROP TABLE allocation_schedule_runs;
DROP TABLE allocation_schedules;
`);
  }
}
