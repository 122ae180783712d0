-- PostgreSQL twin of sqlite/migrations/0030_cache_version_per_transaction.sql
-- 0030: one cache version per transaction. 0028's stamp triggers took a new version for
-- every changed row, each an UPDATE of the one `cache_version` row: a transaction that
-- changes many keys (`wtd copy` of 100,000 keys, or every key of a removed member) piled
-- up versions of that row which its own later UPDATEs had to walk past (the dead versions
-- cannot be pruned while the transaction is open), so the cost grew with the square of
-- the rows: `wtd copy` of 100,000 keys spent most of two minutes there. Now the first
-- stamp in a transaction moves the version and remembers it in transaction-local settings
-- (`set_config(..., true)`: gone at commit or rollback, rolled back with a savepoint);
-- later stamps in the same transaction reuse it. Versions are still handed out in commit
-- order (the row stays locked until the transaction ends) and every row a transaction
-- changed carries that transaction's version, which is all a replica's refresh needs.
CREATE OR REPLACE FUNCTION cache_version_next() RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    v BIGINT;
    mine TEXT := txid_current()::text;
BEGIN
    IF current_setting('wt.cache_version_txid', true) = mine THEN
        RETURN current_setting('wt.cache_version')::BIGINT;
    END IF;
    UPDATE cache_version SET version = version + 1 WHERE id = 1 RETURNING version INTO v;
    PERFORM pg_notify('wt_cache_version', v::text);
    PERFORM set_config('wt.cache_version_txid', mine, true);
    PERFORM set_config('wt.cache_version', v::text, true);
    RETURN v;
END;
$$;
