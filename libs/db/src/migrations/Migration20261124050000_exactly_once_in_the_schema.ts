import { Migration } from '@mikro-orm/migrations';

/** The append-only tables of the initial migration. */
const JOURNALS = ['allocation_logs', 'platform_billing_logs', 'distribution_logs', 'pool_ledger', 'lead_budget_ledger', 'wallet_ledger', 'feed', 'audit_log'];

/** Each account journal and distribution_logs: one row per account per command. */
const ONE_ROW_PER_COMMAND = [
  { table: 'pool_ledger', constraint: 'pool_ledger_command_account_unique', account: 'tenant_id' },
  { table: 'lead_budget_ledger', constraint: 'lead_budget_ledger_command_account_unique', account: 'lead_budget_id' },
  { table: 'wallet_ledger', constraint: 'wallet_ledger_command_account_unique', account: 'wallet_id' },
  { table: 'distribution_logs', constraint: 'distribution_logs_command_recipient_unique', account: 'to_user_id' },
];

/**
 * Exactly-once, guaranteed by the database rather than only by the ledger's code,
 * so that a bug there cannot apply a command twice:
 * - No command moves one account twice. The ledger writes one journal row per
 *   account per command: an award debits its source (pool or lead budget) and
 *   credits a wallet, which are different journals; a bulk award refuses a
 *   duplicate recipient. UNIQUE (command_id, account) on each account journal and
 *   on distribution_logs turns a second effect into an error (allocation_logs,
 *   platform_billing_logs and recognitions already hold command_id UNIQUE).
 *   The constraints also index the journals by command.
 * - A final command (succeeded, rejected, failed) is history: the ledger skips a
 *   final command, so a final command moved back to queued or processing would be
 *   applied again. A trigger refuses any change to a final command and its
 *   deletion. Unfinished commands are untouched by it (the WHEN clause skips them,
 *   no function call): queued → processing → final, and the DELETE of a command
 *   still queued (withdrawing one the queue never took), go on as before.
 * - Journals refuse TRUNCATE as they refuse UPDATE and DELETE: TRUNCATE fires no
 *   row trigger, so the append-only triggers never saw it. (Also reached by
 *   TRUNCATE commands CASCADE. DROP TABLE and DROP DATABASE are not TRUNCATE.)
 *
 * On a large existing database each ADD CONSTRAINT builds its index under a lock
 * that blocks writes to that journal; it fails, as it should, if a duplicate exists.
 */
export class Migration20261124050000_exactly_once_in_the_schema extends Migration {
  override async up(): Promise<void> {
    for (const { table, constraint, account } of ONE_ROW_PER_COMMAND) {
      this.addSql(`ALTER TABLE ${table} ADD CONSTRAINT ${constraint} UNIQUE (command_id, ${account});`);
    }
    this.addSql(`
CREATE FUNCTION refuse_final_command_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW IS DISTINCT FROM OLD THEN
    RAISE EXCEPTION 'command % is final (%): a final command is history, % refused', OLD.id, OLD.status, TG_OP
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER commands_final_is_history BEFORE UPDATE OR DELETE ON commands
  FOR EACH ROW WHEN (OLD.status IN ('succeeded', 'rejected', 'failed'))
  EXECUTE FUNCTION refuse_final_command_change();
`);
    for (const journal of JOURNALS) {
      this.addSql(`CREATE TRIGGER ${journal}_no_truncate BEFORE TRUNCATE ON ${journal} FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();`);
    }
  }

  override async down(): Promise<void> {
    for (const journal of JOURNALS) this.addSql(`DROP TRIGGER ${journal}_no_truncate ON ${journal};`);
    this.addSql(`
DROP TRIGGER commands_final_is_history ON commands;
DROP FUNCTION refuse_final_command_change();
`);
    for (const { table, constraint } of ONE_ROW_PER_COMMAND) this.addSql(`ALTER TABLE ${table} DROP CONSTRAINT ${constraint};`);
  }
}
