-- 0026: audit sinks (`wt audit sinks`): where each org's audit log is streamed (a webhook
-- or a syslog server), and how far each has received it. One row per sink; the delivery
-- task of one daemon at a time holds its lease (`lease_holder` until `lease_until`, like
-- the mailer's claim), reads the entries after `delivered_seq` in seq order and moves `delivered_seq`
-- only after the receiver accepted them (at least once, in order).
CREATE TABLE audit_sinks (
    id                     TEXT PRIMARY KEY,
    org_id                 TEXT NOT NULL REFERENCES orgs(id),
    kind                   TEXT NOT NULL,
    name                   TEXT NOT NULL,
    -- JSON: the URL, the CA certificates of a syslog server; no secret.
    config                 TEXT NOT NULL,
    -- The webhook signing secret, sealed with the master key (bound to the sink id).
    secret                 TEXT,
    -- The previous secret during the overlap of a rotation, and when the overlap ends.
    previous_secret        TEXT,
    previous_secret_until  INTEGER,
    paused                 INTEGER NOT NULL DEFAULT 0,
    -- The last seq the receiver accepted (0: none yet).
    delivered_seq          INTEGER NOT NULL DEFAULT 0,
    created_at             INTEGER NOT NULL,
    created_by             TEXT NOT NULL,
    last_success_at        INTEGER,
    last_error             TEXT,
    last_error_at          INTEGER,
    -- Since when every attempt failed (NULL once one succeeds).
    failing_since          INTEGER,
    -- Consecutive failures (the exponent of the backoff).
    failures               INTEGER NOT NULL DEFAULT 0,
    next_attempt_at        INTEGER NOT NULL DEFAULT 0,
    lease_holder           TEXT,
    lease_until            INTEGER,
    UNIQUE (org_id, name)
) STRICT;
CREATE INDEX audit_sinks_due ON audit_sinks(next_attempt_at) WHERE paused = 0;
