import { Migration } from '@mikro-orm/migrations';

/**
 * Point expiry (issue #13). A tenant's policy (settings `expiry`) makes earned
 * wallet points expire; a wallet's points are its lots — each credit, net of
 * its reversal — consumed first-in-first-out. An expiry run moves what has
 * matured out of the wallets (a wallet journal row each, `transaction_type
 * 'expiry'`, made by the run, not by a command) into the tenant's expired
 * account (`expired_accounts`, journaled in `expired_ledger`), which invariant
 * 2 counts. `expiry_runs`, `expired_ledger` are append-only.
 */
export class Migration20261125060000_point_expiry extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
CREATE TABLE expiry_runs (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  matured_by timestamptz NOT NULL,
  wallets integer NOT NULL CONSTRAINT expiry_runs_wallets_check CHECK (wallets > 0),
  amount numeric(15, 2) NOT NULL CONSTRAINT expiry_runs_amount_check CHECK (amount > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX expiry_runs_tenant ON expiry_runs (tenant_id, created_at);
CREATE TRIGGER expiry_runs_append_only BEFORE UPDATE OR DELETE ON expiry_runs FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER expiry_runs_no_truncate BEFORE TRUNCATE ON expiry_runs FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();

CREATE TABLE expired_accounts (
  tenant_id uuid PRIMARY KEY REFERENCES tenants(id),
  balance numeric(15, 2) NOT NULL DEFAULT 0 CONSTRAINT expired_accounts_balance_check CHECK (balance >= 0),
  version bigint NOT NULL DEFAULT 0 CONSTRAINT expired_accounts_version_check CHECK (version >= 0)
);

CREATE TABLE expired_ledger (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES expired_accounts(tenant_id),
  amount numeric(15, 2) NOT NULL CONSTRAINT expired_ledger_amount_check CHECK (amount > 0),
  previous_balance numeric(15, 2) NOT NULL CONSTRAINT expired_ledger_previous_balance_check CHECK (previous_balance >= 0),
  new_balance numeric(15, 2) NOT NULL CONSTRAINT expired_ledger_new_balance_check CHECK (new_balance >= 0),
  version bigint NOT NULL CONSTRAINT expired_ledger_version_check CHECK (version > 0),
  expiry_run_id uuid NOT NULL CONSTRAINT expired_ledger_expiry_run_id_key UNIQUE REFERENCES expiry_runs(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT expired_ledger_arithmetic CHECK (new_balance = previous_balance + amount),
  CONSTRAINT expired_ledger_chain UNIQUE (tenant_id, version)
);
CREATE TRIGGER expired_ledger_append_only BEFORE UPDATE OR DELETE ON expired_ledger FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER expired_ledger_no_truncate BEFORE TRUNCATE ON expired_ledger FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();

-- An expiry is made by a run, not a command: its wallet rows name the run (reference 'expiry_run'), one per wallet.
ALTER TABLE wallet_ledger ALTER COLUMN command_id DROP NOT NULL;
ALTER TABLE wallet_ledger ADD CONSTRAINT wallet_ledger_expiry_has_no_command CHECK ((command_id IS NULL) = (transaction_type = 'expiry'));
CREATE UNIQUE INDEX wallet_ledger_expiry_run_wallet ON wallet_ledger (reference_id, wallet_id) WHERE transaction_type = 'expiry';
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
DROP INDEX wallet_ledger_expiry_run_wallet;
ALTER TABLE wallet_ledger DROP CONSTRAINT wallet_ledger_expiry_has_no_command;
ALTER TABLE wallet_ledger ALTER COLUMN command_id SET NOT NULL;
DROP TABLE expired_ledger;
DROP TABLE expired_accounts;
DROP TABLE expiry_runs;
`);
  }
}
