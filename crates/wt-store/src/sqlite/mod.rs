//! The embedded SQLite backend: one writer thread, a small pool of read-only connections.
//!
//! Writes are serialised through one connection owned by a dedicated thread; requests
//! reach it over a bounded queue (when full, callers wait: backpressure, never loss).
//! Each write runs in one transaction; ingest requests queued together share one (group
//! commit, [`run_writer`]). Reads run on `spawn_blocking` with one of `READERS` read-only
//! connections. Nothing blocks the async executor. The database runs in WAL mode with `synchronous=FULL`, so a write acknowledged to a client survives a
//! crash or power loss; foreign keys are on and every table is `STRICT`. Migrations are
//! numbered, embedded and applied at open. The queries themselves are shared with the
//! PostgreSQL backend (`crate::sql`).

use crate::sql::{Backend, Db, Dialect, Row, SqlStore, Value, internal};
use crate::{IngestBatch, IngestOutcome, Result, StoreError};
use rusqlite::functions::FunctionFlags;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{M, Migrations};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// Numbered migrations, applied in order at open. Never edit a released one: add the next
/// (and its PostgreSQL twin in `postgres/migrations/`).
const MIGRATION_STEPS: &[M<'static>] = &[
    M::up(include_str!("migrations/0001_init.sql")),
    M::up(include_str!("migrations/0002_mfa.sql")),
    M::up(include_str!("migrations/0003_mail.sql")),
    M::up(include_str!("migrations/0004_team.sql")),
    M::up(include_str!("migrations/0005_audit_read.sql")),
    M::up(include_str!("migrations/0006_mfa_grace.sql")),
    M::up(include_str!("migrations/0007_audit_actions.sql")),
    M::up(include_str!("migrations/0008_keys.sql")),
    M::up(include_str!("migrations/0009_tokens_readiness.sql")),
    M::up(include_str!("migrations/0010_health.sql")),
    M::up(include_str!("migrations/0011_cache_version.sql")),
    M::up(include_str!("migrations/0012_installation.sql")),
    M::up(include_str!("migrations/0013_ingest_idempotency.sql")),
    M::up(include_str!("migrations/0014_cache_notify.sql")),
    M::up(include_str!("migrations/0015_ingest_groups.sql")),
    M::up(include_str!("migrations/0016_key_usage_hourly.sql")),
    M::up(include_str!("migrations/0017_audit_activity.sql")),
    M::up(include_str!("migrations/0018_passkeys.sql")),
    M::up(include_str!("migrations/0019_token_scopes.sql")),
    M::up(include_str!("migrations/0020_device_grants.sql")),
    M::up(include_str!("migrations/0021_passkey_policy.sql")),
    M::up(include_str!("migrations/0022_key_limits_leaks.sql")),
    M::up(include_str!("migrations/0023_event_retention.sql")),
    M::up(include_str!("migrations/0024_console_summaries.sql")),
    M::up(include_str!("migrations/0025_audit_checkpoints.sql")),
    M::up(include_str!("migrations/0026_audit_sinks.sql")),
    M::up(include_str!("migrations/0027_passkey_attachment.sql")),
    M::up(include_str!("migrations/0028_scale.sql")),
    M::up(include_str!("migrations/0029_members_paging.sql")),
    M::up(include_str!(
        "migrations/0030_cache_version_per_transaction.sql"
    )),
];

fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATION_STEPS)
}

/// Read-only connections in the pool. Reads are short; two cores do not need more.
const READERS: usize = 4;
/// Write requests that may wait for the writer thread. When full, callers await a slot.
const WRITE_QUEUE: usize = 4096;
/// Ingest requests grouped into one transaction at most.
const MAX_GROUP: usize = 512;
/// How long a connection waits on a lock held by another (e.g. a backup) before failing.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "watchtower.db";

/// What the writer thread does next.
enum WriteJob {
    /// Any write: the closure runs its own transaction and answers its caller.
    Run(Box<dyn FnOnce(&mut Connection) + Send>),
    /// One ingest request's events: grouped with the ingest requests queued behind it into
    /// one transaction (group commit).
    Ingest(IngestBatch, oneshot::Sender<Result<IngestOutcome>>),
}

/// The SQLite store: the shared queries over [`SqliteBackend`].
pub type SqliteStore = SqlStore<SqliteBackend>;

/// Connections to one SQLite file.
pub struct SqliteBackend {
    /// Queue to the writer thread. Dropping the store closes it and ends the thread.
    writer: mpsc::Sender<WriteJob>,
    /// Read-only connections; a read takes the first free one.
    readers: Arc<Vec<Mutex<Connection>>>,
    /// Round-robin start for picking a reader.
    next_reader: AtomicUsize,
    /// False after a write failed with [`StoreError::Unavailable`], true after one succeeds.
    writable: Arc<AtomicBool>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend")
            .field("path", &self.path)
            .finish()
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::*;
        match e {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(
                    f.code,
                    DiskFull | ReadOnly | SystemIoFailure | CannotOpen | DatabaseBusy
                ) =>
            {
                StoreError::Unavailable(f.to_string())
            }
            other => internal(other),
        }
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

fn value_of(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        // Valid UTF-8 (every text the daemon writes) takes the fast check and one copy;
        // from_utf8_lossy walks the bytes in chunks first (5% of an audit page's CPU).
        ValueRef::Text(t) => Value::Text(match std::str::from_utf8(t) {
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(t).into_owned(),
        }),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

fn row_of(r: &rusqlite::Row<'_>, n: usize) -> Result<Row> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(value_of(r.get_ref(i)?));
    }
    Ok(Row(out))
}

/// Statements are prepared once per connection and cached (rusqlite's statement cache).
impl Db for Connection {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<usize> {
        let mut st = self.prepare_cached(sql)?;
        Ok(st.execute(rusqlite::params_from_iter(params))?)
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let mut st = self.prepare_cached(sql)?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(row_of(r, n)?);
        }
        Ok(out)
    }

    fn query_first(&self, sql: &str, params: &[Value]) -> Result<Option<Row>> {
        let mut st = self.prepare_cached(sql)?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params))?;
        match rows.next()? {
            Some(r) => Ok(Some(row_of(r, n)?)),
            None => Ok(None),
        }
    }

    fn query_each(
        &self,
        sql: &str,
        params: &[Value],
        f: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        let mut st = self.prepare_cached(sql)?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params))?;
        while let Some(r) = rows.next()? {
            f(&row_of(r, n)?)?;
        }
        Ok(())
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

/// `GREATEST`/`LEAST` as PostgreSQL defines them (NULL arguments ignored; NULL only when
/// all are), so the shared SQL means the same on both backends.
fn register_functions(conn: &Connection) -> Result<()> {
    for (name, greatest) in [("GREATEST", true), ("LEAST", false)] {
        conn.create_scalar_function(
            name,
            -1,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            move |ctx| {
                let mut best: Option<i64> = None;
                for i in 0..ctx.len() {
                    if let Some(v) = ctx.get::<Option<i64>>(i)? {
                        best = Some(match best {
                            Some(b) if greatest => b.max(v),
                            Some(b) => b.min(v),
                            None => v,
                        });
                    }
                }
                Ok(best)
            },
        )?;
    }
    Ok(())
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.set_prepared_statement_cache_capacity(64);
    register_functions(conn)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self> {
        // A new database file is created private before SQLite opens it; SQLite gives its
        // -wal and -shm files the database file's mode (SECURITY.md #62).
        create_private(path, false)?;
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        configure(&conn)?;
        migrations().to_latest(&mut conn).map_err(internal)?;

        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let r = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            configure(&r)?;
            readers.push(Mutex::new(r));
        }

        let (tx, rx) = mpsc::channel::<WriteJob>(WRITE_QUEUE);
        let writable = Arc::new(AtomicBool::new(true));
        let thread_writable = Arc::clone(&writable);
        std::thread::Builder::new()
            .name("wt-store-writer".into())
            .spawn(move || run_writer(conn, rx, &thread_writable))
            .map_err(internal)?;

        Ok(SqlStore::new(SqliteBackend {
            writer: tx,
            readers: Arc::new(readers),
            next_reader: AtomicUsize::new(0),
            writable,
            path: path.to_path_buf(),
        }))
    }

    /// Whether the last write succeeded (false after disk full or a read-only file).
    pub fn is_writable(&self) -> bool {
        self.backend.writable.load(Ordering::Acquire)
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.backend.path
    }
}

/// The writer thread: runs each job in turn until the store is dropped. An ingest job takes
/// every ingest job queued behind it (up to [`MAX_GROUP`]) into the same transaction, and
/// answers them all once it is committed: the thread goes from one commit straight to the
/// next group, with no hand-off in between.
fn run_writer(mut conn: Connection, mut rx: mpsc::Receiver<WriteJob>, writable: &AtomicBool) {
    let mut next: Option<WriteJob> = None;
    let mut group: Vec<(IngestBatch, oneshot::Sender<Result<IngestOutcome>>)> = Vec::new();
    loop {
        let job = match next.take() {
            Some(job) => job,
            None => match rx.blocking_recv() {
                Some(job) => job,
                None => return,
            },
        };
        match job {
            WriteJob::Run(f) => f(&mut conn),
            WriteJob::Ingest(batch, ack) => {
                group.push((batch, ack));
                while group.len() < MAX_GROUP {
                    match rx.try_recv() {
                        Ok(WriteJob::Ingest(batch, ack)) => group.push((batch, ack)),
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                let (batches, acks): (Vec<_>, Vec<_>) = group.drain(..).unzip();
                let result = transaction(&mut conn, |db| {
                    crate::sql::ingest::insert_events(db, &batches)
                });
                note_writable(writable, &result);
                for (i, ack) in acks.into_iter().enumerate() {
                    let _ = ack.send(match &result {
                        Ok(outcomes) => Ok(outcomes[i]),
                        Err(e) => Err(e.clone()),
                    });
                }
            }
        }
    }
}

/// Runs `f` in one transaction: committed when it returns `Ok`, rolled back otherwise.
fn transaction<T>(conn: &mut Connection, f: impl FnOnce(&dyn Db) -> Result<T>) -> Result<T> {
    let tx = conn.transaction()?;
    let out = f(&*tx)?;
    tx.commit()?;
    Ok(out)
}

/// Records whether the database took a write (see [`SqliteStore::is_writable`]).
fn note_writable<T>(writable: &AtomicBool, out: &Result<T>) {
    match out {
        Err(StoreError::Unavailable(_)) => writable.store(false, Ordering::Release),
        Ok(_) => writable.store(true, Ordering::Release),
        Err(_) => {}
    }
}

impl SqliteBackend {
    /// Runs `f` on the writer connection and returns its result.
    async fn on_writer<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let writable = Arc::clone(&self.writable);
        let job = WriteJob::Run(Box::new(move |conn| {
            let out = f(conn);
            note_writable(&writable, &out);
            let _ = tx.send(out);
        }));
        self.writer
            .send(job)
            .await
            .map_err(|_| internal("the writer thread has stopped"))?;
        rx.await
            .map_err(|_| internal("the writer thread dropped a request"))?
    }

    /// A tiny durable write: the probe `ping` uses while the database is unwritable.
    async fn probe_write(&self, now: i64) -> Result<()> {
        self.on_writer(move |c| {
            c.execute(
                "INSERT INTO health_probe (id, at) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                [now],
            )?;
            Ok(())
        })
        .await
    }
}

impl SqliteBackend {
    /// Runs `f` with the first free reader connection (waiting for one if all are busy).
    fn with_reader<T>(
        readers: &[Mutex<Connection>],
        start: usize,
        f: impl FnOnce(&dyn Db) -> Result<T>,
    ) -> Result<T> {
        let n = readers.len();
        for i in 0..n {
            if let Ok(conn) = readers[(start + i) % n].try_lock() {
                return f(&*conn);
            }
        }
        let conn = readers[start % n]
            .lock()
            .map_err(|_| internal("a reader connection was poisoned"))?;
        f(&*conn)
    }
}

impl Backend for SqliteBackend {
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&dyn Db) -> Result<T> + Send + 'static,
    {
        let readers = Arc::clone(&self.readers);
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || Self::with_reader(&readers, start, f))
            .await
            .map_err(internal)?
    }

    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Db) -> Result<T> + Send + 'static,
    {
        self.on_writer(move |c| transaction(c, f)).await
    }

    async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome> {
        let (tx, rx) = oneshot::channel();
        self.writer
            .send(WriteJob::Ingest(batch, tx))
            .await
            .map_err(|_| internal("the writer thread has stopped"))?;
        rx.await
            .map_err(|_| internal("the writer thread dropped a request"))?
    }

    async fn ping(&self) -> Result<()> {
        self.read(|db| db.query_first("SELECT 1", &[]).map(|_| ()))
            .await?;
        if !self.writable.load(Ordering::Acquire) {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            self.probe_write(now).await?;
        }
        Ok(())
    }
}

/// What a backup or restore checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// Size of the copy in bytes.
    pub bytes: u64,
    /// `PRAGMA integrity_check` said `ok`.
    pub integrity_ok: bool,
}

/// Copies the live database at `db` into `dest` online: the SQLite backup API copies every
/// page in one step inside one read transaction, so the copy is a consistent snapshot even
/// while the daemon keeps writing (WAL lets it). The copy is written beside `dest` and
/// renamed into place only once its integrity check passes; `dest` must not exist.
pub fn backup_to(db: &Path, dest: &Path) -> Result<FileReport> {
    if dest.exists() {
        return Err(StoreError::Conflict(format!(
            "{} already exists: choose a new file",
            dest.display()
        )));
    }
    let tmp = dest.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    create_private(&tmp, true)?;
    let src = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    src.busy_timeout(BUSY_TIMEOUT)?;
    {
        let mut dst = Connection::open(&tmp)?;
        let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
        backup.step(-1)?;
    }
    let report = check_file(&tmp)?;
    if !report.integrity_ok {
        let _ = std::fs::remove_file(&tmp);
        return Err(internal("the copy failed its integrity check"));
    }
    std::fs::rename(&tmp, dest).map_err(internal)?;
    sync_dir(dest);
    Ok(report)
}

/// Integrity check of a database file (opened read-only; nothing is changed).
pub fn check_file(path: &Path) -> Result<FileReport> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    Ok(FileReport {
        bytes: std::fs::metadata(path).map_err(internal)?.len(),
        integrity_ok: verdict == "ok",
    })
}

/// Replaces the database at `db` with the backup `from` (the daemon must not be running:
/// the caller holds the data directory's lock). The backup is copied beside `db`, checked,
/// migrated to the current schema, then renamed over `db`; the old WAL files are removed
/// first so nothing of the replaced database survives.
pub fn restore_from(from: &Path, db: &Path) -> Result<FileReport> {
    let report = check_file(from)?;
    if !report.integrity_ok {
        return Err(StoreError::Conflict(format!(
            "{} fails its integrity check: not restored",
            from.display()
        )));
    }
    let tmp = db.with_extension("restore");
    let _ = std::fs::remove_file(&tmp);
    // Not `fs::copy`: it would give the copy the backup file's mode, whatever it is.
    let mut out = create_private(&tmp, true)?.ok_or_else(|| internal("the copy exists"))?;
    let mut input = std::fs::File::open(from).map_err(internal)?;
    std::io::copy(&mut input, &mut out)
        .and_then(|_| out.sync_all())
        .map_err(internal)?;
    drop(out);
    {
        let mut conn = Connection::open(&tmp)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        configure(&conn)?;
        migrations().to_latest(&mut conn).map_err(internal)?;
        conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")?;
    }
    for suffix in ["-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(std::path::PathBuf::from(p));
    }
    std::fs::rename(&tmp, db).map_err(internal)?;
    sync_dir(db);
    Ok(report)
}

/// Creates `path` as an empty file readable and writable by its owner only (0600, whatever
/// the umask), and returns it; `None` when it exists and `must_be_new` is false (an
/// existing database is left as it is: `wtd serve` checks its mode).
pub fn create_private(path: &Path, must_be_new: bool) -> Result<Option<std::fs::File>> {
    use std::os::unix::fs::OpenOptionsExt as _;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && !must_be_new => Ok(None),
        Err(e) => Err(internal(format!("cannot create {}: {e}", path.display()))),
    }
}

/// Makes a rename durable (fsync of the containing directory); best effort.
fn sync_dir(file: &Path) {
    if let Some(dir) = file.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
    }
}
