//! 10,000 audit entries appended through the store's audited-write path (hash chain, one
//! durable transaction each, as every audited change does) against the baseline of 10,000
//! plain single-row inserts of the same columns with the same durability (WAL,
//! synchronous=FULL, one transaction each). Prints one JSON line for `bench/run.py`.
//!
//! Run: `cargo bench -p wtd --bench audit_append`.

use std::time::Instant;
use wt_core::audit::{Actor, AuditEvent, RequestMeta, actions};
use wt_store::sqlite::{DB_FILE, SqliteStore};
use wt_store::{AuditStore, NewOrg, OrgStore};

const N: usize = 10_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let dir = tempfile::tempdir()?;
    let audited = rt.block_on(async {
        let store = SqliteStore::open(&dir.path().join(DB_FILE))?;
        let meta = RequestMeta {
            ip: Some("10.0.0.1".into()),
            user_agent: Some("bench".into()),
        };
        store
            .create_org(
                NewOrg {
                    id: "org_b".into(),
                    slug: "b".into(),
                    name: "B".into(),
                },
                None,
                AuditEvent::new(Actor::operator(), actions::ORG_CREATED, &meta),
                0,
            )
            .await?;
        let t = Instant::now();
        for i in 0..N {
            let ev = AuditEvent::new(
                Actor::user("usr_1", "o@b.test"),
                actions::LOGIN_SUCCEEDED,
                &meta,
            )
            .target("session", &format!("ses_{i}"));
            store.append_audit("org_b", ev, i as i64).await?;
        }
        let elapsed = t.elapsed().as_secs_f64();
        assert!(store.verify_audit("org_b").await?.ok);
        Ok::<f64, Box<dyn std::error::Error>>(elapsed)
    })?;

    let conn = rusqlite::Connection::open(dir.path().join("plain.db"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE t (org_id TEXT, seq INTEGER, occurred_at TEXT, actor_type TEXT, actor_id TEXT,
            actor_email TEXT, action TEXT, target_type TEXT, target_id TEXT, ip TEXT, user_agent TEXT,
            outcome TEXT, details TEXT, prev_hash TEXT, hash TEXT, PRIMARY KEY (org_id, seq))",
    )?;
    let t = Instant::now();
    for i in 0..N {
        conn.execute(
            "INSERT INTO t VALUES ('org_b', ?1, '2026-01-01T00:00:00Z', 'user', 'usr_1', 'o@b.test',
                'auth.login.succeeded', 'session', ?2, '10.0.0.1', 'bench', 'success', '{}', ?3, ?3)",
            rusqlite::params![i as i64, format!("ses_{i}"), "0".repeat(64)],
        )?;
    }
    let plain = t.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({"entries": N, "audited_s": audited, "plain_s": plain})
    );
    Ok(())
}
