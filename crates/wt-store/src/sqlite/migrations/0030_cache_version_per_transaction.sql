-- 0030: one cache version per transaction, on PostgreSQL (see its twin). Nothing changes
-- here: SQLite updates the `cache_version` row in place, so a transaction that stamps many
-- rows does not slow down as it goes; the file keeps the two migration lists in step.
SELECT 1;
