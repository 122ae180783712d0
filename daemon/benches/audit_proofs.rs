//! Proof generation and checkpoint signing from the stored audit tree (issue 28) at 1,000
//! and 1,000,000 entries: the tree's nodes (about two per entry, as the append writes
//! them) are bulk-loaded into a fresh SQLite store, then each operation reads the O(log n)
//! nodes it needs in one query (`AuditCheckpointStore::audit_tree_nodes`) and computes:
//! a checkpoint (root + Ed25519 signed note), inclusion proofs, consistency proofs. Every
//! proof is verified once. Prints one JSON line per size: the time per operation and the
//! largest proof (hashes) and node read (rows), which grow as log2(n).
//!
//! Run: `cargo bench -p wtd --bench audit_proofs` (release), or quickly in a debug build:
//! `cargo test -p wtd --bench audit_proofs`. `WT_BENCH_SIZES=1000,100000` picks sizes.

use std::time::Instant;
use wt_core::checkpoint::{Checkpoint, SignerKey};
use wt_core::merkle::{self, Frontier};
use wt_store::AuditCheckpointStore;
use wt_store::sqlite::{DB_FILE, SqliteStore};

const ROUNDS: u64 = 200;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sizes: Vec<u64> = std::env::var("WT_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 1_000_000]);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let key = SignerKey::generate("bench/watchtower/org_b")?;
    for n in sizes {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join(DB_FILE);
        drop(SqliteStore::open(&path)?); // migrations
        let t = Instant::now();
        let mut conn = rusqlite::Connection::open(&path)?;
        let tx = conn.transaction()?;
        let mut stored = 0u64;
        let mut leaves_root = Frontier::new();
        {
            let mut st = tx.prepare(
                "INSERT INTO audit_tree_nodes (org_id, level, idx, hash) VALUES ('org_b', ?1, ?2, ?3)",
            )?;
            for i in 0..n {
                let leaf = merkle::leaf_hash(format!("entry {i}").as_bytes());
                for (id, h) in leaves_root.append(leaf)? {
                    st.execute(rusqlite::params![id.level, id.index as i64, h.to_vec()])?;
                    stored += 1;
                }
            }
        }
        tx.commit()?;
        drop(conn);
        let build_s = t.elapsed().as_secs_f64();
        let store = SqliteStore::open(&path)?;
        let root = leaves_root.root();
        let result = rt.block_on(async {
            // Checkpoint: the root from its nodes, signed.
            let t = Instant::now();
            let mut note = String::new();
            for _ in 0..ROUNDS {
                let ids = merkle::root_nodes(n)?;
                let found = store.audit_tree_nodes("org_b", ids).await?;
                let r = merkle::root(&found, n)?;
                note = Checkpoint::new("bench/watchtower/org_b", n, r).sign(&[&key])?;
            }
            let sign_us = t.elapsed().as_micros() as u64 / ROUNDS;
            let (cp, _) = Checkpoint::open(&note, &[key.verifier()], None)?;
            assert_eq!(cp.root, root, "the stored tree's root");
            // Inclusion proofs of leaves spread over the log.
            let (mut incl_max, mut incl_rows) = (0usize, 0usize);
            let t = Instant::now();
            for k in 0..ROUNDS {
                let index = (k * 7919 * 104_729) % n;
                let ids = merkle::inclusion_nodes(index, n)?;
                incl_rows = incl_rows.max(ids.len());
                let found = store.audit_tree_nodes("org_b", ids).await?;
                let proof = merkle::inclusion_proof(&found, index, n)?;
                incl_max = incl_max.max(proof.len());
                if k == 0 {
                    let leaf = merkle::leaf_hash(format!("entry {index}").as_bytes());
                    merkle::verify_inclusion(&leaf, index, n, &proof, &root)?;
                }
            }
            let incl_us = t.elapsed().as_micros() as u64 / ROUNDS;
            // Consistency proofs from earlier sizes to n.
            let (mut cons_max, mut cons_rows) = (0usize, 0usize);
            let t = Instant::now();
            for k in 0..ROUNDS {
                let old = 1 + (k * 15_485_863) % n;
                let ids = merkle::consistency_nodes(old, n)?;
                cons_rows = cons_rows.max(ids.len());
                let found = store.audit_tree_nodes("org_b", ids).await?;
                let proof = merkle::consistency_proof(&found, old, n)?;
                cons_max = cons_max.max(proof.len());
                if k == 0 {
                    let old_root = merkle::root(&found, old)?;
                    merkle::verify_consistency(old, n, &proof, &old_root, &root)?;
                }
            }
            let cons_us = t.elapsed().as_micros() as u64 / ROUNDS;
            Ok::<_, Box<dyn std::error::Error>>(serde_json::json!({
                "bench": "audit_proofs",
                "entries": n,
                "nodes_stored": stored,
                "load_s": (build_s * 100.0).round() / 100.0,
                "checkpoint_sign_us": sign_us,
                "inclusion_us": incl_us,
                "inclusion_hashes_max": incl_max,
                "inclusion_rows_read_max": incl_rows,
                "consistency_us": cons_us,
                "consistency_hashes_max": cons_max,
                "consistency_rows_read_max": cons_rows,
                "log2_n": (n as f64).log2().ceil(),
            }))
        })?;
        println!("{result}");
    }
    Ok(())
}
