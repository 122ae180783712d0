-- PostgreSQL twin of sqlite/migrations/0027_passkey_attachment.sql (re-appliable).
-- 0027: how a passkey was made, shown in the passkey list.

-- `platform` or `cross-platform`, as the browser reported it at registration; NULL when
-- it did not say. The attestation statement format goes in the existing `attestation`.
ALTER TABLE passkeys ADD COLUMN IF NOT EXISTS authenticator_attachment TEXT COLLATE "C";
