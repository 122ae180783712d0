-- PostgreSQL twin of sqlite/migrations/0025_audit_checkpoints.sql
-- Differences: INTEGER -> BIGINT, TEXT COLLATE "C", BLOB -> BYTEA, STRICT and WITHOUT
-- ROWID dropped; re-appliable (IF NOT EXISTS).
-- 0025: signed checkpoints of each org's audit log: the tree's perfect subtrees (written
-- by the append, backfilled at start), the signing keys (sealed), the checkpoints.
CREATE TABLE IF NOT EXISTS audit_tree_nodes (
    org_id  TEXT COLLATE "C" NOT NULL,
    level   BIGINT NOT NULL,
    idx     BIGINT NOT NULL,
    hash    BYTEA NOT NULL,
    PRIMARY KEY (org_id, level, idx)
);
CREATE TABLE IF NOT EXISTS audit_signing_keys (
    id              TEXT COLLATE "C" PRIMARY KEY,
    org_id          TEXT COLLATE "C",
    public_key      BYTEA NOT NULL,
    private_sealed  TEXT COLLATE "C" NOT NULL,
    created_at      BIGINT NOT NULL,
    retired_at      BIGINT
);
CREATE INDEX IF NOT EXISTS audit_signing_keys_by_org ON audit_signing_keys(org_id, created_at);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    org_id      TEXT COLLATE "C" NOT NULL,
    size        BIGINT NOT NULL,
    root        BYTEA NOT NULL,
    note        TEXT COLLATE "C" NOT NULL,
    key_id      TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, size)
);
