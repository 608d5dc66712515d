import { Migration } from '@mikro-orm/migrations';

/**
 * Budget returns (issue #13): with the tenant's `budgetReturn` policy, at the
 * end of each period what its lead budgets and department pools have available
 * goes back to the tenant pool. Like an expiry, a return is made by the passage
 * of time, not a command: its journal rows (`period_return`) have no command and
 * name the return. `budget_returns` records each, one per tenant and period (a
 * unique key), append-only.
 */
export class Migration20261125070000_budget_returns extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
CREATE TABLE budget_returns (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  period_end timestamptz NOT NULL,
  accounts integer NOT NULL CONSTRAINT budget_returns_accounts_check CHECK (accounts >= 0),
  amount numeric(15, 2) NOT NULL CONSTRAINT budget_returns_amount_check CHECK (amount >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT budget_returns_once_per_period UNIQUE (tenant_id, period_end)
);
CREATE TRIGGER budget_returns_append_only BEFORE UPDATE OR DELETE ON budget_returns FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER budget_returns_no_truncate BEFORE TRUNCATE ON budget_returns FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();

ALTER TABLE pool_ledger ALTER COLUMN command_id DROP NOT NULL;
ALTER TABLE pool_ledger ADD CONSTRAINT pool_ledger_return_has_no_command CHECK ((command_id IS NULL) = (transaction_type = 'period_return'));
ALTER TABLE lead_budget_ledger ALTER COLUMN command_id DROP NOT NULL;
ALTER TABLE lead_budget_ledger ADD CONSTRAINT lead_budget_ledger_return_has_no_command CHECK ((command_id IS NULL) = (transaction_type = 'period_return'));
ALTER TABLE department_ledger ALTER COLUMN command_id DROP NOT NULL;
ALTER TABLE department_ledger ADD CONSTRAINT department_ledger_return_has_no_command CHECK ((command_id IS NULL) = (transaction_type = 'period_return'));
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
ALTER TABLE department_ledger DROP CONSTRAINT department_ledger_return_has_no_command;
ALTER TABLE lead_budget_ledger DROP CONSTRAINT lead_budget_ledger_return_has_no_command;
ALTER TABLE pool_ledger DROP CONSTRAINT pool_ledger_return_has_no_command;
DROP TABLE budget_returns;
`);
  }
}
