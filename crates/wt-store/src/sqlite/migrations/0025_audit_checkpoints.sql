-- 0025: signed checkpoints of each org's audit log (issue 28). The log's entries are the
-- leaves of an RFC 6962 Merkle tree (wt_core::merkle); what makes its proofs O(log n):
-- Every perfect subtree's hash, `level` / `idx` as C2SP tlog-tiles address them (level 0
-- the leaf hashes). Written by the append itself (`append_audit_tx`, in the entry's
-- transaction, about two rows per entry); a log older than this table is built by the
-- backfill at start (`AuditCheckpointStore::audit_tree_backfill`). Append-only.
CREATE TABLE audit_tree_nodes (
    org_id  TEXT NOT NULL,
    level   INTEGER NOT NULL,
    idx     INTEGER NOT NULL,
    hash    BLOB NOT NULL,
    PRIMARY KEY (org_id, level, idx)
) STRICT, WITHOUT ROWID;
-- The Ed25519 keys that sign checkpoints: installation-wide (`org_id` NULL: one key pair
-- signs every org's checkpoints under the org's origin as its name) or an org's own. The
-- private key (a 32-byte seed) is sealed with the master key; a rotated key is retired
-- (`retired_at`) and stays listed so old checkpoints keep verifying.
CREATE TABLE audit_signing_keys (
    id              TEXT PRIMARY KEY,
    org_id          TEXT,
    public_key      BLOB NOT NULL,
    private_sealed  TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    retired_at      INTEGER
) STRICT;
CREATE INDEX audit_signing_keys_by_org ON audit_signing_keys(org_id, created_at);
-- The signed checkpoints: the C2SP signed note as served, its size and root. Append-only.
CREATE TABLE audit_checkpoints (
    org_id      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    root        BLOB NOT NULL,
    note        TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, size)
) STRICT, WITHOUT ROWID;
