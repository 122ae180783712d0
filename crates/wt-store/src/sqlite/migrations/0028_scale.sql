-- 0028: costs that grow with the work, not with the installation (issue #29).
--
-- Key cache by version: every change of a cached row (an ingestion key; an org's ingest
-- policy, which includes its allowed IPs) stamps that row's `cache_seq` with the new
-- `cache_version` (0011), in the same trigger that moves it. A daemon that last saw
-- version V reads only the rows with `cache_seq > V` (keycache.rs): the work of a reload is
-- the number of changed rows. Keys are never deleted (a revoked key keeps its row and its
-- stamp); an allowed IP that is deleted stamps its org, whose whole list is read again.
ALTER TABLE api_keys ADD COLUMN cache_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orgs ADD COLUMN cache_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX api_keys_by_cache_seq ON api_keys(cache_seq);
CREATE INDEX orgs_by_cache_seq ON orgs(cache_seq);

DROP TRIGGER api_keys_cached_insert;
DROP TRIGGER api_keys_cached_update;
DROP TRIGGER api_keys_limits_cached_update;
DROP TRIGGER allowed_ips_cached_insert;
DROP TRIGGER allowed_ips_cached_update;
DROP TRIGGER allowed_ips_cached_delete;
DROP TRIGGER orgs_cached_insert;
DROP TRIGGER orgs_cached_update;
DROP TRIGGER orgs_limits_cached_update;

-- The stamp's own UPDATE sets only cache_seq, which no trigger watches.
CREATE TRIGGER api_keys_cached_insert AFTER INSERT ON api_keys
BEGIN
    UPDATE cache_version SET version = version + 1 WHERE id = 1;
    UPDATE api_keys SET cache_seq = (SELECT version FROM cache_version WHERE id = 1)
        WHERE id = NEW.id;
END;
CREATE TRIGGER api_keys_cached_update
AFTER UPDATE OF org_id, environment, secret_hash, expires_at, revoked_at, allowed_cidrs,
    rotated_to, grace_until, rate_limit, rate_burst, quarantined_at ON api_keys
BEGIN
    UPDATE cache_version SET version = version + 1 WHERE id = 1;
    UPDATE api_keys SET cache_seq = (SELECT version FROM cache_version WHERE id = 1)
        WHERE id = NEW.id;
END;
CREATE TRIGGER orgs_cached_insert AFTER INSERT ON orgs
BEGIN
    UPDATE cache_version SET version = version + 1 WHERE id = 1;
    UPDATE orgs SET cache_seq = (SELECT version FROM cache_version WHERE id = 1)
        WHERE id = NEW.id;
END;
CREATE TRIGGER orgs_cached_update
AFTER UPDATE OF slug, browser_ingest, key_rate_limit, key_rate_burst ON orgs
BEGIN
    UPDATE cache_version SET version = version + 1 WHERE id = 1;
    UPDATE orgs SET cache_seq = (SELECT version FROM cache_version WHERE id = 1)
        WHERE id = NEW.id;
END;
CREATE TRIGGER allowed_ips_cached_insert AFTER INSERT ON allowed_ips
BEGIN
    UPDATE cache_version SET version = version + 1 WHERE id = 1;
    UPDATE orgs SET cache_seq = (SELECT version FROM cache_version WHERE id = 1)
        WHERE id = NEW.org_id;
END;
CREATE TRIGGER allowed_ips_cached_update AFTER UPDATE OF org_id, cidr ON allowed_ips
BEGIN
    UPDATE cache_version SET version = version + 1 WHERE id = 1;
    UPDATE orgs SET cache_seq = (SELECT version FROM cache_version WHERE id = 1)
        WHERE id IN (OLD.org_id, NEW.org_id);
END;
CREATE TRIGGER allowed_ips_cached_delete AFTER DELETE ON allowed_ips
BEGIN
    UPDATE cache_version SET version = version + 1 WHERE id = 1;
    UPDATE orgs SET cache_seq = (SELECT version FROM cache_version WHERE id = 1)
        WHERE id = OLD.org_id;
END;

-- Audit reads. A time window becomes a `seq` range read from this index (the entries of
-- the window, their smallest and largest seq; covering: no table rows are read), and the
-- actor filter is two index ranges (email, id) merged, not an OR that no index serves.
CREATE INDEX audit_by_time_seq ON audit_log(org_id, occurred_at, seq);
CREATE INDEX audit_by_actor_id ON audit_log(org_id, actor_id, seq);
