-- 0011: one counter that moves whenever something the daemons cache in memory changes
-- (ingestion keys, allowed IPs, an org's ingest policy). Several daemons on one database
-- compare it before trusting their caches. Triggers keep it: no writer can forget.
-- Usage columns (last used, counts, hits) are not watched: they change all the time and
-- no cache decision depends on them.
CREATE TABLE cache_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;
INSERT INTO cache_version (id, version) VALUES (1, 0);

CREATE TRIGGER api_keys_cached_insert AFTER INSERT ON api_keys
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_cached_update
AFTER UPDATE OF org_id, environment, secret_hash, expires_at, revoked_at, allowed_cidrs,
    rotated_to, grace_until ON api_keys
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_cached_delete AFTER DELETE ON api_keys
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER allowed_ips_cached_insert AFTER INSERT ON allowed_ips
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER allowed_ips_cached_update AFTER UPDATE OF org_id, cidr ON allowed_ips
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER allowed_ips_cached_delete AFTER DELETE ON allowed_ips
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER orgs_cached_insert AFTER INSERT ON orgs
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER orgs_cached_update AFTER UPDATE OF slug, browser_ingest ON orgs
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
