//! Serving: bind, optional TLS (rustls), graceful shutdown.

use crate::app::{App, Limits};
use crate::config::ServeConfig;
use crate::state::{AppState, Settings};
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use wt_core::SystemClock;

/// How long in-flight requests may take to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Largest request head (request line and headers) read; beyond it hyper answers 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Connection settings every listener uses (plain or TLS). Hyper's header timer is off:
/// it would also time the idle wait between keep-alive requests. The header and
/// keep-alive idle timeouts are `keepalive::TimedStream`'s, on every accepted stream.
fn harden(builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>) {
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(None)
        .max_buf_size(MAX_HEADER_BYTES);
}

/// Name of the master key file in the data directory.
pub const MASTER_KEY_FILE: &str = "master.key";

/// Reads the master key, refusing a file others can read.
pub fn load_master_key(data_dir: &std::path::Path) -> anyhow::Result<wt_core::crypto::MasterKey> {
    use std::os::unix::fs::PermissionsExt;
    let path = data_dir.join(MASTER_KEY_FILE);
    let meta = std::fs::metadata(&path).with_context(|| {
        format!(
            "no master key at {}: run `wtd init --org NAME --owner-email EMAIL` first",
            path.display()
        )
    })?;
    if meta.permissions().mode() & 0o077 != 0 {
        anyhow::bail!(
            "{} is readable by other users: run `chmod 600 {}`",
            path.display(),
            path.display()
        );
    }
    let text = std::fs::read_to_string(&path)?;
    Ok(wt_core::crypto::MasterKey::from_file_contents(&text)?)
}

/// Shortest `/metrics` token accepted from `--metrics-token-file`.
pub const MIN_METRICS_TOKEN: usize = 32;

/// Reads `/metrics`' bearer token: one line, at least [`MIN_METRICS_TOKEN`] characters,
/// from a file only its owner can read (like the master key).
pub fn load_metrics_token(path: &std::path::Path) -> anyhow::Result<wt_core::secret::SecretString> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .with_context(|| format!("--metrics-token-file: cannot read {}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        anyhow::bail!(
            "--metrics-token-file: {} is readable by other users: run `chmod 600 {}`",
            path.display(),
            path.display()
        );
    }
    let text = wt_core::secret::SecretString::new(std::fs::read_to_string(path)?);
    let token = text.expose().trim();
    if token.chars().count() < MIN_METRICS_TOKEN || token.chars().any(char::is_whitespace) {
        anyhow::bail!(
            "--metrics-token-file: {} must hold one token of at least {MIN_METRICS_TOKEN} \
             characters without spaces (e.g. `openssl rand -hex 32 > FILE`)",
            path.display()
        );
    }
    Ok(wt_core::secret::SecretString::new(token))
}

/// Refuses a master key other than the one the database was set up with (the first daemon
/// or `wtd init` records its fingerprint; the key itself never enters the database).
pub async fn check_master_key(
    store: &dyn wt_store::Store,
    key: &wt_core::crypto::MasterKey,
    data_dir: &std::path::Path,
) -> anyhow::Result<()> {
    let fingerprint = hex::encode(key.derive("wt-master-key-fingerprint-v1"));
    let now = wt_core::Clock::now(&SystemClock);
    if !store.master_key_matches(&fingerprint, now).await? {
        anyhow::bail!(
            "{} is not the master key this database was set up with: every daemon of a \
             database needs the same key file (copy it from the first one)",
            data_dir.join(MASTER_KEY_FILE).display()
        );
    }
    Ok(())
}

/// A future that resolves when SIGTERM or SIGINT arrives. The handlers are installed
/// now, before the caller announces it is listening, so a signal sent right after start-up
/// still shuts down gracefully instead of killing the process.
pub fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static>
{
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
    })
}

/// Where links in mail point: the configured public URL, else, on a loopback listener,
/// the address actually bound (from configuration, never from a request's `Host`, C.26).
/// Off loopback without `--public-url` mails carry the token alone.
fn link_base(public_url: Option<&str>, scheme: &str, local: SocketAddr) -> Option<String> {
    match public_url {
        Some(u) => Some(u.to_string()),
        None if local.ip().is_loopback() => Some(format!("{scheme}://{local}")),
        None => None,
    }
}

/// Runs `wtd serve` until `shutdown` resolves.
pub async fn serve(
    cfg: ServeConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // Checked on every start: a private data directory (SECURITY.md #62).
    crate::datadir::check_private(&cfg.data_dir, cfg.database.sqlite_path())?;
    // One daemon per data directory; `wtd restore` takes the same lock.
    let _lock = crate::backup::lock_data_dir(&cfg.data_dir)?;
    let master_key = load_master_key(&cfg.data_dir)?;
    let store = cfg.database.open(false).await?;
    check_master_key(store.as_ref(), &master_key, &cfg.data_dir).await?;
    let metrics_token = match &cfg.metrics_token_file {
        Some(p) => Some(load_metrics_token(p)?),
        None => None,
    };
    let leak_partner_keys = match &cfg.secret_scanning_keys {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read --secret-scanning-keys {}", p.display()))?;
            let keys = wt_core::leaks::PartnerKeys::parse(&text)
                .with_context(|| format!("--secret-scanning-keys {}", p.display()))?;
            tracing::info!(keys = keys.len(), "secret-scanning partner keys loaded");
            Some(Arc::new(keys))
        }
        None => None,
    };
    let listener = std::net::TcpListener::bind(cfg.listen)
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    let scheme = if cfg.tls.is_some() { "https" } else { "http" };
    let settings = Settings {
        console_idle_timeout: cfg.console_idle_timeout,
        cli_idle_timeout: cfg.cli_idle_timeout,
        session_lifetime: cfg.session_lifetime,
        cookies_allowed: cfg.tls.is_some() || cfg.listen.ip().is_loopback(),
        public_url: cfg.public_url.clone(),
        hosts: wt_core::hosts::HostPolicy::new(cfg.public_url.as_deref(), local.ip())
            .map_err(|e| anyhow::anyhow!(e))?,
        link_base: link_base(cfg.public_url.as_deref(), scheme, local),
        tls: cfg.tls.is_some(),
        totp_issuer: cfg.totp_issuer.clone(),
        invite_ttl: cfg.invite_ttl,
        event_retention: cfg.event_retention,
        event_prune_interval: cfg.event_prune_interval,
        checkpoint_every_entries: cfg.checkpoint_every_entries,
        checkpoint_every: cfg.checkpoint_every,
        trusted_proxies: cfg.trusted_proxies.clone(),
        shared_database: cfg.database.is_postgres(),
        metrics_token,
        leak_partner_keys,
    };
    let state = AppState::new(store, Arc::new(SystemClock), settings, master_key);
    let mail = crate::mailer::MailConfig {
        transport: crate::mailer::Transport::from_config(
            cfg.smtp.clone(),
            cfg.data_dir.join(crate::datadir::OUTBOX_DIR),
        )?,
        from: cfg.mail_from.clone(),
    };
    let background = state
        .start()
        .await
        .context("cannot load keys and allowed IPs")?;
    let stop_tx = state.shutdown.clone();
    let mailer = tokio::spawn(crate::mailer::run(
        state.clone(),
        mail,
        state.shutdown.subscribe(),
    ));
    let sinks = tokio::spawn(crate::sinks::run(
        state.clone(),
        cfg.audit_sinks.clone(),
        state.shutdown.subscribe(),
    ));
    let app = App::new(
        state,
        Limits {
            body_limit: cfg.body_limit,
            request_timeout: Duration::from_secs(cfg.request_timeout),
        },
    );
    // One service per connection, knowing the connection's peer.
    let app = tower::service_fn(move |peer: SocketAddr| {
        std::future::ready(Ok::<_, std::convert::Infallible>(app.for_peer(peer)))
    });

    // On stdout, so scripts and tests that pass port 0 learn the real port.
    println!("wtd listening on {scheme}://{local}");
    tracing::info!(%local, scheme, "listening");

    let timeouts = crate::keepalive::Timeouts {
        header: Duration::from_secs(cfg.header_timeout),
        idle: Duration::from_secs(cfg.keepalive_timeout),
    };
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down");
        h.graceful_shutdown(Some(SHUTDOWN_GRACE));
        let _ = stop_tx.send(true);
    });
    match &cfg.tls {
        Some(tls) => {
            let rustls = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
                .await
                .context("cannot load the TLS certificate or key")?;
            let mut server = axum_server::from_tcp_rustls(listener, rustls)?
                .handle(handle)
                .map(|a| crate::keepalive::TimedAcceptor::new(a, timeouts));
            harden(server.http_builder());
            server.serve(app).await?
        }
        None => {
            let mut server = axum_server::from_tcp(listener)?
                .handle(handle)
                .map(|a| crate::keepalive::TimedAcceptor::new(a, timeouts));
            harden(server.http_builder());
            server.serve(app).await?
        }
    }
    let _ = mailer.await;
    let _ = sinks.await;
    for task in background {
        let _ = task.await;
    }
    tracing::info!("stopped");
    Ok(())
}
