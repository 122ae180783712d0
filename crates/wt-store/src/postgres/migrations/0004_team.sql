-- PostgreSQL twin of sqlite/migrations/0004_team.sql
-- Differences: INTEGER -> BIGINT, TEXT -> TEXT COLLATE "C", STRICT dropped.
-- 0004: invites, password resets, member reviews.

CREATE TABLE invites (
    id               TEXT COLLATE "C" PRIMARY KEY,
    org_id           TEXT COLLATE "C" NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    email            TEXT COLLATE "C" NOT NULL,
    role             TEXT COLLATE "C" NOT NULL CHECK (role IN ('owner', 'admin', 'risk_lead', 'analyst', 'viewer')),
    -- SHA-256 of the current token; replaced on resend, so older tokens die.
    token_hash       TEXT COLLATE "C" NOT NULL UNIQUE,
    invited_by       TEXT COLLATE "C",
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    accepted_at      BIGINT,
    accepted_user_id TEXT COLLATE "C",
    revoked_at       BIGINT
);
CREATE INDEX invites_by_org ON invites(org_id, created_at);
CREATE INDEX invites_by_email ON invites(org_id, email);

CREATE TABLE password_resets (
    id          TEXT COLLATE "C" PRIMARY KEY,
    token_hash  TEXT COLLATE "C" NOT NULL UNIQUE,
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX password_resets_by_user ON password_resets(user_id);

CREATE TABLE member_reviews (
    id           TEXT COLLATE "C" PRIMARY KEY,
    org_id       TEXT COLLATE "C" NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    reviewed_by  TEXT COLLATE "C" NOT NULL,
    reviewed_at  BIGINT NOT NULL,
    -- JSON array of {id, email, role} as they were when reviewed.
    members      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX member_reviews_by_org ON member_reviews(org_id, reviewed_at);
