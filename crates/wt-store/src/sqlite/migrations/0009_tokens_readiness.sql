-- 0009: automation tokens and the readiness thresholds of each org.

CREATE TABLE access_tokens (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'risk_lead', 'analyst', 'viewer')),
    -- SHA-256 of the token (256 random bits), hex.
    token_hash    TEXT NOT NULL UNIQUE,
    created_by    TEXT NOT NULL REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    last_used_at  INTEGER,
    last_used_ip  TEXT
) STRICT;
CREATE INDEX access_tokens_by_org ON access_tokens(org_id, created_at);

-- JSON object of ReadinessSettings fields; absent fields take their defaults.
ALTER TABLE orgs ADD COLUMN readiness_settings TEXT NOT NULL DEFAULT '{}';
