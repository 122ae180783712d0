//! The cache-version change feed of one daemon: a PostgreSQL session of its own that
//! `LISTEN`s on [`CHANNEL`], so that checking "has anything cached changed since this
//! request arrived?" costs one empty round trip on that session instead of a statement.
//!
//! Why an empty query is enough (ARCHITECTURE.md, "Several daemons on one PostgreSQL
//! database", has the whole argument): migration 0014 makes the `cache_version` trigger
//! `pg_notify` the new version. A committing session queues its notifications before it
//! commits and signals every listening backend before it answers its client; a backend
//! that has a notification signal pending sends the notifications before the
//! `ReadyForQuery` of the command it is running (postgres.c, PostgreSQL 13 and later).
//! So once the answer to an empty query sent *after* a change's response has come back,
//! the change's notification has been received on this session.
//!
//! The session lives on a thread of its own (the driver is synchronous); requests reach it
//! through a channel and are answered together: every request queued before a round trip
//! started is answered by it. While the session is down (not connected yet, broken, or a
//! round trip took longer than [`SYNC_TIMEOUT`]) [`CacheListener::synced_version`] says
//! `None` and the caller reads the version instead, exactly as without a listener: a cache
//! is never trusted on the listener's word alone when the listener may have missed
//! something. The thread reconnects by itself and reads the version again after `LISTEN`.

use super::PgConnector;
use crate::StoreError;
use postgres::Client;
use postgres::fallible_iterator::FallibleIterator;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, mpsc};
use std::time::Duration;
use tokio::sync::oneshot;

/// The notification channel the `cache_version` trigger notifies (migration 0014); the
/// payload is the new version.
pub const CHANNEL: &str = "wt_cache_version";

/// The listening session's `application_name`.
pub const APPLICATION_NAME: &str = "wtd cache listener";

/// How long a request waits for the listener's round trip before reading the version
/// instead. The session is used for nothing else, so only a network or server in trouble
/// makes it this slow; the next successful round trip trusts it again.
const SYNC_TIMEOUT: Duration = Duration::from_secs(2);
/// With no request for this long, the session makes a round trip anyway: it drains the
/// notifications and finds out that a connection died while nobody was asking.
const IDLE_ROUND_TRIP: Duration = Duration::from_secs(5);
/// Wait between two connection attempts.
const RECONNECT: Duration = Duration::from_secs(1);

type Request = oneshot::Sender<Option<i64>>;

/// One daemon's change feed; the thread starts at the first [`CacheListener::synced_version`].
pub struct CacheListener {
    connector: Arc<PgConnector>,
    running: OnceLock<Running>,
}

struct Running {
    /// Dropping it (with the store) ends the thread.
    requests: mpsc::Sender<Request>,
    shared: Arc<Shared>,
}

/// What the thread and the requests share.
#[derive(Default)]
struct Shared {
    /// The session is up and its last round trip answered in time.
    up: AtomicBool,
}

impl std::fmt::Debug for CacheListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheListener")
            .field("started", &self.running.get().is_some())
            .finish()
    }
}

impl CacheListener {
    pub fn new(connector: Arc<PgConnector>) -> Self {
        Self {
            connector,
            running: OnceLock::new(),
        }
    }

    /// A cache version at least as new as the database's when this call began, or `None`
    /// when the listener cannot vouch for one (then read the version from the table).
    pub async fn synced_version(&self) -> Option<i64> {
        let running = self.running.get_or_init(|| self.start());
        if !running.shared.up.load(Ordering::Acquire) {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        running.requests.send(tx).ok()?;
        match tokio::time::timeout(SYNC_TIMEOUT, rx).await {
            Ok(Ok(v)) => v,
            Ok(Err(_)) => None,
            Err(_) => {
                // Too slow to be trusted: others read the version until a round trip
                // answers in time again.
                running.shared.up.store(false, Ordering::Release);
                tracing::warn!(
                    "the cache-version listener did not answer within {SYNC_TIMEOUT:?}; \
                     reading the version instead"
                );
                None
            }
        }
    }

    fn start(&self) -> Running {
        let (tx, rx) = mpsc::channel();
        let shared = Arc::new(Shared::default());
        let connector = Arc::clone(&self.connector);
        let thread_shared = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("wt-pg-listen".into())
            .spawn(move || run(&connector, &rx, &thread_shared));
        if let Err(e) = spawned {
            // `up` stays false: every request reads the version.
            tracing::error!(error = %e, "could not start the cache-version listener");
        }
        Running {
            requests: tx,
            shared,
        }
    }
}

/// The thread: connect, serve round trips, reconnect when the session breaks; returns
/// when the store (the sender) is gone.
fn run(connector: &PgConnector, rx: &mpsc::Receiver<Request>, shared: &Shared) {
    let mut logged_down = false;
    loop {
        let mut session = match Session::open(connector) {
            Ok(s) => s,
            Err(e) => {
                if !logged_down {
                    tracing::warn!(error = %e, "the cache-version listener cannot connect; \
                        requests read the version until it can");
                    logged_down = true;
                }
                // Anyone who asked in the meantime reads the version.
                match rx.recv_timeout(RECONNECT) {
                    Ok(req) => answer(std::iter::once(req).chain(rx.try_iter()), None),
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                }
                continue;
            }
        };
        if logged_down {
            // (It stays set: leaving the loop below always sets it again.)
            tracing::info!("the cache-version listener is connected again");
        }
        shared.up.store(true, Ordering::Release);
        loop {
            let batch: Vec<Request> = match rx.recv_timeout(IDLE_ROUND_TRIP) {
                Ok(first) => std::iter::once(first).chain(rx.try_iter()).collect(),
                Err(mpsc::RecvTimeoutError::Timeout) => Vec::new(),
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            };
            match session.round_trip() {
                Ok(version) => {
                    shared.up.store(true, Ordering::Release);
                    answer(batch, Some(version));
                }
                Err(e) => {
                    shared.up.store(false, Ordering::Release);
                    answer(batch, None);
                    tracing::warn!(error = %e, "the cache-version listener lost its \
                        connection; requests read the version until it reconnects");
                    logged_down = true;
                    break;
                }
            }
        }
    }
}

/// Answers requests; one whose caller gave up (timed out) is skipped.
fn answer(requests: impl IntoIterator<Item = Request>, version: Option<i64>) {
    for r in requests {
        let _ = r.send(version);
    }
}

/// The listening session and the newest version it has heard of.
struct Session {
    client: Client,
    version: i64,
}

impl Session {
    /// Connects, listens, then reads the version: a change committed after the read is
    /// notified, one committed before it is in the read.
    fn open(connector: &PgConnector) -> crate::Result<Session> {
        let mut client = connector.connect()?;
        // Named, so an operator (and the tests) can tell it in `pg_stat_activity`.
        client.batch_execute(&format!(
            "SET application_name = '{APPLICATION_NAME}'; LISTEN {CHANNEL}"
        ))?;
        let mut session = Session { client, version: 0 };
        session.reread()?;
        Ok(session)
    }

    fn reread(&mut self) -> crate::Result<()> {
        self.version = self
            .client
            .query_one("SELECT version FROM cache_version WHERE id = 1", &[])?
            .try_get(0)?;
        Ok(())
    }

    /// An empty query: PostgreSQL answers it only after sending every notification
    /// already signalled to this session, and the driver buffers them on the way.
    fn round_trip(&mut self) -> crate::Result<i64> {
        self.client.batch_execute("")?;
        let mut unreadable = false;
        {
            let mut notifications = self.client.notifications();
            let mut pending = notifications.iter();
            while let Some(n) = pending.next()? {
                match n.payload().parse::<i64>() {
                    Ok(v) if n.channel() == CHANNEL => self.version = self.version.max(v),
                    _ => unreadable = true,
                }
            }
        }
        if self.client.is_closed() {
            return Err(StoreError::Unavailable(
                "the listening connection closed".into(),
            ));
        }
        if unreadable {
            // Not ours to interpret (a NOTIFY by hand?): the table has the truth.
            self.reread()?;
        }
        Ok(self.version)
    }
}
