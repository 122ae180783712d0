-- 0008: ingestion keys, where they were used from, ingested events, the org's allowed-IP
-- list, session step-up and last address, and the org's browser-ingest policy.

CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    name            TEXT NOT NULL,
    environment     TEXT NOT NULL CHECK (environment IN ('sandbox', 'production')),
    -- HMAC-SHA256 of the whole key under a pepper derived from the master key (hex).
    secret_hash     TEXT NOT NULL UNIQUE,
    last4           TEXT NOT NULL,
    owner_id        TEXT NOT NULL REFERENCES users(id),
    created_by      TEXT NOT NULL REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER,
    revoked_at      INTEGER,
    -- JSON array of normalised CIDRs; empty = no per-key restriction.
    allowed_cidrs   TEXT NOT NULL DEFAULT '[]',
    rotated_from    TEXT REFERENCES api_keys(id),
    rotated_to      TEXT REFERENCES api_keys(id),
    -- Set by a rotation: the key works until then (never beyond expires_at).
    grace_until     INTEGER,
    -- Usage, flushed in batches from memory (never one write per request).
    last_used_at    INTEGER,
    last_used_ip    TEXT,
    use_count       INTEGER NOT NULL DEFAULT 0,
    browser_count   INTEGER NOT NULL DEFAULT 0,
    browser_last_at INTEGER,
    browser_origin  TEXT
) STRICT;
CREATE INDEX api_keys_by_org ON api_keys(org_id, created_at);

CREATE TABLE api_key_sources (
    key_id      TEXT NOT NULL REFERENCES api_keys(id),
    ip          TEXT NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (key_id, ip)
) STRICT, WITHOUT ROWID;

-- Append-only: ingested events are evidence too.
CREATE TABLE ingest_events (
    seq         INTEGER PRIMARY KEY,
    org_id      TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    environment TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    payload     TEXT NOT NULL
) STRICT;
CREATE TRIGGER ingest_events_no_update BEFORE UPDATE ON ingest_events
BEGIN SELECT RAISE(ABORT, 'ingested events are append-only'); END;
CREATE TRIGGER ingest_events_no_delete BEFORE DELETE ON ingest_events
BEGIN SELECT RAISE(ABORT, 'ingested events are append-only'); END;

CREATE TABLE allowed_ips (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id),
    cidr        TEXT NOT NULL,
    note        TEXT,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    hit_count   INTEGER NOT NULL DEFAULT 0,
    last_hit_at INTEGER,
    UNIQUE (org_id, cidr)
) STRICT;

ALTER TABLE sessions ADD COLUMN step_up_at INTEGER;
ALTER TABLE sessions ADD COLUMN last_ip TEXT;
ALTER TABLE orgs ADD COLUMN browser_ingest TEXT NOT NULL DEFAULT 'refuse'
    CHECK (browser_ingest IN ('refuse', 'allow'));
