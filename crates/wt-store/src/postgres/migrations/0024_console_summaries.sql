-- PostgreSQL twin of sqlite/migrations/0024_console_summaries.sql
-- Differences: INTEGER -> BIGINT, TEXT COLLATE "C", STRICT and WITHOUT ROWID dropped;
-- re-appliable (IF NOT EXISTS, ON CONFLICT DO NOTHING).
-- 0024: two summaries of the audit log, written by the append itself (`append_audit_tx`,
-- in the entry's own transaction) so that the console reads a few rows where it counted
-- the log.
-- Entries per hour (UTC, `occurred_at`'s first 13 characters), action and outcome.
CREATE TABLE IF NOT EXISTS audit_hourly (
    org_id   TEXT COLLATE "C" NOT NULL,
    hour     TEXT COLLATE "C" NOT NULL,
    action   TEXT COLLATE "C" NOT NULL,
    outcome  TEXT COLLATE "C" NOT NULL,
    count    BIGINT NOT NULL,
    PRIMARY KEY (org_id, hour, action, outcome)
);
INSERT INTO audit_hourly (org_id, hour, action, outcome, count)
    SELECT org_id, substr(occurred_at, 1, 13), action, outcome, COUNT(*)
    FROM audit_log GROUP BY org_id, substr(occurred_at, 1, 13), action, outcome
    ON CONFLICT DO NOTHING;
-- Each user's newest `auth.login.succeeded` entry per org (the Members tab's last sign-in).
CREATE TABLE IF NOT EXISTS audit_last_sign_ins (
    org_id       TEXT COLLATE "C" NOT NULL,
    user_id      TEXT COLLATE "C" NOT NULL,
    seq          BIGINT NOT NULL,
    occurred_at  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
INSERT INTO audit_last_sign_ins (org_id, user_id, seq, occurred_at)
    SELECT a.org_id, a.actor_id, a.seq, a.occurred_at FROM audit_log a
    JOIN (SELECT org_id, actor_id, MAX(seq) AS seq FROM audit_log
          WHERE action = 'auth.login.succeeded' AND actor_type = 'user' AND actor_id IS NOT NULL
          GROUP BY org_id, actor_id) latest
      ON a.org_id = latest.org_id AND a.seq = latest.seq
    ON CONFLICT DO NOTHING;
-- The Ingestion keys tab and `GET /orgs/api-keys` page through an environment's keys,
-- newest first (`KeyStore::api_keys_page`).
CREATE INDEX IF NOT EXISTS api_keys_by_created ON api_keys(org_id, environment, created_at, id);
