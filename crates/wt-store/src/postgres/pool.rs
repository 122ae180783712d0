//! The connection pool: at most `pool_size` connections to PostgreSQL, each used by one
//! call at a time on the blocking thread pool (the `postgres` driver is synchronous).
//!
//! Why hand-written: r2d2 (the pool for the synchronous driver) waits for a connection by
//! blocking a thread, so a burst of requests would park one blocking thread each;
//! deadpool-postgres wants the asynchronous driver, which would mean rewriting every
//! query path. Here a request waits for a permit asynchronously (a tokio semaphore), and
//! only the at most `pool_size` permit holders ever sit on a blocking thread.
//!
//! The guardrails ([`PgOptions`]):
//! - Waiting for a connection, and opening one, share one deadline (`acquire_timeout`);
//!   past it the request gets [`StoreError::Unavailable`] (503 with `Retry-After`).
//! - While the server restarts, opening a connection fails for a moment: the pool tries
//!   again (25 ms, doubling to 500 ms) until the deadline, so a short outage is a short
//!   wait, not an error.
//! - After a restart every idle connection is dead, and the synchronous client only
//!   notices when it is used. So a call whose connection turns out broken before anything
//!   could have changed runs again on a fresh connection: a read (reads are `Fn` and
//!   change nothing), a write whose `BEGIN` failed, and a write whose work may be rerun
//!   (group-committed ingestion) that broke before its `COMMIT` was sent. A write that
//!   broke during `COMMIT` may or may not have committed: never retried, it is a 503. The
//!   first broken connection seen also closes every idle one (they are as old as it).
//! - Connections are replaced after `max_lifetime`; idle ones above `pool_min` are closed
//!   after `idle_timeout`; a background task keeps `pool_min` open.

use super::connect::{ConnectFailure, PgConnector};
use super::options::PgOptions;
use crate::sql::internal;
use crate::{Result, StoreError};
use postgres::{Client, Statement};
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

/// Attempts of one call at most (the first and the retries on a fresh connection).
const MAX_ATTEMPTS: usize = 3;
/// First pause between failed attempts to connect; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(25);
const MAX_BACKOFF: Duration = Duration::from_millis(500);

/// One pooled connection and the statements prepared on it.
pub(crate) struct Conn {
    pub(crate) client: Client,
    pub(crate) statements: HashMap<String, Statement>,
    opened: Instant,
    /// When it was last given back to the pool.
    used: Instant,
}

/// Where a call on a connection stopped, which decides whether it may run again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Before any work (`BEGIN` failed): nothing was sent that could change anything.
    Begin,
    /// During the work: a transaction that breaks here is rolled back by the server.
    Work,
    /// At `COMMIT`: if the connection broke, whether it committed is unknown.
    Commit,
}

/// When a call whose connection broke during its work ([`Stage::Work`]) may run again on
/// a fresh connection (one that broke at [`Stage::Begin`] always may, at
/// [`Stage::Commit`] never).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rerun {
    /// Never: the work is `FnOnce` (most writes; their client gets 503).
    Never,
    /// When the connection had waited in the pool (it died there, as after a server
    /// restart, before this call's first statement): reads, which change nothing but may
    /// have passed rows on before breaking.
    IfPooled,
    /// Always: the work is a transaction that can run again from the start (group-commit
    /// ingestion); the server rolled the broken one back.
    Always,
}

/// The connections, and the counters `/metrics` shows.
pub(crate) struct Pool {
    pub(crate) connector: Arc<PgConnector>,
    pub(crate) options: PgOptions,
    /// What every new connection sends in its startup packet (the session limits).
    startup: Option<String>,
    /// Idle connections, the most recently used last.
    idle: Mutex<Vec<Conn>>,
    /// Signalled when a connection is given back: a call that could not open one (the
    /// role's connection limit, a restart) takes it at once instead of at its next try.
    returned: Condvar,
    permits: Arc<Semaphore>,
    counters: Counters,
}

#[derive(Default)]
struct Counters {
    /// Connections open now (idle or in use).
    open: AtomicUsize,
    waits: AtomicU64,
    acquire_timeouts: AtomicU64,
    connects: AtomicU64,
    connect_failures: AtomicU64,
    retries: AtomicU64,
    /// Database errors by SQLSTATE class (`57`, `55`, `08` ...; `connection` for a
    /// connection lost without a SQLSTATE).
    errors: Mutex<BTreeMap<String, u64>>,
}

/// The pool as `/metrics` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections at most.
    pub max: usize,
    /// Connections open (idle + in use).
    pub open: usize,
    /// Connections idle in the pool.
    pub idle: usize,
    /// Calls holding a connection (or opening one) now.
    pub in_use: usize,
    /// Calls that found every connection busy and waited.
    pub waits: u64,
    /// Calls that got no connection within the acquire timeout (answered 503).
    pub acquire_timeouts: u64,
    /// Connections opened.
    pub connects: u64,
    /// Attempts to open a connection that failed.
    pub connect_failures: u64,
    /// Calls run again on a fresh connection after theirs turned out broken.
    pub retries: u64,
    /// Database errors by SQLSTATE class (`connection`: lost without one).
    pub errors: Vec<(String, u64)>,
}

thread_local! {
    /// The last database error converted on this thread ([`note_error`]): how the pool
    /// learns the SQLSTATE and whether the connection broke, after a call that only
    /// returned a [`StoreError`].
    static LAST_ERROR: Cell<Option<Noted>> = const { Cell::new(None) };
}

#[derive(Debug, Clone, Copy)]
struct Noted {
    /// The SQLSTATE's class (its first two characters); `None`: no SQLSTATE.
    class: Option<[u8; 2]>,
    /// The connection is unusable (closed, I/O error, the server shut the session).
    broken: bool,
}

/// Records what `e` says about its connection, for the pool to read once the call
/// returns (called by the conversion into [`StoreError`]).
pub(crate) fn note_error(e: &postgres::Error) {
    let code = e.code().map(|c| c.code().to_string());
    let io = std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>());
    let broken = e.is_closed()
        || io
        || code.as_deref().is_some_and(|c| {
            c.starts_with("08") || matches!(c, "57P01" | "57P02" | "57P03" | "25P03")
        });
    let class = code.and_then(|c| {
        let b = c.as_bytes();
        (b.len() >= 2).then(|| [b[0], b[1]])
    });
    LAST_ERROR.with(|l| l.set(Some(Noted { class, broken })));
}

fn take_noted() -> Option<Noted> {
    LAST_ERROR.with(Cell::take)
}

impl Pool {
    /// A pool for `connector`, and its upkeep task (closing idle and old connections,
    /// keeping `pool_min` open) while the pool lives. Must run inside a tokio runtime.
    pub(crate) fn start(connector: Arc<PgConnector>, options: &PgOptions) -> Arc<Self> {
        let pool = Arc::new(Pool {
            connector,
            startup: options.startup_options(),
            options: options.clone(),
            idle: Mutex::new(Vec::new()),
            returned: Condvar::new(),
            permits: Arc::new(Semaphore::new(options.pool_size.max(1))),
            counters: Counters::default(),
        });
        tokio::spawn(upkeep(Arc::downgrade(&pool)));
        pool
    }

    /// Runs `call` with a connection on the blocking pool, and again (at most
    /// [`MAX_ATTEMPTS`] times, within the acquire timeout) on a fresh connection when the
    /// connection broke at [`Stage::Begin`], or at [`Stage::Work`] as `rerun` allows.
    pub(crate) async fn run<T, G>(self: &Arc<Self>, rerun: Rerun, call: G) -> Result<T>
    where
        T: Send + 'static,
        G: FnMut(&mut Conn) -> (Result<T>, Stage) + Send + 'static,
    {
        let deadline = Instant::now() + self.options.acquire_timeout;
        let mut call = call;
        let mut attempt = 1;
        loop {
            let permit = self.permit(deadline).await?;
            let pool = Arc::clone(self);
            let (back, out) = tokio::task::spawn_blocking(move || {
                let out = pool.attempt(permit, deadline, rerun, &mut call);
                (call, out)
            })
            .await
            .map_err(internal)?;
            call = back;
            match out {
                Attempt::Retry(e) if attempt < MAX_ATTEMPTS && Instant::now() < deadline => {
                    tracing::debug!(error = %e, "a pooled connection was broken: trying a fresh one");
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    attempt += 1;
                }
                Attempt::Retry(e) => return Err(e),
                Attempt::Done(out) => return out,
            }
        }
    }

    /// A permit to hold a connection, waited for until `deadline`.
    async fn permit(&self, deadline: Instant) -> Result<OwnedSemaphorePermit> {
        let closed = |_| internal("the connection pool is closed");
        match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(p) => return Ok(p),
            Err(TryAcquireError::Closed) => return Err(internal("the connection pool is closed")),
            Err(TryAcquireError::NoPermits) => {}
        }
        self.counters.waits.fetch_add(1, Ordering::Relaxed);
        let wait = Arc::clone(&self.permits).acquire_owned();
        match tokio::time::timeout_at(deadline.into(), wait).await {
            Ok(p) => p.map_err(closed),
            Err(_) => {
                self.counters
                    .acquire_timeouts
                    .fetch_add(1, Ordering::Relaxed);
                Err(StoreError::Unavailable(format!(
                    "all {} database connections stayed busy for {} ms",
                    self.options.pool_size,
                    self.options.acquire_timeout.as_millis()
                )))
            }
        }
    }

    /// One attempt, on a blocking thread: a connection (idle, else new), the call, and
    /// the connection given back or dropped.
    fn attempt<T, G>(
        &self,
        permit: OwnedSemaphorePermit,
        deadline: Instant,
        rerun: Rerun,
        call: &mut G,
    ) -> Attempt<T>
    where
        G: FnMut(&mut Conn) -> (Result<T>, Stage),
    {
        let _permit = permit;
        let (mut conn, reused) = match self.checkout(deadline) {
            Ok(c) => c,
            Err(e) => return Attempt::Done(Err(e)),
        };
        take_noted();
        let (out, stage) = call(&mut conn);
        let noted = if out.is_err() { take_noted() } else { None };
        if let Some(n) = noted {
            self.count_error(n.class);
        }
        let broken = conn.client.is_closed() || noted.is_some_and(|n| n.broken);
        if !broken {
            self.give_back(conn);
            return Attempt::Done(out);
        }
        self.discard(conn);
        // Its idle companions are as old as it: after a restart they are all dead.
        let stale = self.idle.lock().map(|mut v| std::mem::take(&mut *v));
        for c in stale.unwrap_or_default() {
            self.discard(c);
        }
        match (out, stage) {
            (Err(e), Stage::Begin) => Attempt::Retry(e),
            (Err(e), Stage::Work)
                if rerun == Rerun::Always || (rerun == Rerun::IfPooled && reused) =>
            {
                Attempt::Retry(e)
            }
            (Err(e), Stage::Commit) => Attempt::Done(Err(StoreError::Unavailable(format!(
                "the connection was lost during COMMIT, so whether it committed is \
                 unknown: {e}"
            )))),
            (out, _) => Attempt::Done(out),
        }
    }

    /// A connection for one call: the most recently used idle one that is neither too
    /// old nor idle too long, else a new one (tried again until `deadline` while the
    /// server cannot be reached). Says whether it came from the pool.
    fn checkout(&self, deadline: Instant) -> Result<(Conn, bool)> {
        let mut backoff = FIRST_BACKOFF;
        loop {
            let now = Instant::now();
            let popped = self.idle.lock().ok().and_then(|mut v| v.pop());
            if let Some(conn) = popped {
                if self.expired(&conn, now) || conn.client.is_closed() {
                    self.discard(conn);
                } else {
                    return Ok((conn, true));
                }
                continue;
            }
            match self.open(deadline.saturating_duration_since(now)) {
                Ok(conn) => return Ok((conn, false)),
                Err(ConnectFailure { error, transient }) => {
                    if !transient {
                        return Err(error);
                    }
                    if Instant::now() + backoff >= deadline {
                        self.counters
                            .acquire_timeouts
                            .fetch_add(1, Ordering::Relaxed);
                        return Err(error);
                    }
                    // Until the pause is over or another call gives a connection back.
                    if let Ok(idle) = self.idle.lock()
                        && idle.is_empty()
                    {
                        let _ = self.returned.wait_timeout(idle, backoff);
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// Opens a connection (blocking), counted.
    fn open(&self, timeout: Duration) -> std::result::Result<Conn, ConnectFailure> {
        match self.connector.open(self.startup.as_deref(), Some(timeout)) {
            Ok(client) => {
                self.counters.connects.fetch_add(1, Ordering::Relaxed);
                self.counters.open.fetch_add(1, Ordering::Relaxed);
                let now = Instant::now();
                Ok(Conn {
                    client,
                    statements: HashMap::new(),
                    opened: now,
                    used: now,
                })
            }
            Err(f) => {
                self.counters
                    .connect_failures
                    .fetch_add(1, Ordering::Relaxed);
                Err(f)
            }
        }
    }

    fn expired(&self, conn: &Conn, now: Instant) -> bool {
        now.duration_since(conn.opened) >= self.options.max_lifetime
    }

    /// Back to the idle list, unless it has lived long enough.
    fn give_back(&self, mut conn: Conn) {
        let now = Instant::now();
        if self.expired(&conn, now) || conn.client.is_closed() {
            return self.discard(conn);
        }
        conn.used = now;
        match self.idle.lock() {
            Ok(mut v) => {
                v.push(conn);
                self.returned.notify_one();
            }
            Err(_) => self.discard(conn),
        }
    }

    /// Closes a connection (blocking: a client's drop waits for its socket).
    fn discard(&self, conn: Conn) {
        self.counters.open.fetch_sub(1, Ordering::Relaxed);
        drop(conn);
    }

    fn count_error(&self, class: Option<[u8; 2]>) {
        let label = match class {
            Some(c) => String::from_utf8_lossy(&c).into_owned(),
            None => "connection".to_string(),
        };
        if let Ok(mut m) = self.counters.errors.lock() {
            *m.entry(label).or_default() += 1;
        }
    }

    /// Closes idle connections past `idle_timeout` (keeping `pool_min` open) or past
    /// `max_lifetime`, then opens connections up to `pool_min` (one attempt each, only
    /// with free permits). Blocking.
    fn upkeep(&self) {
        let now = Instant::now();
        let mut closing = Vec::new();
        if let Ok(mut idle) = self.idle.lock() {
            // Oldest-used first: those are the ones to close.
            let mut kept = Vec::with_capacity(idle.len());
            for conn in idle.drain(..) {
                let open_after = self.counters.open.load(Ordering::Relaxed) - closing.len();
                let too_idle = now.duration_since(conn.used) >= self.options.idle_timeout
                    && open_after > self.options.pool_min;
                if too_idle || self.expired(&conn, now) {
                    closing.push(conn);
                } else {
                    kept.push(conn);
                }
            }
            *idle = kept;
        }
        for conn in closing {
            self.discard(conn);
        }
        while self.counters.open.load(Ordering::Relaxed) < self.options.pool_min {
            let Ok(_permit) = Arc::clone(&self.permits).try_acquire_owned() else {
                return;
            };
            match self.open(self.options.acquire_timeout) {
                Ok(conn) => self.give_back(conn),
                Err(_) => return,
            }
        }
    }

    /// The numbers `/metrics` shows.
    pub(crate) fn stats(&self) -> PoolStats {
        let c = &self.counters;
        let max = self.options.pool_size.max(1);
        PoolStats {
            max,
            open: c.open.load(Ordering::Relaxed),
            idle: self.idle.lock().map_or(0, |v| v.len()),
            in_use: max.saturating_sub(self.permits.available_permits()),
            waits: c.waits.load(Ordering::Relaxed),
            acquire_timeouts: c.acquire_timeouts.load(Ordering::Relaxed),
            connects: c.connects.load(Ordering::Relaxed),
            connect_failures: c.connect_failures.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            errors: c
                .errors
                .lock()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
                .unwrap_or_default(),
        }
    }
}

/// How one attempt ended.
enum Attempt<T> {
    Done(Result<T>),
    /// The connection was broken before anything could have changed: run again.
    Retry(StoreError),
}

/// Every few seconds, [`Pool::upkeep`], until the pool is dropped.
async fn upkeep(pool: Weak<Pool>) {
    let period = match pool.upgrade() {
        Some(p) => (p.options.idle_timeout.min(p.options.max_lifetime) / 4)
            .clamp(Duration::from_millis(200), Duration::from_secs(30)),
        None => return,
    };
    loop {
        if let Some(p) = pool.upgrade() {
            // Off the executor: closing and opening connections block.
            let _ = tokio::task::spawn_blocking(move || p.upkeep()).await;
        } else {
            return;
        }
        tokio::time::sleep(period).await;
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
