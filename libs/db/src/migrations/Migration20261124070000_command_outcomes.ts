import { Migration } from '@mikro-orm/migrations';

/** Constraints and indexes that follow the table's new name. */
const RENAMED_CONSTRAINTS = ['pkey', 'idempotency_key_unique', 'id_issuer_tenant_unique', 'idempotency_key_check', 'status_check', 'type_check', 'issuer_id_fkey', 'issuer_of_tenant', 'tenant_id_fkey'];

const FINAL = `('succeeded', 'rejected', 'failed')`;

/**
 * Each fact about a command written once:
 * - `accepted_commands` (the former `commands` table) holds what the gateway
 *   accepted. It is inserted once; only a retry or a bulk award's progress
 *   touches it again (`processing`, `attempts`), never the hot path.
 * - `command_outcomes` holds what the ledger decided, one append-only row per
 *   command, keyed by the command id and written in the transaction that applies
 *   it: "decided at most once" is a primary key. Once a command has its outcome,
 *   its accepted row is history too (a trigger refuses changing or deleting it).
 * - `commands` is a view of the two together: what the API shows, and what the
 *   operator SQL in tools/sql and the docs read; `undecided_commands` lists the
 *   accepted commands without an outcome.
 *
 * Before, every outcome rewrote the command row and all its indexes (the partial
 * `commands_unfinished` index made every status change a non-HOT update). The
 * recovery sweep now walks `accepted_commands` by `created_at` from a stored
 * horizon (`command_sweep`: every command accepted before it is decided) instead.
 *
 * The backfill copies the outcomes already decided; on a large table run it with
 * the apps stopped (docs/OPERATIONS.md, "Upgrading").
 */
export class Migration20261124070000_command_outcomes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
DROP TRIGGER commands_final_is_history ON commands;
DROP FUNCTION refuse_final_command_change();
DROP INDEX commands_unfinished;
ALTER TABLE commands RENAME TO accepted_commands;
ALTER INDEX commands_issuer RENAME TO accepted_commands_issuer;`);
    for (const suffix of RENAMED_CONSTRAINTS) this.addSql(`ALTER TABLE accepted_commands RENAME CONSTRAINT commands_${suffix} TO accepted_commands_${suffix};`);
    this.addSql(`
CREATE TABLE command_outcomes (
  command_id uuid PRIMARY KEY REFERENCES accepted_commands(id),
  status text NOT NULL CHECK (status IN ${FINAL}),
  result jsonb,
  error jsonb,
  attempts integer NOT NULL CHECK (attempts >= 1),
  completed_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT command_outcomes_result_or_error CHECK ((status = 'succeeded' AND result IS NOT NULL AND error IS NULL) OR (status <> 'succeeded' AND error IS NOT NULL AND result IS NULL))
);
INSERT INTO command_outcomes (command_id, status, result, error, attempts, completed_at)
  SELECT id, status, CASE WHEN status = 'succeeded' THEN result END, CASE WHEN status <> 'succeeded' THEN error END, greatest(attempts, 1), completed_at
    FROM accepted_commands WHERE status IN ${FINAL};
CREATE TRIGGER command_outcomes_append_only BEFORE UPDATE OR DELETE ON command_outcomes FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER command_outcomes_no_truncate BEFORE TRUNCATE ON command_outcomes FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();

ALTER TABLE accepted_commands DROP CONSTRAINT commands_final_has_outcome, DROP CONSTRAINT accepted_commands_status_check;
UPDATE accepted_commands SET status = 'processing' WHERE status IN ${FINAL};
ALTER TABLE accepted_commands
  DROP COLUMN result, DROP COLUMN error, DROP COLUMN completed_at,
  ADD CONSTRAINT accepted_commands_status_check CHECK (status IN ('queued', 'processing'));
CREATE INDEX accepted_commands_created_at ON accepted_commands (created_at);

CREATE FUNCTION refuse_decided_command_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM command_outcomes WHERE command_id = OLD.id) THEN
    RAISE EXCEPTION 'command % is decided: a decided command is history, % refused', OLD.id, TG_OP
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER accepted_commands_decided_is_history BEFORE UPDATE OR DELETE ON accepted_commands
  FOR EACH ROW EXECUTE FUNCTION refuse_decided_command_change();

CREATE TABLE command_sweep (
  id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  decided_before timestamptz NOT NULL
);
INSERT INTO command_sweep (decided_before)
  SELECT coalesce(min(created_at), now()) FROM accepted_commands a WHERE NOT EXISTS (SELECT 1 FROM command_outcomes o WHERE o.command_id = a.id);


CREATE VIEW undecided_commands AS
SELECT a.* FROM accepted_commands a WHERE NOT EXISTS (SELECT 1 FROM command_outcomes o WHERE o.command_id = a.id);

CREATE VIEW commands AS
SELECT a.id, a.type, a.tenant_id, a.issuer_id, a.payload,
       coalesce(o.status, a.status) AS status, o.result, o.error,
       a.idempotency_key, a.request_hash, a.request_id,
       coalesce(o.attempts, a.attempts) AS attempts,
       a.created_at, coalesce(o.completed_at, a.updated_at) AS updated_at, o.completed_at
  FROM accepted_commands a LEFT JOIN command_outcomes o ON o.command_id = a.id;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
DROP VIEW commands;
DROP VIEW undecided_commands;
DROP TABLE command_sweep;
DROP TRIGGER accepted_commands_decided_is_history ON accepted_commands;
DROP FUNCTION refuse_decided_command_change();
DROP INDEX accepted_commands_created_at;
ALTER TABLE accepted_commands DROP CONSTRAINT accepted_commands_status_check,
  ADD COLUMN result jsonb, ADD COLUMN error jsonb, ADD COLUMN completed_at timestamptz;
UPDATE accepted_commands a SET status = o.status, result = o.result, error = o.error, attempts = o.attempts, completed_at = o.completed_at
  FROM command_outcomes o WHERE o.command_id = a.id;
DROP TABLE command_outcomes;
ALTER TABLE accepted_commands ADD CONSTRAINT accepted_commands_status_check CHECK (status IN ('queued', 'processing', 'succeeded', 'rejected', 'failed'));
ALTER TABLE accepted_commands ADD CONSTRAINT commands_final_has_outcome CHECK (
  (status = 'succeeded' AND result IS NOT NULL AND completed_at IS NOT NULL)
  OR (status IN ('rejected', 'failed') AND error IS NOT NULL AND completed_at IS NOT NULL)
  OR (status IN ('queued', 'processing') AND completed_at IS NULL));`);
    for (const suffix of RENAMED_CONSTRAINTS) this.addSql(`ALTER TABLE accepted_commands RENAME CONSTRAINT accepted_commands_${suffix} TO commands_${suffix};`);
    this.addSql(`
ALTER INDEX accepted_commands_issuer RENAME TO commands_issuer;
ALTER TABLE accepted_commands RENAME TO commands;
CREATE INDEX commands_unfinished ON commands (updated_at) WHERE status IN ('queued', 'processing');
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
  EXECUTE FUNCTION refuse_final_command_change();`);
  }
}
