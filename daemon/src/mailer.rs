//! Outgoing mail: queued in the store's outbox, delivered by one background task.
//!
//! Handlers never wait for mail (forgot-password answers the same whether or not a mail
//! is sent, SECURITY.md D.27): they queue it and wake the task. The task delivers due mail
//! through the configured transport — `.eml` files in `<data-dir>/outbox/` by default, or
//! SMTP with `--smtp-url` — and on failure retries with exponential backoff (30 s doubling
//! to 1 h), forever: queued mail survives restarts and is never dropped.

use crate::state::AppState;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::watch;
use wt_store::{MailRecord, NewMail};

/// Mail handled per wake-up; the rest waits for the next round (no unbounded work).
const BATCH: u32 = 50;
/// How often the task looks for due retries when nobody wakes it.
const POLL: Duration = Duration::from_secs(5);
/// Longest wait between attempts.
const MAX_BACKOFF: i64 = 3600;

/// Where mail goes.
#[derive(Clone)]
pub enum Transport {
    /// `.eml` files in a folder (the embedded default).
    Outbox(PathBuf),
    /// An SMTP relay.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Outbox(p) => write!(f, "Outbox({})", p.display()),
            Transport::Smtp(_) => f.write_str("Smtp"),
        }
    }
}

impl Transport {
    /// SMTP from a URL (`smtp://host:port`, `smtp://host?tls=required`, `smtps://host`),
    /// else the outbox folder.
    pub fn from_config(smtp_url: Option<&str>, outbox: PathBuf) -> anyhow::Result<Self> {
        match smtp_url {
            Some(url) => Ok(Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("invalid --smtp-url: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            )),
            None => Ok(Transport::Outbox(outbox)),
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

async fn deliver(state: &AppState, cfg: &MailConfig, m: &MailRecord) -> anyhow::Result<()> {
    let body = state
        .master_key
        .decrypt(&m.body, m.id.as_bytes())
        .map_err(|_| anyhow::anyhow!("the queued mail does not decrypt with the master key"))?;
    let msg = build(&cfg.from, m, String::from_utf8(body)?)?;
    match &cfg.transport {
        Transport::Outbox(dir) => write_eml(dir, &m.id, &msg.formatted()).await?,
        Transport::Smtp(t) => {
            t.send(msg).await?;
        }
    }
    Ok(())
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

/// Delivers what is due now; returns how many were sent.
pub async fn deliver_due(state: &AppState, cfg: &MailConfig) -> usize {
    let now = state.now();
    let due = match state.store.due_mail(now, BATCH).await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the mail outbox");
            return 0;
        }
    };
    let mut sent = 0;
    for m in due {
        match deliver(state, cfg, &m).await {
            Ok(()) => {
                sent += 1;
                state.metrics.mail("sent");
                if let Err(e) = state.store.mail_sent(&m.id, state.now()).await {
                    tracing::error!(error = %e, mail = %m.id, "cannot mark mail sent");
                }
            }
            Err(e) => {
                state.metrics.mail("failed");
                let backoff = (30i64 << m.attempts.clamp(0, 10)).min(MAX_BACKOFF);
                tracing::warn!(error = %e, mail = %m.id, attempt = m.attempts + 1, retry_in_s = backoff, "mail delivery failed");
                if let Err(e) = state
                    .store
                    .mail_failed(&m.id, &e.to_string(), state.now() + backoff)
                    .await
                {
                    tracing::error!(error = %e, mail = %m.id, "cannot record a mail failure");
                }
            }
        }
    }
    sent
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
