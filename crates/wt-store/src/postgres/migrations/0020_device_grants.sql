-- PostgreSQL twin of sqlite/migrations/0020_device_grants.sql
-- Differences: INTEGER -> BIGINT, TEXT COLLATE "C", STRICT dropped.
-- 0020: device authorization grants of `wt login --web` (RFC 8628).

-- One row per device code asked for. The device code and the user code are kept only as
-- keyed hashes (HMAC with a subkey of the master key). `org_id` is NULL until the org is
-- known: named by `wt login --web --org` (then `requested_org` too), or bound when a
-- member approves or denies it for their org. A row is good for one session: `status`
-- goes pending -> approved -> redeemed (or denied / expired), by conditional updates.
CREATE TABLE IF NOT EXISTS device_grants (
    id               TEXT COLLATE "C" PRIMARY KEY,
    device_code_hash TEXT COLLATE "C" NOT NULL UNIQUE,
    user_code_hash   TEXT COLLATE "C" NOT NULL UNIQUE,
    status           TEXT COLLATE "C" NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'redeemed', 'expired')),
    requested_org    TEXT COLLATE "C",
    org_id           TEXT COLLATE "C" REFERENCES orgs(id) ON DELETE CASCADE,
    -- What the approve screen shows of the request: its address, `wt` version and OS.
    request_ip       TEXT COLLATE "C" NOT NULL,
    client_version   TEXT COLLATE "C",
    client_os        TEXT COLLATE "C",
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    -- RFC 8628 polling bookkeeping: the interval last told, when it last polled.
    poll_interval    BIGINT NOT NULL,
    last_polled_at   BIGINT,
    -- Who answered, from where, with which session and role: the redemption checks that
    -- the member still holds that role and that session.
    user_id          TEXT COLLATE "C" REFERENCES users(id) ON DELETE CASCADE,
    approver_role    TEXT COLLATE "C",
    approver_session TEXT COLLATE "C",
    approver_ip      TEXT COLLATE "C",
    answered_at      BIGINT,
    redeemed_at      BIGINT,
    session_id       TEXT COLLATE "C"
);
CREATE INDEX IF NOT EXISTS device_grants_expires ON device_grants (expires_at);
