-- 0023: ingested events that go somewhere: retention, pruning, storage per org, the
-- consumer API (issue #27).
--
-- event_settings: an org's own retention (seconds), overriding the installation's
-- (`wtd --event-retention`); no row = the installation's.
CREATE TABLE event_settings (
    org_id            TEXT NOT NULL PRIMARY KEY REFERENCES orgs(id),
    retention_seconds INTEGER NOT NULL
) STRICT;

-- event_storage: per org, the events stored and their approximate size (payload
-- characters), maintained off the hot path: the prune task counts events up to
-- counted_through (by seq) and subtracts what it deletes, in the same transaction.
-- pruned_through: retention deleted every event of the org at or below it (the consumer
-- API resumes a cursor older than it there, with a gap flag); it only moves forward.
CREATE TABLE event_storage (
    org_id          TEXT NOT NULL PRIMARY KEY REFERENCES orgs(id),
    events          INTEGER NOT NULL DEFAULT 0,
    bytes           INTEGER NOT NULL DEFAULT 0,
    counted_through INTEGER NOT NULL DEFAULT 0,
    pruned_through  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TRIGGER event_storage_horizon_forward BEFORE UPDATE ON event_storage
WHEN NEW.pruned_through < OLD.pruned_through OR NEW.counted_through < OLD.counted_through
BEGIN SELECT RAISE(ABORT, 'the pruned and counted horizons only move forward'); END;

-- Reads by org and cursor, and the prune's walk of an org's oldest events.
CREATE INDEX ingest_events_org_seq ON ingest_events (org_id, seq);

-- Still append-only, except for retention: a DELETE is refused unless the row is at or
-- below its org's pruned horizon, which the prune moves first (in the same transaction).
DROP TRIGGER ingest_events_no_delete;
CREATE TRIGGER ingest_events_no_delete BEFORE DELETE ON ingest_events
WHEN OLD.seq > COALESCE((SELECT pruned_through FROM event_storage WHERE org_id = OLD.org_id), 0)
BEGIN SELECT RAISE(ABORT, 'ingested events are append-only: only retention deletes them'); END;
