-- 0002: TOTP credentials, recovery codes, pre-MFA login challenges.

-- One row per user: pending (confirmed_at NULL, pending_expires_at set) or confirmed.
-- The secret is sealed with the daemon's master key (never stored in the clear).
CREATE TABLE totp_credentials (
    user_id             TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret_sealed       TEXT NOT NULL,
    -- Last accepted time step; only a later one is accepted (replay protection).
    last_step           INTEGER,
    created_at          INTEGER NOT NULL,
    pending_expires_at  INTEGER,
    confirmed_at        INTEGER
) STRICT;

CREATE TABLE recovery_codes (
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    used_at     INTEGER,
    PRIMARY KEY (user_id, code_hash)
) STRICT;

-- The second login step: a password was right, a code is still owed.
CREATE TABLE mfa_challenges (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client      TEXT NOT NULL CHECK (client IN ('cli', 'console')),
    failures    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
) STRICT;
