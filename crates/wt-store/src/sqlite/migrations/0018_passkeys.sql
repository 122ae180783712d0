-- 0018: passkeys (WebAuthn credentials) and the server half of their ceremonies.

-- One row per registered passkey. Only public material: the credential's public key,
-- its id and counter (webauthn-rs's `Passkey`, as JSON). The columns beside the JSON are
-- what listings, policies and audits read without parsing it.
CREATE TABLE passkeys (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- base64url of the raw credential id: unique in the installation; an authenticator
    -- never gives two accounts the same one, and a second registration is refused.
    credential_id   TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    passkey_json    TEXT NOT NULL,
    -- The AAGUID of the authenticator model, a lowercase UUID, when it sent one that is not
    -- all zeros; `attestation` says whether it was attested: none today, and a later
    -- AAGUID allow-list policy registers with attestation and accepts only attested ones.
    aaguid          TEXT,
    attestation     TEXT NOT NULL DEFAULT 'none',
    sign_count      INTEGER NOT NULL,
    backup_eligible INTEGER NOT NULL,
    backup_state    INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER
) STRICT;
CREATE INDEX passkeys_user ON passkeys (user_id);

-- A started ceremony (registration or assertion): webauthn-rs's state, kept here and
-- never sent to the browser, used once. `purpose` is 'register', 'login' (the second
-- step of a sign-in: bound to its MFA challenge) or 'step_up' (bound to the session);
-- later purposes (a passwordless sign-in, approving a device login) fit the same row:
-- `user_id` may then be unknown until the assertion names it.
CREATE TABLE passkey_ceremonies (
    id            TEXT PRIMARY KEY,
    purpose       TEXT NOT NULL,
    user_id       TEXT REFERENCES users(id) ON DELETE CASCADE,
    org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    session_id    TEXT,
    challenge_id  TEXT,
    name          TEXT,
    state_json    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
) STRICT;
CREATE INDEX passkey_ceremonies_expires ON passkey_ceremonies (expires_at);
