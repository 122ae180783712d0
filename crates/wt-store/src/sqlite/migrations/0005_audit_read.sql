-- 0005: audit reviews, and indexes for the audit log's read side.
CREATE TABLE audit_reviews (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    reviewed_by  TEXT NOT NULL,
    reviewed_at  INTEGER NOT NULL,
    through_seq  INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_reviews_by_org ON audit_reviews(org_id, reviewed_at);
CREATE INDEX audit_by_actor ON audit_log(org_id, actor_email, seq);
CREATE INDEX audit_by_target ON audit_log(org_id, target_id, seq);
