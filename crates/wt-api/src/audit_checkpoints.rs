//! Wire types of the audit log's signed checkpoints and Merkle proofs
//! (`/api/v1/orgs/audit-logs/checkpoints`, `.../proofs/*`, `.../signing-keys`; issue 28).
//! Hashes are standard base64 (as in the checkpoint's own text). The proofs' roots come
//! from the server: a client checks them against a signed checkpoint it trusts.

use serde::{Deserialize, Serialize};

/// A signed checkpoint: the C2SP tlog-checkpoint in its signed note, and its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCheckpoint {
    /// `<public host>/watchtower/<org id>`: the log, and the name of the key that signs it.
    pub origin: String,
    /// How many entries the tree has (entries with `seq` 1 to `size`).
    pub size: u64,
    /// The tree's root hash, base64.
    pub root: String,
    /// The signed note (what `wt audit checkpoint save` keeps and verifies).
    pub note: String,
    /// The signing key's id (`wt audit pubkey` lists it).
    pub key: String,
    /// When it was signed (RFC 3339).
    pub created_at: String,
}

/// `GET /api/v1/orgs/audit-logs/proofs/inclusion?seq=S&size=N`: the audit path of entry
/// `seq` (leaf `seq - 1`) in the tree of `size` entries (RFC 9162 §2.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditInclusionProof {
    pub seq: i64,
    /// The leaf index, `seq - 1`.
    pub index: u64,
    pub size: u64,
    /// The stored leaf hash, base64 (a client recomputes it from the entry).
    pub leaf_hash: String,
    /// The root of `size` per the stored tree, base64.
    pub root: String,
    /// From the leaf's sibling up, base64; at most `ceil(log2 size)` hashes.
    pub proof: Vec<String>,
}

/// `GET /api/v1/orgs/audit-logs/proofs/consistency?old=M&new=N`: that the tree of `new`
/// entries extends the tree of `old` (RFC 9162 §2.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditConsistencyProof {
    pub old_size: u64,
    pub new_size: u64,
    pub old_root: String,
    pub new_root: String,
    pub proof: Vec<String>,
}

/// A key an org's checkpoints are (or were) signed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSigningKey {
    /// The key's id (`ask_...`).
    pub id: String,
    /// The verifier key in signed-note format, `<origin>+<key id hex>+<base64 key>`.
    pub verifier_key: String,
    /// `installation` (one key for every org without its own) or `org`.
    pub scope: String,
    /// Whether new checkpoints of this org are signed with it (exactly one is).
    pub active: bool,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<String>,
}
