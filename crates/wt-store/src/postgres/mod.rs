//! The PostgreSQL backend: the same queries as SQLite (`crate::sql`), for several daemons
//! on one database.
//!
//! - Connections come from a small pool ([`PgBackend::connect`]); every call runs on the
//!   blocking pool with one of them (the `postgres` driver is synchronous), so nothing
//!   blocks the async executor. A connection that failed is dropped, not reused.
//! - Statements are prepared once per connection and cached; `?1` placeholders become
//!   `$1` ([`crate::sql::numbered_placeholders`]).
//! - Each write is one transaction (READ COMMITTED). What the single SQLite writer gave
//!   for free comes from the statements: conditional updates (`... AND used_at IS NULL`),
//!   upserts, and the org row lock every audited change takes first, which serialises the
//!   org's audit chain across daemons (one gap-free chain per org).
//! - Migrations ([`migrate`]) are numbered twins of the SQLite ones, applied under an
//!   advisory lock, so several daemons may run them at once.

use crate::sql::{Backend, Db, Dialect, Row, SqlStore, Value, internal, numbered_placeholders};
use crate::{Result, StoreError};
use bytes::BytesMut;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, GenericClient, NoTls, Statement};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// Numbered migrations, twins of `sqlite/migrations/` (same numbers, same end schema;
/// `scripts/pg-schema-check.py` compares the two).
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_mfa.sql")),
    (3, include_str!("migrations/0003_mail.sql")),
    (4, include_str!("migrations/0004_team.sql")),
    (5, include_str!("migrations/0005_audit_read.sql")),
    (6, include_str!("migrations/0006_mfa_grace.sql")),
    (7, include_str!("migrations/0007_audit_actions.sql")),
    (8, include_str!("migrations/0008_keys.sql")),
    (9, include_str!("migrations/0009_tokens_readiness.sql")),
    (10, include_str!("migrations/0010_health.sql")),
    (11, include_str!("migrations/0011_cache_version.sql")),
    (12, include_str!("migrations/0012_installation.sql")),
];

/// Key of the advisory lock held while migrating (any constant shared by every daemon).
const MIGRATION_LOCK: i64 = 0x5754_6d69_6772_6174; // "WTmigrat"

/// Connections kept by default; `--database-pool-size` changes it.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// The PostgreSQL store: the shared queries over [`PgBackend`].
pub type PgStore = SqlStore<PgBackend>;

/// One pooled connection and the statements prepared on it.
struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

/// Ingest requests waiting for the group-commit task; when full, requests wait.
const INGEST_QUEUE: usize = 4096;
/// Ingest requests grouped into one transaction at most.
const MAX_GROUP: usize = 512;

type IngestJob = (crate::IngestBatch, oneshot::Sender<Result<u64>>);

/// A pool of connections to one PostgreSQL database, and the ingest group-commit queue.
pub struct PgBackend {
    pool: Arc<Pool>,
    /// Started by the first ingest request (it needs a runtime to run on).
    ingest: OnceLock<mpsc::Sender<IngestJob>>,
}

/// The connections themselves.
struct Pool {
    config: postgres::Config,
    idle: Mutex<Vec<Conn>>,
    permits: Arc<Semaphore>,
    /// The URL without its password, for messages.
    display: String,
}

impl std::fmt::Debug for PgBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBackend")
            .field("database", &self.pool.display)
            .finish()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // A synchronous client blocks on its own runtime when dropped, which panics on an
        // async worker thread: close the idle connections on a thread of their own.
        let conns: Vec<Conn> = self
            .idle
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default();
        if !conns.is_empty() {
            let _ = std::thread::Builder::new()
                .name("wt-pg-close".into())
                .spawn(move || drop(conns));
        }
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
        if e.is_closed() || io {
            // The connection or the server went away: the same request can succeed later.
            return StoreError::Unavailable(e.to_string());
        }
        match e.code().map(|c| c.code()) {
            // Disk full, out of memory, too many connections, shutting down, read-only;
            // a deadlock or serialisation failure (the same request can be retried).
            Some(
                "53100" | "53200" | "53300" | "57P01" | "57P02" | "57P03" | "25006" | "40P01"
                | "40001",
            ) => StoreError::Unavailable(sqlstate_only(&e)),
            // A uniqueness race between daemons (e.g. the same email at once).
            Some("23505") => StoreError::Conflict("it already exists".into()),
            _ => internal(sqlstate_only(&e)),
        }
    }
}

/// The SQLSTATE and message of a database error, without its DETAIL (which can quote row
/// values, such as hashes) and without the statement: what may go to the log.
fn sqlstate_only(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            Value::Real(f) => f.to_sql(ty, out),
            Value::Text(s) => s.to_sql(ty, out),
            Value::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn value_at(row: &postgres::Row, i: usize) -> Result<Value> {
    let ty = row.columns()[i].type_().clone();
    let v = match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)?
            .map(|v| Value::Int(v.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)?
            .map(|v| Value::Int(v.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)?
            .map(|v| Value::Int(v.into())),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(Value::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)?
            .map(|v| Value::Real(v.into())),
        Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
        _ => row.try_get::<_, Option<String>>(i)?.map(Value::Text),
    };
    Ok(v.unwrap_or(Value::Null))
}

fn row_of(row: &postgres::Row) -> Result<Row> {
    (0..row.len())
        .map(|i| value_at(row, i))
        .collect::<Result<Vec<_>>>()
        .map(Row)
}

/// A connection (inside a transaction, for writes) as the shared queries see it.
struct PgDb<'a, C: GenericClient> {
    client: RefCell<&'a mut C>,
    statements: RefCell<&'a mut HashMap<String, Statement>>,
}

impl<C: GenericClient> PgDb<'_, C> {
    fn statement(&self, sql: &str) -> Result<Statement> {
        if let Some(st) = self.statements.borrow().get(sql) {
            return Ok(st.clone());
        }
        let st = self
            .client
            .borrow_mut()
            .prepare(&numbered_placeholders(sql))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_string(), st.clone());
        Ok(st)
    }
}

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl<C: GenericClient> Db for PgDb<'_, C> {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<usize> {
        let st = self.statement(sql)?;
        let n = self.client.borrow_mut().execute(&st, &refs(params))?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let st = self.statement(sql)?;
        let rows = self.client.borrow_mut().query(&st, &refs(params))?;
        rows.iter().map(row_of).collect()
    }

    fn query_first(&self, sql: &str, params: &[Value]) -> Result<Option<Row>> {
        let st = self.statement(sql)?;
        let rows = self.client.borrow_mut().query(&st, &refs(params))?;
        rows.first().map(row_of).transpose()
    }

    fn query_each(
        &self,
        sql: &str,
        params: &[Value],
        f: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        let st = self.statement(sql)?;
        let mut client = self.client.borrow_mut();
        let mut rows = client.query_raw(&st, params.iter())?;
        while let Some(r) = rows.next()? {
            f(&row_of(&r)?)?;
        }
        Ok(())
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

/// `postgres://user:***@host/db` for messages and logs.
pub fn redact(url: &str) -> String {
    let (url, query) = match url.split_once('?') {
        Some((u, q)) => (u, Some(q)),
        None => (url, None),
    };
    let query = query
        .map(|q| {
            q.split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect::<Vec<_>>()
                .join("&")
        })
        .map_or(String::new(), |q| format!("?{q}"));
    format!("{}{query}", redact_userinfo(url))
}

fn redact_userinfo(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`), applies pending migrations and
    /// keeps up to `pool_size` connections.
    pub async fn connect(url: &str, pool_size: usize) -> Result<Self> {
        let config: postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Internal(format!("not a PostgreSQL URL: {e}")))?;
        let pool = Arc::new(Pool {
            config,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(pool_size.max(1))),
            display: redact(url),
        });
        Arc::clone(&pool)
            .with_conn(|conn| migrate(&mut conn.client))
            .await?;
        Ok(SqlStore::new(PgBackend {
            pool,
            ingest: OnceLock::new(),
        }))
    }

    /// The database URL, password hidden.
    pub fn display_url(&self) -> &str {
        &self.backend.pool.display
    }
}

/// Applies every migration not yet recorded in `schema_migrations`, each in its own
/// transaction, under an advisory lock (safe to run from several daemons at once).
/// Returns how many were applied.
pub fn migrate(client: &mut Client) -> Result<usize> {
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let result = apply_pending(client);
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
    let n = result?;
    unlocked?;
    Ok(n)
}

fn apply_pending(client: &mut Client) -> Result<usize> {
    client.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )?;
    let applied: Vec<i64> = client
        .query("SELECT version FROM schema_migrations", &[])?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut n = 0;
    for (version, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        let mut tx = client.transaction()?;
        tx.batch_execute(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[version],
        )?;
        tx.commit()?;
        n += 1;
    }
    Ok(n)
}

impl Pool {
    /// Runs `f` with a pooled connection on the blocking pool. A connection whose call
    /// failed because it broke is not returned to the pool.
    async fn with_conn<T, F>(self: Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| internal("the connection pool is closed"))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let pooled = self.idle.lock().ok().and_then(|mut v| v.pop());
            let mut conn = match pooled {
                Some(c) if !c.client.is_closed() => c,
                _ => Conn {
                    client: self.config.connect(NoTls)?,
                    statements: HashMap::new(),
                },
            };
            let out = f(&mut conn);
            if !conn.client.is_closed()
                && !matches!(out, Err(StoreError::Unavailable(_)))
                && let Ok(mut v) = self.idle.lock()
            {
                v.push(conn);
            }
            out
        })
        .await
        .map_err(internal)?
    }
}

impl Backend for PgBackend {
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Db) -> Result<T> + Send + 'static,
    {
        Arc::clone(&self.pool)
            .with_conn(move |conn| {
                let db = PgDb {
                    client: RefCell::new(&mut conn.client),
                    statements: RefCell::new(&mut conn.statements),
                };
                f(&db)
            })
            .await
    }

    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Db) -> Result<T> + Send + 'static,
    {
        Arc::clone(&self.pool).write(f).await
    }

    async fn ingest(&self, batch: crate::IngestBatch) -> Result<u64> {
        let queue = self.ingest.get_or_init(|| {
            let (tx, rx) = mpsc::channel(INGEST_QUEUE);
            tokio::spawn(group_commit(Arc::clone(&self.pool), rx));
            tx
        });
        let (ack, done) = oneshot::channel();
        queue
            .send((batch, ack))
            .await
            .map_err(|_| internal("the ingest queue has stopped"))?;
        done.await
            .map_err(|_| internal("the ingest queue dropped a request"))?
    }

    async fn ping(&self) -> Result<()> {
        self.read(|db| db.query_first("SELECT 1", &[]).map(|_| ()))
            .await
    }
}

/// Stores queued ingest requests, each group of whatever waits in one transaction, until
/// the backend (the queue's sender) is dropped.
async fn group_commit(pool: Arc<Pool>, mut rx: mpsc::Receiver<IngestJob>) {
    let mut group: Vec<IngestJob> = Vec::with_capacity(MAX_GROUP);
    while rx.recv_many(&mut group, MAX_GROUP).await > 0 {
        let (batches, acks): (Vec<_>, Vec<_>) = group.drain(..).unzip();
        let counts: Vec<u64> = batches.iter().map(|b| b.events.len() as u64).collect();
        let result = Arc::clone(&pool)
            .write(move |db| crate::sql::ingest::insert_events(db, &batches))
            .await;
        for (ack, n) in acks.into_iter().zip(counts) {
            let _ = ack.send(result.as_ref().map(|_| n).map_err(Clone::clone));
        }
    }
}

impl Pool {
    /// Runs `f` in one transaction: committed when it returns `Ok`, rolled back otherwise.
    async fn write<T, F>(self: Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Db) -> Result<T> + Send + 'static,
    {
        self.with_conn(move |conn| {
            let mut tx = conn.client.transaction()?;
            let out = {
                let db = PgDb {
                    client: RefCell::new(&mut tx),
                    statements: RefCell::new(&mut conn.statements),
                };
                f(&db)
            };
            match out {
                Ok(v) => {
                    tx.commit()?;
                    Ok(v)
                }
                // Dropping the transaction rolls it back.
                Err(e) => Err(e),
            }
        })
        .await
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{AuditStore, IngestStore, KeyStore, UserStore};

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
            let mut client = match Client::connect(&admin, NoTls) {
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
    pub(crate) fn with_database(url: &str, name: &str) -> String {
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
                if let Ok(mut c) = Client::connect(&admin, NoTls) {
                    let _ =
                        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
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

    #[test]
    fn urls_hide_their_password() {
        assert_eq!(
            redact("postgres://wt:s3cret@db.example:5432/wt"),
            "postgres://wt:***@db.example:5432/wt"
        );
        assert_eq!(
            redact("postgres://wt@db.example/wt"),
            "postgres://wt@db.example/wt"
        );
        assert_eq!(
            redact("postgres:///wt?user=wt&password=s3cret&sslmode=disable"),
            "postgres:///wt?user=wt&password=***&sslmode=disable"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_passes_the_conformance_story() {
        let Some(db) = TempDb::create("postgres_passes_the_conformance_story") else {
            return;
        };
        let store = PgStore::connect(&db.url, 4)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        crate::conformance::story(&store).await;
        crate::conformance::keys_story(&store).await;
        let report = store
            .verify_audit("org_a")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(report.ok, "{report:?}");
        crate::conformance::group_commit_story(std::sync::Arc::new(store)).await;
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
        let lite = crate::sqlite::SqliteStore::open(&dir.path().join("x.db"))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut expected: Vec<String> = crate::sql::copy::COPY_TABLES
            .iter()
            .map(|t| t.to_string())
            .collect();
        expected.sort();
        let on_pg = pg
            .read(|db| crate::sql::copy::table_names(db))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let on_sqlite = lite
            .read(|db| crate::sql::copy::table_names(db))
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
        let Some(db) =
            TempDb::create("copy_from_sqlite_into_postgres_keeps_every_row_and_the_chain")
        else {
            return;
        };
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let lite = crate::sqlite::SqliteStore::open(&dir.path().join("x.db"))
            .unwrap_or_else(|e| panic!("{e}"));
        crate::conformance::story(&lite).await;
        crate::conformance::keys_story(&lite).await;
        let pg = PgStore::connect(&db.url, 2)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let report = crate::sql::copy::copy_between(&lite, &pg)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
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
        pg.ingest_append(vec![crate::IngestBatch {
            org_id: "org_a".into(),
            key_id: "key_1".into(),
            environment: wt_api::Environment::Production,
            received_at: 1_800_000_900,
            events: vec!["{}".into()],
        }])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        // Never over existing data.
        assert!(matches!(
            crate::sql::copy::copy_between(&lite, &pg).await,
            Err(StoreError::Conflict(_))
        ));
    }

    /// Two daemons (two pools) appending to one org's audit log at once keep one gap-free
    /// chain: the org's lock is in the database, not in either process.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_appends_from_two_daemons_keep_one_verifiable_chain() {
        let Some(db) =
            TempDb::create("concurrent_appends_from_two_daemons_keep_one_verifiable_chain")
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
        crate::conformance::story(a.as_ref()).await;
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
        let Some(db) = TempDb::create("migrations_run_once_even_from_several_daemons_at_once")
        else {
            return;
        };
        let (a, b) = tokio::join!(PgStore::connect(&db.url, 2), PgStore::connect(&db.url, 2));
        a.unwrap_or_else(|e| panic!("{e}"));
        b.unwrap_or_else(|e| panic!("{e}"));
        let url = db.url.clone();
        let (versions, again) = tokio::task::spawn_blocking(move || {
            let mut c = Client::connect(&url, NoTls).unwrap_or_else(|e| panic!("{e}"));
            let v: i64 = c
                .query_one("SELECT COUNT(*) FROM schema_migrations", &[])
                .unwrap_or_else(|e| panic!("{e}"))
                .get(0);
            (v, migrate(&mut c).unwrap_or_else(|e| panic!("{e}")))
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(versions, MIGRATIONS.len() as i64);
        assert_eq!(again, 0, "nothing left to apply");
    }
}
