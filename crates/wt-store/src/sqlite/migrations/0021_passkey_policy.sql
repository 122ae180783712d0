-- 0021: passkey policy of an org, and passwordless sign-in ceremonies.

-- Roles whose members must have a passkey (phishing-resistant MFA): a TOTP code does not
-- satisfy them. Comma-separated wire names, as `mfa_required_roles`; '' = none.
ALTER TABLE orgs ADD COLUMN phishing_resistant_required_roles TEXT NOT NULL DEFAULT '';
-- The authenticator models (AAGUIDs, lowercase UUIDs, comma-separated) a member may
-- register a passkey with; '' = any. With a list, registration asks for attestation.
ALTER TABLE orgs ADD COLUMN passkey_aaguids TEXT NOT NULL DEFAULT '';

-- A passwordless sign-in's ceremony is started before anyone is known: neither the user
-- nor the org is known until the assertion names the passkey. `org_id` becomes nullable.
-- Ceremonies live 5 minutes and are never copied: the table is rebuilt empty (a sign-in
-- in flight during the upgrade starts again).
DROP TABLE passkey_ceremonies;
CREATE TABLE passkey_ceremonies (
    id            TEXT PRIMARY KEY,
    purpose       TEXT NOT NULL,
    user_id       TEXT REFERENCES users(id) ON DELETE CASCADE,
    org_id        TEXT REFERENCES orgs(id) ON DELETE CASCADE,
    session_id    TEXT,
    challenge_id  TEXT,
    name          TEXT,
    state_json    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
) STRICT;
CREATE INDEX passkey_ceremonies_expires ON passkey_ceremonies (expires_at);
