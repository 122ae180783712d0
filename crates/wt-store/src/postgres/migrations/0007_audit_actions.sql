-- PostgreSQL twin of sqlite/migrations/0007_audit_actions.sql
-- Differences: TEXT -> TEXT COLLATE "C" (the prefix expansion relies on bytewise order);
-- STRICT and WITHOUT ROWID dropped (a heap table plus its primary key index);
-- INSERT OR IGNORE -> INSERT ... ON CONFLICT DO NOTHING (same backfill).
-- 0007: the distinct action names of each org's audit log. A prefix filter (`auth.*`)
-- expands to these and reads each action's (org_id, action, seq) index range in seq
-- order: fast whether the prefix matches most entries or none.
CREATE TABLE audit_actions (
    org_id  TEXT COLLATE "C" NOT NULL,
    action  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (org_id, action)
);
INSERT INTO audit_actions (org_id, action) SELECT DISTINCT org_id, action FROM audit_log
    ON CONFLICT DO NOTHING;
