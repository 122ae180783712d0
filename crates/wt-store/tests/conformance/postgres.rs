//! The story and the checks that need several daemons or both backends, each on a fresh
//! PostgreSQL database ([`TempDb`]). Skipped (the test says SKIPPED) when no server
//! answers, unless `WT_REQUIRE_POSTGRES=1`.

use crate::story;
use std::sync::Arc;
use wt_store::postgres::connect::client;
use wt_store::postgres::{PgConnector, PgOptions, PgStore, Pooler, Schema, migrate, redact};
use wt_store::sql::{Backend, copy};
use wt_store::sqlite::SqliteStore;
use wt_store::{AuditStore, HealthStore, IngestStore, KeyStore, StoreError, UserStore};

/// A fresh, empty database on the test server (`WT_TEST_DATABASE_URL`, default the
/// local server), dropped when the guard goes. `None` (the test says SKIPPED) when no
/// server answers, unless `WT_REQUIRE_POSTGRES=1`.
pub(crate) struct TempDb {
    admin: String,
    pub name: String,
    pub url: String,
}

impl TempDb {
    pub(crate) fn create(test: &str) -> Option<TempDb> {
        // The synchronous driver runs its own runtime: keep it off the test's.
        let test = test.to_string();
        std::thread::spawn(move || Self::create_blocking(&test))
            .join()
            .unwrap_or_else(|_| panic!("creating the test database panicked"))
    }

    fn create_blocking(test: &str) -> Option<TempDb> {
        let admin = std::env::var("WT_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let mut client = match client(&admin) {
            Ok(c) => c,
            Err(e) if std::env::var("WT_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
                panic!("PostgreSQL required (WT_REQUIRE_POSTGRES=1) but {admin}: {e}")
            }
            Err(e) => {
                eprintln!(
                    "SKIPPED {test}: no PostgreSQL at {} ({e}); set WT_TEST_DATABASE_URL",
                    redact(&admin)
                );
                return None;
            }
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("wt_test_{}_{nanos}", std::process::id());
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("create database {name}: {e}"));
        let url = with_database(&admin, &name);
        Some(TempDb { admin, name, url })
    }
}

/// `url` pointing at database `name` instead (query string kept).
fn with_database(url: &str, name: &str) -> String {
    let host_start = url.find("://").map_or(0, |i| i + 3);
    let (base, query) = match url.find('?') {
        Some(q) => url.split_at(q),
        None => (url, ""),
    };
    let base = match base[host_start..].find('/') {
        Some(slash) => &base[..host_start + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(mut c) = client(&admin) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        })
        .join();
    }
}

#[test]
fn test_urls_point_at_the_fresh_database() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
        "postgres://postgres@127.0.0.1:5432/t1"
    );
    assert_eq!(
        with_database("postgres://u@h/db?sslmode=disable", "t2"),
        "postgres://u@h/t2?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@h", "t3"), "postgres://u@h/t3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_conformance_story() {
    let Some(db) = TempDb::create("postgres_passes_the_conformance_story") else {
        return;
    };
    let store = PgStore::connect(&db.url, 4)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    story::story(&store).await;
    story::sign_ins_story(&store).await;
    story::keys_story(&store).await;
    story::activity_story(&store).await;
    story::audit_filters_story(&store).await;
    story::members_paging_story(&store).await;
    story::passkeys_story(&store).await;
    story::checkpoints_story(&store).await;
    crate::audit_sinks::sinks_story(&store).await;
    let report = store
        .verify_audit("org_a")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.ok, "{report:?}");
    let store = std::sync::Arc::new(store);
    story::group_commit_story(store.clone()).await;
    story::idempotency_story(store).await;
}

/// The story again with every statement unnamed and every parameter `unknown`, as behind
/// a pooler in transaction mode (`--database-pooler transaction`): the server infers each
/// parameter's type from the statement and parses the text the values are sent as.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_conformance_story_with_unnamed_statements() {
    let Some(db) = TempDb::create("postgres_passes_the_conformance_story_with_unnamed_statements")
    else {
        return;
    };
    let connector = Arc::new(PgConnector::from_url(&db.url).unwrap_or_else(|e| panic!("{e}")));
    let options = PgOptions {
        pooler: Pooler::Transaction,
        ..PgOptions::with_pool_size(4)
    };
    let store = PgStore::open(connector, &options, Schema::Migrate)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    story::story(&store).await;
    story::sign_ins_story(&store).await;
    story::keys_story(&store).await;
    story::activity_story(&store).await;
    story::audit_filters_story(&store).await;
    story::members_paging_story(&store).await;
    let report = store
        .verify_audit("org_a")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.ok, "{report:?}");
    let store = Arc::new(store);
    story::group_commit_story(store.clone()).await;
    story::idempotency_story(store).await;
}

/// The claim unnamed statements rest on, checked against the server: a parameter
/// declared `unknown` gets the type the server infers for an unspecified one (a named
/// prepare without types), and values sent as text in that case arrive intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_parameters_are_inferred_like_a_named_prepare() {
    let Some(db) = TempDb::create("unknown_parameters_are_inferred_like_a_named_prepare") else {
        return;
    };
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        use postgres::types::Type;
        use wt_store::sql::Value;
        let mut c = client(&url).unwrap_or_else(|e| panic!("{e}"));
        c.batch_execute(
            "CREATE TABLE t (i BIGINT, n INT, f DOUBLE PRECISION, s TEXT, b BYTEA, ok BOOLEAN)",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for sql in [
            "INSERT INTO t (i, n, f, s, b, ok) VALUES ($1, $2, $3, $4, $5, $6)",
            "SELECT i FROM t WHERE i > $1 AND s = $2 AND b = $3 AND f < $4 AND n = $5",
            "UPDATE t SET i = GREATEST(i, $1), s = COALESCE($2, s) WHERE n = $3",
            "SELECT $1 + i FROM t",
        ] {
            let named = c.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
            let unknown = vec![Type::UNKNOWN; named.params().len()];
            let typed = c
                .prepare_typed(sql, &unknown)
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            assert_eq!(named.params(), typed.params(), "{sql}");
        }
        let values = [
            Value::Int(i64::MIN + 1),
            Value::Int(-7),
            Value::Real(0.1),
            Value::Text("it's \\ naïve".into()),
            Value::Blob(vec![0, 1, 0xfe, 0xff]),
            Value::Int(1),
        ];
        let params: Vec<(&(dyn postgres::types::ToSql + Sync), Type)> = values
            .iter()
            .map(|v| (v as &(dyn postgres::types::ToSql + Sync), Type::UNKNOWN))
            .collect();
        let n = c
            .execute_typed(
                "INSERT INTO t (i, n, f, s, b, ok) VALUES ($1, $2, $3, $4, $5, $6)",
                &params,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, 1);
        let row = c
            .query_one("SELECT i, n, f, s, b, ok FROM t", &[])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(row.get::<_, i64>(0), i64::MIN + 1);
        assert_eq!(row.get::<_, i32>(1), -7);
        assert_eq!(row.get::<_, f64>(2), 0.1);
        assert_eq!(row.get::<_, String>(3), "it's \\ naïve");
        assert_eq!(row.get::<_, Vec<u8>>(4), vec![0, 1, 0xfe, 0xff]);
        assert!(row.get::<_, bool>(5));
        // NULL.
        let null = Value::Null;
        let rows = c
            .query_typed(
                "SELECT i FROM t WHERE s IS DISTINCT FROM $1",
                &[(&null, Type::UNKNOWN)],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows.len(), 1);
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

/// Every table of both schemas is either copied or deliberately not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_copy_list_names_every_table_of_both_schemas() {
    let Some(db) = TempDb::create("the_copy_list_names_every_table_of_both_schemas") else {
        return;
    };
    let pg = PgStore::connect(&db.url, 2)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let lite = SqliteStore::open(&dir.path().join("x.db")).unwrap_or_else(|e| panic!("{e}"));
    let mut expected: Vec<String> = copy::COPY_TABLES.iter().map(|t| t.to_string()).collect();
    expected.sort();
    let on_pg = pg
        .backend()
        .read(|db| copy::table_names(db))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let on_sqlite = lite
        .backend()
        .read(|db| copy::table_names(db))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(on_pg, expected);
    assert_eq!(on_sqlite, expected);
}

/// The acceptance path of `wtd copy`: an SQLite installation with history moves into
/// an empty PostgreSQL database with every row, and its chain verifies there; a second
/// copy into the now non-empty database is refused and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_from_sqlite_into_postgres_keeps_every_row_and_the_chain() {
    let Some(db) = TempDb::create("copy_from_sqlite_into_postgres_keeps_every_row_and_the_chain")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let lite = SqliteStore::open(&dir.path().join("x.db")).unwrap_or_else(|e| panic!("{e}"));
    story::story(&lite).await;
    story::keys_story(&lite).await;
    // What COPY's text format treats as syntax (tab, newline, carriage return, backslash,
    // `\N`, `\.`) arrives as it was: the chain, which hashes the user agent, verifies.
    let odd = wt_core::audit::RequestMeta {
        ip: Some("192.0.2.9".into()),
        user_agent: Some("tab\there nl\nthere cr\r bs\\ null \\N end \\.\n\\.".into()),
    };
    lite.append_audit(
        "org_a",
        wt_core::audit::AuditEvent::new(wt_core::audit::Actor::operator(), "test.escapes", &odd),
        1_800_000_800,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let pg = PgStore::connect(&db.url, 2)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let version_before = pg.cache_version().await.unwrap_or_else(|e| panic!("{e}"));
    let report = copy::copy_between(&lite, &pg)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The whole copy is one transaction: one new cache version (0030), carried by every
    // copied key; a replica that saw the version before reads them all as changed.
    let version_after = pg.cache_version().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        version_after,
        version_before + 1,
        "one version per transaction"
    );
    let changed = pg
        .cache_changes(version_before)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(changed.version, version_after);
    assert_eq!(
        changed.keys.len(),
        lite.api_keys_for_cache(0, None, 1000)
            .await
            .unwrap_or_default()
            .len(),
        "every copied key is newer than the version before the copy"
    );
    assert!(
        pg.cache_changes(version_after)
            .await
            .is_ok_and(|c| c.keys.is_empty() && c.orgs.is_empty()),
        "nothing newer than the copy's version"
    );
    let copied_agent = pg
        .audit_query(
            "org_a",
            wt_store::AuditQuery {
                action: Some("test.escapes".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        copied_agent.first().and_then(|e| e.user_agent.clone()),
        odd.user_agent,
        "the user agent came through COPY unchanged"
    );
    let source = lite
        .verify_audit("org_a")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.audit_entries_verified, source.entries);
    assert!(source.entries > 5);
    let rows = |t: &str| {
        report
            .tables
            .iter()
            .find(|(n, _)| n == t)
            .map_or(0, |(_, c)| *c)
    };
    assert!(rows("api_keys") >= 3 && rows("users") >= 1 && rows("ingest_events") >= 2);
    // Same answers from both stores.
    assert_eq!(
        lite.api_keys_list("org_a").await.unwrap_or_default(),
        pg.api_keys_list("org_a").await.unwrap_or_default()
    );
    assert_eq!(
        lite.user_for_login("owner@acme.test")
            .await
            .ok()
            .flatten()
            .map(|c| c.password_hash),
        pg.user_for_login("owner@acme.test")
            .await
            .ok()
            .flatten()
            .map(|c| c.password_hash)
    );
    // Appends continue the chain and the identity sequence on PostgreSQL.
    let ev = wt_core::audit::AuditEvent::new(
        wt_core::audit::Actor::operator(),
        "test.after_copy",
        &wt_core::audit::RequestMeta::default(),
    );
    pg.append_audit("org_a", ev, 1_800_000_900)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(pg.verify_audit("org_a").await.is_ok_and(|r| r.ok));
    pg.ingest_append(vec![wt_store::IngestBatch {
        org_id: "org_a".into(),
        key_id: "key_1".into(),
        environment: wt_core::apikey::Environment::Production,
        received_at: 1_800_000_900,
        events: vec!["{}".into()],
        idempotency: None,
    }])
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    // Never over existing data.
    assert!(matches!(
        copy::copy_between(&lite, &pg).await,
        Err(StoreError::Conflict(_))
    ));
}

/// Two daemons (two pools) appending to one org's audit log at once keep one gap-free
/// chain: the org's lock is in the database, not in either process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_from_two_daemons_keep_one_verifiable_chain() {
    let Some(db) = TempDb::create("concurrent_appends_from_two_daemons_keep_one_verifiable_chain")
    else {
        return;
    };
    let a = Arc::new(
        PgStore::connect(&db.url, 4)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let b = Arc::new(
        PgStore::connect(&db.url, 4)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    story::story(a.as_ref()).await;
    let before = a
        .verify_audit("org_a")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .entries;
    let mut tasks = Vec::new();
    for (n, store) in [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .enumerate()
    {
        tasks.push(tokio::spawn(async move {
            for i in 0..50 {
                let ev = wt_core::audit::AuditEvent::new(
                    wt_core::audit::Actor::operator(),
                    "test.concurrent",
                    &wt_core::audit::RequestMeta::default(),
                );
                store
                    .append_audit("org_a", ev, 1_800_001_000 + (n * 100 + i) as i64)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap_or_else(|e| panic!("{e}"));
    }
    let report = b
        .verify_audit("org_a")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.ok, "{report:?}");
    assert_eq!(
        report.entries,
        before + 200,
        "no entry lost, no seq used twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_run_once_even_from_several_daemons_at_once() {
    let Some(db) = TempDb::create("migrations_run_once_even_from_several_daemons_at_once") else {
        return;
    };
    let (a, b) = tokio::join!(PgStore::connect(&db.url, 2), PgStore::connect(&db.url, 2));
    a.unwrap_or_else(|e| panic!("{e}"));
    b.unwrap_or_else(|e| panic!("{e}"));
    let url = db.url.clone();
    let (versions, again) = tokio::task::spawn_blocking(move || {
        let mut c = client(&url).unwrap_or_else(|e| panic!("{e}"));
        let v: i64 = c
            .query_one("SELECT COUNT(*) FROM schema_migrations", &[])
            .unwrap_or_else(|e| panic!("{e}"))
            .get(0);
        (v, migrate(&mut c).unwrap_or_else(|e| panic!("{e}")))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        versions,
        shipped_migrations(),
        "every shipped migration, once"
    );
    assert_eq!(again, 0, "nothing left to apply");
}

/// How many PostgreSQL migrations the crate ships (`src/postgres/migrations/*.sql`).
fn shipped_migrations() -> i64 {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/postgres/migrations");
    let files = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}"));
    files
        .filter_map(|f| f.ok())
        .filter(|f| f.path().extension().is_some_and(|x| x == "sql"))
        .count() as i64
}

/// A log older than the tree's table (its nodes deleted here) is rebuilt by the backfill.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_tree_of_an_older_log_is_backfilled() {
    let Some(db) = TempDb::create("the_audit_tree_of_an_older_log_is_backfilled") else {
        return;
    };
    let store = PgStore::connect(&db.url, 4)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    story::story(&store).await;
    story::activity_story(&store).await;
    story::checkpoints_story(&store).await;
    let url = db.url.clone();
    let n = std::thread::spawn(move || {
        let mut c = client(&url).unwrap_or_else(|e| panic!("{e}"));
        c.execute("DELETE FROM audit_tree_nodes WHERE org_id = 'org_ck'", &[])
            .unwrap_or_else(|e| panic!("{e}"))
    })
    .join()
    .unwrap_or_else(|_| panic!("thread"));
    assert!(n > 13, "{n} nodes");
    story::backfill_story(&store).await;
}
