//! How a daemon uses its PostgreSQL connections: the `--database-*` settings other than
//! where the database is (that is [`super::PgConnector`]'s).
//!
//! The time limits form a ladder, each well under the next, so that a slow or locked
//! database turns into a quick 503 with `Retry-After` (the transaction rolled back)
//! instead of a 408 sent while the transaction goes on and commits:
//!
//! ```text
//! lock_timeout (2 s) <= statement_timeout (5 s) <= idle_in_transaction (5 s)
//! acquire_timeout (5 s) + statement_timeout (5 s) < the daemon's request timeout (30 s)
//! ```
//!
//! [`PgOptions::check_against`] refuses settings that break the last line.

use std::time::Duration;

/// Connections kept at most by default (`--database-pool-size`).
pub const DEFAULT_POOL_SIZE: usize = 8;
/// Connections kept open even when idle, by default (`--database-pool-min`).
pub const DEFAULT_POOL_MIN: usize = 1;
/// How long a request waits for a connection (a free one, or a new one while the server
/// restarts) before it is answered 503 (`--database-acquire-timeout`).
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections are closed and replaced after this long (`--database-max-lifetime`):
/// spreads them over new server processes (after a failover, a config reload, a memory
/// leak) without anyone noticing.
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// Idle connections above the minimum are closed after this long
/// (`--database-idle-timeout`), so a quiet replica gives its share of a role's connection
/// limit back to the busy ones.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// The server cancels a statement running longer (`--database-statement-timeout`,
/// PostgreSQL's `statement_timeout`). wtd's statements take milliseconds.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);
/// The server gives up waiting for a lock after this long (`--database-lock-timeout`,
/// `lock_timeout`): a table locked by a migration or an operator's session is a quick 503.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(2);
/// The server ends a session left inside a transaction for this long
/// (`--database-idle-in-transaction-timeout`, `idle_in_transaction_session_timeout`):
/// a stalled daemon cannot hold row locks for ever.
pub const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT: Duration = Duration::from_secs(5);

/// Connection settings of one daemon, with documented defaults ([`PgOptions::default`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgOptions {
    /// Connections kept at most (`--database-pool-size`).
    pub pool_size: usize,
    /// Connections kept open even when idle (`--database-pool-min`), at most `pool_size`.
    pub pool_min: usize,
    /// How long a request waits for a connection before it gets 503.
    pub acquire_timeout: Duration,
    /// Connections older than this are replaced.
    pub max_lifetime: Duration,
    /// Idle connections above `pool_min` are closed after this long.
    pub idle_timeout: Duration,
    /// Server-side limits sent with every connection (in its startup packet, so they cost
    /// nothing per request); `None` for the commands that may legitimately run long
    /// (`wtd migrate`, `wtd copy`) and behind a transaction pooler, which refuses them
    /// (set them on the role there: `ALTER ROLE wt SET statement_timeout = '5s'`).
    pub session: Option<SessionLimits>,
    /// What sits between wtd and PostgreSQL (`--database-pooler`).
    pub pooler: Pooler,
}

/// PostgreSQL's own time limits for a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub statement_timeout: Duration,
    pub lock_timeout: Duration,
    pub idle_in_transaction_timeout: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            statement_timeout: DEFAULT_STATEMENT_TIMEOUT,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            idle_in_transaction_timeout: DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT,
        }
    }
}

impl SessionLimits {
    /// The startup packet's `options`: `-c statement_timeout=5000 ...` (milliseconds).
    pub fn startup_options(&self) -> String {
        format!(
            "-c statement_timeout={} -c lock_timeout={} -c idle_in_transaction_session_timeout={}",
            self.statement_timeout.as_millis(),
            self.lock_timeout.as_millis(),
            self.idle_in_transaction_timeout.as_millis()
        )
    }
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            pool_size: DEFAULT_POOL_SIZE,
            pool_min: DEFAULT_POOL_MIN,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
            max_lifetime: DEFAULT_MAX_LIFETIME,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            session: Some(SessionLimits::default()),
            pooler: Pooler::None,
        }
    }
}

impl PgOptions {
    /// The defaults with `pool_size` connections.
    pub fn with_pool_size(pool_size: usize) -> Self {
        PgOptions {
            pool_size: pool_size.max(1),
            ..PgOptions::default()
        }
    }

    /// These settings without server-side time limits: for `wtd migrate`, `wtd copy` and
    /// the other one-off commands, whose statements may rightly take minutes.
    pub fn without_session_limits(self) -> Self {
        PgOptions {
            session: None,
            ..self
        }
    }

    /// The limits actually sent in the startup packet: none behind a transaction pooler
    /// (pgbouncer refuses the `options` startup parameter).
    pub fn startup_options(&self) -> Option<String> {
        match self.pooler {
            Pooler::Transaction => None,
            Pooler::None => self.session.as_ref().map(SessionLimits::startup_options),
        }
    }

    /// Refuses settings under which a request could outlive the daemon's request timeout
    /// inside the database (then the client gets 408 while its transaction may still
    /// commit): waiting for a connection plus one statement must end well before it, and
    /// the limits must be on and ordered.
    pub fn check_against(&self, request_timeout: Duration) -> Result<(), String> {
        if self.pool_min > self.pool_size {
            return Err(format!(
                "--database-pool-min ({}) is larger than --database-pool-size ({})",
                self.pool_min, self.pool_size
            ));
        }
        if self.acquire_timeout.is_zero() {
            return Err("--database-acquire-timeout must be longer than 0".into());
        }
        let Some(s) = &self.session else {
            return Ok(());
        };
        if s.statement_timeout.is_zero()
            || s.lock_timeout.is_zero()
            || s.idle_in_transaction_timeout.is_zero()
        {
            return Err("the database timeouts (--database-statement-timeout, \
                 --database-lock-timeout, --database-idle-in-transaction-timeout) must be \
                 longer than 0: without them a locked table holds requests past the request \
                 timeout"
                .into());
        }
        if s.lock_timeout > s.statement_timeout {
            return Err(format!(
                "--database-lock-timeout ({}) is longer than --database-statement-timeout \
                 ({}): it would never fire",
                humanize(s.lock_timeout),
                humanize(s.statement_timeout)
            ));
        }
        let worst = self.acquire_timeout + s.statement_timeout;
        // Well under: leaves the request the rest of its time for the answer itself.
        if worst * 3 / 2 > request_timeout {
            return Err(format!(
                "--database-acquire-timeout ({}) plus --database-statement-timeout ({}) must \
                 stay under two thirds of the request timeout ({}): otherwise a slow \
                 database answers 408 while the transaction may still commit",
                humanize(self.acquire_timeout),
                humanize(s.statement_timeout),
                humanize(request_timeout)
            ));
        }
        Ok(())
    }
}

fn humanize(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// A connection pooler between wtd and PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pooler {
    /// wtd talks to PostgreSQL itself: each connection is one server session.
    #[default]
    None,
    /// A pooler in transaction mode (pgbouncer `pool_mode = transaction`, Supabase's or
    /// RDS Proxy's transaction pooling): consecutive transactions of one connection may
    /// run on different server sessions, so nothing may outlive a transaction (named
    /// prepared statements, session settings, session-level advisory locks, LISTEN).
    Transaction,
}

impl Pooler {
    pub fn as_str(self) -> &'static str {
        match self {
            Pooler::None => "none",
            Pooler::Transaction => "transaction",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUEST: Duration = Duration::from_secs(30);

    #[test]
    fn the_defaults_fit_the_default_request_timeout_and_are_ordered() {
        let o = PgOptions::default();
        assert_eq!(o.check_against(REQUEST), Ok(()));
        assert_eq!((o.pool_size, o.pool_min), (8, 1));
        let s = o
            .session
            .unwrap_or_else(|| panic!("limits are on by default"));
        assert!(s.lock_timeout <= s.statement_timeout);
        assert!(o.acquire_timeout + s.statement_timeout < REQUEST / 2);
    }

    #[test]
    fn limits_reach_the_startup_packet_except_behind_a_transaction_pooler() {
        let o = PgOptions::default();
        assert_eq!(
            o.startup_options().as_deref(),
            Some(
                "-c statement_timeout=5000 -c lock_timeout=2000 \
                 -c idle_in_transaction_session_timeout=5000"
            )
        );
        let pooled = PgOptions {
            pooler: Pooler::Transaction,
            ..PgOptions::default()
        };
        assert_eq!(pooled.startup_options(), None);
        assert_eq!(
            PgOptions::default()
                .without_session_limits()
                .startup_options(),
            None
        );
    }

    #[test]
    fn settings_that_outlive_the_request_timeout_are_refused_with_the_flags_named() {
        let slow = PgOptions {
            acquire_timeout: Duration::from_secs(20),
            ..PgOptions::default()
        };
        let e = slow.check_against(REQUEST).err().unwrap_or_default();
        assert!(
            e.contains("--database-acquire-timeout (20s)") && e.contains("(30s)"),
            "{e}"
        );
        // The same settings fit a longer request timeout.
        assert_eq!(slow.check_against(Duration::from_secs(60)), Ok(()));
        let off = PgOptions {
            session: Some(SessionLimits {
                statement_timeout: Duration::ZERO,
                ..SessionLimits::default()
            }),
            ..PgOptions::default()
        };
        assert!(off.check_against(REQUEST).is_err());
        let inverted = PgOptions {
            session: Some(SessionLimits {
                lock_timeout: Duration::from_secs(9),
                ..SessionLimits::default()
            }),
            ..PgOptions::default()
        };
        let e = inverted.check_against(REQUEST).err().unwrap_or_default();
        assert!(e.contains("never fire"), "{e}");
        let min = PgOptions {
            pool_min: 9,
            ..PgOptions::default()
        };
        assert!(min.check_against(REQUEST).is_err());
        // Without session limits (one-off commands) only the pool's own rules apply.
        assert_eq!(
            PgOptions::default()
                .without_session_limits()
                .check_against(Duration::from_secs(1)),
            Ok(())
        );
    }
}
