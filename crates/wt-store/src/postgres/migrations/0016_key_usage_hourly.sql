-- PostgreSQL twin of sqlite/migrations/0016_key_usage_hourly.sql
-- Differences: INTEGER -> BIGINT, TEXT COLLATE "C", STRICT and WITHOUT ROWID dropped.
-- 0016: requests per ingestion key per hour, for the console's usage charts (the last 7
-- days). Written by the coalesced usage flush (never by the ingest request itself); rows
-- older than 8 days are pruned by the flusher.
CREATE TABLE IF NOT EXISTS api_key_usage_hourly (
    key_id  TEXT COLLATE "C" NOT NULL REFERENCES api_keys(id),
    -- Unix time of the start of the hour (UTC, a multiple of 3600).
    hour    BIGINT NOT NULL,
    count   BIGINT NOT NULL,
    PRIMARY KEY (key_id, hour)
);
CREATE INDEX IF NOT EXISTS api_key_usage_hourly_by_hour ON api_key_usage_hourly(hour);
