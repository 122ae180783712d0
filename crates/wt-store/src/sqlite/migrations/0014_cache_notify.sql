-- 0014: nothing on SQLite. The PostgreSQL twin makes the cache_version trigger also
-- NOTIFY the new version, for daemons sharing one database; a SQLite database has one
-- daemon, which updates its caches itself, so there is nobody to notify. Kept so both
-- backends number their migrations alike (scripts/pg-schema-check.py).
SELECT 1;
