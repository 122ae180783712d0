//! The PostgreSQL backend: the same queries as SQLite (`crate::sql`), for several daemons
//! on one database.
//!
//! - Connections come from a small pool ([`pool`]: its limits, time-outs, and how a
//!   database restart is absorbed); every call runs on the blocking pool with one of them
//!   (the `postgres` driver is synchronous), so nothing blocks the async executor.
//! - How a connection is opened (the URL, libpq's TLS parameters over rustls, the password
//!   looked up per connection) is [`connect`]'s, with [`tls`] and [`passfile`].
//! - Statements are prepared once per connection and cached, or, behind a pooler in
//!   transaction mode, sent unnamed ([`statements`]); `?1` placeholders become `$1`
//!   ([`crate::sql::numbered_placeholders`]). Nothing else keeps session state: no
//!   session `SET`, no temporary table, no `LISTEN` here, advisory locks are per transaction.
//! - Each write is one transaction (READ COMMITTED). What the single SQLite writer gave
//!   for free comes from the statements: conditional updates (`... AND used_at IS NULL`),
//!   upserts, and the org row lock every audited change takes first, which serialises the
//!   org's audit chain across daemons (one gap-free chain per org).
//! - Migrations ([`migrate`]) are numbered twins of the SQLite ones, applied under an
//!   advisory lock taken inside each migration's transaction (`pg_advisory_xact_lock`,
//!   which a transaction pooler keeps on one server session), so several daemons may run
//!   them at once. Each run of it then grants the runtime role its rights ([`grants`]). Only opening with
//!   [`Schema::Migrate`] (`wtd migrate`) applies them; [`Schema::Check`] (`wtd serve`)
//!   only checks the version, so the runtime role needs no DDL right.

use crate::sql::{
    Backend, Db, Dialect, Row, SqlStore, Value, ingest, internal, numbered_placeholders,
};
use crate::{Result, StoreError};
use bytes::BytesMut;
use pool::{Pool, Rerun, Stage};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, GenericClient, Statement};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, oneshot};
use wt_core::clock::UnixTime;

pub mod connect;
pub mod grants;
pub mod listen;
pub mod options;
pub mod passfile;
pub mod pool;
pub mod statements;
pub mod tls;

pub use connect::PgConnector;
pub use options::{DEFAULT_POOL_SIZE, PgOptions, Pooler, SessionLimits};
pub use pool::PoolStats;
use statements::Statements;

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
    (15, include_str!("migrations/0015_ingest_groups.sql")),
    (16, include_str!("migrations/0016_key_usage_hourly.sql")),
    (17, include_str!("migrations/0017_audit_activity.sql")),
    (18, include_str!("migrations/0018_passkeys.sql")),
    (19, include_str!("migrations/0019_token_scopes.sql")),
    (20, include_str!("migrations/0020_device_grants.sql")),
    (21, include_str!("migrations/0021_passkey_policy.sql")),
    (22, include_str!("migrations/0022_key_limits_leaks.sql")),
    (23, include_str!("migrations/0023_event_retention.sql")),
    (24, include_str!("migrations/0024_console_summaries.sql")),
    (25, include_str!("migrations/0025_audit_checkpoints.sql")),
    (26, include_str!("migrations/0026_audit_sinks.sql")),
    (27, include_str!("migrations/0027_passkey_attachment.sql")),
    (28, include_str!("migrations/0028_scale.sql")),
    (29, include_str!("migrations/0029_members_paging.sql")),
    (
        30,
        include_str!("migrations/0030_cache_version_per_transaction.sql"),
    ),
];

/// Key of the advisory lock held while migrating (any constant shared by every daemon).
const MIGRATION_LOCK: i64 = 0x5754_6d69_6772_6174; // "WTmigrat"

/// The PostgreSQL store: the shared queries over [`PgBackend`].
pub type PgStore = SqlStore<PgBackend>;

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

impl std::fmt::Debug for PgBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBackend")
            .field("database", &self.pool.connector.display())
            .finish()
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        pool::note_error(&e);
        let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
        if e.is_closed() || io {
            // The connection or the server went away: the same request can succeed later.
            return StoreError::Unavailable(e.to_string());
        }
        match e.code().map(|c| c.code()) {
            // Disk full, out of memory, too many connections, shutting down, read-only;
            // a deadlock or serialisation failure (the same request can be retried); the
            // session's time limits (statement, lock wait, idle in transaction: the
            // transaction was rolled back); the connection failed.
            Some(
                "53100" | "53200" | "53300" | "57P01" | "57P02" | "57P03" | "25006" | "40P01"
                | "40001" | "57014" | "55P03" | "25P03",
            ) => StoreError::Unavailable(sqlstate_only(&e)),
            Some(c) if c.starts_with("08") => StoreError::Unavailable(sqlstate_only(&e)),
            // A uniqueness race between daemons (e.g. the same email at once).
            Some("23505") => StoreError::Conflict("it already exists".into()),
            // Named statements behind a transaction pooler: say what to change (the
            // daemon logs it with the failed request). Unavailable, so the connection is
            // dropped: its statement cache no longer matches any server session.
            Some(code) if statements::is_pooler_symptom(code) => StoreError::Unavailable(format!(
                "{}; {}",
                sqlstate_only(&e),
                statements::POOLER_HINT
            )),
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
        if *ty == Type::UNKNOWN {
            // An unnamed statement's parameter: the server infers its type.
            return statements::to_text(self, out);
        }
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

    fn encode_format(&self, ty: &Type) -> postgres::types::Format {
        if *ty == Type::UNKNOWN {
            postgres::types::Format::Text
        } else {
            postgres::types::Format::Binary
        }
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
    statements: RefCell<Statements<'a>>,
}

impl<'a, C: GenericClient> PgDb<'a, C> {
    fn new(
        client: &'a mut C,
        statements: &'a mut HashMap<String, Statement>,
        pooler: Pooler,
    ) -> Self {
        let statements = match pooler {
            Pooler::None => Statements::Cached(statements),
            Pooler::Transaction => Statements::Unnamed,
        };
        PgDb {
            client: RefCell::new(client),
            statements: RefCell::new(statements),
        }
    }

    /// The cached named statement for `sql` (prepared now if new); `None` when statements
    /// go unnamed.
    fn statement(&self, sql: &str) -> Result<Option<Statement>> {
        let mut statements = self.statements.borrow_mut();
        let Statements::Cached(cache) = &mut *statements else {
            return Ok(None);
        };
        if let Some(st) = cache.get(sql) {
            return Ok(Some(st.clone()));
        }
        let st = self
            .client
            .borrow_mut()
            .prepare(&numbered_placeholders(sql))?;
        cache.insert(sql.to_string(), st.clone());
        Ok(Some(st))
    }

    /// The rows of `sql`, named or unnamed.
    fn rows(&self, sql: &str, params: &[Value]) -> Result<Vec<postgres::Row>> {
        let st = self.statement(sql)?;
        let mut client = self.client.borrow_mut();
        Ok(match st {
            Some(st) => client.query(&st, &refs(params))?,
            None => {
                client.query_typed(&numbered_placeholders(sql), &statements::untyped(params))?
            }
        })
    }
}

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl<C: GenericClient> Db for PgDb<'_, C> {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<usize> {
        let st = self.statement(sql)?;
        let mut client = self.client.borrow_mut();
        let n = match st {
            Some(st) => client.execute(&st, &refs(params))?,
            None => {
                client.execute_typed(&numbered_placeholders(sql), &statements::untyped(params))?
            }
        };
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        self.rows(sql, params)?.iter().map(row_of).collect()
    }

    fn query_first(&self, sql: &str, params: &[Value]) -> Result<Option<Row>> {
        self.rows(sql, params)?.first().map(row_of).transpose()
    }

    fn query_each(
        &self,
        sql: &str,
        params: &[Value],
        f: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        let st = self.statement(sql)?;
        let mut client = self.client.borrow_mut();
        let mut rows = match st {
            Some(st) => client.query_raw(&st, params.iter())?,
            None => client.query_typed_raw(
                &numbered_placeholders(sql),
                params.iter().map(|p| (p, Type::UNKNOWN)),
            )?,
        };
        while let Some(r) = rows.next()? {
            f(&row_of(&r)?)?;
        }
        Ok(())
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn copy_in(&self, table: &str, cols: &[String], rows: &[Row]) -> Result<bool> {
        use std::io::Write;
        let mut data = Vec::with_capacity(rows.len() * 128);
        for r in rows {
            statements::copy_text_row(&r.0, &mut data);
        }
        let mut client = self.client.borrow_mut();
        let mut w = client.copy_in(&format!("COPY {table} ({}) FROM STDIN", cols.join(", ")))?;
        w.write_all(&data)
            .map_err(|e| internal(format!("COPY {table}: {e}")))?;
        w.finish()?;
        Ok(true)
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
        let pool = Pool::start(connector, options);
        let pooler = options.pooler;
        let mut schema = Some(schema);
        let (encrypted, unlimited) = pool
            .run(Rerun::Never, move |conn| {
                let out = (|| {
                    match schema.take() {
                        Some(Schema::Migrate) => {
                            migrate(&mut conn.client)?;
                        }
                        Some(Schema::Check) => check_schema(&mut conn.client)?,
                        None => return Err(internal("the schema check ran twice")),
                    }
                    let unlimited =
                        pooler == Pooler::Transaction && statement_timeout_is_off(&mut conn.client);
                    // Behind a pooler the server sees the pooler's connection, not ours:
                    // judge by the URL's sslmode instead.
                    let encrypted = match pooler {
                        Pooler::None => encrypted(&mut conn.client),
                        Pooler::Transaction => None,
                    };
                    Ok((encrypted, unlimited))
                })();
                (out, Stage::Work)
            })
            .await?;
        warn_if_exposed(&pool.connector, encrypted);
        if unlimited {
            tracing::warn!(
                "statement_timeout is 0 for this role behind the transaction pooler (which \
                 refuses wtd's own): a locked table holds requests until the request timeout; \
                 set it on the role: ALTER ROLE <role> SET statement_timeout = '5s', \
                 lock_timeout = '2s', idle_in_transaction_session_timeout = '5s'"
            );
        }
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

/// Whether the server runs statements without a time limit (`SHOW statement_timeout` is
/// 0), as it does behind a transaction pooler unless the role sets one.
fn statement_timeout_is_off(client: &mut Client) -> bool {
    client
        .query_one("SHOW statement_timeout", &[])
        .ok()
        .and_then(|r| r.try_get::<_, String>(0).ok())
        .is_some_and(|v| v == "0")
}

/// Whether this connection is encrypted, as the server sees it (`None`: it would not say,
/// e.g. behind a pooler).
fn encrypted(client: &mut Client) -> Option<bool> {
    client
        .query_typed_opt(
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
    // Unnamed (like everything outside the shared queries): works behind any pooler.
    let found: i64 = client
        .query_typed_one(
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
/// transaction that first takes a transaction-level advisory lock (safe to run from
/// several daemons at once, and behind a pooler in transaction mode, which keeps a
/// transaction on one server session: a session-level lock could be taken on one session
/// and released on another). The last transaction then grants the runtime role its rights
/// ([`grants`]). Everything goes unnamed or as simple queries: no prepared statement
/// outlives its round trip. Returns how many migrations were applied.
pub fn migrate(client: &mut Client) -> Result<usize> {
    let mut n = 0;
    loop {
        let mut tx = client.transaction()?;
        tx.batch_execute(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))?;
        // Created only when missing (even IF NOT EXISTS needs the right to create): a
        // role without DDL rights finds nothing to do on an up-to-date schema.
        let fresh: bool = tx
            .query_typed_one("SELECT to_regclass('schema_migrations') IS NULL", &[])?
            .get(0);
        if fresh {
            tx.batch_execute(
                "CREATE TABLE schema_migrations (
                    version BIGINT PRIMARY KEY,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                 )",
            )
            .map_err(not_the_owner)?;
        }
        let applied: Vec<i64> = tx
            .query_typed("SELECT version FROM schema_migrations", &[])?
            .iter()
            .map(|r| r.get(0))
            .collect();
        match MIGRATIONS.iter().find(|(v, _)| !applied.contains(v)) {
            Some((version, sql)) => {
                tx.batch_execute(sql).map_err(not_the_owner)?;
                tx.batch_execute(&format!(
                    "INSERT INTO schema_migrations (version) VALUES ({version})"
                ))?;
                tx.commit()?;
                n += 1;
            }
            None => {
                grants::apply(&mut tx)?;
                tx.commit()?;
                return Ok(n);
            }
        }
    }
}

/// A migration refused for want of rights (`42501`): names the role to migrate with.
fn not_the_owner(e: postgres::Error) -> StoreError {
    if e.code().map(|c| c.code()) == Some("42501") {
        return StoreError::Conflict(format!(
            "{}: `wtd migrate` must run as the role that owns the schema (wt_owner in \
             docs/postgres-roles.sql), not as the runtime role",
            sqlstate_only(&e)
        ));
    }
    e.into()
}

impl Backend for PgBackend {
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&dyn Db) -> Result<T> + Send + 'static,
    {
        let pooler = self.pool.options.pooler;
        self.pool
            .run(Rerun::IfPooled, move |conn| {
                let db = PgDb::new(&mut conn.client, &mut conn.statements, pooler);
                (f(&db), Stage::Work)
            })
            .await
    }

    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Db) -> Result<T> + Send + 'static,
    {
        let mut f = Some(f);
        let pooler = self.pool.options.pooler;
        self.pool
            .run(Rerun::Never, move |conn| {
                transaction(conn, pooler, |db| match f.take() {
                    Some(f) => f(db),
                    None => Err(internal("a write ran twice")),
                })
            })
            .await
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

    fn pool_stats(&self) -> Option<PoolStats> {
        Some(self.pool.stats())
    }

    async fn synced_cache_version(&self) -> Option<i64> {
        self.listener.as_ref()?.synced_version().await
    }
}

/// Stores queued ingest requests, each group of whatever waits at once, until the backend
/// (the queue's sender) is dropped.
///
/// A group without idempotency keys carries a random id stored with its events
/// ([`insert_guarded`]): up to 32 events that is one statement, without `BEGIN`/`COMMIT`;
/// more, one transaction. Whenever its connection breaks (after a database restart, a
/// network cut), even during `COMMIT`, it runs again on a fresh connection, and if the
/// first attempt had committed the id says so: the group is acknowledged, not stored
/// twice. A group with idempotency keys is one transaction that runs again when its
/// connection broke before `COMMIT` (its clients can send again with their keys).
/// Requests whose client stopped waiting (the request timed out) are left out of the next
/// group, so no event is stored for a client told it failed. Every
/// [`GROUP_IDS_KEPT`] seconds the ids older than that are purged.
async fn group_commit(pool: Arc<Pool>, mut rx: mpsc::Receiver<IngestJob>) {
    let mut group: Vec<IngestJob> = Vec::with_capacity(MAX_GROUP);
    let mut purged_at: UnixTime = 0;
    while rx.recv_many(&mut group, MAX_GROUP).await > 0 {
        group.retain(|(_, ack)| !ack.is_closed());
        if group.is_empty() {
            continue;
        }
        let (batches, acks): (Vec<_>, Vec<_>) = group.drain(..).unzip();
        let pooler = pool.options.pooler;
        let now = batches.iter().map(|b| b.received_at).max().unwrap_or(0);
        let result = if ingest::guardable(&batches) {
            let id = ingest::GroupId::new(now);
            let one = ingest::fits_one_statement(&batches);
            pool.run(Rerun::Always, move |conn| {
                let store = |db: &dyn Db| ingest::insert_guarded(db, &id, &batches);
                let (out, stage) = if one {
                    (
                        store(&PgDb::new(&mut conn.client, &mut conn.statements, pooler)),
                        Stage::Work,
                    )
                } else {
                    transaction(conn, pooler, store)
                };
                // The id makes running it again safe even when COMMIT's outcome is unknown.
                let stage = if stage == Stage::Commit {
                    Stage::Work
                } else {
                    stage
                };
                (out, stage)
            })
            .await
        } else {
            pool.run(Rerun::Always, move |conn| {
                transaction(conn, pooler, |db| ingest::insert_events(db, &batches))
            })
            .await
        };
        for (i, ack) in acks.into_iter().enumerate() {
            let _ = ack.send(result.as_ref().map(|o| o[i]).map_err(Clone::clone));
        }
        if now >= purged_at + GROUP_IDS_KEPT {
            purged_at = now;
            let pool = Arc::clone(&pool);
            tokio::spawn(async move {
                let purge = pool.run(Rerun::Never, move |conn| {
                    let db = PgDb::new(&mut conn.client, &mut conn.statements, pooler);
                    (ingest::purge_groups(&db, now - GROUP_IDS_KEPT), Stage::Work)
                });
                if let Err(e) = purge.await {
                    tracing::warn!(error = %e, "could not purge old ingest group ids");
                }
            });
        }
    }
}

/// Seconds a stored group's id is kept (a group runs again within the acquire timeout).
const GROUP_IDS_KEPT: UnixTime = 120;

/// Runs `f` in one transaction on `conn`: committed when it returns `Ok`, rolled back
/// otherwise. Says where it stopped, for [`Pool::run`] to decide whether it may run again.
fn transaction<T>(
    conn: &mut pool::Conn,
    pooler: Pooler,
    f: impl FnOnce(&dyn Db) -> Result<T>,
) -> (Result<T>, Stage) {
    let mut tx = match conn.client.transaction() {
        Ok(tx) => tx,
        Err(e) => return (Err(e.into()), Stage::Begin),
    };
    let out = {
        let db = PgDb::new(&mut tx, &mut conn.statements, pooler);
        f(&db)
    };
    match out {
        Ok(v) => match tx.commit() {
            Ok(()) => (Ok(v), Stage::Commit),
            Err(e) => (Err(e.into()), Stage::Commit),
        },
        // Dropping the transaction rolls it back.
        Err(e) => (Err(e), Stage::Work),
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
