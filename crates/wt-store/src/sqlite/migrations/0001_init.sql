-- 0001: orgs, users, memberships, setup tokens, sessions, throttles, audit log.
-- Times are INTEGER Unix seconds (UTC) except audit occurred_at, which is hashed as text.

CREATE TABLE orgs (
    id                  TEXT PRIMARY KEY,
    slug                TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    -- Comma-separated roles that must use MFA (SPEC flow 8).
    mfa_required_roles  TEXT NOT NULL DEFAULT 'owner,admin,risk_lead',
    created_at          INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    mfa_enabled     INTEGER NOT NULL DEFAULT 0,
    disabled_at     INTEGER,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE memberships (
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'risk_lead', 'analyst', 'viewer')),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
) STRICT;
CREATE INDEX memberships_by_user ON memberships(user_id);

-- One-time token printed by `wtd init` to claim the first owner account.
CREATE TABLE setup_tokens (
    token_hash  TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    owner_email TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
) STRICT;

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,
    org_id          TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    client          TEXT NOT NULL CHECK (client IN ('cli', 'console')),
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    idle_timeout    INTEGER NOT NULL,
    ip              TEXT,
    user_agent      TEXT,
    revoked_at      INTEGER,
    FOREIGN KEY (org_id, user_id) REFERENCES memberships(org_id, user_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX sessions_by_user ON sessions(user_id, org_id);

-- Login throttles, keyed by 'acct:<email>' or 'ip:<address>'.
CREATE TABLE throttles (
    key             TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure    INTEGER NOT NULL,
    locked_until    INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_log (
    org_id       TEXT NOT NULL REFERENCES orgs(id),
    seq          INTEGER NOT NULL,
    occurred_at  TEXT NOT NULL,
    actor_type   TEXT NOT NULL,
    actor_id     TEXT,
    actor_email  TEXT,
    action       TEXT NOT NULL,
    target_type  TEXT,
    target_id    TEXT,
    ip           TEXT,
    user_agent   TEXT,
    outcome      TEXT NOT NULL,
    details      TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
) STRICT;
CREATE INDEX audit_by_action ON audit_log(org_id, action, seq);

-- No code path updates or deletes audit entries; make the database refuse it too.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
