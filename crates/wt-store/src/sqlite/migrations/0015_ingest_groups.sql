-- 0015: the ids of stored ingest groups (PostgreSQL's group commit). A group is stored
-- with its id in the same statement or transaction; if the connection breaks before the
-- daemon hears the outcome, it sends the group again on a fresh connection, and a
-- unique violation on the id says the first attempt had committed: the group is
-- acknowledged, not stored twice. Ids are kept a few minutes, then purged. SQLite's
-- single writer never loses an outcome, so this table stays empty there (it exists for
-- `wtd copy` and the schema check, which compare the two schemas).
CREATE TABLE ingest_groups (
    id        TEXT NOT NULL PRIMARY KEY,
    stored_at INTEGER NOT NULL
) STRICT;
CREATE INDEX ingest_groups_stored_at ON ingest_groups (stored_at);
