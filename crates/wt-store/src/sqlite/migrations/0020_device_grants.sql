-- 0020: device authorization grants of `wt login --web` (RFC 8628).

-- One row per device code asked for. The device code and the user code are kept only as
-- keyed hashes (HMAC with a subkey of the master key). `org_id` is NULL until the org is
-- known: named by `wt login --web --org` (then `requested_org` too), or bound when a
-- member approves or denies it for their org. A row is good for one session: `status`
-- goes pending -> approved -> redeemed (or denied / expired), by conditional updates.
CREATE TABLE device_grants (
    id               TEXT PRIMARY KEY,
    device_code_hash TEXT NOT NULL UNIQUE,
    user_code_hash   TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'redeemed', 'expired')),
    requested_org    TEXT,
    org_id           TEXT REFERENCES orgs(id) ON DELETE CASCADE,
    -- What the approve screen shows of the request: its address, `wt` version and OS.
    request_ip       TEXT NOT NULL,
    client_version   TEXT,
    client_os        TEXT,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    -- RFC 8628 polling bookkeeping: the interval last told, when it last polled.
    poll_interval    INTEGER NOT NULL,
    last_polled_at   INTEGER,
    -- Who answered, from where, with which session and role: the redemption checks that
    -- the member still holds that role and that session.
    user_id          TEXT REFERENCES users(id) ON DELETE CASCADE,
    approver_role    TEXT,
    approver_session TEXT,
    approver_ip      TEXT,
    answered_at      INTEGER,
    redeemed_at      INTEGER,
    session_id       TEXT
) STRICT;
CREATE INDEX device_grants_expires ON device_grants (expires_at);
