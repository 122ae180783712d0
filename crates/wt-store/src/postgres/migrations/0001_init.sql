-- PostgreSQL twin of sqlite/migrations/0001_init.sql
-- Differences: INTEGER -> BIGINT, TEXT -> TEXT COLLATE "C" (bytewise order, as SQLite),
-- STRICT dropped (PostgreSQL types are always enforced). The SQLite RAISE(ABORT) triggers
-- become one PL/pgSQL function and two row triggers with the same names; a statement-level
-- BEFORE TRUNCATE trigger is added as well, because TRUNCATE (which SQLite lacks) skips row
-- triggers and would otherwise empty the log.
-- 0001: orgs, users, memberships, setup tokens, sessions, throttles, audit log.
-- Times are BIGINT Unix seconds (UTC) except audit occurred_at, which is hashed as text.

CREATE TABLE orgs (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    slug                TEXT COLLATE "C" NOT NULL UNIQUE,
    name                TEXT COLLATE "C" NOT NULL,
    -- Comma-separated roles that must use MFA (SPEC flow 8).
    mfa_required_roles  TEXT COLLATE "C" NOT NULL DEFAULT 'owner,admin,risk_lead',
    created_at          BIGINT NOT NULL
);

CREATE TABLE users (
    id              TEXT COLLATE "C" PRIMARY KEY,
    email           TEXT COLLATE "C" NOT NULL UNIQUE,
    name            TEXT COLLATE "C" NOT NULL,
    password_hash   TEXT COLLATE "C" NOT NULL,
    mfa_enabled     BIGINT NOT NULL DEFAULT 0,
    disabled_at     BIGINT,
    created_at      BIGINT NOT NULL
);

CREATE TABLE memberships (
    org_id      TEXT COLLATE "C" NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        TEXT COLLATE "C" NOT NULL CHECK (role IN ('owner', 'admin', 'risk_lead', 'analyst', 'viewer')),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships(user_id);

-- One-time token printed by `wtd init` to claim the first owner account.
CREATE TABLE setup_tokens (
    token_hash  TEXT COLLATE "C" PRIMARY KEY,
    org_id      TEXT COLLATE "C" NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    owner_email TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);

CREATE TABLE sessions (
    id              TEXT COLLATE "C" PRIMARY KEY,
    token_hash      TEXT COLLATE "C" NOT NULL UNIQUE,
    org_id          TEXT COLLATE "C" NOT NULL,
    user_id         TEXT COLLATE "C" NOT NULL,
    client          TEXT COLLATE "C" NOT NULL CHECK (client IN ('cli', 'console')),
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    idle_timeout    BIGINT NOT NULL,
    ip              TEXT COLLATE "C",
    user_agent      TEXT COLLATE "C",
    revoked_at      BIGINT,
    FOREIGN KEY (org_id, user_id) REFERENCES memberships(org_id, user_id) ON DELETE CASCADE
);
CREATE INDEX sessions_by_user ON sessions(user_id, org_id);

-- Login throttles, keyed by 'acct:<email>' or 'ip:<address>'.
CREATE TABLE throttles (
    key             TEXT COLLATE "C" PRIMARY KEY,
    failures        BIGINT NOT NULL,
    last_failure    BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL
);

CREATE TABLE audit_log (
    org_id       TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
    seq          BIGINT NOT NULL,
    occurred_at  TEXT COLLATE "C" NOT NULL,
    actor_type   TEXT COLLATE "C" NOT NULL,
    actor_id     TEXT COLLATE "C",
    actor_email  TEXT COLLATE "C",
    action       TEXT COLLATE "C" NOT NULL,
    target_type  TEXT COLLATE "C",
    target_id    TEXT COLLATE "C",
    ip           TEXT COLLATE "C",
    user_agent   TEXT COLLATE "C",
    outcome      TEXT COLLATE "C" NOT NULL,
    details      TEXT COLLATE "C" NOT NULL,
    prev_hash    TEXT COLLATE "C" NOT NULL,
    hash         TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX audit_by_action ON audit_log(org_id, action, seq);

-- No code path updates or deletes audit entries; make the database refuse it too.
CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
-- PostgreSQL only: TRUNCATE bypasses row triggers.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
