import { Migration } from '@mikro-orm/migrations';

/**
 * Who gave the points is a fact of the command that moved them. A tenant user's
 * command must be issued by a user of that tenant; a distribution's giver and
 * tenant must be its command's issuer and tenant. One composite key checks what
 * two keys checked before (the command exists; the giver is a user of the tenant)
 * and adds the link between them — and a 100,000-row bulk award does 100,000
 * checks fewer. A platform admin's commands have no tenant, so the first key does
 * not apply to them (MATCH SIMPLE skips a row with a NULL column).
 */
export class Migration20261124010000_distribution_provenance extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
ALTER TABLE commands
  ADD CONSTRAINT commands_issuer_of_tenant FOREIGN KEY (issuer_id, tenant_id) REFERENCES users (id, tenant_id),
  ADD CONSTRAINT commands_id_issuer_tenant_unique UNIQUE (id, issuer_id, tenant_id);

ALTER TABLE distribution_logs
  DROP CONSTRAINT distribution_logs_command_id_fkey,
  DROP CONSTRAINT distribution_logs_giver_of_tenant,
  ADD CONSTRAINT distribution_logs_given_by_command_issuer FOREIGN KEY (command_id, from_user_id, tenant_id) REFERENCES commands (id, issuer_id, tenant_id);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
ALTER TABLE distribution_logs
  DROP CONSTRAINT distribution_logs_given_by_command_issuer,
  ADD CONSTRAINT distribution_logs_command_id_fkey FOREIGN KEY (command_id) REFERENCES commands (id),
  ADD CONSTRAINT distribution_logs_giver_of_tenant FOREIGN KEY (from_user_id, tenant_id) REFERENCES users (id, tenant_id);
ALTER TABLE commands
  DROP CONSTRAINT commands_id_issuer_tenant_unique,
  DROP CONSTRAINT commands_issuer_of_tenant;
`);
  }
}
