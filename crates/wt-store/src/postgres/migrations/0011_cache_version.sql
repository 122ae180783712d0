-- PostgreSQL twin of sqlite/migrations/0011_cache_version.sql
-- Differences: INTEGER -> BIGINT, STRICT dropped; the triggers call one PL/pgSQL function
-- and fire once per statement.
-- 0011: one counter that moves whenever something the daemons cache in memory changes
-- (ingestion keys, allowed IPs, an org's ingest policy). Several daemons on one database
-- compare it before trusting their caches. Triggers keep it: no writer can forget.
-- Usage columns (last used, counts, hits) are not watched: they change all the time and
-- no cache decision depends on them.
CREATE TABLE cache_version (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO cache_version (id, version) VALUES (1, 0);

CREATE FUNCTION cache_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cache_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER api_keys_cached_insert AFTER INSERT ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION cache_version_bump();
CREATE TRIGGER api_keys_cached_update
    AFTER UPDATE OF org_id, environment, secret_hash, expires_at, revoked_at, allowed_cidrs,
        rotated_to, grace_until ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION cache_version_bump();
CREATE TRIGGER api_keys_cached_delete AFTER DELETE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION cache_version_bump();
CREATE TRIGGER allowed_ips_cached_insert AFTER INSERT ON allowed_ips
    FOR EACH STATEMENT EXECUTE FUNCTION cache_version_bump();
CREATE TRIGGER allowed_ips_cached_update AFTER UPDATE OF org_id, cidr ON allowed_ips
    FOR EACH STATEMENT EXECUTE FUNCTION cache_version_bump();
CREATE TRIGGER allowed_ips_cached_delete AFTER DELETE ON allowed_ips
    FOR EACH STATEMENT EXECUTE FUNCTION cache_version_bump();
CREATE TRIGGER orgs_cached_insert AFTER INSERT ON orgs
    FOR EACH STATEMENT EXECUTE FUNCTION cache_version_bump();
CREATE TRIGGER orgs_cached_update AFTER UPDATE OF slug, browser_ingest ON orgs
    FOR EACH STATEMENT EXECUTE FUNCTION cache_version_bump();
