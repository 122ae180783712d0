//! The SQL of [`AuditCheckpointStore`]: the audit log's Merkle tree (`audit_tree_nodes`,
//! written by [`tree_append_tx`] in every append's transaction), its signing keys and
//! its signed checkpoints (migration 0025).
//!
//! Only perfect subtrees are stored (`wt_core::merkle::NodeId`), so a row never changes;
//! the set of rows of an org is always exactly the perfect subtrees of its first
//! `audit_tree_size` entries. Reads fetch a listed set of nodes in one query (a proof in a
//! 1,000,000-entry log is at most 27 rows), never a scan.

use super::audit::{AUDIT_COLS, audit_from};
use super::{Db, OptionalExt, Row, SqlStore, Value, internal};
use crate::model::{CheckpointRecord, SigningKeyRecord};
use crate::params;
use crate::sql::Backend;
use crate::{AuditCheckpointStore, Result, StoreError};
use async_trait::async_trait;
use std::collections::HashMap;
use wt_core::audit::{AuditEvent, EntryFields};
use wt_core::merkle::{self, Frontier, Hash, MerkleError, NodeId};

fn to_i64(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(internal)
}

fn hash_of(v: Vec<u8>) -> Result<Hash> {
    v.try_into()
        .map_err(|_| internal("a stored tree hash is not 32 bytes"))
}

/// The stored tree's size: its highest leaf index + 1 (the primary key answers).
fn tree_size(c: &dyn Db, org_id: &str) -> Result<u64> {
    let max: Option<i64> = c.query_row(
        "SELECT MAX(idx) FROM audit_tree_nodes WHERE org_id = ?1 AND level = 0",
        params![org_id],
        |r| r.get(0),
    )?;
    Ok(max.map_or(0, |m| m as u64 + 1))
}

/// The hashes of `ids` in one query: one primary-key lookup per node (`UNION ALL` of
/// point queries; an `OR` list made SQLite scan the org's nodes).
fn nodes(c: &dyn Db, org_id: &str, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = String::new();
    let mut args = Vec::with_capacity(ids.len() * 3);
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push_str(" UNION ALL ");
        }
        sql.push_str(
            "SELECT level, idx, hash FROM audit_tree_nodes WHERE org_id = ? AND level = ? AND idx = ?",
        );
        args.push(Value::Text(org_id.to_string()));
        args.push(Value::Int(i64::from(id.level)));
        args.push(Value::Int(to_i64(id.index)?));
    }
    let rows = c.query_map_owned(&sql, &args, |mut r: Row| {
        let level: i64 = r.get(0)?;
        let index: i64 = r.get(1)?;
        let hash = hash_of(r.take(2)?)?;
        Ok((NodeId::new(level as u8, index as u64), hash))
    })?;
    Ok(rows.into_iter().collect())
}

/// The frontier of the org's tree at `size` (one query), `None` when its nodes are not
/// stored (a log older than the table that the backfill has not reached yet).
fn load_frontier(c: &dyn Db, org_id: &str, size: u64) -> Result<Option<Frontier>> {
    let ids = merkle::root_nodes(size).map_err(internal)?;
    let found = nodes(c, org_id, &ids)?;
    match Frontier::load(&found, size) {
        Ok(f) => Ok(Some(f)),
        Err(MerkleError::MissingNode(_)) => Ok(None),
        Err(e) => Err(internal(e)),
    }
}

fn insert_nodes(c: &dyn Db, org_id: &str, rows: &[(NodeId, Hash)]) -> Result<()> {
    for (id, hash) in rows {
        c.execute(
            "INSERT INTO audit_tree_nodes (org_id, level, idx, hash) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO NOTHING",
            params![
                org_id,
                i64::from(id.level),
                to_i64(id.index)?,
                hash.to_vec()
            ],
        )?;
    }
    Ok(())
}

/// Adds entry `seq`'s leaf to the org's tree inside the append's transaction (the caller
/// holds the org's audit lock). When the tree does not reach `seq - 1` yet (a log older
/// than the table), nothing is written: the backfill adds the entries in order.
pub(super) fn tree_append_tx(tx: &dyn Db, org_id: &str, seq: i64, leaf: &Hash) -> Result<()> {
    let size = u64::try_from(seq - 1).map_err(internal)?;
    let Some(mut frontier) = load_frontier(tx, org_id, size)? else {
        return Ok(());
    };
    let rows = frontier.append(*leaf).map_err(internal)?;
    insert_nodes(tx, org_id, &rows)
}

/// One batch of [`AuditCheckpointStore::audit_tree_backfill`].
fn backfill(tx: &dyn Db, org_id: &str, batch: u32) -> Result<u64> {
    tx.lock(&format!("audit:{org_id}"))?;
    let size = tree_size(tx, org_id)?;
    let Some(mut frontier) = load_frontier(tx, org_id, size)? else {
        return Err(internal(format!(
            "the audit tree of {org_id} is missing a node of size {size}"
        )));
    };
    let sql = format!(
        "SELECT {AUDIT_COLS} FROM audit_log WHERE org_id = ?1 AND seq > ?2 ORDER BY seq LIMIT {batch}"
    );
    let rows = tx.query(&sql, params![org_id, to_i64(size)?])?;
    let mut added = 0u64;
    for r in rows {
        let (details_json, rec) = audit_from(r)?;
        let want = to_i64(frontier.size() + 1)?;
        if rec.seq != want {
            return Err(internal(format!(
                "the audit log of {org_id} has a gap: seq {} follows {}",
                rec.seq,
                want - 1
            )));
        }
        let leaf = merkle::entry_leaf_hash(&EntryFields {
            org_id,
            seq: rec.seq,
            occurred_at: &rec.occurred_at,
            actor: &rec.actor,
            action: &rec.action,
            target: &rec.target,
            ip: &rec.ip,
            user_agent: &rec.user_agent,
            outcome: &rec.outcome,
            details_json: &details_json,
        });
        let new = frontier.append(leaf).map_err(internal)?;
        insert_nodes(tx, org_id, &new)?;
        added += 1;
    }
    Ok(added)
}

const KEY_COLS: &str = "id, org_id, public_key, private_sealed, created_at, retired_at";

fn key_from(mut r: Row) -> Result<SigningKeyRecord> {
    Ok(SigningKeyRecord {
        id: r.take(0)?,
        org_id: r.take(1)?,
        public_key: r.take(2)?,
        private_sealed: r.take(3)?,
        created_at: r.get(4)?,
        retired_at: r.get(5)?,
    })
}

const CHECKPOINT_COLS: &str = "org_id, size, root, note, key_id, created_at";

fn checkpoint_from(mut r: Row) -> Result<CheckpointRecord> {
    let size: i64 = r.get(1)?;
    Ok(CheckpointRecord {
        org_id: r.take(0)?,
        size: size as u64,
        root: hash_of(r.take(2)?)?,
        note: r.take(3)?,
        key_id: r.take(4)?,
        created_at: r.get(5)?,
    })
}

fn insert_checkpoint(tx: &dyn Db, c: &CheckpointRecord) -> Result<bool> {
    let n = tx.execute(
        "INSERT INTO audit_checkpoints (org_id, size, root, note, key_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        params![
            c.org_id,
            to_i64(c.size)?,
            c.root.to_vec(),
            c.note,
            c.key_id,
            c.created_at
        ],
    )?;
    Ok(n == 1)
}

fn insert_key(tx: &dyn Db, k: &SigningKeyRecord) -> Result<()> {
    tx.execute(
        "INSERT INTO audit_signing_keys (id, org_id, public_key, private_sealed, created_at, retired_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            k.id,
            k.org_id,
            k.public_key,
            k.private_sealed,
            k.created_at,
            k.retired_at
        ],
    )?;
    Ok(())
}

#[async_trait]
impl<B: Backend> AuditCheckpointStore for SqlStore<B> {
    async fn audit_tree_size(&self, org_id: &str) -> Result<u64> {
        let org_id = org_id.to_string();
        self.read(move |c| tree_size(c, &org_id)).await
    }

    async fn audit_tree_nodes(
        &self,
        org_id: &str,
        ids: Vec<NodeId>,
    ) -> Result<HashMap<NodeId, Hash>> {
        let org_id = org_id.to_string();
        self.read(move |c| nodes(c, &org_id, &ids)).await
    }

    async fn audit_tree_backfill(&self, org_id: &str, batch: u32) -> Result<u64> {
        let org_id = org_id.to_string();
        let batch = batch.max(1);
        self.write(move |tx| backfill(tx, &org_id, batch)).await
    }

    async fn audit_signing_keys(&self, org_id: &str) -> Result<Vec<SigningKeyRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_map_owned(
                &format!(
                    "SELECT {KEY_COLS} FROM audit_signing_keys WHERE org_id IS NULL OR org_id = ?1
                     ORDER BY created_at, id"
                ),
                params![org_id],
                key_from,
            )
        })
        .await
    }

    async fn audit_signing_key_add(
        &self,
        key: SigningKeyRecord,
        audit: Option<AuditEvent>,
    ) -> Result<bool> {
        match (key.org_id.clone(), audit) {
            (Some(org_id), Some(audit)) => {
                let now = key.created_at;
                self.write_audited(org_id.clone(), now, audit, move |tx| {
                    tx.execute(
                        "UPDATE audit_signing_keys SET retired_at = ?1
                         WHERE org_id = ?2 AND retired_at IS NULL",
                        params![now, org_id],
                    )?;
                    insert_key(tx, &key)?;
                    Ok(true)
                })
                .await
            }
            (None, None) => {
                self.write(move |tx| {
                    tx.lock("audit_signing_keys")?;
                    let exists = tx
                        .query_row(
                            "SELECT id FROM audit_signing_keys WHERE org_id IS NULL AND retired_at IS NULL",
                            params![],
                            |r| r.get::<String>(0),
                        )
                        .optional()?;
                    if exists.is_some() {
                        return Ok(false);
                    }
                    insert_key(tx, &key)?;
                    Ok(true)
                })
                .await
            }
            _ => Err(StoreError::Conflict(
                "an org's signing key is added with its audit entry, the installation's without"
                    .into(),
            )),
        }
    }

    async fn audit_checkpoint_add(
        &self,
        checkpoint: CheckpointRecord,
        audit: Option<AuditEvent>,
    ) -> Result<bool> {
        match audit {
            Some(audit) => {
                let org_id = checkpoint.org_id.clone();
                self.write_audited(org_id, checkpoint.created_at, audit, move |tx| {
                    insert_checkpoint(tx, &checkpoint)
                })
                .await
            }
            None => {
                self.write(move |tx| insert_checkpoint(tx, &checkpoint))
                    .await
            }
        }
    }

    async fn audit_checkpoint_latest(&self, org_id: &str) -> Result<Option<CheckpointRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            let r = c.query_first(
                &format!(
                    "SELECT {CHECKPOINT_COLS} FROM audit_checkpoints WHERE org_id = ?1
                     ORDER BY size DESC LIMIT 1"
                ),
                params![org_id],
            )?;
            r.map(checkpoint_from).transpose()
        })
        .await
    }

    async fn audit_checkpoint_at(
        &self,
        org_id: &str,
        size: u64,
    ) -> Result<Option<CheckpointRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            let Ok(size) = i64::try_from(size) else {
                return Ok(None);
            };
            let r = c.query_first(
                &format!(
                    "SELECT {CHECKPOINT_COLS} FROM audit_checkpoints WHERE org_id = ?1 AND size = ?2"
                ),
                params![org_id, size],
            )?;
            r.map(checkpoint_from).transpose()
        })
        .await
    }
}
