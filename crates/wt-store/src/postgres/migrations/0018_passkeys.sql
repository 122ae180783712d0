-- PostgreSQL twin of sqlite/migrations/0018_passkeys.sql
-- Differences: INTEGER -> BIGINT, TEXT COLLATE "C", STRICT dropped.
-- 0018: passkeys (WebAuthn credentials) and the server half of their ceremonies.

-- One row per registered passkey. Only public material: the credential's public key,
-- its id and counter (webauthn-rs's `Passkey`, as JSON). The columns beside the JSON are
-- what listings, policies and audits read without parsing it.
CREATE TABLE IF NOT EXISTS passkeys (
    id              TEXT COLLATE "C" PRIMARY KEY,
    user_id         TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- base64url of the raw credential id: unique in the installation; an authenticator
    -- never gives two accounts the same one, and a second registration is refused.
    credential_id   TEXT COLLATE "C" NOT NULL UNIQUE,
    name            TEXT COLLATE "C" NOT NULL,
    passkey_json    TEXT COLLATE "C" NOT NULL,
    -- The AAGUID of the authenticator model, a lowercase UUID, when it sent one that is not
    -- all zeros; `attestation` says whether it was attested: none today, and a later
    -- AAGUID allow-list policy registers with attestation and accepts only attested ones.
    aaguid          TEXT COLLATE "C",
    attestation     TEXT COLLATE "C" NOT NULL DEFAULT 'none',
    sign_count      BIGINT NOT NULL,
    backup_eligible BIGINT NOT NULL,
    backup_state    BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT
);
CREATE INDEX IF NOT EXISTS passkeys_user ON passkeys (user_id);

-- A started ceremony (registration or assertion): webauthn-rs's state, kept here and
-- never sent to the browser, used once. `purpose` is 'register', 'login' (the second
-- step of a sign-in: bound to its MFA challenge) or 'step_up' (bound to the session);
-- later purposes (a passwordless sign-in, approving a device login) fit the same row:
-- `user_id` may then be unknown until the assertion names it.
CREATE TABLE IF NOT EXISTS passkey_ceremonies (
    id            TEXT COLLATE "C" PRIMARY KEY,
    purpose       TEXT COLLATE "C" NOT NULL,
    user_id       TEXT COLLATE "C" REFERENCES users(id) ON DELETE CASCADE,
    org_id        TEXT COLLATE "C" NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    session_id    TEXT COLLATE "C",
    challenge_id  TEXT COLLATE "C",
    name          TEXT COLLATE "C",
    state_json    TEXT COLLATE "C" NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    used_at       BIGINT
);
CREATE INDEX IF NOT EXISTS passkey_ceremonies_expires ON passkey_ceremonies (expires_at);
