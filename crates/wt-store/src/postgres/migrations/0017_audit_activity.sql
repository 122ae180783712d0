-- PostgreSQL twin of sqlite/migrations/0017_audit_activity.sql
-- Differences: none (indexes only).
-- 0017: indexes for the console's audit log.
-- The activity chart counts entries per hour (or day) and outcome over a time range
-- (`AuditStore::audit_activity`): this index holds every column that query reads, so the
-- count can be an index-only scan of the range.
CREATE INDEX IF NOT EXISTS audit_by_time ON audit_log(org_id, occurred_at, outcome);
-- The Members tab's last sign-in per member (`AuditStore::audit_last_sign_ins`): the
-- org's `auth.login.succeeded` entries by a user, grouped by user, newest seq per user,
-- answered from the index in its order.
CREATE INDEX IF NOT EXISTS audit_sign_ins ON audit_log(org_id, action, actor_type, actor_id, seq);
