-- 0016: requests per ingestion key per hour, for the console's usage charts (the last 7
-- days). Written by the coalesced usage flush (never by the ingest request itself); rows
-- older than 8 days are pruned by the flusher.
CREATE TABLE api_key_usage_hourly (
    key_id  TEXT NOT NULL REFERENCES api_keys(id),
    -- Unix time of the start of the hour (UTC, a multiple of 3600).
    hour    INTEGER NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (key_id, hour)
) STRICT, WITHOUT ROWID;
CREATE INDEX api_key_usage_hourly_by_hour ON api_key_usage_hourly(hour);
