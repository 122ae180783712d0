-- PostgreSQL twin of sqlite/migrations/0014_cache_notify.sql
-- 0014: the cache_version trigger also notifies the new version on the channel
-- `wt_cache_version`. Each daemon LISTENs on a session of its own and, per request, makes
-- one empty round trip on it instead of reading cache_version (postgres/listen.rs;
-- ARCHITECTURE.md, "Several daemons on one PostgreSQL database"). The notification is
-- sent at commit, only if the change commits. Daemons of the release before ignore it and
-- keep reading the version, so a rolling upgrade mixes both safely.
CREATE OR REPLACE FUNCTION cache_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v BIGINT;
BEGIN
    UPDATE cache_version SET version = version + 1 WHERE id = 1 RETURNING version INTO v;
    PERFORM pg_notify('wt_cache_version', v::text);
    RETURN NULL;
END;
$$;
