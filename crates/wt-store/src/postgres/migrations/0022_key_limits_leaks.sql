-- PostgreSQL twin of sqlite/migrations/0022_key_limits_leaks.sql (re-appliable).
-- 0022: per-key rate limits and the leaked-key kill switch (issue #27).
-- A key's own limit (`wt keys update --rate 500/s --burst 1000`) and its org's default
-- (`wt org update --key-rate`): the rate as written (`500/s`, wt_core::ratelimit) and the
-- burst; NULL = none (the org default, or no limit). Throttled requests are counted like
-- usage (coalesced in memory, flushed in batches).
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS rate_limit TEXT COLLATE "C";
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS rate_burst BIGINT;
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS throttled_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS throttled_last_at BIGINT;
-- A key reported as leaked (secret scanning, a self-report, `wt keys leaked`): when and
-- how ('github:<source>', 'self_report', 'wt keys leaked'); quarantined_at is set instead
-- of revoked_at when the org's policy is 'quarantine' (cleared by a release).
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS leaked_at BIGINT;
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS leak_source TEXT COLLATE "C";
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS quarantined_at BIGINT;
ALTER TABLE orgs ADD COLUMN IF NOT EXISTS key_rate_limit TEXT COLLATE "C";
ALTER TABLE orgs ADD COLUMN IF NOT EXISTS key_rate_burst BIGINT;
ALTER TABLE orgs ADD COLUMN IF NOT EXISTS leak_policy TEXT COLLATE "C" NOT NULL DEFAULT 'revoke'
    CHECK (leak_policy IN ('revoke', 'quarantine'));

-- The daemons cache limits and quarantine: changing them moves the cache version (0011).
DROP TRIGGER IF EXISTS api_keys_limits_cached_update ON api_keys;
CREATE TRIGGER api_keys_limits_cached_update
    AFTER UPDATE OF rate_limit, rate_burst, quarantined_at ON api_keys
    FOR EACH ROW EXECUTE FUNCTION cache_version_bump();
DROP TRIGGER IF EXISTS orgs_limits_cached_update ON orgs;
CREATE TRIGGER orgs_limits_cached_update AFTER UPDATE OF key_rate_limit, key_rate_burst ON orgs
    FOR EACH ROW EXECUTE FUNCTION cache_version_bump();
