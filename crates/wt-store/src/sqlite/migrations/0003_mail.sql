-- 0003: the mail outbox. Mail is queued here and delivered by the daemon's mailer, which
-- retries with backoff until the transport accepts it: a restart loses nothing queued.
CREATE TABLE mail_outbox (
    id               TEXT PRIMARY KEY,
    org_id           TEXT REFERENCES orgs(id) ON DELETE SET NULL,
    to_addr          TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    sent_at          INTEGER,
    last_error       TEXT
) STRICT;
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at) WHERE sent_at IS NULL;
