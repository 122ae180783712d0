-- The runtime role's rights on wtd's tables, applied by every `wtd migrate` (after the
-- migrations, in the same transaction, by the role that owns the tables) to the group
-- role `wt_runtime` when it exists (docs/postgres-roles.sql creates it; the login role
-- `wtd serve` uses is a member). Exact: everything is revoked first, so a right taken
-- out of this list is taken away by the next `wtd migrate`.
--
-- Each table gets only what the daemon's statements do to it (crates/wt-store/src/sql):
-- SELECT (reads, RETURNING, WHERE of updates), INSERT, UPDATE (also for upserts,
-- ON CONFLICT DO UPDATE), DELETE. The append-only tables (audit_log, ingest_events and
-- the review records) get SELECT and INSERT only: no UPDATE, DELETE or TRUNCATE, and as
-- the role owns nothing it cannot ALTER, DISABLE or DROP their triggers either.
-- A new table must be added here: the test `every_table_has_its_runtime_rights` fails
-- until it is (or it is listed as deliberately without rights).
DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM wt_runtime', current_schema());
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM wt_runtime', current_schema());
    -- Identity columns' sequences (INSERTs that omit the id).
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO wt_runtime', current_schema());
END
$$;

-- `wtd serve` checks the schema version.
GRANT SELECT ON schema_migrations TO wt_runtime;

-- Append-only.
GRANT SELECT, INSERT ON
    audit_log, audit_actions, audit_reviews, member_reviews, installation,
    audit_tree_nodes, audit_checkpoints
    TO wt_runtime;

-- Append-only but for retention (migration 0023): its trigger refuses a DELETE above the
-- org's pruned horizon, and UPDATE and TRUNCATE always.
GRANT SELECT, INSERT, DELETE ON ingest_events TO wt_runtime;

-- Inserted and updated, never deleted.
GRANT SELECT, INSERT, UPDATE ON
    access_tokens, api_key_sources, api_keys, audit_hourly, audit_last_sign_ins,
    audit_signing_keys, invites,
    mail_outbox, mfa_challenges, orgs, password_resets, sessions, setup_tokens, users
    TO wt_runtime;

-- Inserted, updated and deleted.
GRANT SELECT, INSERT, UPDATE, DELETE ON
    allowed_ips, api_key_usage_hourly, device_grants, event_settings, ingest_idempotency,
    memberships, passkey_ceremonies, passkeys, recovery_codes, throttles, totp_credentials
    TO wt_runtime;

-- Inserted by the group commit, deleted by the purger after a few minutes (no UPDATE).
GRANT SELECT, INSERT, DELETE ON ingest_groups TO wt_runtime;

-- Counters and horizons per org (the prune task; horizons only move forward).
GRANT SELECT, INSERT, UPDATE ON event_storage TO wt_runtime;

-- Audit sinks (migration 0026): created, updated by the delivery task (cursor, lease,
-- errors), removed.
GRANT SELECT, INSERT, UPDATE, DELETE ON audit_sinks TO wt_runtime;

-- Bumped by triggers, which run with the writer's rights.
GRANT SELECT, UPDATE ON cache_version TO wt_runtime;

-- health_probe: none (only the SQLite backend writes it).
