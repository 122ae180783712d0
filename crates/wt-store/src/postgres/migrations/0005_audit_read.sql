-- PostgreSQL twin of sqlite/migrations/0005_audit_read.sql
-- Differences: INTEGER -> BIGINT, TEXT -> TEXT COLLATE "C", STRICT dropped.
-- 0005: audit reviews, and indexes for the audit log's read side.
CREATE TABLE audit_reviews (
    id           TEXT COLLATE "C" PRIMARY KEY,
    org_id       TEXT COLLATE "C" NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    reviewed_by  TEXT COLLATE "C" NOT NULL,
    reviewed_at  BIGINT NOT NULL,
    through_seq  BIGINT NOT NULL
);
CREATE INDEX audit_reviews_by_org ON audit_reviews(org_id, reviewed_at);
CREATE INDEX audit_by_actor ON audit_log(org_id, actor_email, seq);
CREATE INDEX audit_by_target ON audit_log(org_id, target_id, seq);
