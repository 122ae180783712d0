-- 0007: the distinct action names of each org's audit log. A prefix filter (`auth.*`)
-- expands to these and reads each action's (org_id, action, seq) index range in seq
-- order: fast whether the prefix matches most entries or none.
CREATE TABLE audit_actions (
    org_id  TEXT NOT NULL,
    action  TEXT NOT NULL,
    PRIMARY KEY (org_id, action)
) STRICT, WITHOUT ROWID;
INSERT OR IGNORE INTO audit_actions (org_id, action) SELECT DISTINCT org_id, action FROM audit_log;
