-- PostgreSQL twin of sqlite/migrations/0023_event_retention.sql
-- Differences: INTEGER -> BIGINT, TEXT COLLATE "C", STRICT dropped, triggers as
-- functions; re-appliable (IF NOT EXISTS, OR REPLACE).
-- 0023: ingested events that go somewhere: retention, pruning, storage per org, the
-- consumer API (issue #27).
--
-- event_settings: an org's own retention (seconds), overriding the installation's
-- (`wtd --event-retention`); no row = the installation's.
CREATE TABLE IF NOT EXISTS event_settings (
    org_id            TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES orgs(id),
    retention_seconds BIGINT NOT NULL
);

-- event_storage: per org, the events stored and their approximate size (payload
-- characters), maintained off the hot path: the prune task counts events up to
-- counted_through (by seq) and subtracts what it deletes, in the same transaction.
-- pruned_through: retention deleted every event of the org at or below it (the consumer
-- API resumes a cursor older than it there, with a gap flag); it only moves forward.
CREATE TABLE IF NOT EXISTS event_storage (
    org_id          TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES orgs(id),
    events          BIGINT NOT NULL DEFAULT 0,
    bytes           BIGINT NOT NULL DEFAULT 0,
    counted_through BIGINT NOT NULL DEFAULT 0,
    pruned_through  BIGINT NOT NULL DEFAULT 0
);
CREATE OR REPLACE FUNCTION event_storage_forward() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.pruned_through < OLD.pruned_through OR NEW.counted_through < OLD.counted_through THEN
        RAISE EXCEPTION 'the pruned and counted horizons only move forward';
    END IF;
    RETURN NEW;
END;
$$;
CREATE OR REPLACE TRIGGER event_storage_horizon_forward BEFORE UPDATE ON event_storage
    FOR EACH ROW EXECUTE FUNCTION event_storage_forward();

-- Reads by org and cursor, and the prune's walk of an org's oldest events.
CREATE INDEX IF NOT EXISTS ingest_events_org_seq ON ingest_events (org_id, seq);

-- Still append-only, except for retention: a DELETE is refused unless the row is at or
-- below its org's pruned horizon, which the prune moves first (in the same transaction).
-- UPDATE and TRUNCATE stay refused (the same function serves the three triggers).
CREATE OR REPLACE FUNCTION ingest_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.seq <= COALESCE(
            (SELECT pruned_through FROM event_storage WHERE org_id = OLD.org_id), 0) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'ingested events are append-only: only retention deletes them';
END;
$$;
