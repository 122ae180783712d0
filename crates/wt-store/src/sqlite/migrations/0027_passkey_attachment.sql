-- 0027: how a passkey was made, shown in the passkey list.

-- `platform` (built into the device: Touch ID, Windows Hello, a phone's own screen lock)
-- or `cross-platform` (a security key, or a phone used from another device), as the
-- browser reported it at registration; NULL when it did not say (older browsers).
-- The attestation statement format (`none`, `packed`, `tpm`, ...) goes in the existing
-- `attestation` column, which said only `none` until now.
ALTER TABLE passkeys ADD COLUMN authenticator_attachment TEXT;
