-- PostgreSQL twin of sqlite/migrations/0021_passkey_policy.sql (re-appliable).
-- 0021: passkey policy of an org, and passwordless sign-in ceremonies.

-- Roles whose members must have a passkey (phishing-resistant MFA): a TOTP code does not
-- satisfy them. Comma-separated wire names, as `mfa_required_roles`; '' = none.
ALTER TABLE orgs ADD COLUMN IF NOT EXISTS phishing_resistant_required_roles TEXT COLLATE "C" NOT NULL DEFAULT '';
-- The authenticator models (AAGUIDs, lowercase UUIDs, comma-separated) a member may
-- register a passkey with; '' = any. With a list, registration asks for attestation.
ALTER TABLE orgs ADD COLUMN IF NOT EXISTS passkey_aaguids TEXT COLLATE "C" NOT NULL DEFAULT '';

-- A passwordless sign-in's ceremony is started before anyone is known: neither the user
-- nor the org is known until the assertion names the passkey.
ALTER TABLE passkey_ceremonies ALTER COLUMN org_id DROP NOT NULL;
