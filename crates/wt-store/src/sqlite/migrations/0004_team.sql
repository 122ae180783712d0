-- 0004: invites, password resets, member reviews.

CREATE TABLE invites (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    email            TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'risk_lead', 'analyst', 'viewer')),
    -- SHA-256 of the current token; replaced on resend, so older tokens die.
    token_hash       TEXT NOT NULL UNIQUE,
    invited_by       TEXT,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    accepted_at      INTEGER,
    accepted_user_id TEXT,
    revoked_at       INTEGER
) STRICT;
CREATE INDEX invites_by_org ON invites(org_id, created_at);
CREATE INDEX invites_by_email ON invites(org_id, email);

CREATE TABLE password_resets (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
) STRICT;
CREATE INDEX password_resets_by_user ON password_resets(user_id);

CREATE TABLE member_reviews (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    reviewed_by  TEXT NOT NULL,
    reviewed_at  INTEGER NOT NULL,
    -- JSON array of {id, email, role} as they were when reviewed.
    members      TEXT NOT NULL
) STRICT;
CREATE INDEX member_reviews_by_org ON member_reviews(org_id, reviewed_at);
