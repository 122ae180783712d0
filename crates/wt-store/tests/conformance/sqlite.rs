//! The story and the SQLite-specific checks that need its data, on a fresh SQLite file.

use crate::story;
use rusqlite::Connection;
use wt_store::sqlite::{DB_FILE, SqliteStore, backup_to, restore_from};
use wt_store::{AuditStore, OrgStore, StoreError};

fn open_temp() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let store = SqliteStore::open(&dir.path().join(DB_FILE)).unwrap_or_else(|e| panic!("{e}"));
    (dir, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_conformance_story() {
    let (_dir, store) = open_temp();
    story::story(&store).await;
    story::sign_ins_story(&store).await;
    story::keys_story(&store).await;
    story::activity_story(&store).await;
    story::audit_filters_story(&store).await;
    story::members_paging_story(&store).await;
    story::passkeys_story(&store).await;
    story::checkpoints_story(&store).await;
    crate::audit_sinks::sinks_story(&store).await;
    let store = std::sync::Arc::new(store);
    story::group_commit_story(store.clone()).await;
    story::idempotency_story(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_rows_cannot_be_updated_or_deleted_and_edits_are_detected() {
    let (dir, store) = open_temp();
    story::story(&store).await;
    let conn = Connection::open(dir.path().join(DB_FILE)).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        conn.execute("DELETE FROM audit_log WHERE seq = 2", [])
            .is_err()
    );
    assert!(
        conn.execute("UPDATE audit_log SET ip = '6.6.6.6' WHERE seq = 3", [])
            .is_err()
    );
    // Someone with file access drops the guard and edits an entry: verify finds it.
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET ip = '6.6.6.6' WHERE seq = 3;",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let report = store
        .verify_audit("org_a")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!report.ok);
    assert_eq!(report.first_bad_seq, Some(3));
    // Hashed by four threads: the same verdict, the same entry named.
    for jobs in [1, 4] {
        let parallel = store
            .verify_audit_jobs("org_a", jobs)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parallel, report, "jobs {jobs}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_applies_no_migration_twice_and_keeps_data() {
    let (dir, store) = open_temp();
    story::story(&store).await;
    drop(store);
    let again = SqliteStore::open(&dir.path().join(DB_FILE)).unwrap_or_else(|e| panic!("{e}"));
    let orgs = again.list_orgs().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(orgs.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_writes_continue_is_consistent_and_restores() {
    let (dir, store) = open_temp();
    story::story(&store).await;
    let store = std::sync::Arc::new(store);
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..300 {
                let ev = wt_core::audit::AuditEvent::new(
                    wt_core::audit::Actor::operator(),
                    "test.write",
                    &wt_core::audit::RequestMeta::default(),
                );
                store
                    .append_audit("org_a", ev, 1_800_000_100 + i)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        })
    };
    let copy = dir.path().join("copy.db");
    let db = dir.path().join(DB_FILE);
    let report = tokio::task::spawn_blocking({
        let (db, copy) = (db.clone(), copy.clone());
        move || backup_to(&db, &copy)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
    .unwrap_or_else(|e| panic!("{e}"));
    writer.await.unwrap_or_else(|e| panic!("{e}"));
    assert!(report.integrity_ok && report.bytes > 0);
    assert!(
        matches!(backup_to(&db, &copy), Err(StoreError::Conflict(_))),
        "never overwrites"
    );
    // The copy is a snapshot: its chain verifies wherever the writer was.
    let restored_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let target = restored_dir.path().join(DB_FILE);
    restore_from(&copy, &target).unwrap_or_else(|e| panic!("{e}"));
    let restored = SqliteStore::open(&target).unwrap_or_else(|e| panic!("{e}"));
    let r = restored
        .verify_audit("org_a")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(r.ok, "{r:?}");
    assert!(r.entries >= 6);
    // A damaged file is refused.
    let bad = dir.path().join("bad.db");
    std::fs::write(&bad, b"not a database at all").unwrap_or_else(|e| panic!("{e}"));
    assert!(restore_from(&bad, &restored_dir.path().join("other.db")).is_err());
}

/// A log older than the tree's table (its nodes deleted here) is rebuilt by the backfill.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_tree_of_an_older_log_is_backfilled() {
    let (dir, store) = open_temp();
    story::story(&store).await;
    story::activity_story(&store).await;
    story::checkpoints_story(&store).await;
    let conn = Connection::open(dir.path().join(DB_FILE)).unwrap_or_else(|e| panic!("{e}"));
    let n = conn
        .execute("DELETE FROM audit_tree_nodes WHERE org_id = 'org_ck'", [])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(n > 13, "{n} nodes");
    drop(conn);
    story::backfill_story(&store).await;
}
