import { Migration } from '@mikro-orm/migrations';

/**
 * A journal row's tenant must be its account's tenant. Composite foreign keys
 * make the database guarantee it — (wallet_id, tenant_id) must be a wallet of
 * that tenant, (to_user_id, tenant_id) a user of that tenant — where single-column
 * keys only checked that each id existed somewhere. (They also do one check per
 * row where there were two; on this 2-core machine the bulk benchmark is too noisy,
 * 13–19 s run to run, to show what that saves.)
 */
export class Migration20261123020000_tenant_consistent_journals extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
ALTER TABLE users ADD CONSTRAINT users_id_tenant_unique UNIQUE (id, tenant_id);
ALTER TABLE wallets ADD CONSTRAINT wallets_id_tenant_unique UNIQUE (id, tenant_id);
ALTER TABLE lead_budgets ADD CONSTRAINT lead_budgets_id_tenant_unique UNIQUE (id, tenant_id);

ALTER TABLE wallet_ledger
  DROP CONSTRAINT wallet_ledger_wallet_id_fkey,
  DROP CONSTRAINT wallet_ledger_tenant_id_fkey,
  ADD CONSTRAINT wallet_ledger_wallet_of_tenant FOREIGN KEY (wallet_id, tenant_id) REFERENCES wallets (id, tenant_id);

ALTER TABLE lead_budget_ledger
  DROP CONSTRAINT lead_budget_ledger_lead_budget_id_fkey,
  DROP CONSTRAINT lead_budget_ledger_tenant_id_fkey,
  ADD CONSTRAINT lead_budget_ledger_budget_of_tenant FOREIGN KEY (lead_budget_id, tenant_id) REFERENCES lead_budgets (id, tenant_id);

ALTER TABLE distribution_logs
  DROP CONSTRAINT distribution_logs_tenant_id_fkey,
  DROP CONSTRAINT distribution_logs_from_user_id_fkey,
  DROP CONSTRAINT distribution_logs_to_user_id_fkey,
  ADD CONSTRAINT distribution_logs_giver_of_tenant FOREIGN KEY (from_user_id, tenant_id) REFERENCES users (id, tenant_id),
  ADD CONSTRAINT distribution_logs_recipient_of_tenant FOREIGN KEY (to_user_id, tenant_id) REFERENCES users (id, tenant_id);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
ALTER TABLE distribution_logs
  DROP CONSTRAINT distribution_logs_giver_of_tenant,
  DROP CONSTRAINT distribution_logs_recipient_of_tenant,
  ADD FOREIGN KEY (tenant_id) REFERENCES tenants (id),
  ADD FOREIGN KEY (from_user_id) REFERENCES users (id),
  ADD FOREIGN KEY (to_user_id) REFERENCES users (id);
ALTER TABLE lead_budget_ledger
  DROP CONSTRAINT lead_budget_ledger_budget_of_tenant,
  ADD FOREIGN KEY (lead_budget_id) REFERENCES lead_budgets (id),
  ADD FOREIGN KEY (tenant_id) REFERENCES tenants (id);
ALTER TABLE wallet_ledger
  DROP CONSTRAINT wallet_ledger_wallet_of_tenant,
  ADD FOREIGN KEY (wallet_id) REFERENCES wallets (id),
  ADD FOREIGN KEY (tenant_id) REFERENCES tenants (id);
ALTER TABLE lead_budgets DROP CONSTRAINT lead_budgets_id_tenant_unique;
ALTER TABLE wallets DROP CONSTRAINT wallets_id_tenant_unique;
ALTER TABLE users DROP CONSTRAINT users_id_tenant_unique;
`);
  }
}
