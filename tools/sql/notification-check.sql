-- SPEC invariant 5: once the system is idle, feed and audit_log match the ledger
-- one-to-one. Every outbox event has exactly one audit row (audit_log.event_id is
-- unique); every award and recognition has exactly one feed entry (feed.event_id
-- is unique), as has every completed bulk award (one summary entry), and nothing
-- else does; every finished command has its event. An event counts as delivered
-- only once its rows are written (its outcome in outbox_outcomes, recorded in that
-- transaction; the outbox view shows it as delivered_at);
-- one the worker can never write is dead-lettered with a reason to read and
-- replay (docs/OPERATIONS.md), and is listed here until an operator acts.
-- Returns one row per problem; no rows means everything matches.
-- Run: psql "$DATABASE_URL" -f tools/sql/notification-check.sql
WITH social(event_type) AS (VALUES ('points.awarded'), ('recognition.created'), ('bulk_award.completed'), ('award.approved'), ('bulk_award.approved')),
-- What each event should have and has: one line per rule below.
events AS (
  SELECT o.id, o.event_type, o.delivered_at IS NOT NULL AS delivered, o.dead_letter_reason,
         o.event_type IN (SELECT event_type FROM social) AS social,
         EXISTS (SELECT 1 FROM audit_log a WHERE a.event_id = o.id) AS audited,
         EXISTS (SELECT 1 FROM feed f WHERE f.event_id = o.id) AS in_feed
    FROM outbox o)
SELECT 'outbox event not delivered yet' AS problem, id AS ref, event_type AS kind FROM events WHERE NOT delivered AND dead_letter_reason IS NULL
UNION ALL
SELECT 'dead-lettered: ' || dead_letter_reason, id, event_type FROM events WHERE dead_letter_reason IS NOT NULL
UNION ALL
SELECT 'missing audit row', id, event_type FROM events WHERE delivered AND NOT audited
UNION ALL
SELECT 'audit row of an event not marked delivered', id, event_type FROM events WHERE audited AND NOT delivered
UNION ALL
SELECT 'missing feed entry', id, event_type FROM events WHERE delivered AND social AND NOT in_feed
UNION ALL
SELECT 'feed entry for a non-social event', id, event_type FROM events WHERE in_feed AND NOT social
UNION ALL
SELECT 'feed entry without an event', f.event_id, f.type FROM feed f WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = f.event_id)
UNION ALL
SELECT 'audit row without an event', a.event_id, a.action
  FROM audit_log a WHERE a.action NOT IN ('pool.low_balance', 'points.expired', 'points.expiring', 'budgets.returned') AND a.action NOT LIKE 'queue_dashboard.%' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = a.event_id)
UNION ALL
SELECT 'finished command without its event', c.id, c.type
  FROM commands c WHERE c.status IN ('succeeded', 'rejected') AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.command_id = c.id)
UNION ALL
SELECT 'award or recognition in the journals without a feed entry', d.id, d.transaction_type
  FROM distribution_logs d
 WHERE d.transaction_type IN ('award', 'recognition', 'bulk_award')
   AND NOT EXISTS (SELECT 1 FROM outbox o JOIN feed f ON f.event_id = o.id WHERE o.command_id = d.command_id)
   -- An approved award's journal rows are under the award's command; its feed entry comes from the approval's event.
   AND NOT EXISTS (SELECT 1 FROM award_hold_decisions hd JOIN outbox o ON o.command_id = hd.command_id JOIN feed f ON f.event_id = o.id
                    WHERE hd.hold_id = d.command_id AND hd.decision = 'approved')
ORDER BY 1, 2;
