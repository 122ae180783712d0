//! What every handler shares. Cheap to clone (one `Arc`).

use crate::metrics::Metrics;
use std::sync::Arc;
use tokio::sync::Semaphore;
use wt_core::Clock;
use wt_core::crypto::MasterKey;
use wt_store::Store;

/// Password hashes computed at once. Each argon2id hash holds 19 MiB and a core for tens
/// of milliseconds; when all permits are taken, further logins wait their turn.
/// Half the cores (at least one): a storm of logins can never take every core from the
/// ingest path (on 2 cores, 4 concurrent hashes raised ingest p99 6.9x; one, see
/// BENCHMARKS.md). Further logins wait their turn.
pub fn hash_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).clamp(1, 8))
}

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
    /// The `Host`s served (SECURITY.md #63): the public URL's, loopback names, and the
    /// listener's own IP when bound to one. Others get 421 (`middleware::check_host`).
    pub hosts: wt_core::hosts::HostPolicy,
    /// Base of the links in invitation and reset mails (`--public-url`, else a loopback
    /// listener's own address); `None`: mails carry only the token.
    pub link_base: Option<String>,
    /// Whether the listener speaks TLS (for the expected Origin when no public URL is set).
    pub tls: bool,
    /// Issuer shown in authenticator apps (`otpauth://totp/{issuer}:{email}`).
    pub totp_issuer: String,
    /// How long an invite stays valid, in seconds.
    pub invite_ttl: i64,
    /// How long ingested events are kept unless their org says otherwise, in seconds
    /// (`--event-retention`).
    pub event_retention: i64,
    /// How often the prune task runs (`--event-prune-interval`).
    pub event_prune_interval: std::time::Duration,
    /// Sign an audit checkpoint after this many new entries (`--checkpoint-every-entries`).
    pub checkpoint_every_entries: u64,
    /// ...or after this long when the log grew (`--checkpoint-every`).
    pub checkpoint_every: std::time::Duration,
    /// Proxies whose `X-Forwarded-For` is believed (SECURITY.md H.54); empty = none.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Other daemons may change the database (PostgreSQL): caches are checked against the
    /// store's cache version before use.
    pub shared_database: bool,
    /// The bearer token `/metrics` requires (`--metrics-token-file`); `None`: `/metrics`
    /// answers loopback peers only. Metrics count across every org.
    pub metrics_token: Option<wt_core::secret::SecretString>,
    /// Public keys of the secret-scanning partner (`--secret-scanning-keys`); `None`: the
    /// partner endpoint answers 404.
    pub leak_partner_keys: Option<Arc<wt_core::leaks::PartnerKeys>>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            console_idle_timeout: crate::config::DEFAULT_CONSOLE_IDLE,
            cli_idle_timeout: crate::config::DEFAULT_CLI_IDLE,
            session_lifetime: crate::config::DEFAULT_SESSION_LIFETIME,
            cookies_allowed: true,
            public_url: None,
            hosts: wt_core::hosts::HostPolicy::loopback_only(),
            link_base: None,
            tls: false,
            totp_issuer: wt_core::mfa::DEFAULT_ISSUER.to_string(),
            invite_ttl: crate::config::DEFAULT_INVITE_TTL,
            event_retention: wt_core::events::DEFAULT_RETENTION,
            event_prune_interval: crate::service::events::PRUNE_EVERY,
            checkpoint_every_entries: crate::service::audit_checkpoints::DEFAULT_EVERY_ENTRIES,
            checkpoint_every: crate::service::audit_checkpoints::DEFAULT_EVERY,
            trusted_proxies: Vec::new(),
            shared_database: false,
            metrics_token: None,
            leak_partner_keys: None,
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
    /// Bounds concurrent argon2 work; see [`hash_concurrency`].
    pub hash_permits: Semaphore,
    /// Wakes the mailer when mail is queued.
    pub mail_wakeup: tokio::sync::Notify,
    /// Flips to `true` on shutdown: long-lived responses (audit streams) end themselves.
    pub shutdown: tokio::sync::watch::Sender<bool>,
    /// Keys and org access policies in memory (the hot path's view; see `keycache`).
    pub caches: crate::keycache::Caches,
    /// Rate limits of audit entries for refused requests.
    pub denials: crate::denials::Denials,
    /// Per-key rate limits (per replica; `ratelimit`).
    pub limits: crate::ratelimit::Limiters,
    /// Digests of signed leak reports already acted on (replay protection; `service::leaks`).
    pub leak_reports: crate::service::leaks::SeenReports,
    /// Serialises changes that update `caches` (key and allowed-IP edits, the browser
    /// policy): commit and cache update happen under it, so two edits can never leave the
    /// cache with the older one's view. Admin actions only; the hot path never takes it.
    pub cache_writes: tokio::sync::Mutex<()>,
    /// When the last completed cache-version check started (several daemons on one
    /// database only; see [`AppState::fresh_caches`]).
    pub cache_check: tokio::sync::Mutex<Option<std::time::Instant>>,
    /// PostgreSQL only: the seq up to which events may be handed to consumers (see
    /// `wt_core::events::Watermark`), moved by `service::events::run_watermark`; -1 until
    /// the first one is known.
    pub event_watermark: tokio::sync::watch::Sender<i64>,
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: Settings,
        master_key: MasterKey,
    ) -> Self {
        let hasher =
            wt_core::apikey::KeyHasher::new(&master_key.derive(wt_core::apikey::PEPPER_LABEL));
        Self(Arc::new(Inner {
            caches: crate::keycache::Caches::new(hasher),
            denials: crate::denials::Denials::default(),
            limits: crate::ratelimit::Limiters::default(),
            leak_reports: crate::service::leaks::SeenReports::default(),
            cache_writes: tokio::sync::Mutex::new(()),
            cache_check: tokio::sync::Mutex::new(None),
            event_watermark: tokio::sync::watch::channel(-1).0,
            store,
            clock,
            settings,
            metrics: Metrics::default(),
            master_key,
            hash_permits: Semaphore::new(hash_concurrency()),
            mail_wakeup: tokio::sync::Notify::new(),
            shutdown: tokio::sync::watch::channel(false).0,
        }))
    }

    /// Loads the caches and starts the background work (the usage flusher).
    /// Until the caches are loaded, authenticated requests fail closed with 503.
    pub async fn start(&self) -> Result<Vec<tokio::task::JoinHandle<()>>, wt_store::StoreError> {
        self.caches.load(self.store.as_ref(), self.now()).await?;
        Ok(vec![
            tokio::spawn(crate::keycache::run_flusher(self.clone())),
            tokio::spawn(crate::service::ingest::run_idempotency_purger(self.clone())),
            tokio::spawn(crate::service::events::run_pruner(self.clone())),
            tokio::spawn(crate::service::events::run_watermark(self.clone())),
            tokio::spawn(crate::service::audit_checkpoints::run_signer(self.clone())),
        ])
    }

    /// Makes the in-memory caches (keys, allowed IPs, org policies) at least as new as the
    /// database was when this request arrived. Only with a database shared by several
    /// daemons (`shared_database`): alone, a daemon updates its caches itself after every
    /// change. The check is shared: a request waits for a check that started after it
    /// arrived, so a burst of requests costs one, and a change committed through another
    /// daemon before this request arrived is seen (revocation applies to the very next
    /// request, on every daemon). On PostgreSQL with a direct session a check is one empty
    /// round trip on the daemon's `LISTEN` session, not a statement
    /// ([`wt_store::HealthStore::cache_version_synced`]); otherwise it reads the version.
    pub async fn fresh_caches(&self) -> Result<(), wt_store::StoreError> {
        if !self.settings.shared_database {
            return Ok(());
        }
        let arrived = std::time::Instant::now();
        let mut last = self.cache_check.lock().await;
        if last.is_some_and(|t| t >= arrived) {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let version = self.store.cache_version_synced().await?;
        if version != self.caches.version() {
            let _serial = self.cache_writes.lock().await;
            self.caches.refresh(self.store.as_ref(), self.now()).await?;
        }
        *last = Some(started);
        Ok(())
    }

    /// Resolves once shutdown has been requested.
    pub async fn shutdown_requested(&self) {
        let mut rx = self.shutdown.subscribe();
        let _ = rx.wait_for(|s| *s).await;
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
