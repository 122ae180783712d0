//! The per-org audit log as an append-only Merkle tree (RFC 6962 / RFC 9162 §2.1).
//!
//! Hashing is SHA-256 with the RFC's domain separation: a leaf is `H(0x00 || data)`, an
//! interior node `H(0x01 || left || right)`, the empty tree's root `H("")`. A tree of `n`
//! leaves splits at the largest power of two `k < n` (left `D[0:k]`, right `D[k:n]`).
//!
//! **Leaf data of an audit entry** ([`entry_leaf_bytes`]): the canonical JSON the hash chain
//! already hashes (audit.rs: `org_id, seq, occurred_at, actor, action, target, ip,
//! user_agent, outcome, details` in that order, `details` as the exact stored JSON text),
//! without the chain's `prev_hash` prefix: the tree orders its leaves itself. A test pins the
//! two encodings together (`sha256(prev || "\n" || leaf data)` is the chain hash), so they
//! cannot drift. Leaf `i` is the entry with `seq = i + 1` (seq starts at 1).
//!
//! **Addressing stored nodes** ([`NodeId`]): as C2SP tlog-tiles does, level `L`, index `i`
//! is the root of the *perfect* subtree over leaves `[i·2^L, (i+1)·2^L)`; level 0 holds the
//! leaf hashes. Only perfect subtrees are ever stored, so a stored node never changes. The
//! [`Frontier`] (the right edge: one perfect subtree per set bit of the size) appends a leaf
//! and yields the new nodes to store: on average two rows per entry, at most `1 + log2 n`.
//! Proofs ([`inclusion_proof`], [`consistency_proof`]) and roots ([`root`]) read a
//! [`NodeSource`] with O(log n) lookups, never a scan of the log; [`inclusion_nodes`],
//! [`consistency_nodes`] and [`root_nodes`] list those nodes up front, so a store reads
//! them in one query (26 and 27 rows at most for a proof in a 1,000,000-entry log,
//! the roots included) and answers from the fetched set (`HashMap`/`BTreeMap` are sources).
//!
//! Verification ([`verify_inclusion`], [`verify_consistency`]) follows RFC 9162 §2.1.3.2 and
//! §2.1.4.2 and needs only hashes, so `wt` can run it offline. Every error names the size,
//! index or node that failed.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::{Actor, EntryFields, Target};

/// A SHA-256 hash: a leaf, an interior node or a root.
pub type Hash = [u8; 32];

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest(b"").into()
}

/// `H(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `H(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The fields of an entry in the chain's order (the same as `audit::HashInput`).
#[derive(Serialize)]
struct LeafInput<'a> {
    org_id: &'a str,
    seq: i64,
    occurred_at: &'a str,
    actor: &'a Actor,
    action: &'a str,
    target: &'a Option<Target>,
    ip: &'a Option<String>,
    user_agent: &'a Option<String>,
    outcome: &'a str,
    details: &'a str,
}

/// The leaf data of an audit entry: its canonical JSON as the hash chain defines it.
pub fn entry_leaf_bytes(e: &EntryFields<'_>) -> Vec<u8> {
    let input = LeafInput {
        org_id: e.org_id,
        seq: e.seq,
        occurred_at: e.occurred_at,
        actor: e.actor,
        action: e.action,
        target: e.target,
        ip: e.ip,
        user_agent: e.user_agent,
        outcome: e.outcome,
        details: e.details_json,
    };
    // Serializing strings, integers and the closed Actor/Target structs cannot fail; the
    // chain (audit::entry_hash) makes the same call.
    serde_json::to_vec(&input).unwrap_or_default()
}

/// The leaf hash of an audit entry.
pub fn entry_leaf_hash(e: &EntryFields<'_>) -> Hash {
    leaf_hash(&entry_leaf_bytes(e))
}

/// The leaf hash of an entry read back as an [`AuditRecord`](crate::audit::AuditRecord)
/// (the API's entries, a client rebuilding the tree): its details re-serialized, which
/// gives the stored text back (maps serialize with sorted keys, as they were stored).
pub fn record_leaf_hash(org_id: &str, r: &crate::audit::AuditRecord) -> Hash {
    let details_json = serde_json::to_string(&r.details).unwrap_or_default();
    entry_leaf_hash(&EntryFields {
        org_id,
        seq: r.seq,
        occurred_at: &r.occurred_at,
        actor: &r.actor,
        action: &r.action,
        target: &r.target,
        ip: &r.ip,
        user_agent: &r.user_agent,
        outcome: &r.outcome,
        details_json: &details_json,
    })
}

/// A stored perfect subtree: level `L`, index `i` covers leaves `[i·2^L, (i+1)·2^L)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub fn new(level: u8, index: u64) -> Self {
        NodeId { level, index }
    }
}

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "level {} index {}", self.level, self.index)
    }
}

/// Where proofs read stored perfect-subtree hashes from (the store, a cache, memory).
pub trait NodeSource {
    /// The hash of the perfect subtree `id`, or `None` when it is not stored.
    fn node(&self, id: NodeId) -> Option<Hash>;
}

impl<T: NodeSource + ?Sized> NodeSource for &T {
    fn node(&self, id: NodeId) -> Option<Hash> {
        (**self).node(id)
    }
}

/// What went wrong, naming the size, index or node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    #[error("the node at {0} is missing from the store")]
    MissingNode(NodeId),
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("tree size {old} is larger than tree size {new}")]
    SizeOrder { old: u64, new: u64 },
    #[error("tree size {0} is too large")]
    SizeTooLarge(u64),
    #[error(
        "the inclusion proof of leaf {index} in tree size {size} has {got} hashes, {want} expected"
    )]
    InclusionProofLength {
        index: u64,
        size: u64,
        got: usize,
        want: usize,
    },
    #[error("leaf {index} is not in the tree of size {size}: the proof yields another root")]
    InclusionRootMismatch { index: u64, size: u64 },
    #[error(
        "the consistency proof from size {old} to size {new} has {got} hashes, {want} expected"
    )]
    ConsistencyProofLength {
        old: u64,
        new: u64,
        got: usize,
        want: usize,
    },
    #[error(
        "tree size {old} is not a prefix of tree size {new}: the proof does not match the root of size {old}"
    )]
    ConsistencyOldRootMismatch { old: u64, new: u64 },
    #[error(
        "tree size {new} does not extend tree size {old}: the proof does not match the root of size {new}"
    )]
    ConsistencyNewRootMismatch { old: u64, new: u64 },
}

/// Trees are bounded by `2^63` leaves so every shift below is defined.
const MAX_SIZE: u64 = 1 << 63;

fn check_size(size: u64) -> Result<(), MerkleError> {
    if size > MAX_SIZE {
        Err(MerkleError::SizeTooLarge(size))
    } else {
        Ok(())
    }
}

/// The largest power of two strictly smaller than `n` (`n >= 2`).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

fn lookup<S: NodeSource + ?Sized>(src: &S, id: NodeId) -> Result<Hash, MerkleError> {
    src.node(id).ok_or(MerkleError::MissingNode(id))
}

/// `MTH(D[start : start + size])` for a range whose `start` is a multiple of the next power
/// of two at or above `size` (every range the RFC's recursion visits is): the perfect
/// subtrees of `size`'s binary decomposition, folded right to left. `popcount(size)` lookups.
fn subtree<S: NodeSource + ?Sized>(src: &S, start: u64, size: u64) -> Result<Hash, MerkleError> {
    debug_assert!(size >= 1);
    let mut parts = Vec::with_capacity(size.count_ones() as usize);
    let mut at = start;
    let mut rest = size;
    while rest > 0 {
        let level = 63 - rest.leading_zeros();
        let width = 1u64 << level;
        parts.push(lookup(src, NodeId::new(level as u8, at >> level))?);
        at += width;
        rest -= width;
    }
    let mut acc = parts.pop().unwrap_or_else(empty_root);
    while let Some(left) = parts.pop() {
        acc = node_hash(&left, &acc);
    }
    Ok(acc)
}

/// The root of the first `size` leaves (the empty root for 0).
pub fn root<S: NodeSource + ?Sized>(src: &S, size: u64) -> Result<Hash, MerkleError> {
    check_size(size)?;
    if size == 0 {
        return Ok(empty_root());
    }
    subtree(src, 0, size)
}

/// The root of an explicit list of leaf hashes (tests, small trees, the offline verifier).
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// The audit path of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1), from the
/// leaf's sibling up to the root's child.
pub fn inclusion_proof<S: NodeSource + ?Sized>(
    src: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, MerkleError> {
    check_size(size)?;
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    // Walk down from the root, collecting siblings top-down; reverse at the end.
    let mut path = Vec::new();
    let (mut start, mut n, mut m) = (0u64, size, index);
    while n > 1 {
        let k = split(n);
        if m < k {
            path.push(subtree(src, start + k, n - k)?);
            n = k;
        } else {
            path.push(subtree(src, start, k)?);
            start += k;
            m -= k;
            n -= k;
        }
    }
    path.reverse();
    Ok(path)
}

/// The consistency proof between the first `old` and the first `new` leaves (RFC 9162
/// §2.1.4.1). Empty when `old == new` or `old == 0`.
pub fn consistency_proof<S: NodeSource + ?Sized>(
    src: &S,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, MerkleError> {
    check_size(new)?;
    if old > new {
        return Err(MerkleError::SizeOrder { old, new });
    }
    if old == 0 || old == new {
        return Ok(Vec::new());
    }
    // SUBPROOF(m, D[start:start+n], b), unrolled; collected top-down, reversed at the end.
    let mut proof = Vec::new();
    let (mut start, mut n, mut m, mut whole) = (0u64, new, old, true);
    loop {
        if m == n {
            if !whole {
                proof.push(subtree(src, start, n)?);
            }
            break;
        }
        let k = split(n);
        if m <= k {
            proof.push(subtree(src, start + k, n - k)?);
            n = k;
        } else {
            proof.push(subtree(src, start, k)?);
            start += k;
            m -= k;
            n -= k;
            whole = false;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// The number of hashes in an inclusion proof of `index` in `size` (`index < size`).
fn inclusion_len(index: u64, size: u64) -> usize {
    let (mut n, mut m, mut len) = (size, index, 0usize);
    while n > 1 {
        let k = split(n);
        if m < k {
            n = k;
        } else {
            m -= k;
            n -= k;
        }
        len += 1;
    }
    len
}

/// Checks that `leaf` is leaf `index` of the tree of `size` leaves whose root is `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    check_size(size)?;
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let want = inclusion_len(index, size);
    if proof.len() != want {
        return Err(MerkleError::InclusionProofLength {
            index,
            size,
            got: proof.len(),
            want,
        });
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return Err(MerkleError::InclusionRootMismatch { index, size });
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n == 0 && r == *root {
        Ok(())
    } else {
        Err(MerkleError::InclusionRootMismatch { index, size })
    }
}

/// The number of hashes in a consistency proof from `old` to `new` (`0 < old < new`).
fn consistency_len(old: u64, new: u64) -> usize {
    let (mut n, mut m, mut whole, mut len) = (new, old, true, 0usize);
    loop {
        if m == n {
            if !whole {
                len += 1;
            }
            return len;
        }
        let k = split(n);
        if m <= k {
            n = k;
        } else {
            m -= k;
            n -= k;
            whole = false;
        }
        len += 1;
    }
}

/// Checks that the tree of `new` leaves with root `new_root` extends the tree of `old`
/// leaves with root `old_root` (RFC 9162 §2.1.4.2). Any tree extends the empty one.
pub fn verify_consistency(
    old: u64,
    new: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), MerkleError> {
    check_size(new)?;
    if old > new {
        return Err(MerkleError::SizeOrder { old, new });
    }
    let want = if old == 0 || old == new {
        0
    } else {
        consistency_len(old, new)
    };
    if proof.len() != want {
        return Err(MerkleError::ConsistencyProofLength {
            old,
            new,
            got: proof.len(),
            want,
        });
    }
    if old == 0 {
        return if *old_root == empty_root() {
            Ok(())
        } else {
            Err(MerkleError::ConsistencyOldRootMismatch { old, new })
        };
    }
    if old == new {
        return if old_root == new_root {
            Ok(())
        } else {
            Err(MerkleError::ConsistencyNewRootMismatch { old, new })
        };
    }
    // When `old` is a power of two its root is the first node of the path.
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut f_n, mut s_n) = (old - 1, new - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s_n == 0 {
            return Err(MerkleError::ConsistencyNewRootMismatch { old, new });
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if fr != *old_root {
        return Err(MerkleError::ConsistencyOldRootMismatch { old, new });
    }
    if s_n != 0 || sr != *new_root {
        return Err(MerkleError::ConsistencyNewRootMismatch { old, new });
    }
    Ok(())
}

/// Records which nodes a computation reads, answering with a placeholder hash: the
/// computations' shapes depend only on the sizes, never on the hashes.
struct Recorder(std::cell::RefCell<Vec<NodeId>>);

impl NodeSource for Recorder {
    fn node(&self, id: NodeId) -> Option<Hash> {
        self.0.borrow_mut().push(id);
        Some([0; 32])
    }
}

fn recorded(
    f: impl FnOnce(&Recorder) -> Result<Vec<Hash>, MerkleError>,
) -> Result<Vec<NodeId>, MerkleError> {
    let r = Recorder(std::cell::RefCell::new(Vec::new()));
    f(&r)?;
    let mut ids = r.0.into_inner();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The stored nodes [`inclusion_proof`] reads (and [`root`] of the same size, for the
/// checkpoint): a store fetches them in one query, then answers from that set.
pub fn inclusion_nodes(index: u64, size: u64) -> Result<Vec<NodeId>, MerkleError> {
    recorded(|r| {
        let mut v = inclusion_proof(r, index, size)?;
        v.push(root(r, size)?);
        Ok(v)
    })
}

/// The stored nodes [`consistency_proof`] and the two [`root`]s read.
pub fn consistency_nodes(old: u64, new: u64) -> Result<Vec<NodeId>, MerkleError> {
    recorded(|r| {
        let mut v = consistency_proof(r, old, new)?;
        v.push(root(r, old)?);
        v.push(root(r, new)?);
        Ok(v)
    })
}

/// The stored nodes [`root`] (and [`Frontier::load`]) read: one per set bit of `size`.
pub fn root_nodes(size: u64) -> Result<Vec<NodeId>, MerkleError> {
    recorded(|r| Ok(vec![root(r, size)?]))
}

impl NodeSource for std::collections::HashMap<NodeId, Hash> {
    fn node(&self, id: NodeId) -> Option<Hash> {
        self.get(&id).copied()
    }
}

impl NodeSource for std::collections::BTreeMap<NodeId, Hash> {
    fn node(&self, id: NodeId) -> Option<Hash> {
        self.get(&id).copied()
    }
}

/// The right edge of a tree: the roots of the perfect subtrees of its size's binary
/// decomposition, largest (leftmost) first. Enough to append and to compute the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// `(level, hash)`, levels strictly decreasing.
    edge: Vec<(u8, Hash)>,
}

impl Default for Frontier {
    fn default() -> Self {
        Frontier::new()
    }
}

impl Frontier {
    /// The empty tree's frontier.
    pub fn new() -> Self {
        Frontier {
            size: 0,
            edge: Vec::new(),
        }
    }

    /// Loads the frontier of a tree of `size` leaves: `popcount(size)` lookups.
    pub fn load<S: NodeSource + ?Sized>(src: &S, size: u64) -> Result<Self, MerkleError> {
        check_size(size)?;
        let mut edge = Vec::with_capacity(size.count_ones() as usize);
        let mut at = 0u64;
        for level in (0..64u8).rev() {
            if size & (1u64 << level) != 0 {
                edge.push((level, lookup(src, NodeId::new(level, at >> level))?));
                at += 1u64 << level;
            }
        }
        Ok(Frontier { size, edge })
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The current root.
    pub fn root(&self) -> Hash {
        let mut it = self.edge.iter().rev();
        let Some(&(_, last)) = it.next() else {
            return empty_root();
        };
        it.fold(last, |acc, (_, left)| node_hash(left, &acc))
    }

    /// Appends a leaf hash and returns the nodes to store: the leaf itself (level 0) and
    /// every perfect subtree it completes.
    pub fn append(&mut self, leaf: Hash) -> Result<Vec<(NodeId, Hash)>, MerkleError> {
        if self.size >= MAX_SIZE {
            return Err(MerkleError::SizeTooLarge(self.size.saturating_add(1)));
        }
        let index = self.size;
        let mut out = vec![(NodeId::new(0, index), leaf)];
        let (mut level, mut hash) = (0u8, leaf);
        while let Some(&(l, left)) = self.edge.last() {
            if l != level {
                break;
            }
            self.edge.pop();
            hash = node_hash(&left, &hash);
            level += 1;
            out.push((NodeId::new(level, index >> level), hash));
        }
        self.edge.push((level, hash));
        self.size += 1;
        Ok(out)
    }
}

/// Perfect-subtree hashes kept in memory: tests, and a client that rebuilds a tree from the
/// entries it downloaded.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    frontier: Frontier,
    nodes: std::collections::HashMap<NodeId, Hash>,
}

impl MemoryTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        // A memory tree never reaches 2^63 leaves.
        if let Ok(nodes) = self.frontier.append(leaf) {
            self.nodes.extend(nodes);
        }
    }

    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// The number of stored nodes (for the O(1)-amortized-writes test).
    pub fn stored(&self) -> usize {
        self.nodes.len()
    }

    /// Forgets a node (tests of a store that lost a row).
    pub fn remove(&mut self, id: NodeId) {
        self.nodes.remove(&id);
    }
}

impl NodeSource for MemoryTree {
    fn node(&self, id: NodeId) -> Option<Hash> {
        self.nodes.get(&id).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn hd(s: &str) -> Hash {
        let v = hex::decode(s).expect("hex");
        v.try_into().expect("32 bytes")
    }

    /// The certificate-transparency reference corpus (RFC 6962 test data, as used by
    /// transparency-dev/merkle and Go's sumdb tlog tests).
    fn ct_leaves() -> Vec<Vec<u8>> {
        [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|s| hex::decode(s).expect("hex"))
        .collect()
    }

    const CT_ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    pub(crate) fn tree_of(n: u64) -> (MemoryTree, Vec<Hash>) {
        let mut t = MemoryTree::new();
        let mut leaves = Vec::new();
        for i in 0..n {
            let l = leaf_hash(format!("entry {i}").as_bytes());
            t.push(l);
            leaves.push(l);
        }
        (t, leaves)
    }

    #[test]
    fn roots_match_the_rfc6962_reference_corpus() {
        let mut t = MemoryTree::new();
        assert_eq!(t.root(), hd(CT_ROOTS[0]));
        assert_eq!(root(&t, 0), Ok(hd(CT_ROOTS[0])));
        let leaves: Vec<Hash> = ct_leaves().iter().map(|l| leaf_hash(l)).collect();
        for (i, l) in leaves.iter().enumerate() {
            t.push(*l);
            let n = i as u64 + 1;
            assert_eq!(t.root(), hd(CT_ROOTS[i + 1]), "frontier root at size {n}");
            assert_eq!(
                root(&t, n),
                Ok(hd(CT_ROOTS[i + 1])),
                "stored root at size {n}"
            );
            assert_eq!(root_of(&leaves[..=i]), hd(CT_ROOTS[i + 1]));
        }
        // Every earlier root is still computable from the same stored nodes.
        for n in 0..=8u64 {
            assert_eq!(root(&t, n), Ok(hd(CT_ROOTS[n as usize])));
        }
    }

    #[test]
    fn inclusion_proofs_match_the_reference_corpus() {
        let mut t = MemoryTree::new();
        for l in ct_leaves() {
            t.push(leaf_hash(&l));
        }
        // (index, size, path) from the CT reference tests.
        let cases: [(u64, u64, &[&str]); 4] = [
            (0, 1, &[]),
            (
                0,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                5,
                8,
                &[
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                3,
                &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
            ),
        ];
        let leaves = ct_leaves();
        for (index, size, want) in cases {
            let want: Vec<Hash> = want.iter().map(|s| hd(s)).collect();
            assert_eq!(inclusion_proof(&t, index, size), Ok(want.clone()));
            let leaf = leaf_hash(&leaves[index as usize]);
            let r = hd(CT_ROOTS[size as usize]);
            assert_eq!(verify_inclusion(&leaf, index, size, &want, &r), Ok(()));
        }
    }

    #[test]
    fn consistency_proofs_match_the_reference_corpus() {
        let mut t = MemoryTree::new();
        for l in ct_leaves() {
            t.push(leaf_hash(&l));
        }
        let cases: [(u64, u64, &[&str]); 4] = [
            (1, 1, &[]),
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                &[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        for (old, new, want) in cases {
            let want: Vec<Hash> = want.iter().map(|s| hd(s)).collect();
            assert_eq!(consistency_proof(&t, old, new), Ok(want.clone()));
            let (a, b) = (hd(CT_ROOTS[old as usize]), hd(CT_ROOTS[new as usize]));
            assert_eq!(verify_consistency(old, new, &want, &a, &b), Ok(()));
            // A wrong old root fails, naming the sizes.
            let err = verify_consistency(old, new, &want, &hd(CT_ROOTS[0]), &b).unwrap_err();
            assert!(err.to_string().contains(&format!("{old}")), "{err}");
        }
    }

    #[test]
    fn every_proof_up_to_size_70_verifies_and_tampering_fails() {
        let (t, leaves) = tree_of(70);
        let roots: Vec<Hash> = (0..=70).map(|n| root_of(&leaves[..n])).collect();
        for size in 1..=70u64 {
            assert_eq!(root(&t, size), Ok(roots[size as usize]));
            let f = Frontier::load(&t, size).expect("frontier");
            assert_eq!((f.size(), f.root()), (size, roots[size as usize]));
            for index in 0..size {
                let p = inclusion_proof(&t, index, size).expect("proof");
                let r = &roots[size as usize];
                verify_inclusion(&leaves[index as usize], index, size, &p, r).expect("verifies");
                // Another leaf, another index, a shorter or longer proof: all fail.
                let other = leaves[((index + 1) % 70) as usize];
                assert!(verify_inclusion(&other, index, size, &p, r).is_err());
                if size > 1 {
                    let j = (index + 1) % size;
                    assert!(verify_inclusion(&leaves[index as usize], j, size, &p, r).is_err());
                }
                if let Some((_, short)) = p.split_last() {
                    let e = verify_inclusion(&leaves[index as usize], index, size, short, r);
                    assert!(e.is_err());
                }
            }
            for old in 0..=size {
                let p = consistency_proof(&t, old, size).expect("proof");
                let (a, b) = (&roots[old as usize], &roots[size as usize]);
                verify_consistency(old, size, &p, a, b).expect("consistent");
                if old > 0 && old < size {
                    // Swapped roots, a neighbouring old size, a flipped bit: all fail.
                    assert!(verify_consistency(old, size, &p, b, a).is_err());
                    let o2 = old + 1;
                    if o2 < size {
                        let a2 = &roots[o2 as usize];
                        assert!(verify_consistency(o2, size, &p, a2, b).is_err());
                    }
                    for i in 0..p.len() {
                        let mut q = p.clone();
                        q[i][0] ^= 1;
                        assert!(verify_consistency(old, size, &q, a, b).is_err());
                    }
                }
            }
        }
    }

    #[test]
    fn appends_store_two_rows_per_entry_on_average() {
        let (t, _) = tree_of(1024);
        // A perfect tree of 1024 leaves has 2047 nodes.
        assert_eq!(t.stored(), 2047);
        let mut f = Frontier::new();
        let mut max = 0;
        for i in 0..1000u64 {
            let n = f.append(leaf_hash(&i.to_be_bytes())).expect("append");
            max = max.max(n.len());
        }
        assert_eq!(max, 10, "at most 1 + log2(n) nodes per append");
        assert_eq!(Frontier::load(&t, 1000).map(|f| f.size()), Ok(1000));
    }

    /// Counts lookups, to show proofs read O(log n) nodes and never scan the log.
    struct Counting<'a>(&'a MemoryTree, Cell<usize>);
    impl NodeSource for Counting<'_> {
        fn node(&self, id: NodeId) -> Option<Hash> {
            self.1.set(self.1.get() + 1);
            self.0.node(id)
        }
    }

    #[test]
    fn proofs_read_a_logarithmic_number_of_nodes() {
        let (t, _) = tree_of(5000);
        let c = Counting(&t, Cell::new(0));
        let mut worst = 0;
        for (i, n) in [(0u64, 5000u64), (4999, 5000), (1234, 4097), (2047, 2049)] {
            c.1.set(0);
            inclusion_proof(&c, i, n).expect("proof");
            worst = worst.max(c.1.get());
            c.1.set(0);
            consistency_proof(&c, i + 1, n).expect("proof");
            worst = worst.max(c.1.get());
            c.1.set(0);
            root(&c, n).expect("root");
            worst = worst.max(c.1.get());
        }
        // log2(5000) < 13: two walks of the height at most.
        assert!(worst <= 26, "read {worst} nodes");
    }

    #[test]
    fn the_listed_nodes_are_exactly_what_a_proof_needs() {
        let (t, leaves) = tree_of(300);
        for (index, size) in [(0u64, 1u64), (0, 300), (299, 300), (137, 257), (128, 129)] {
            let ids = inclusion_nodes(index, size).expect("ids");
            assert!(ids.len() <= 2 * 9, "{} nodes for size {size}", ids.len());
            let fetched: std::collections::HashMap<NodeId, Hash> = ids
                .iter()
                .map(|id| (*id, t.node(*id).expect("stored")))
                .collect();
            let p = inclusion_proof(&fetched, index, size).expect("from the fetched set");
            let r = root(&fetched, size).expect("root");
            verify_inclusion(&leaves[index as usize], index, size, &p, &r).expect("verifies");
            // Without any one of them the proof cannot be made.
            for id in &ids {
                let mut less = fetched.clone();
                less.remove(id);
                let both = inclusion_proof(&less, index, size).and_then(|_| root(&less, size));
                assert_eq!(both, Err(MerkleError::MissingNode(*id)));
            }
        }
        for (old, new) in [(1u64, 300u64), (150, 300), (256, 300), (299, 300), (0, 5)] {
            let ids = consistency_nodes(old, new).expect("ids");
            let fetched: std::collections::BTreeMap<NodeId, Hash> = ids
                .iter()
                .map(|id| (*id, t.node(*id).expect("stored")))
                .collect();
            let p = consistency_proof(&fetched, old, new).expect("from the fetched set");
            let (a, b) = (root(&fetched, old), root(&fetched, new));
            let (a, b) = (a.expect("old root"), b.expect("new root"));
            verify_consistency(old, new, &p, &a, &b).expect("consistent");
        }
        assert_eq!(root_nodes(6).map(|v| v.len()), Ok(2));
        assert!(inclusion_nodes(5, 5).is_err());
    }

    #[test]
    fn proofs_of_a_million_entry_log_need_a_few_dozen_rows() {
        let n = 1_000_000u64;
        let mut worst = (0, 0);
        for i in [0u64, 1, 4095, 524_287, 524_288, 777_777, 999_998, 999_999] {
            worst.0 = worst.0.max(inclusion_nodes(i, n).expect("ids").len());
            worst.1 = worst.1.max(consistency_nodes(i + 1, n).expect("ids").len());
        }
        // log2(10^6) < 20: a proof's nodes plus the roots' right edges.
        assert!(worst.0 <= 40 && worst.1 <= 60, "{worst:?}");
        println!(
            "rows read for a 1,000,000-entry log: inclusion {}, consistency {}",
            worst.0, worst.1
        );
    }

    #[test]
    fn a_missing_node_is_named() {
        let (mut t, _) = tree_of(8);
        t.remove(NodeId::new(1, 1));
        let err = inclusion_proof(&t, 0, 8).unwrap_err();
        assert_eq!(err, MerkleError::MissingNode(NodeId::new(1, 1)));
        assert_eq!(
            err.to_string(),
            "the node at level 1 index 1 is missing from the store"
        );
        assert!(Frontier::load(&t, 8).is_ok(), "size 8 needs only level 3");
        assert_eq!(
            consistency_proof(&t, 2, 4),
            Err(MerkleError::MissingNode(NodeId::new(1, 1)))
        );
        t.remove(NodeId::new(0, 6));
        assert_eq!(
            Frontier::load(&t, 7).unwrap_err(),
            MerkleError::MissingNode(NodeId::new(0, 6))
        );
    }

    #[test]
    fn bad_sizes_and_indexes_are_errors_not_panics() {
        let (t, leaves) = tree_of(4);
        let r = root_of(&leaves);
        assert_eq!(
            inclusion_proof(&t, 4, 4),
            Err(MerkleError::IndexOutOfRange { index: 4, size: 4 })
        );
        assert_eq!(
            consistency_proof(&t, 5, 4),
            Err(MerkleError::SizeOrder { old: 5, new: 4 })
        );
        assert_eq!(
            inclusion_proof(&t, 0, 5),
            Err(MerkleError::MissingNode(NodeId::new(0, 4)))
        );
        assert!(verify_inclusion(&leaves[0], 0, 0, &[], &r).is_err());
        assert!(verify_inclusion(&leaves[0], u64::MAX, u64::MAX, &[], &r).is_err());
        assert!(verify_consistency(3, 2, &[], &r, &r).is_err());
        assert!(verify_consistency(1, u64::MAX, &[], &r, &r).is_err());
        assert!(root(&t, u64::MAX).is_err());
        // Size 0: any tree extends it, but only with the empty root and an empty proof.
        assert_eq!(verify_consistency(0, 4, &[], &empty_root(), &r), Ok(()));
        assert!(verify_consistency(0, 4, &[], &r, &r).is_err());
        assert!(verify_consistency(0, 4, &[r], &empty_root(), &r).is_err());
        // Equal sizes need equal roots.
        assert!(verify_consistency(4, 4, &[], &r, &leaves[0]).is_err());
    }

    #[test]
    fn leaf_data_is_the_chain_encoding() {
        use crate::audit::{self, Actor, Target};
        let actor = Actor::user("u_1", "a@example.com");
        let target = Some(Target::new("api_key", "k_1"));
        let ip = Some("192.0.2.1".to_string());
        let ua = None;
        let e = EntryFields {
            org_id: "org_1",
            seq: 7,
            occurred_at: "2026-12-06T14:00:00Z",
            actor: &actor,
            action: audit::actions::LOGIN_SUCCEEDED,
            target: &target,
            ip: &ip,
            user_agent: &ua,
            outcome: "success",
            details_json: r#"{"b":1,"a":"x"}"#,
        };
        for prev in [audit::GENESIS_HASH, "ab"] {
            let mut h = Sha256::new();
            h.update(prev.as_bytes());
            h.update(b"\n");
            h.update(entry_leaf_bytes(&e));
            assert_eq!(hex::encode(h.finalize()), audit::entry_hash(prev, &e));
        }
        assert_eq!(entry_leaf_hash(&e), leaf_hash(&entry_leaf_bytes(&e)));
        let mut e2 = e;
        e2.seq = 8;
        assert_ne!(entry_leaf_hash(&e), entry_leaf_hash(&e2));
    }

    /// One shared tree for the property tests (building it per case would dominate).
    fn shared() -> &'static (MemoryTree, Vec<Hash>) {
        static TREE: std::sync::OnceLock<(MemoryTree, Vec<Hash>)> = std::sync::OnceLock::new();
        TREE.get_or_init(|| tree_of(3000))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(500)
        ))]

        #[test]
        fn inclusion_proofs_verify_and_any_flipped_bit_or_swapped_leaf_fails(
            size in 1u64..=3000, index_seed in proptest::prelude::any::<u64>(),
            which in proptest::prelude::any::<usize>(), bit in 0usize..256,
        ) {
            let (t, leaves) = shared();
            let index = index_seed % size;
            let r = root(t, size).expect("root");
            let p = inclusion_proof(t, index, size).expect("proof");
            proptest::prop_assert!(p.len() <= 12);
            let leaf = leaves[index as usize];
            proptest::prop_assert_eq!(verify_inclusion(&leaf, index, size, &p, &r), Ok(()));
            if !p.is_empty() {
                let mut q = p.clone();
                q[which % p.len()][bit / 8] ^= 1 << (bit % 8);
                proptest::prop_assert!(verify_inclusion(&leaf, index, size, &q, &r).is_err());
            }
            let mut l2 = leaf;
            l2[bit / 8] ^= 1 << (bit % 8);
            proptest::prop_assert!(verify_inclusion(&l2, index, size, &p, &r).is_err());
            if size > 1 {
                let other = (index + 1 + which as u64 % (size - 1)) % size;
                let swapped = leaves[other as usize];
                proptest::prop_assert!(verify_inclusion(&swapped, index, size, &p, &r).is_err());
                proptest::prop_assert!(verify_inclusion(&leaf, other, size, &p, &r).is_err());
            }
            // The proof for one size does not prove the same leaf in another size.
            if size < 3000 {
                let r2 = root(t, size + 1).expect("root");
                proptest::prop_assert!(verify_inclusion(&leaf, index, size + 1, &p, &r2).is_err());
            }
        }

        #[test]
        fn verifiers_never_panic_on_arbitrary_input(
            a in proptest::prelude::any::<u64>(), b in proptest::prelude::any::<u64>(),
            n in 0usize..70, fill in proptest::prelude::any::<u8>(),
        ) {
            let p = vec![[fill; 32]; n];
            let h = [fill; 32];
            let _ = verify_inclusion(&h, a, b, &p, &h);
            let _ = verify_consistency(a, b, &p, &h, &h);
            let _ = verify_consistency(a % 5000, b % 5000, &p, &h, &h);
            let _ = verify_inclusion(&h, a % 5000, b % 5000, &p, &h);
            let _ = inclusion_nodes(a, b);
            let _ = consistency_nodes(a, b);
        }

        #[test]
        fn consistency_proofs_verify_and_any_flipped_bit_or_wrong_size_fails(
            new in 1u64..=3000, old_seed in proptest::prelude::any::<u64>(),
            which in proptest::prelude::any::<usize>(), bit in 0usize..256,
        ) {
            let (t, _) = shared();
            let old = old_seed % (new + 1);
            let (a, b) = (root(t, old).expect("root"), root(t, new).expect("root"));
            let p = consistency_proof(t, old, new).expect("proof");
            proptest::prop_assert_eq!(verify_consistency(old, new, &p, &a, &b), Ok(()));
            if !p.is_empty() {
                let mut q = p.clone();
                q[which % p.len()][bit / 8] ^= 1 << (bit % 8);
                proptest::prop_assert!(verify_consistency(old, new, &q, &a, &b).is_err());
            }
            if old > 0 && old < new {
                let mut a2 = a;
                a2[bit / 8] ^= 1 << (bit % 8);
                proptest::prop_assert!(verify_consistency(old, new, &p, &a2, &b).is_err());
                let mut b2 = b;
                b2[bit / 8] ^= 1 << (bit % 8);
                proptest::prop_assert!(verify_consistency(old, new, &p, &a, &b2).is_err());
                // Claiming other sizes with the same proof fails.
                let o2 = 1 + (old + which as u64 % (new - 1)) % (new - 1);
                if o2 != old {
                    let a3 = root(t, o2).expect("root");
                    proptest::prop_assert!(verify_consistency(o2, new, &p, &a3, &b).is_err());
                }
                if new < 3000 {
                    let b3 = root(t, new + 1).expect("root");
                    proptest::prop_assert!(verify_consistency(old, new + 1, &p, &a, &b3).is_err());
                }
            }
        }
    }
}
