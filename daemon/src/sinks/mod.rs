//! Streaming each org's audit log to its sinks (`wt audit sinks`): one background task
//! per daemon, never on a request's path.
//!
//! Every [`Settings::poll`] the task claims the sinks that are due and whose lease is free
//! (`AuditSinkStore::audit_sinks_claim`, like the mailer's claim), so of several daemons
//! on one PostgreSQL database exactly one delivers a given sink at a time; a daemon that
//! dies (`kill -9`) holds its leases until they expire ([`Settings::lease`]), then
//! another daemon, or itself restarted, takes over. Per claimed sink, a task of its own
//! (a slow receiver delays only itself) reads the entries after the sink's durable cursor
//! in seq order, [`BATCH`] at a time, sends them ([`webhook`], [`syslog`]), and moves the
//! cursor only after the receiver accepted them. Delivery is therefore at least once and
//! in order: a crash between acceptance and the cursor's update sends that batch again,
//! and every entry carries its `seq`, by which receivers drop duplicates. A failure
//! records the error and waits ([`wt_core::audit_sinks::backoff`]: doubling from
//! `backoff_min` to `backoff_max`, with jitter) before the next attempt, from the same
//! cursor.

pub mod syslog;
pub mod webhook;

use crate::state::AppState;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;
use wt_core::audit::AuditRecord;
use wt_core::audit_sinks::{SinkKind, SinkTarget};
use wt_store::{AuditSinkRecord, CheckpointRecord};

/// Entries per batch: one webhook POST, or one syslog connection's messages.
pub const BATCH: u32 = 100;
/// Batches sent per claim before the sink goes back to the pool (other daemons, fairness
/// between sinks); a sink far behind is claimed again at the next poll.
const BATCHES_PER_CLAIM: usize = 50;
/// Sinks delivered at once by one daemon; more wait for the next poll.
const MAX_SINKS: u32 = 32;
/// How long one send may take (connect, TLS, write, the receiver's answer).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// The delivery task's settings (`wtd serve --audit-sink-*`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// How often due sinks are looked for.
    pub poll: Duration,
    /// How long a claim lasts without progress, in seconds (a dead daemon's sinks wait
    /// this long before another takes them).
    pub lease: i64,
    /// First wait after a failure, in seconds; doubles per failure up to `backoff_max`.
    pub backoff_min: i64,
    pub backoff_max: i64,
    /// This daemon's name in leases: random per process.
    pub holder: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(1),
            lease: 30,
            backoff_min: 2,
            backoff_max: 300,
            holder: wt_core::ids::new_id("wtd"),
        }
    }
}

/// A sink's stored settings (`audit_sinks.config`).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SinkConfig {
    pub url: String,
    /// PEM certificates of the CAs a TLS syslog server's certificate must chain to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
    /// The client certificate chain (PEM) a TLS syslog sink presents; its key is the
    /// sink's sealed secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert_pem: Option<String>,
}

/// What a send failed with: shown in `wt audit sinks list` and the log, never a secret.
#[derive(Debug, Clone)]
pub struct SendError(pub String);

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for SendError {
    fn from(e: E) -> Self {
        // The whole chain: "error sending request: connection refused".
        let mut s = e.to_string();
        let mut src = e.source();
        while let Some(c) = src {
            s.push_str(": ");
            s.push_str(&c.to_string());
            src = c.source();
        }
        SendError(s)
    }
}

/// A sink ready to send: its target parsed and its secrets opened.
pub struct Prepared {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub target: SinkTarget,
    pub config: SinkConfig,
    /// HMAC keys that sign (the current secret first, then the previous one during its
    /// overlap). Empty for syslog.
    pub keys: Vec<Vec<u8>>,
    /// Syslog over TLS with a client certificate: its private key (PEM), opened.
    pub client_key: Option<zeroize::Zeroizing<Vec<u8>>>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("id", &self.id)
            .field("target", &self.target.display())
            .field("keys", &"***")
            .finish()
    }
}

/// Parses a stored sink and opens its secrets with the master key.
pub fn prepare(state: &AppState, s: &AuditSinkRecord, now: i64) -> Result<Prepared, SendError> {
    let kind =
        SinkKind::parse(&s.kind).ok_or_else(|| SendError(format!("unknown kind {}", s.kind)))?;
    let config: SinkConfig = serde_json::from_str(&s.config)
        .map_err(|e| SendError(format!("the stored settings do not parse: {e}")))?;
    let target = SinkTarget::parse(kind, &config.url).map_err(|e| SendError(e.to_string()))?;
    let unseal = |sealed: &str| -> Result<Vec<u8>, SendError> {
        state
            .master_key
            .decrypt(sealed, s.id.as_bytes())
            .map_err(|_| SendError("the sink's secret does not decrypt with the master key".into()))
    };
    let open = |sealed: &str| -> Result<Vec<u8>, SendError> {
        let text = String::from_utf8(unseal(sealed)?)
            .map_err(|_| SendError("the signing secret is not text".into()))?;
        wt_core::audit_sinks::secret_key(&text).map_err(|e| SendError(e.to_string()))
    };
    let mut keys = Vec::new();
    let mut client_key = None;
    match kind {
        SinkKind::Webhook => {
            if let Some(sealed) = &s.secret {
                keys.push(open(sealed)?);
            }
            if let (Some(sealed), Some(until)) = (&s.previous_secret, s.previous_secret_until)
                && until > now
            {
                keys.push(open(sealed)?);
            }
        }
        SinkKind::Syslog => {
            if let Some(sealed) = &s.secret {
                client_key = Some(zeroize::Zeroizing::new(unseal(sealed)?));
            }
        }
    }
    Ok(Prepared {
        id: s.id.clone(),
        org_id: s.org_id.clone(),
        name: s.name.clone(),
        target,
        config,
        keys,
        client_key,
    })
}

/// The HOSTNAME of syslog messages: the public URL's host, else NILVALUE.
pub fn hostname(state: &AppState) -> String {
    state
        .settings
        .public_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "-".into())
}

/// Sends entries (in seq order) to the sink; `Ok` once the receiver accepted them all.
pub async fn send(
    state: &AppState,
    http: &reqwest::Client,
    sink: &Prepared,
    entries: &[AuditRecord],
    checkpoint: Option<&CheckpointRecord>,
) -> Result<(), SendError> {
    match &sink.target {
        SinkTarget::Webhook { url } => {
            webhook::send_entries(state, http, sink, url, entries, checkpoint).await
        }
        SinkTarget::Syslog { .. } => syslog::send_entries(state, sink, entries, checkpoint).await,
    }
}

/// Sends one test message outside the stream.
pub async fn send_test(state: &AppState, sink: &Prepared) -> Result<(), SendError> {
    match &sink.target {
        SinkTarget::Webhook { url } => {
            webhook::send_test(state, &webhook::client(), sink, url).await
        }
        SinkTarget::Syslog { .. } => syslog::send_test(state, sink).await,
    }
}

/// Delivers one claimed sink until it is caught up, fails, loses its lease, or has sent
/// [`BATCHES_PER_CLAIM`] batches.
async fn deliver(state: AppState, cfg: Arc<Settings>, http: reqwest::Client, s: AuditSinkRecord) {
    let fail = |error: String, failures: i64| {
        let (state, cfg, id) = (state.clone(), cfg.clone(), s.id.clone());
        async move {
            let jitter = f64::from(u32::from_le_bytes(wt_core::token::random_bytes::<4>()))
                / f64::from(u32::MAX);
            let wait =
                wt_core::audit_sinks::backoff(failures, cfg.backoff_min, cfg.backoff_max, jitter);
            let now = state.now();
            tracing::warn!(sink = %id, error = %error, retry_in_s = wait, "audit sink delivery failed");
            state.metrics.audit_sink("failed");
            if let Err(e) = state
                .store
                .audit_sink_failed(&id, &cfg.holder, &error, now, now + wait)
                .await
            {
                tracing::error!(error = %e, sink = %id, "cannot record an audit sink failure");
            }
        }
    };
    let sink = match prepare(&state, &s, state.now()) {
        Ok(p) => p,
        Err(e) => return fail(e.0, s.failures + 1).await,
    };
    let mut cursor = s.delivered_seq;
    for _ in 0..BATCHES_PER_CLAIM {
        if *state.shutdown.borrow() {
            break;
        }
        let entries = match state.store.audit_entries(&s.org_id, cursor, BATCH).await {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, sink = %s.id, "cannot read the audit log for a sink");
                return;
            }
        };
        let Some(last) = entries.last().map(|e| e.seq) else {
            return;
        };
        // The newest signed checkpoint goes with every batch (issue 28: a copy of the
        // evidence outside the installation); a failed read only leaves it out.
        let checkpoint = match state.store.audit_checkpoint_latest(&s.org_id).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, sink = %s.id, "cannot read the latest checkpoint for a sink");
                None
            }
        };
        if let Err(e) = send(&state, &http, &sink, &entries, checkpoint.as_ref()).await {
            return fail(e.0, s.failures + 1).await;
        }
        state.metrics.audit_sink_entries(entries.len() as u64);
        match state
            .store
            .audit_sink_delivered(&s.id, &cfg.holder, last, state.now(), cfg.lease)
            .await
        {
            Ok(true) => cursor = last,
            Ok(false) => {
                // Another daemon took the sink over (our lease expired meanwhile): it
                // resends from the durable cursor; stop here.
                tracing::info!(sink = %s.id, "audit sink lease lost to another daemon");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, sink = %s.id, "cannot record an audit sink's progress");
                return;
            }
        }
    }
}

/// The delivery task: until `shutdown` flips, claims due sinks every `poll` and delivers
/// each in a task of its own. On shutdown it gives its leases back.
pub async fn run(state: AppState, cfg: Settings, mut shutdown: watch::Receiver<bool>) {
    if cfg.lease < SEND_TIMEOUT.as_secs() as i64 {
        tracing::warn!(
            lease_s = cfg.lease,
            send_timeout_s = SEND_TIMEOUT.as_secs(),
            "--audit-sink-lease is shorter than a send's timeout: with several replicas, another \
             one may take a sink over during a slow send and deliver that batch again \
             (still at least once, in order)"
        );
    }
    let cfg = Arc::new(cfg);
    let http = webhook::client();
    let mut running: HashSet<String> = HashSet::new();
    // Every sink this daemon claimed: its lease is given back on shutdown.
    let mut held: HashSet<String> = HashSet::new();
    let mut tasks: JoinSet<String> = JoinSet::new();
    loop {
        match state
            .store
            .audit_sinks_claim(&cfg.holder, state.now(), cfg.lease, MAX_SINKS)
            .await
        {
            Ok(sinks) => {
                for s in sinks {
                    held.insert(s.id.clone());
                    if running.insert(s.id.clone()) {
                        let (state, cfg, http, id) =
                            (state.clone(), cfg.clone(), http.clone(), s.id.clone());
                        tasks.spawn(async move {
                            deliver(state, cfg, http, s).await;
                            id
                        });
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot claim audit sinks"),
        }
        let sleep = tokio::time::sleep(cfg.poll);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                    if let Ok(id) = done {
                        running.remove(&id);
                    }
                }
                _ = &mut sleep => break,
                _ = shutdown.changed() => {
                    // Deliveries check the flag between batches; a send in flight ends
                    // within its timeout.
                    while tasks.join_next().await.is_some() {}
                    for id in &held {
                        let _ = state.store.audit_sink_release(id, &cfg.holder).await;
                    }
                    tracing::info!("audit sink delivery stopped");
                    return;
                }
            }
        }
        // A task that panicked leaves its id: forget what finished.
        if tasks.is_empty() {
            running.clear();
        }
    }
}
