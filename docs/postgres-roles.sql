-- Least-privilege PostgreSQL roles for WatchTower (README: Running on managed PostgreSQL).
--
-- Run once per database as a superuser or a role with CREATEROLE, connected to the
-- database wtd will use (psql "postgres://admin@db.example/watchtower" -f this file).
-- Re-running it is harmless. It creates:
--
--   wt_owner    LOGIN. Owns the schema's objects: run `wtd migrate` (and the first
--               `wtd init`, `wtd copy --to`) with it. Never give it to `wtd serve`.
--   wt_runtime  NOLOGIN group role that holds the runtime rights. Every `wtd migrate`
--               grants it exactly what `wtd serve` needs on each table
--               (crates/wt-store/src/postgres/grants.sql): SELECT/INSERT/UPDATE/DELETE
--               where the daemon does each, SELECT and INSERT only on the append-only
--               audit_log and ingest_events, USAGE on the sequences. So the rights follow
--               every migration, and nothing else is needed after an upgrade.
--   wt_app      LOGIN, member of wt_runtime: the role `wtd serve` connects as. It owns
--               nothing, so it cannot ALTER, DISABLE or DROP the append-only triggers,
--               TRUNCATE, UPDATE or DELETE the audit log, or create tables (42501).
--               Several login roles may be members (one per deployment, for rotation).
--
-- Passwords are yours to set (ALTER ROLE wt_owner PASSWORD '...'; ALTER ROLE wt_app
-- PASSWORD '...'), or use certificates: see pg_hba.conf.

-- The roles (cluster-wide), created when missing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wt_owner') THEN
        CREATE ROLE wt_owner LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wt_runtime') THEN
        CREATE ROLE wt_runtime NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wt_app') THEN
        CREATE ROLE wt_app LOGIN;
    END IF;
    IF NOT EXISTS (
        SELECT FROM pg_auth_members m
        JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
        WHERE g.rolname = 'wt_runtime' AND u.rolname = 'wt_app'
    ) THEN
        GRANT wt_runtime TO wt_app;
    END IF;
END
$$;

-- This database: both may connect; nobody else gets temporary tables by default (the
-- runtime needs none, and a pooler in transaction mode could not keep them anyway).
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO wt_owner, wt_runtime', current_database());
END
$$;

-- The schema: wt_owner creates the tables, wt_runtime only uses them. Nobody else may
-- create objects in it (the default before PostgreSQL 15 let every role do so).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO wt_owner;
GRANT USAGE ON SCHEMA public TO wt_runtime;
