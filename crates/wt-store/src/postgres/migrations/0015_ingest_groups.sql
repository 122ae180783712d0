-- PostgreSQL twin of sqlite/migrations/0015_ingest_groups.sql
-- Differences: INTEGER -> BIGINT, TEXT COLLATE "C", STRICT dropped.
-- 0015: the ids of stored ingest groups (the group commit). A group is stored with its id
-- in the same statement or transaction; if the connection breaks before the daemon hears
-- the outcome, it sends the group again on a fresh connection, and a unique violation on
-- the id says the first attempt had committed: the group is acknowledged, not stored
-- twice. Ids are kept a few minutes, then purged.
CREATE TABLE IF NOT EXISTS ingest_groups (
    id        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    stored_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS ingest_groups_stored_at ON ingest_groups (stored_at);
