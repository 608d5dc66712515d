import { Migration } from '@mikro-orm/migrations';

/**
 * Department pools (issue #12): a tenant's departments, each with a pool of its
 * own funded from the tenant pool and returned to it.
 * - `departments`: name (unique in the tenant whatever its case), optional parent
 *   and head (of the same tenant: composite keys), and an account like a lead
 *   budget — balance, held (for awards pending approval), version — under the
 *   same CHECKs.
 * - `department_ledger`: the department pool's journal, chained by version, one
 *   row per department per command, append-only, like the other three.
 * - `users.department_id`: the department a manager or lead belongs to.
 * - Awards and holds may come from a department pool: `distribution_logs` and
 *   `award_holds` name it as a source.
 */
export class Migration20261125020000_departments extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
CREATE TABLE departments (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL CONSTRAINT departments_tenant_id_fkey REFERENCES tenants(id),
  name text NOT NULL CONSTRAINT departments_name_check CHECK (length(name) >= 1 AND length(name) <= 200),
  parent_id uuid NULL,
  head_id uuid NULL,
  balance numeric(15, 2) NOT NULL DEFAULT 0 CONSTRAINT departments_balance_check CHECK (balance >= 0),
  held numeric(15, 2) NOT NULL DEFAULT 0,
  version bigint NOT NULL DEFAULT 0 CONSTRAINT departments_version_check CHECK (version >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT departments_held_check CHECK (held >= 0 AND held <= greatest(balance, 0)),
  CONSTRAINT departments_not_own_parent CHECK (parent_id <> id),
  CONSTRAINT departments_id_tenant_unique UNIQUE (id, tenant_id),
  CONSTRAINT departments_parent_of_tenant FOREIGN KEY (parent_id, tenant_id) REFERENCES departments (id, tenant_id),
  CONSTRAINT departments_head_of_tenant FOREIGN KEY (head_id, tenant_id) REFERENCES users (id, tenant_id)
) WITH (fillfactor = 80);
CREATE UNIQUE INDEX departments_name_unique ON departments (tenant_id, lower(name));

ALTER TABLE users ADD COLUMN department_id uuid NULL,
  ADD CONSTRAINT users_department_of_tenant FOREIGN KEY (department_id, tenant_id) REFERENCES departments (id, tenant_id);
CREATE INDEX users_department ON users (department_id) WHERE department_id IS NOT NULL;

CREATE TABLE department_ledger (
  id uuid PRIMARY KEY,
  department_id uuid NOT NULL,
  tenant_id uuid NOT NULL,
  amount numeric(15, 2) NOT NULL CONSTRAINT department_ledger_amount_check CHECK (amount <> 0),
  transaction_type text NOT NULL,
  reference_type text NOT NULL,
  reference_id uuid NOT NULL,
  previous_balance numeric(15, 2) NOT NULL CONSTRAINT department_ledger_previous_balance_check CHECK (previous_balance >= 0),
  new_balance numeric(15, 2) NOT NULL CONSTRAINT department_ledger_new_balance_check CHECK (new_balance >= 0),
  version bigint NOT NULL CONSTRAINT department_ledger_version_check CHECK (version > 0),
  command_id uuid NOT NULL CONSTRAINT department_ledger_command_id_fkey REFERENCES accepted_commands(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT department_ledger_arithmetic CHECK (new_balance = previous_balance + amount),
  CONSTRAINT department_ledger_chain UNIQUE (department_id, version),
  CONSTRAINT department_ledger_command_account_unique UNIQUE (command_id, department_id),
  CONSTRAINT department_ledger_department_of_tenant FOREIGN KEY (department_id, tenant_id) REFERENCES departments (id, tenant_id)
);
CREATE TRIGGER department_ledger_append_only BEFORE UPDATE OR DELETE ON department_ledger FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER department_ledger_no_truncate BEFORE TRUNCATE ON department_ledger FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();

ALTER TABLE distribution_logs DROP CONSTRAINT distribution_logs_source_type_check;
ALTER TABLE distribution_logs ADD CONSTRAINT distribution_logs_source_type_check CHECK (source_type IN ('tenant_pool', 'lead_budget', 'department_pool'));

ALTER TABLE award_holds ADD COLUMN department_id uuid NULL CONSTRAINT award_holds_department_id_fkey REFERENCES departments(id);
ALTER TABLE award_holds DROP CONSTRAINT award_holds_source_type_check;
ALTER TABLE award_holds ADD CONSTRAINT award_holds_source_type_check CHECK (source_type IN ('tenant_pool', 'lead_budget', 'department_pool'));
ALTER TABLE award_holds DROP CONSTRAINT award_holds_source_check;
ALTER TABLE award_holds ADD CONSTRAINT award_holds_source_check
  CHECK ((source_type = 'lead_budget') = (lead_budget_id IS NOT NULL) AND (source_type = 'department_pool') = (department_id IS NOT NULL));

ALTER TABLE accepted_commands DROP CONSTRAINT accepted_commands_type_check;
ALTER TABLE accepted_commands ADD CONSTRAINT accepted_commands_type_check
  CHECK (type IN ('allocate', 'clawback', 'delegate', 'award', 'recognition', 'create_user', 'bulk_award', 'update_settings', 'approve_award', 'decline_award',
                  'create_department', 'update_department', 'fund_department', 'return_department_funds', 'set_user_department'));
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
ALTER TABLE accepted_commands DROP CONSTRAINT accepted_commands_type_check;
ALTER TABLE accepted_commands ADD CONSTRAINT accepted_commands_type_check
  CHECK (type IN ('allocate', 'clawback', 'delegate', 'award', 'recognition', 'create_user', 'bulk_award', 'update_settings', 'approve_award', 'decline_award'));
ALTER TABLE award_holds DROP CONSTRAINT award_holds_source_check;
ALTER TABLE award_holds ADD CONSTRAINT award_holds_source_check CHECK ((source_type = 'lead_budget') = (lead_budget_id IS NOT NULL));
ALTER TABLE award_holds DROP CONSTRAINT award_holds_source_type_check;
ALTER TABLE award_holds ADD CONSTRAINT award_holds_source_type_check CHECK (source_type IN ('tenant_pool', 'lead_budget'));
ALTER TABLE award_holds DROP COLUMN department_id;
ALTER TABLE distribution_logs DROP CONSTRAINT distribution_logs_source_type_check;
ALTER TABLE distribution_logs ADD CONSTRAINT distribution_logs_source_type_check CHECK (source_type IN ('tenant_pool', 'lead_budget'));
DROP TABLE department_ledger;
ALTER TABLE users DROP COLUMN department_id;
DROP TABLE departments;
`);
  }
}
