import { Migration } from '@mikro-orm/migrations';

/**
 * Each fact about an event written once, as for commands:
 * - `outbox_events` (the former `outbox` table) holds the events the ledger
 *   appended with its balance changes. It is inserted once and never changed
 *   (append-only, like the journals).
 * - `outbox_outcomes` holds what became of each event: delivered (its feed and
 *   audit rows are written, in the same transaction) or dead-lettered (it never
 *   can be, and why). One row per event, keyed by the event id: "delivered at
 *   most once" is a primary key. A delivery is history (a trigger refuses
 *   changing or deleting it); a dead letter may be deleted, which is how an
 *   operator replays it (docs/OPERATIONS.md).
 * - `outbox_relay` holds the relay's horizon: every event created before
 *   `settled_before` has its outcome, so the relay reads the events after it
 *   (by `created_at`, an index nothing rewrites). Deleting an outcome moves the
 *   horizon back to that event, so a replayed event is seen again.
 * - `outbox` is a view of events and outcomes together, with the columns the
 *   operator SQL in tools/sql and the docs read.
 *
 * Before, each event was rewritten twice (published, then delivered), and the
 * partial indexes on those columns made both non-HOT updates. What "published"
 * recorded — handed to the queue at least once — is now the relay's own memory:
 * an event without an outcome is sent until it has one (BullMQ keeps one job per
 * event id).
 *
 * The backfill copies the outcomes already known; on a large outbox run it with
 * the apps stopped (docs/OPERATIONS.md, "Upgrading").
 */
export class Migration20261124080000_outbox_outcomes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
DROP INDEX outbox_unpublished;
DROP INDEX outbox_undelivered;
DROP INDEX outbox_dead_lettered;
ALTER TABLE outbox RENAME TO outbox_events;
ALTER TABLE outbox_events RENAME CONSTRAINT outbox_pkey TO outbox_events_pkey;
ALTER TABLE outbox_events RENAME CONSTRAINT outbox_command_id_fkey TO outbox_events_command_id_fkey;

CREATE TABLE outbox_outcomes (
  event_id uuid PRIMARY KEY REFERENCES outbox_events(id),
  status text NOT NULL CHECK (status IN ('delivered', 'dead_lettered')),
  reason text NULL,
  settled_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT outbox_outcomes_reason_check CHECK ((status = 'dead_lettered') = (reason IS NOT NULL))
);
INSERT INTO outbox_outcomes (event_id, status, reason, settled_at)
  SELECT id, 'delivered', NULL, delivered_at FROM outbox_events WHERE delivered_at IS NOT NULL
  UNION ALL
  SELECT id, 'dead_lettered', dead_letter_reason, dead_lettered_at FROM outbox_events WHERE dead_lettered_at IS NOT NULL;
-- The dead-letter gauge and the operator's list.
CREATE INDEX outbox_outcomes_dead_lettered ON outbox_outcomes (settled_at) WHERE status = 'dead_lettered';

CREATE TABLE outbox_relay (
  id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  settled_before timestamptz NOT NULL
);
INSERT INTO outbox_relay (settled_before)
  SELECT coalesce(min(created_at), now()) FROM outbox_events e WHERE NOT EXISTS (SELECT 1 FROM outbox_outcomes o WHERE o.event_id = e.id);

ALTER TABLE outbox_events
  DROP CONSTRAINT outbox_dead_letter_reason_check,
  DROP CONSTRAINT outbox_delivered_or_dead_check,
  DROP COLUMN published_at, DROP COLUMN delivered_at, DROP COLUMN dead_lettered_at, DROP COLUMN dead_letter_reason;
-- The relay walks events in creation order from its horizon.
CREATE INDEX outbox_events_created_at ON outbox_events (created_at, id);
CREATE TRIGGER outbox_events_append_only BEFORE UPDATE OR DELETE ON outbox_events FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER outbox_events_no_truncate BEFORE TRUNCATE ON outbox_events FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();

-- A delivery is history. A dead letter may go (the replay), and so may a delivery when
-- an operator re-delivers lost feed and audit rows (SET LOCAL points.redeliver = 'on').
CREATE FUNCTION refuse_outbox_outcome_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND (OLD.status = 'dead_lettered' OR current_setting('points.redeliver', true) = 'on') THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'event % was %: an outcome is history, % refused', OLD.event_id, OLD.status, TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER outbox_outcomes_history BEFORE UPDATE OR DELETE ON outbox_outcomes FOR EACH ROW EXECUTE FUNCTION refuse_outbox_outcome_change();
CREATE TRIGGER outbox_outcomes_no_truncate BEFORE TRUNCATE ON outbox_outcomes FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();

-- An event without its outcome again is behind the relay's horizon: move the horizon back to it.
CREATE FUNCTION reopen_outbox_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE outbox_relay SET settled_before = least(settled_before, (SELECT min(e.created_at) FROM gone g JOIN outbox_events e ON e.id = g.event_id))
   WHERE EXISTS (SELECT 1 FROM gone);
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_outcomes_reopen AFTER DELETE ON outbox_outcomes REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION reopen_outbox_events();

CREATE VIEW outbox AS
SELECT e.id, e.event_type, e.tenant_id, e.command_id, e.payload, e.created_at,
       CASE WHEN o.status = 'delivered' THEN o.settled_at END AS delivered_at,
       CASE WHEN o.status = 'dead_lettered' THEN o.settled_at END AS dead_lettered_at,
       o.reason AS dead_letter_reason
  FROM outbox_events e LEFT JOIN outbox_outcomes o ON o.event_id = e.id;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
DROP VIEW outbox;
DROP TRIGGER outbox_outcomes_reopen ON outbox_outcomes;
DROP FUNCTION reopen_outbox_events();
DROP TRIGGER outbox_events_append_only ON outbox_events;
DROP TRIGGER outbox_events_no_truncate ON outbox_events;
DROP INDEX outbox_events_created_at;
ALTER TABLE outbox_events
  ADD COLUMN published_at timestamptz NULL,
  ADD COLUMN delivered_at timestamptz NULL,
  ADD COLUMN dead_lettered_at timestamptz NULL,
  ADD COLUMN dead_letter_reason text NULL;
-- Every event was handed to the queue at least once unless the relay has not reached it yet.
UPDATE outbox_events e SET
  published_at = CASE WHEN o.event_id IS NOT NULL OR e.created_at < r.settled_before THEN coalesce(o.settled_at, e.created_at) END,
  delivered_at = CASE WHEN o.status = 'delivered' THEN o.settled_at END,
  dead_lettered_at = CASE WHEN o.status = 'dead_lettered' THEN o.settled_at END,
  dead_letter_reason = o.reason
  FROM outbox_relay r, outbox_events e2 LEFT JOIN outbox_outcomes o ON o.event_id = e2.id
 WHERE e2.id = e.id;
DROP TABLE outbox_relay;
DROP TABLE outbox_outcomes;
DROP FUNCTION refuse_outbox_outcome_change();
ALTER TABLE outbox_events
  ADD CONSTRAINT outbox_dead_letter_reason_check CHECK ((dead_lettered_at IS NULL) = (dead_letter_reason IS NULL)),
  ADD CONSTRAINT outbox_delivered_or_dead_check CHECK (delivered_at IS NULL OR dead_lettered_at IS NULL);
ALTER TABLE outbox_events RENAME CONSTRAINT outbox_events_pkey TO outbox_pkey;
ALTER TABLE outbox_events RENAME CONSTRAINT outbox_events_command_id_fkey TO outbox_command_id_fkey;
ALTER TABLE outbox_events RENAME TO outbox;
CREATE INDEX outbox_unpublished ON outbox (created_at, id) WHERE published_at IS NULL;
CREATE INDEX outbox_undelivered ON outbox (published_at) WHERE published_at IS NOT NULL AND delivered_at IS NULL AND dead_lettered_at IS NULL;
CREATE INDEX outbox_dead_lettered ON outbox (dead_lettered_at) WHERE dead_lettered_at IS NOT NULL;`);
  }
}
