-- 0024: two summaries of the audit log, written by the append itself (`append_audit_tx`,
-- in the entry's own transaction) so that the console reads a few rows where it counted
-- the log.
-- Entries per hour (UTC, `occurred_at`'s first 13 characters: `2026-12-06T11`), action
-- and outcome: the activity chart sums these for its whole hours
-- (`AuditStore::audit_activity`) instead of counting every entry of the range.
CREATE TABLE audit_hourly (
    org_id   TEXT NOT NULL,
    hour     TEXT NOT NULL,
    action   TEXT NOT NULL,
    outcome  TEXT NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (org_id, hour, action, outcome)
) STRICT, WITHOUT ROWID;
INSERT INTO audit_hourly (org_id, hour, action, outcome, count)
    SELECT org_id, substr(occurred_at, 1, 13), action, outcome, COUNT(*)
    FROM audit_log GROUP BY org_id, substr(occurred_at, 1, 13), action, outcome;
-- Each user's newest `auth.login.succeeded` entry per org: the Members tab's last sign-in
-- (`AuditStore::audit_last_sign_ins`) reads one row per member instead of grouping every
-- sign-in of the org.
CREATE TABLE audit_last_sign_ins (
    org_id       TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    occurred_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
) STRICT, WITHOUT ROWID;
INSERT INTO audit_last_sign_ins (org_id, user_id, seq, occurred_at)
    SELECT a.org_id, a.actor_id, a.seq, a.occurred_at FROM audit_log a
    JOIN (SELECT org_id, actor_id, MAX(seq) AS seq FROM audit_log
          WHERE action = 'auth.login.succeeded' AND actor_type = 'user' AND actor_id IS NOT NULL
          GROUP BY org_id, actor_id) latest
      ON a.org_id = latest.org_id AND a.seq = latest.seq;
-- The Ingestion keys tab and `GET /orgs/api-keys` page through an environment's keys,
-- newest first (`KeyStore::api_keys_page`).
CREATE INDEX api_keys_by_created ON api_keys(org_id, environment, created_at, id);
