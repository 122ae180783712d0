-- PostgreSQL twin of sqlite/migrations/0028_scale.sql
-- Differences: INTEGER -> BIGINT; re-appliable (IF NOT EXISTS, OR REPLACE, DROP ... IF
-- EXISTS); the triggers have the SQLite twin's names and timing (AFTER; their functions
-- stamp the row with its own UPDATE of cache_seq, a column no trigger watches), and
-- the version comes from the `cache_version` row, not from a SEQUENCE: the row is locked by
-- the UPDATE until the transaction ends, so versions are handed out in commit order and a
-- daemon that read version V has every row stamped <= V committed (a SEQUENCE hands out
-- numbers that can commit out of order, and a reader could skip a row for ever).
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS cache_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orgs ADD COLUMN IF NOT EXISTS cache_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS api_keys_by_cache_seq ON api_keys(cache_seq);
CREATE INDEX IF NOT EXISTS orgs_by_cache_seq ON orgs(cache_seq);

-- Moves the version (and notifies it, as 0014 does) and returns it.
CREATE OR REPLACE FUNCTION cache_version_next() RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    v BIGINT;
BEGIN
    UPDATE cache_version SET version = version + 1 WHERE id = 1 RETURNING version INTO v;
    PERFORM pg_notify('wt_cache_version', v::text);
    RETURN v;
END;
$$;

CREATE OR REPLACE FUNCTION api_keys_cache_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE api_keys SET cache_seq = cache_version_next() WHERE id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION orgs_cache_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orgs SET cache_seq = cache_version_next() WHERE id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION allowed_ips_cache_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE orgs SET cache_seq = cache_version_next() WHERE id = OLD.org_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE orgs SET cache_seq = cache_version_next() WHERE id = NEW.org_id;
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS api_keys_cached_insert ON api_keys;
DROP TRIGGER IF EXISTS api_keys_cached_update ON api_keys;
DROP TRIGGER IF EXISTS api_keys_limits_cached_update ON api_keys;
DROP TRIGGER IF EXISTS allowed_ips_cached_insert ON allowed_ips;
DROP TRIGGER IF EXISTS allowed_ips_cached_update ON allowed_ips;
DROP TRIGGER IF EXISTS allowed_ips_cached_delete ON allowed_ips;
DROP TRIGGER IF EXISTS orgs_cached_insert ON orgs;
DROP TRIGGER IF EXISTS orgs_cached_update ON orgs;
DROP TRIGGER IF EXISTS orgs_limits_cached_update ON orgs;
-- Names an earlier draft of this migration used.
DROP TRIGGER IF EXISTS api_keys_cache_stamp_insert ON api_keys;
DROP TRIGGER IF EXISTS api_keys_cache_stamp_update ON api_keys;
DROP TRIGGER IF EXISTS orgs_cache_stamp_insert ON orgs;
DROP TRIGGER IF EXISTS orgs_cache_stamp_update ON orgs;
DROP TRIGGER IF EXISTS allowed_ips_cache_stamp ON allowed_ips;
DROP FUNCTION IF EXISTS cache_seq_stamp();

CREATE TRIGGER api_keys_cached_insert AFTER INSERT ON api_keys
    FOR EACH ROW EXECUTE FUNCTION api_keys_cache_stamp();
CREATE TRIGGER api_keys_cached_update
    AFTER UPDATE OF org_id, environment, secret_hash, expires_at, revoked_at, allowed_cidrs,
        rotated_to, grace_until, rate_limit, rate_burst, quarantined_at ON api_keys
    FOR EACH ROW EXECUTE FUNCTION api_keys_cache_stamp();
CREATE TRIGGER orgs_cached_insert AFTER INSERT ON orgs
    FOR EACH ROW EXECUTE FUNCTION orgs_cache_stamp();
CREATE TRIGGER orgs_cached_update
    AFTER UPDATE OF slug, browser_ingest, key_rate_limit, key_rate_burst ON orgs
    FOR EACH ROW EXECUTE FUNCTION orgs_cache_stamp();
CREATE TRIGGER allowed_ips_cached_insert AFTER INSERT ON allowed_ips
    FOR EACH ROW EXECUTE FUNCTION allowed_ips_cache_stamp();
CREATE TRIGGER allowed_ips_cached_update AFTER UPDATE OF org_id, cidr ON allowed_ips
    FOR EACH ROW EXECUTE FUNCTION allowed_ips_cache_stamp();
CREATE TRIGGER allowed_ips_cached_delete AFTER DELETE ON allowed_ips
    FOR EACH ROW EXECUTE FUNCTION allowed_ips_cache_stamp();

-- Audit reads (see the SQLite twin).
CREATE INDEX IF NOT EXISTS audit_by_time_seq ON audit_log(org_id, occurred_at, seq);
CREATE INDEX IF NOT EXISTS audit_by_actor_id ON audit_log(org_id, actor_id, seq);
