-- PostgreSQL twin of sqlite/migrations/0009_tokens_readiness.sql
-- Differences: INTEGER -> BIGINT, TEXT -> TEXT COLLATE "C", STRICT dropped.
-- 0009: automation tokens and the readiness thresholds of each org.

CREATE TABLE access_tokens (
    id            TEXT COLLATE "C" PRIMARY KEY,
    org_id        TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
    name          TEXT COLLATE "C" NOT NULL,
    role          TEXT COLLATE "C" NOT NULL CHECK (role IN ('owner', 'admin', 'risk_lead', 'analyst', 'viewer')),
    -- SHA-256 of the token (256 random bits), hex.
    token_hash    TEXT COLLATE "C" NOT NULL UNIQUE,
    created_by    TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    revoked_at    BIGINT,
    last_used_at  BIGINT,
    last_used_ip  TEXT COLLATE "C"
);
CREATE INDEX access_tokens_by_org ON access_tokens(org_id, created_at);

-- JSON object of ReadinessSettings fields; absent fields take their defaults.
ALTER TABLE orgs ADD COLUMN readiness_settings TEXT COLLATE "C" NOT NULL DEFAULT '{}';
