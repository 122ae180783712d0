//! What every handler shares. Cheap to clone (one `Arc`).

use crate::metrics::Metrics;
use std::sync::Arc;
use tokio::sync::Semaphore;
use wt_core::Clock;
use wt_core::crypto::MasterKey;
use wt_store::Store;

/// Password hashes computed at once. Each argon2id hash holds 19 MiB and a core for tens
/// of milliseconds; when all permits are taken, further logins wait their turn.
pub const HASH_CONCURRENCY: usize = 4;

/// Session and request settings resolved from the config.
#[derive(Debug, Clone)]
pub struct Settings {
    pub console_idle_timeout: i64,
    pub cli_idle_timeout: i64,
    pub session_lifetime: i64,
    /// Whether cookies may be issued: TLS is on, or the listener is loopback-only (browsers
    /// treat `localhost` as a secure context). Otherwise console login is refused.
    pub cookies_allowed: bool,
    /// `https://host[:port]` of this server when configured; the console's expected Origin.
    pub public_url: Option<String>,
    /// Whether the listener speaks TLS (for the expected Origin when no public URL is set).
    pub tls: bool,
    /// Issuer shown in authenticator apps (`otpauth://totp/{issuer}:{email}`).
    pub totp_issuer: String,
    /// How long an invite stays valid, in seconds.
    pub invite_ttl: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            console_idle_timeout: crate::config::DEFAULT_CONSOLE_IDLE,
            cli_idle_timeout: crate::config::DEFAULT_CLI_IDLE,
            session_lifetime: crate::config::DEFAULT_SESSION_LIFETIME,
            cookies_allowed: true,
            public_url: None,
            tls: false,
            totp_issuer: wt_core::mfa::DEFAULT_ISSUER.to_string(),
            invite_ttl: crate::config::DEFAULT_INVITE_TTL,
        }
    }
}

/// Shared state of the daemon.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    /// The persistence backend (SQLite by default).
    pub store: Arc<dyn Store>,
    /// Time source; a manual clock in tests.
    pub clock: Arc<dyn Clock>,
    pub settings: Settings,
    pub metrics: Metrics,
    /// Encrypts secrets at rest (TOTP secrets, from the MFA issue on).
    pub master_key: MasterKey,
    /// Bounds concurrent argon2 work; see [`HASH_CONCURRENCY`].
    pub hash_permits: Semaphore,
    /// Wakes the mailer when mail is queued.
    pub mail_wakeup: tokio::sync::Notify,
    /// Flips to `true` on shutdown: long-lived responses (audit streams) end themselves.
    pub shutdown: tokio::sync::watch::Sender<bool>,
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: Settings,
        master_key: MasterKey,
    ) -> Self {
        Self(Arc::new(Inner {
            store,
            clock,
            settings,
            metrics: Metrics::default(),
            master_key,
            hash_permits: Semaphore::new(HASH_CONCURRENCY),
            mail_wakeup: tokio::sync::Notify::new(),
            shutdown: tokio::sync::watch::channel(false).0,
        }))
    }

    /// The current time from the injected clock.
    pub fn now(&self) -> i64 {
        self.0.clock.now()
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
