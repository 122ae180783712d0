-- PostgreSQL twin of sqlite/migrations/0006_mfa_grace.sql
-- Differences: INTEGER -> BIGINT. The column is appended last, as in SQLite.
-- 0006: a bounded grace before required MFA restricts a member's sessions. Only the owner
-- who claims a new org with the setup token gets one (to configure the org); invited
-- members have none (NULL = restricted at once).
ALTER TABLE memberships ADD COLUMN mfa_grace_until BIGINT;
