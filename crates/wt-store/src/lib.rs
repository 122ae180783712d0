//! Persistence of the WatchTower control plane behind one trait, [`Store`].
//!
//! Handlers and services only see `Arc<dyn Store>`. [`Store`] is made of one sub-trait per
//! noun of the product ([`OrgStore`], [`SessionStore`], [`KeyStore`], ...; all in
//! `store.rs`), and every method is callable on `dyn Store` without importing them. The
//! SQLite implementation ([`sqlite::SqliteStore`]) is the embedded default, and the
//! PostgreSQL one ([`postgres::PgStore`]) serves several daemons on one database; both run
//! the same SQL ([`sql`], one file per noun). Every method that changes security state
//! takes the [`AuditEvent`](wt_core::audit::AuditEvent) that records it and writes both in
//! one transaction: no change without its entry, no entry without its change.
//!
//! Row types ([`model`]) are separate from wire types; the daemon maps between them. The
//! conformance story both backends must pass is the crate's integration test
//! (`tests/conformance/`).

pub mod model;
pub mod postgres;
pub mod sql;
pub mod sqlite;

mod store;

pub use model::*;
pub use store::{
    AllowedIpStore, AuditCheckpointStore, AuditSinkStore, AuditStore, DeviceGrantStore, EventStore,
    HealthStore, IngestStore, InviteStore, KeyStore, MemberStore, MfaStore, OrgStore, OutboxStore,
    PasskeyStore, PasswordStore, ReadinessStore, SessionStore, SetupStore, Store, ThrottleStore,
    TokenStore, UserStore,
};

/// Errors of the store. Messages never include SQL or paths (SECURITY.md I.58): the
/// daemon logs the source and answers a generic 500.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or belongs to another org: same answer).
    #[error("not found")]
    NotFound,
    /// A uniqueness or state precondition failed; the message is safe to show.
    #[error("{0}")]
    Conflict(String),
    /// The setup token is unknown, used or expired.
    #[error("setup token invalid")]
    SetupTokenInvalid,
    /// The invite is unknown, used, revoked or expired.
    #[error("invite invalid")]
    InviteInvalid,
    /// The change would leave the org without an owner.
    #[error("the org must keep at least one owner")]
    LastOwner,
    /// The database cannot be written right now (disk full, read-only file system, I/O
    /// error). Nothing was changed; the same request can succeed later.
    #[error("the database cannot be written right now: {0}")]
    Unavailable(String),
    /// The database cannot be reached: refused, unreachable, TLS or authentication
    /// failed, or how to reach it is misconfigured. The message names the cause (never a
    /// password); the same request can succeed once the cause is gone.
    #[error("{0}")]
    Connect(String),
    /// The database failed; details are for the log only.
    #[error("storage failure: {0}")]
    Internal(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;
