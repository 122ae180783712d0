-- 0022: per-key rate limits and the leaked-key kill switch (issue #27).
-- A key's own limit (`wt keys update --rate 500/s --burst 1000`) and its org's default
-- (`wt org update --key-rate`): the rate as written (`500/s`, wt_core::ratelimit) and the
-- burst; NULL = none (the org default, or no limit). Throttled requests are counted like
-- usage (coalesced in memory, flushed in batches).
ALTER TABLE api_keys ADD COLUMN rate_limit TEXT;
ALTER TABLE api_keys ADD COLUMN rate_burst INTEGER;
ALTER TABLE api_keys ADD COLUMN throttled_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN throttled_last_at INTEGER;
-- A key reported as leaked (secret scanning, a self-report, `wt keys leaked`): when and
-- how ('github:<source>', 'self_report', 'wt keys leaked'); quarantined_at is set instead
-- of revoked_at when the org's policy is 'quarantine' (cleared by a release).
ALTER TABLE api_keys ADD COLUMN leaked_at INTEGER;
ALTER TABLE api_keys ADD COLUMN leak_source TEXT;
ALTER TABLE api_keys ADD COLUMN quarantined_at INTEGER;
ALTER TABLE orgs ADD COLUMN key_rate_limit TEXT;
ALTER TABLE orgs ADD COLUMN key_rate_burst INTEGER;
ALTER TABLE orgs ADD COLUMN leak_policy TEXT NOT NULL DEFAULT 'revoke'
    CHECK (leak_policy IN ('revoke', 'quarantine'));

-- The daemons cache limits and quarantine: changing them moves the cache version (0011).
CREATE TRIGGER api_keys_limits_cached_update
AFTER UPDATE OF rate_limit, rate_burst, quarantined_at ON api_keys
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER orgs_limits_cached_update AFTER UPDATE OF key_rate_limit, key_rate_burst ON orgs
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
