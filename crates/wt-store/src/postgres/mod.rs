//! The PostgreSQL backend: the same queries as SQLite (`crate::sql`), for several daemons
//! on one database.
//!
//! - Connections come from a small pool ([`PgStore::open`]); every call runs on the
//!   blocking pool with one of them (the `postgres` driver is synchronous), so nothing
//!   blocks the async executor. A connection that failed is dropped, not reused.
//! - How a connection is opened (the URL, libpq's TLS parameters over rustls, the password
//!   looked up per connection) is [`connect`]'s, with [`tls`] and [`passfile`].
//! - Statements are prepared once per connection and cached; `?1` placeholders become
//!   `$1` ([`crate::sql::numbered_placeholders`]).
//! - Each write is one transaction (READ COMMITTED). What the single SQLite writer gave
//!   for free comes from the statements: conditional updates (`... AND used_at IS NULL`),
//!   upserts, and the org row lock every audited change takes first, which serialises the
//!   org's audit chain across daemons (one gap-free chain per org).
//! - Migrations ([`migrate`]) are numbered twins of the SQLite ones, applied under an
//!   advisory lock, so several daemons may run them at once. Only opening with
//!   [`Schema::Migrate`] (`wtd migrate`) applies them; [`Schema::Check`] (`wtd serve`)
//!   only checks the version, so the runtime role needs no DDL right.

use crate::sql::{Backend, Db, Dialect, Row, SqlStore, Value, internal, numbered_placeholders};
use crate::{Result, StoreError};
use bytes::BytesMut;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, GenericClient, Statement};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{Semaphore, mpsc, oneshot};

pub mod connect;
pub mod listen;
pub mod options;
pub mod passfile;
pub mod tls;

pub use connect::PgConnector;
pub use options::{PgOptions, Pooler};

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
    (13, include_str!("migrations/0013_ingest_idempotency.sql")),
    (14, include_str!("migrations/0014_cache_notify.sql")),
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

type IngestJob = (
    crate::IngestBatch,
    oneshot::Sender<Result<crate::IngestOutcome>>,
);

/// A pool of connections to one PostgreSQL database, and the ingest group-commit queue.
pub struct PgBackend {
    pool: Arc<Pool>,
    /// Started by the first ingest request (it needs a runtime to run on).
    ingest: OnceLock<mpsc::Sender<IngestJob>>,
    /// The cache-version feed (`None` behind a transaction pooler, where `LISTEN` cannot
    /// work: every check reads the version).
    listener: Option<listen::CacheListener>,
}

/// The connections themselves.
struct Pool {
    /// Opens connections: URL, TLS, and the password looked up anew each time.
    connector: Arc<PgConnector>,
    idle: Mutex<Vec<Conn>>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for PgBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBackend")
            .field("database", &self.pool.connector.display())
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

/// Whether opening a database may change its schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// Apply pending migrations (`wtd migrate`, the first `wtd init`, the destination of
    /// `wtd copy`): needs the role that owns the schema.
    Migrate,
    /// Only check that the schema is the one this build was made for (`wtd serve` and the
    /// other commands): a runtime role without any DDL right is enough.
    Check,
}

/// The schema version this build needs (its last migration).
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`, with libpq's TLS and password
    /// parameters), applies pending migrations and keeps up to `pool_size` connections.
    pub async fn connect(url: &str, pool_size: usize) -> Result<Self> {
        Self::open(
            Arc::new(PgConnector::from_url(url)?),
            &PgOptions::with_pool_size(pool_size),
            Schema::Migrate,
        )
        .await
    }

    /// Connects with `connector`, migrates or checks the schema (`schema`) and keeps up
    /// to `options.pool_size` connections. Warns loudly when a database on another machine is
    /// reached without TLS, or without checking its certificate.
    pub async fn open(
        connector: Arc<PgConnector>,
        options: &PgOptions,
        schema: Schema,
    ) -> Result<Self> {
        let pool = Arc::new(Pool {
            connector,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(options.pool_size.max(1))),
        });
        let encrypted = Arc::clone(&pool)
            .with_conn(move |conn| {
                match schema {
                    Schema::Migrate => {
                        migrate(&mut conn.client)?;
                    }
                    Schema::Check => check_schema(&mut conn.client)?,
                }
                Ok(encrypted(&mut conn.client))
            })
            .await?;
        warn_if_exposed(&pool.connector, encrypted);
        let listener = (options.pooler == Pooler::None)
            .then(|| listen::CacheListener::new(Arc::clone(&pool.connector)));
        Ok(SqlStore::new(PgBackend {
            pool,
            ingest: OnceLock::new(),
            listener,
        }))
    }

    /// The database URL, password hidden.
    pub fn display_url(&self) -> &str {
        self.backend.pool.connector.display()
    }
}

/// Whether this connection is encrypted, as the server sees it (`None`: it would not say,
/// e.g. behind a pooler).
fn encrypted(client: &mut Client) -> Option<bool> {
    client
        .query_opt(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .ok()
        .flatten()
        .and_then(|row| row.try_get::<_, bool>(0).ok())
}

/// The warning for a database on another machine reached in plain text (or, with
/// `prefer`/`require` and no CA, over TLS whose certificate nobody checks); `None` when
/// there is nothing to warn about.
pub fn exposure_warning(connector: &PgConnector, encrypted: Option<bool>) -> Option<String> {
    if connector.is_local() {
        return None;
    }
    let policy = connector.tls_policy();
    let hosts = connector.hosts();
    let remedy = "add sslmode=verify-full&sslrootcert=/path/to/ca.pem to the database URL \
                  (README: Running on managed PostgreSQL)";
    let plain = match encrypted {
        Some(e) => !e,
        None => !policy.mode.requires_tls(),
    };
    if plain {
        return Some(format!(
            "DATABASE TRAFFIC IS NOT ENCRYPTED: the connection to {hosts} (sslmode={}) is \
             plain text, so passwords, sessions and audit data cross the network readable \
             and alterable; to turn TLS on, {remedy}",
            policy.mode.as_str()
        ));
    }
    if !policy.verifies() {
        return Some(format!(
            "the database's certificate is NOT CHECKED: the connection to {hosts} is \
             encrypted (sslmode={}) but anyone on the path could pose as the server; \
             {remedy}",
            policy.mode.as_str()
        ));
    }
    None
}

fn warn_if_exposed(connector: &PgConnector, encrypted: Option<bool>) {
    if let Some(w) = exposure_warning(connector, encrypted) {
        tracing::warn!("{w}");
    }
}

/// Refuses a database whose schema is not this build's: not migrated yet (or not to the
/// end), or migrated by a `wtd` more than one release newer (one ahead is a rolling
/// upgrade in progress, and allowed). The messages name what to run.
fn check_schema(client: &mut Client) -> Result<()> {
    let found: i64 = client
        .query_one(
            "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0
                    ELSE (SELECT COALESCE(MAX(version), 0) FROM schema_migrations) END",
            &[],
        )?
        .get(0);
    if found < SCHEMA_VERSION {
        return Err(StoreError::Conflict(format!(
            "the database schema is at version {found}, this wtd needs {SCHEMA_VERSION}: \
             run `wtd migrate` with the role that owns the schema (the same --database-url \
             with the owner's user), then start again"
        )));
    }
    if found == SCHEMA_VERSION + 1 {
        // A rolling upgrade: the new release migrated, this daemon is still the old one.
        // Migrations stay compatible with the release before them.
        tracing::warn!(
            "the database schema is at version {found}, one ahead of this wtd's \
             {SCHEMA_VERSION} (a rolling upgrade?): upgrade this daemon soon"
        );
        return Ok(());
    }
    if found > SCHEMA_VERSION {
        return Err(StoreError::Conflict(format!(
            "the database schema is at version {found}, newer than this wtd's \
             {SCHEMA_VERSION}: run the wtd release that migrated it (or a newer one)"
        )));
    }
    Ok(())
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
                    client: self.connector.connect()?,
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

    async fn ingest(&self, batch: crate::IngestBatch) -> Result<crate::IngestOutcome> {
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

    async fn synced_cache_version(&self) -> Option<i64> {
        self.listener.as_ref()?.synced_version().await
    }
}

/// Stores queued ingest requests, each group of whatever waits in one transaction, until
/// the backend (the queue's sender) is dropped.
async fn group_commit(pool: Arc<Pool>, mut rx: mpsc::Receiver<IngestJob>) {
    let mut group: Vec<IngestJob> = Vec::with_capacity(MAX_GROUP);
    while rx.recv_many(&mut group, MAX_GROUP).await > 0 {
        let (batches, acks): (Vec<_>, Vec<_>) = group.drain(..).unzip();
        let result = if crate::sql::ingest::is_one_statement(&batches) {
            // One INSERT is atomic by itself: no BEGIN/COMMIT round trips around it.
            Arc::clone(&pool)
                .with_conn(move |conn| {
                    let db = PgDb {
                        client: RefCell::new(&mut conn.client),
                        statements: RefCell::new(&mut conn.statements),
                    };
                    crate::sql::ingest::insert_events(&db, &batches)
                })
                .await
        } else {
            Arc::clone(&pool)
                .write(move |db| crate::sql::ingest::insert_events(db, &batches))
                .await
        };
        for (i, ack) in acks.into_iter().enumerate() {
            let _ = ack.send(result.as_ref().map(|o| o[i]).map_err(Clone::clone));
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
mod tests {
    use super::*;

    fn warning(url: &str, encrypted: Option<bool>) -> Option<String> {
        let c = PgConnector::from_url(url).unwrap_or_else(|e| panic!("{e}"));
        exposure_warning(&c, encrypted)
    }

    #[test]
    fn a_remote_database_in_plain_text_gets_a_loud_warning_naming_the_remedy() {
        let w = warning("postgres://wt@db.internal/wt", Some(false)).unwrap_or_default();
        assert!(
            w.contains("NOT ENCRYPTED") && w.contains("sslmode=verify-full"),
            "{w}"
        );
        assert!(
            w.contains("sslmode=prefer") && w.contains("db.internal:5432"),
            "{w}"
        );
        let w = warning("postgres://wt@db.internal/wt?sslmode=disable", None).unwrap_or_default();
        assert!(w.contains("NOT ENCRYPTED"), "{w}");
        // prefer that got TLS, or require: encrypted but the certificate is not checked.
        let w = warning("postgres://wt@db.internal/wt", Some(true)).unwrap_or_default();
        assert!(w.contains("NOT CHECKED"), "{w}");
        let w = warning("postgres://wt@db.internal/wt?sslmode=require", None).unwrap_or_default();
        assert!(w.contains("NOT CHECKED"), "{w}");
    }

    #[test]
    fn local_or_verified_databases_get_no_warning() {
        assert_eq!(
            warning("postgres://postgres@127.0.0.1:5432/wt", Some(false)),
            None
        );
        assert_eq!(
            warning("postgres://wt@localhost/wt?sslmode=disable", None),
            None
        );
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let ca = dir.path().join("ca.pem");
        // Any certificate will do: it is only parsed.
        std::fs::write(&ca, TEST_CA).unwrap_or_else(|e| panic!("{e}"));
        let url = format!(
            "postgres://wt@db.internal/wt?sslmode=verify-full&sslrootcert={}",
            ca.display()
        );
        assert_eq!(warning(&url, Some(true)), None);
    }

    /// A self-signed CA certificate (`openssl req -x509 -newkey ec ...`), only parsed.
    const TEST_CA: &str = include_str!("testdata/ca.pem");

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
}
