-- 0013: idempotency keys of ingest requests. A retried request (same org, same
-- `Idempotency-Key`) within the window stores nothing again and gets the first answer;
-- the same key with another body is refused. Rows past the window are purged.
CREATE TABLE ingest_idempotency (
    org_id          TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    accepted        INTEGER NOT NULL,
    first_used_at   INTEGER NOT NULL,
    PRIMARY KEY (org_id, idempotency_key)
) STRICT;
CREATE INDEX ingest_idempotency_first_used ON ingest_idempotency (first_used_at);
