-- PostgreSQL twin of sqlite/migrations/0026_audit_sinks.sql
-- Differences: INTEGER -> BIGINT, TEXT COLLATE "C", STRICT dropped; re-appliable.
-- 0026: audit sinks (`wt audit sinks`): where each org's audit log is streamed, and how
-- far each has received it (see the SQLite twin).
CREATE TABLE IF NOT EXISTS audit_sinks (
    id                     TEXT COLLATE "C" PRIMARY KEY,
    org_id                 TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
    kind                   TEXT COLLATE "C" NOT NULL,
    name                   TEXT COLLATE "C" NOT NULL,
    config                 TEXT COLLATE "C" NOT NULL,
    secret                 TEXT COLLATE "C",
    previous_secret        TEXT COLLATE "C",
    previous_secret_until  BIGINT,
    paused                 BIGINT NOT NULL DEFAULT 0,
    delivered_seq          BIGINT NOT NULL DEFAULT 0,
    created_at             BIGINT NOT NULL,
    created_by             TEXT COLLATE "C" NOT NULL,
    last_success_at        BIGINT,
    last_error             TEXT COLLATE "C",
    last_error_at          BIGINT,
    failing_since          BIGINT,
    failures               BIGINT NOT NULL DEFAULT 0,
    next_attempt_at        BIGINT NOT NULL DEFAULT 0,
    lease_holder           TEXT COLLATE "C",
    lease_until            BIGINT,
    UNIQUE (org_id, name)
);
CREATE INDEX IF NOT EXISTS audit_sinks_due ON audit_sinks(next_attempt_at) WHERE paused = 0;
