import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant settings and the spend limits they set (issue #12):
 * - `tenant_settings`: every version of a tenant's settings, append-only. The
 *   ledger writes version n+1 with the tenant's pool row locked, and the
 *   primary key (tenant_id, version) refuses a second n+1. `tally_epoch` is the
 *   version at which the way usage is counted (time zone, limited periods) last
 *   changed: tallies are kept per epoch.
 * - `accepted_commands.settings_version`: the version in force when the command
 *   was accepted (the gateway reads it in the INSERT that stores the command),
 *   so a command is judged by the settings its issuer saw, whenever it is applied.
 * - `spend_tallies`: what each person gave and received, and each pair exchanged,
 *   per period of an epoch — a running sum the ledger keeps in the transaction
 *   that moves the points, so a limit is checked against it with the accounts
 *   locked. A tally is derived from `distribution_logs`: the first time the
 *   ledger needs one, it is seeded from the journal of its period. `amount` can
 *   never go negative.
 */
export class Migration20261125000000_tenant_settings extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
CREATE TABLE tenant_settings (
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  version integer NOT NULL CONSTRAINT tenant_settings_version_check CHECK (version > 0),
  settings jsonb NOT NULL,
  tally_epoch integer NOT NULL CONSTRAINT tenant_settings_tally_epoch_check CHECK (tally_epoch > 0 AND tally_epoch <= version),
  command_id uuid NOT NULL UNIQUE REFERENCES accepted_commands(id),
  changed_by uuid NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, version)
);
CREATE TRIGGER tenant_settings_append_only BEFORE UPDATE OR DELETE ON tenant_settings FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER tenant_settings_no_truncate BEFORE TRUNCATE ON tenant_settings FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();

ALTER TABLE accepted_commands ADD COLUMN settings_version integer NULL;
ALTER TABLE accepted_commands DROP CONSTRAINT accepted_commands_type_check;
ALTER TABLE accepted_commands ADD CONSTRAINT accepted_commands_type_check
  CHECK (type IN ('allocate', 'clawback', 'delegate', 'award', 'recognition', 'create_user', 'bulk_award', 'update_settings'));

CREATE TABLE spend_tallies (
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  epoch integer NOT NULL,
  scope text NOT NULL CHECK (scope IN ('giver', 'recipient', 'pair')),
  user_id uuid NOT NULL,
  -- The recipient of a pair's tally; the nil uuid for the other scopes.
  counterpart_id uuid NOT NULL,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL CONSTRAINT spend_tallies_period_check CHECK (period_end > period_start),
  amount numeric(15, 2) NOT NULL CONSTRAINT spend_tallies_amount_check CHECK (amount >= 0),
  awards integer NOT NULL CONSTRAINT spend_tallies_awards_check CHECK (awards >= 0),
  PRIMARY KEY (tenant_id, epoch, scope, user_id, counterpart_id, period_start)
);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
DROP TABLE spend_tallies;
ALTER TABLE accepted_commands DROP CONSTRAINT accepted_commands_type_check;
ALTER TABLE accepted_commands ADD CONSTRAINT accepted_commands_type_check
  CHECK (type IN ('allocate', 'clawback', 'delegate', 'award', 'recognition', 'create_user', 'bulk_award'));
ALTER TABLE accepted_commands DROP COLUMN settings_version;
DROP TABLE tenant_settings;
`);
  }
}
