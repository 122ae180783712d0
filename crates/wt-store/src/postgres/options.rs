//! How a daemon uses its PostgreSQL connections: the `--database-*` settings other than
//! where the database is (that is [`super::PgConnector`]'s).

/// Connection settings of one daemon, with documented defaults ([`PgOptions::default`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgOptions {
    /// Connections kept at most (`--database-pool-size`).
    pub pool_size: usize,
    /// What sits between wtd and PostgreSQL (`--database-pooler`).
    pub pooler: Pooler,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            pool_size: super::DEFAULT_POOL_SIZE,
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
