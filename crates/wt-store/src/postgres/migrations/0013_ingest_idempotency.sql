-- PostgreSQL twin of sqlite/migrations/0013_ingest_idempotency.sql
-- Differences: INTEGER -> BIGINT, TEXT COLLATE "C", STRICT dropped.
-- 0013: idempotency keys of ingest requests. A retried request (same org, same
-- `Idempotency-Key`) within the window stores nothing again and gets the first answer;
-- the same key with another body is refused. Rows past the window are purged.
CREATE TABLE ingest_idempotency (
    org_id          TEXT COLLATE "C" NOT NULL,
    idempotency_key TEXT COLLATE "C" NOT NULL,
    fingerprint     TEXT COLLATE "C" NOT NULL,
    accepted        BIGINT NOT NULL,
    first_used_at   BIGINT NOT NULL,
    PRIMARY KEY (org_id, idempotency_key)
);
CREATE INDEX ingest_idempotency_first_used ON ingest_idempotency (first_used_at);
