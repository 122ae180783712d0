//! Outgoing mail: queued in the store's outbox, delivered by one background task.
//!
//! Handlers never wait for mail (forgot-password answers the same whether or not a mail
//! is sent, SECURITY.md D.27): they queue it and wake the task. The task delivers due mail
//! through the configured transport — `.eml` files in `<data-dir>/outbox/` by default, or
//! SMTP with `--smtp-url` ([`relay`]: TLS, trusted CAs, credentials) — and on failure
//! retries with exponential backoff (30 s doubling to 1 h), forever: queued mail survives
//! restarts and is never dropped.
//!
//! A failure is classified ([`diagnose`], `wt_core::mail`) and logged with its cause and
//! remedy; one of the relay itself (its certificate, STARTTLS, the password) ends the
//! round, the rest of the round's mail recorded as failed alike without a connection
//! each. `/metrics` shows the oldest undelivered mail's age ([`observe_backlog`]) and the
//! failures by class; `wt check` warns when the org's mail waits too long.

pub mod diagnose;
pub mod relay;

use crate::state::AppState;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use wt_core::mail::DeliveryFailure;
use wt_store::{MailRecord, NewMail};

/// Mail handled per wake-up; the rest waits for the next round (no unbounded work).
const BATCH: u32 = 50;
/// How often the task looks for due retries when nobody wakes it.
const POLL: Duration = Duration::from_secs(5);
/// Longest wait between attempts.
const MAX_BACKOFF: i64 = 3600;

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum Transport {
    /// `.eml` files in a folder (the embedded default).
    Outbox(PathBuf),
    /// An SMTP relay.
    Smtp(Arc<relay::Relay>),
}

impl Transport {
    /// The SMTP relay when one is set (its CAs loaded and its password file checked now),
    /// else the outbox folder.
    pub fn from_config(
        smtp: Option<relay::RelaySettings>,
        outbox: PathBuf,
    ) -> anyhow::Result<Self> {
        match smtp {
            Some(settings) => Ok(Transport::Smtp(Arc::new(relay::Relay::new(settings)?))),
            None => Ok(Transport::Outbox(outbox)),
        }
    }
}

/// Why a delivery failed: the class (what to do) and what the transport said (never a
/// password: lettre's errors and ours carry none).
#[derive(Debug, Clone)]
pub struct Failure {
    pub class: DeliveryFailure,
    pub detail: String,
}

impl Failure {
    pub fn new(class: DeliveryFailure, detail: impl std::fmt::Display) -> Self {
        Self {
            class,
            detail: detail.to_string(),
        }
    }
}

/// Mail settings.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub transport: Transport,
    /// The From header, e.g. `WatchTower <noreply@example.com>`.
    pub from: Mailbox,
}

/// Queues a mail and wakes the mailer. Failures to queue are the caller's error: a
/// security notice that cannot be recorded is not silently dropped.
pub async fn enqueue(
    state: &AppState,
    org_id: Option<&str>,
    to: &str,
    subject: &str,
    body: String,
) -> Result<(), crate::error::ApiError> {
    // Bodies can hold invite and reset links: sealed at rest like every other secret.
    let id = wt_core::ids::new_id("mail");
    let sealed = state.master_key.encrypt(body.as_bytes(), id.as_bytes());
    state
        .store
        .enqueue_mail(NewMail {
            id,
            org_id: org_id.map(str::to_string),
            to: to.to_string(),
            subject: subject.to_string(),
            body: sealed,
            now: state.now(),
        })
        .await?;
    state.mail_wakeup.notify_one();
    Ok(())
}

fn build(from: &Mailbox, m: &MailRecord, body: String) -> anyhow::Result<Message> {
    // Lines over 78 characters (links) make lettre choose quoted-printable; mail readers
    // decode it.
    Ok(Message::builder()
        .from(from.clone())
        .to(m.to.parse()?)
        .subject(m.subject.clone())
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(body)?)
}

/// What one round sends through: the outbox folder, or an SMTP transport made for the
/// round (with the password as it is now).
enum Sender<'a> {
    Files(&'a std::path::Path),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

async fn deliver(
    state: &AppState,
    cfg: &MailConfig,
    sender: &Sender<'_>,
    m: &MailRecord,
) -> Result<(), Failure> {
    let other = |e: anyhow::Error| Failure::new(DeliveryFailure::Other, format!("{e:#}"));
    let body = state
        .master_key
        .decrypt(&m.body, m.id.as_bytes())
        .map_err(|_| {
            other(anyhow::anyhow!(
                "the queued mail does not decrypt with the master key"
            ))
        })?;
    let body = String::from_utf8(body).map_err(|e| other(e.into()))?;
    let msg = build(&cfg.from, m, body).map_err(other)?;
    match sender {
        Sender::Files(dir) => write_eml(dir, &m.id, &msg.formatted()).await.map_err(other),
        Sender::Smtp(t) => t
            .send(msg)
            .await
            .map(drop)
            .map_err(|e| diagnose::failure(&e)),
    }
}

/// Writes one mail as `<dir>/<mail id>.eml`, the folder 0700 and the file 0600 whatever
/// the umask (the mail may hold a live reset link; SECURITY.md #62). Named by the queued
/// mail's id, so a retry after a crash rewrites the same file instead of adding a copy.
async fn write_eml(dir: &std::path::Path, id: &str, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let (dir, path, bytes) = (
        dir.to_path_buf(),
        dir.join(format!("{id}.eml")),
        bytes.to_vec(),
    );
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        crate::datadir::create_dir(&dir)?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(crate::datadir::FILE_MODE)
            .open(&path)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        Ok(())
    })
    .await?
}

/// Delivers what is due now; returns how many were sent. A failure of the relay itself
/// ends the round: the mail left is recorded as failed alike, without a connection each.
pub async fn deliver_due(state: &AppState, cfg: &MailConfig) -> usize {
    let now = state.now();
    let due = match state.store.due_mail(now, BATCH).await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the mail outbox");
            return 0;
        }
    };
    if due.is_empty() {
        return 0;
    }
    let sender = match &cfg.transport {
        Transport::Outbox(dir) => Ok(Sender::Files(dir)),
        Transport::Smtp(relay) => relay.transport().await.map(Sender::Smtp),
    };
    let (sender, mut relay_down) = match sender {
        Ok(s) => (Some(s), None),
        Err(f) => (None, Some(f)),
    };
    let (mut sent, mut skipped, mut logged_relay) = (0, 0, false);
    for m in due {
        let result = match (&relay_down, &sender) {
            (None, Some(s)) => deliver(state, cfg, s, &m).await,
            // The relay failed this round: every mail would fail alike.
            (Some(f), _) => Err(f.clone()),
            (None, None) => Err(Failure::new(DeliveryFailure::Other, "no transport")),
        };
        let f = match result {
            Ok(()) => {
                sent += 1;
                state.metrics.mail("sent");
                if let Err(e) = state.store.mail_sent(&m.id, state.now()).await {
                    tracing::error!(error = %e, mail = %m.id, "cannot mark mail sent");
                }
                continue;
            }
            Err(f) => f,
        };
        state.metrics.mail_failed(f.class);
        let backoff = (30i64 << m.attempts.clamp(0, 10)).min(MAX_BACKOFF);
        if logged_relay {
            // Not tried: the relay's failure is already logged this round.
            skipped += 1;
        } else {
            tracing::warn!(
                class = f.class.id(),
                error = %f.detail,
                mail = %m.id,
                attempt = m.attempts + 1,
                retry_in_s = backoff,
                "mail delivery failed: {}. To fix: {}",
                f.class.explains(),
                f.class.remedy()
            );
            if f.class.is_relay() {
                relay_down = Some(f.clone());
                logged_relay = true;
            }
        }
        if let Err(e) = state
            .store
            .mail_failed(&m.id, &f.class.record(&f.detail), state.now() + backoff)
            .await
        {
            tracing::error!(error = %e, mail = %m.id, "cannot record a mail failure");
        }
    }
    if skipped > 0 {
        tracing::warn!(
            mails = skipped,
            "more queued mail not tried this round: the relay fails every mail alike; \
             they are kept and retried"
        );
    }
    if let Some(Sender::Smtp(t)) = sender {
        t.shutdown().await;
    }
    sent
}

/// Sets `/metrics`' gauges of undelivered mail (every org's: the relay is shared) from the
/// outbox: how many, and the oldest one's age in seconds (0 when none).
pub async fn observe_backlog(state: &AppState) {
    let now = state.now();
    match state.store.mail_backlog(None, now, 1).await {
        Ok(b) => {
            let oldest = b.oldest.first().map_or(0, |m| (now - m.created_at).max(0));
            state.metrics.mail_backlog(b.count, oldest);
        }
        Err(e) => tracing::warn!(error = %e, "cannot read the mail outbox for /metrics"),
    }
}

/// The mailer task: delivers on wake-up and every [`POLL`], until `shutdown` flips.
pub async fn run(state: AppState, cfg: MailConfig, mut shutdown: watch::Receiver<bool>) {
    loop {
        deliver_due(&state, &cfg).await;
        tokio::select! {
            _ = state.mail_wakeup.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
            _ = shutdown.changed() => break,
        }
    }
    tracing::info!("mailer stopped");
}
