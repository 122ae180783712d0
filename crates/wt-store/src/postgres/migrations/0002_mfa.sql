-- PostgreSQL twin of sqlite/migrations/0002_mfa.sql
-- Differences: INTEGER -> BIGINT, TEXT -> TEXT COLLATE "C", STRICT dropped.
-- 0002: TOTP credentials, recovery codes, pre-MFA login challenges.

-- One row per user: pending (confirmed_at NULL, pending_expires_at set) or confirmed.
-- The secret is sealed with the daemon's master key (never stored in the clear).
CREATE TABLE totp_credentials (
    user_id             TEXT COLLATE "C" PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret_sealed       TEXT COLLATE "C" NOT NULL,
    -- Last accepted time step; only a later one is accepted (replay protection).
    last_step           BIGINT,
    created_at          BIGINT NOT NULL,
    pending_expires_at  BIGINT,
    confirmed_at        BIGINT
);

CREATE TABLE recovery_codes (
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash   TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL,
    used_at     BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- The second login step: a password was right, a code is still owed.
CREATE TABLE mfa_challenges (
    id          TEXT COLLATE "C" PRIMARY KEY,
    token_hash  TEXT COLLATE "C" NOT NULL UNIQUE,
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id      TEXT COLLATE "C" NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client      TEXT COLLATE "C" NOT NULL CHECK (client IN ('cli', 'console')),
    failures    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
