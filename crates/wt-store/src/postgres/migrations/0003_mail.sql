-- PostgreSQL twin of sqlite/migrations/0003_mail.sql
-- Differences: INTEGER -> BIGINT, TEXT -> TEXT COLLATE "C", STRICT dropped.
-- 0003: the mail outbox. Mail is queued here and delivered by the daemon's mailer, which
-- retries with backoff until the transport accepts it: a restart loses nothing queued.
CREATE TABLE mail_outbox (
    id               TEXT COLLATE "C" PRIMARY KEY,
    org_id           TEXT COLLATE "C" REFERENCES orgs(id) ON DELETE SET NULL,
    to_addr          TEXT COLLATE "C" NOT NULL,
    subject          TEXT COLLATE "C" NOT NULL,
    body             TEXT COLLATE "C" NOT NULL,
    created_at       BIGINT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    sent_at          BIGINT,
    last_error       TEXT COLLATE "C"
);
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at) WHERE sent_at IS NULL;
