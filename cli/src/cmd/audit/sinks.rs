//! `wt audit sinks add|list|test|pause|resume|rotate-secret|remove`: stream the org's
//! audit log to a SIEM (a Standard Webhooks endpoint, or syslog over TCP or TLS).

use crate::cmd::common::parse_duration_secs;
use crate::output::{Io, OutputFormat};
use crate::stepup::{StepUpArgs, with_step_up};
use crate::{CliError, Ctx};
use clap::{Args, Subcommand};
use comfy_table::Table;
use wt_api::{
    AuditSink, AuditSinkCreateRequest, AuditSinkCreated, AuditSinkRotateRequest, AuditSinkSecret,
    AuditSinkTestResult,
};

/// The API path of the org's sinks (under /api/v1).
pub const SINKS_PATH: &str = "/orgs/audit-sinks";
/// Largest CA file read for --ca-file.
const MAX_CA_FILE: u64 = 64 * 1024;

pub const ABOUT: &str = "Stream the audit log to a SIEM (webhook or syslog)";
pub const LONG_ABOUT: &str = "\
Stream your org's audit log to where your security team reads it (owners and admins):
a webhook signed per Standard Webhooks, or a syslog server (RFC 5424 messages) over TLS
(RFC 5425) or TCP (RFC 6587 octet counting).

Every entry is delivered at least once and in sequence order; each carries its `seq`, by
which a receiver drops the duplicates a crash can cause. A receiver that is down only
delays delivery: wtd retries with backoff and resumes from the last entry it accepted.
One daemon delivers each sink, even with several replicas.

Changes need a recent sign-in (like other security settings) and are audited.

Examples:
  wt audit sinks add siem --url tls://siem.example.com:6514 --ca-file siem-ca.pem
  wt audit sinks add splunk --url https://hec.example.com/watchtower
  wt audit sinks list
  wt audit sinks test siem
  wt audit sinks pause siem
  wt audit sinks resume siem
  wt audit sinks rotate-secret splunk --overlap 24h
  wt audit sinks remove siem --yes";

/// `wt audit sinks` subcommands.
#[derive(Debug, Subcommand)]
pub enum SinksCommand {
    /// Add a sink (a webhook URL, or tls:// or tcp:// for syslog)
    #[command(long_about = ADD_LONG_ABOUT)]
    Add(AddArgs),
    /// List the sinks with how far behind each is
    #[command(long_about = LIST_LONG_ABOUT)]
    List(ListArgs),
    /// Send a test message to a sink now
    #[command(long_about = TEST_LONG_ABOUT)]
    Test(NameArgs),
    /// Stop delivering to a sink (entries wait; nothing is skipped)
    Pause(NameStepUpArgs),
    /// Resume delivering to a sink from the last entry it accepted
    Resume(NameStepUpArgs),
    /// Give a webhook sink a new signing secret (the old one still signs for --overlap)
    #[command(long_about = ROTATE_LONG_ABOUT)]
    RotateSecret(RotateArgs),
    /// Remove a sink
    Remove(RemoveArgs),
}

const ADD_LONG_ABOUT: &str = "\
Add a sink. --url says where and how:
  https://host/path       a webhook: JSON batches POSTed, signed per Standard Webhooks
                          (webhook-id, webhook-timestamp, webhook-signature: v1,<HMAC>);
                          http:// only to a loopback address
  tls://host[:6514]       syslog over TLS (RFC 5425); the server's certificate must chain
                          to --ca-file, or to the system's trusted roots without it;
                          --client-cert/--client-key for a server that requires one
                          (the key is sealed by wtd with its master key)
  tcp://host:port         syslog over plain TCP (RFC 6587 octet counting)

A webhook's signing secret (whsec_...) is printed once, now: give it to the receiver.
Delivery starts with the entries appended from now on (--from-start: the whole log).

JSON (--output json): {sink: AuditSink, secret: \"whsec_...\" or null}.";

const LIST_LONG_ABOUT: &str = "\
List the org's sinks. LAG is what the receiver has not accepted yet: entries, and the age
of the oldest of them.

Table columns: NAME, KIND, URL, STATE, DELIVERED, LAG, LAST SUCCESS, LAST ERROR.

JSON (--output json): an array of AuditSink objects: {id, name, kind, url, custom_ca,
client_cert, paused, delivered_seq, last_seq, lag_entries, lag_seconds, last_success_at, last_error,
last_error_at, failing_since, next_attempt_at, previous_secret_until, created_at,
created_by}.";

const TEST_LONG_ABOUT: &str = "\
Send one test message to a sink now (a webhook batch of type audit.test, or a syslog
message with MSGID audit.test), outside the stream: no entry, no cursor moved. Exits 1 when
the receiver did not take it, printing why.";

const ROTATE_LONG_ABOUT: &str = "\
Give a webhook sink a new signing secret, printed once. For --overlap (default 24h, at
most 30d; 0 ends it now) every message carries two signatures, the new secret's and the
old one's, so the receiver can switch at its own pace.

JSON (--output json): {sink: AuditSink, secret: \"whsec_...\"}.";

/// A sink's name or id on the command line: what the server accepts in the path.
fn sink_arg(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    wt_core::audit_sinks::validate_name(s).map_err(|e| e.to_string())?;
    Ok(s.to_string())
}

/// `wt audit sinks add` options.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// A name for the sink (letters, digits, '.', '_', '-'; e.g. splunk-prod)
    #[arg(value_name = "NAME", value_parser = sink_arg)]
    pub name: String,

    /// Where to deliver: https://... (webhook), tls://host[:port] or tcp://host:port (syslog)
    #[arg(long, value_name = "URL")]
    pub url: String,

    /// Syslog over TLS: PEM file of the CA(s) that sign the server's certificate
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<std::path::PathBuf>,

    /// Syslog over TLS: PEM file of the client certificate (chain) to present, for a
    /// server that requires one (mutual TLS); with --client-key
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<std::path::PathBuf>,

    /// Syslog over TLS: PEM file of the client certificate's private key (sent once,
    /// sealed at rest by wtd, never shown again)
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<std::path::PathBuf>,

    /// Deliver the whole log from its first entry (default: from now on)
    #[arg(long)]
    pub from_start: bool,

    #[command(flatten)]
    pub step_up: StepUpArgs,
}

/// `wt audit sinks list` options (none besides the global ones).
#[derive(Debug, Args)]
pub struct ListArgs {}

/// A sink named on the command line.
#[derive(Debug, Args)]
pub struct NameArgs {
    /// The sink's name (or id)
    #[arg(value_name = "NAME", value_parser = sink_arg)]
    pub name: String,
}

/// A sink named on the command line, for a change (which may need a step-up).
#[derive(Debug, Args)]
pub struct NameStepUpArgs {
    /// The sink's name (or id)
    #[arg(value_name = "NAME", value_parser = sink_arg)]
    pub name: String,

    #[command(flatten)]
    pub step_up: StepUpArgs,
}

fn overlap_arg(raw: &str) -> Result<i64, String> {
    if raw.trim() == "0" {
        return Ok(0);
    }
    match parse_duration_secs(raw) {
        Some(s) if s <= 30 * 86_400 => Ok(s as i64),
        _ => Err("0 or a duration up to 30d (15m, 24h, 7d)".into()),
    }
}

/// `wt audit sinks rotate-secret` options.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The webhook sink's name (or id)
    #[arg(value_name = "NAME", value_parser = sink_arg)]
    pub name: String,

    /// How long the old secret keeps signing beside the new one
    #[arg(long, value_name = "DURATION", value_parser = overlap_arg, default_value = "24h")]
    pub overlap: i64,

    #[command(flatten)]
    pub step_up: StepUpArgs,
}

/// `wt audit sinks remove` options.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The sink's name (or id)
    #[arg(value_name = "NAME", value_parser = sink_arg)]
    pub name: String,

    /// Do not ask for confirmation (required with --no-input)
    #[arg(long)]
    pub yes: bool,

    #[command(flatten)]
    pub step_up: StepUpArgs,
}

/// The kind a URL's scheme names.
fn kind_of(url: &str) -> Result<&'static str, CliError> {
    let scheme = url
        .split("://")
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match scheme.as_str() {
        "https" | "http" => Ok("webhook"),
        "tls" | "tcp" => Ok("syslog"),
        _ => Err(CliError::Usage(format!(
            "--url `{url}`: https://... (webhook), tls://host[:port] or tcp://host:port (syslog)"
        ))),
    }
}

/// `3 entries, 2m 5s` / `caught up`.
pub fn lag_text(s: &AuditSink) -> String {
    if s.lag_entries == 0 {
        return "caught up".into();
    }
    let secs = s.lag_seconds.max(0) as u64;
    format!(
        "{} {}, {}",
        s.lag_entries,
        if s.lag_entries == 1 {
            "entry"
        } else {
            "entries"
        },
        humantime::format_duration(std::time::Duration::from_secs(secs))
    )
}

fn state_text(s: &AuditSink) -> String {
    if s.paused {
        "paused".into()
    } else if let Some(since) = &s.failing_since {
        format!("failing since {since}")
    } else {
        "active".into()
    }
}

fn sink_rows(s: &AuditSink) -> Vec<(&'static str, String)> {
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    vec![
        ("name", s.name.clone()),
        ("id", s.id.clone()),
        ("kind", s.kind.clone()),
        ("url", s.url.clone()),
        ("state", state_text(s)),
        ("delivered through", s.delivered_seq.to_string()),
        ("lag", lag_text(s)),
        ("last success", dash(&s.last_success_at)),
        ("last error", dash(&s.last_error)),
        ("created", format!("{} by {}", s.created_at, s.created_by)),
    ]
}

fn sinks_table(io: &Io, sinks: &[AuditSink]) -> Table {
    let mut t = io.table();
    t.set_header(vec![
        "NAME",
        "KIND",
        "URL",
        "STATE",
        "DELIVERED",
        "LAG",
        "LAST SUCCESS",
        "LAST ERROR",
    ]);
    for s in sinks {
        t.add_row(vec![
            s.name.clone(),
            s.kind.clone(),
            s.url.clone(),
            state_text(s),
            s.delivered_seq.to_string(),
            lag_text(s),
            s.last_success_at.clone().unwrap_or_else(|| "-".into()),
            s.last_error.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    t
}

fn path(name: &str, action: &str) -> String {
    if action.is_empty() {
        format!("{SINKS_PATH}/{name}")
    } else {
        format!("{SINKS_PATH}/{name}/{action}")
    }
}

/// Dispatches `wt audit sinks ...`.
pub async fn run(command: SinksCommand, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        SinksCommand::Add(args) => add(args, ctx).await,
        SinksCommand::List(_) => list(ctx).await,
        SinksCommand::Test(args) => test(args, ctx).await,
        SinksCommand::Pause(args) => set_paused(args, true, ctx).await,
        SinksCommand::Resume(args) => set_paused(args, false, ctx).await,
        SinksCommand::RotateSecret(args) => rotate(args, ctx).await,
        SinksCommand::Remove(args) => remove(args, ctx).await,
    }
}

/// A PEM file named by `flag`, at most 64 KiB.
fn read_pem(flag: &str, path: Option<&std::path::Path>) -> Result<Option<String>, CliError> {
    use std::io::Read as _;
    let Some(p) = path else {
        return Ok(None);
    };
    let f = std::fs::File::open(p)
        .map_err(|e| CliError::Usage(format!("{flag} {}: {e}", p.display())))?;
    let mut text = String::new();
    f.take(MAX_CA_FILE + 1)
        .read_to_string(&mut text)
        .map_err(|e| CliError::Usage(format!("{flag} {}: {e}", p.display())))?;
    if text.len() as u64 > MAX_CA_FILE {
        return Err(CliError::Usage(format!(
            "{flag} {}: larger than 64 KiB",
            p.display()
        )));
    }
    Ok(Some(text))
}

async fn add(args: AddArgs, ctx: &Ctx) -> Result<(), CliError> {
    let kind = kind_of(&args.url)?;
    let ca_pem = read_pem("--ca-file", args.ca_file.as_deref())?;
    let client_cert_pem = read_pem("--client-cert", args.client_cert.as_deref())?;
    let client_key_pem = read_pem("--client-key", args.client_key.as_deref())?;
    let req = AuditSinkCreateRequest {
        name: args.name.clone(),
        kind: kind.into(),
        url: args.url.trim().to_string(),
        ca_pem,
        client_cert_pem,
        client_key_pem,
        from_start: args.from_start,
    };
    let (token, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let created: AuditSinkCreated = with_step_up(ctx, &token, args.step_up, async || {
        client.post(SINKS_PATH, &req, Some(&token)).await
    })
    .await?;
    ctx.io.emit(ctx.output, &created, |io| {
        io.key_value_table(&sink_rows(&created.sink))
    })?;
    if ctx.output == OutputFormat::Table {
        if let Some(secret) = &created.secret {
            ctx.io.println(&format!(
                "Signing secret (shown once; give it to the receiver): {secret}"
            ))?;
        }
        ctx.io.eprintln(&format!(
            "Added {}: entries stream to it in order; see `wt audit sinks list`, check it with `wt audit sinks test {}`.",
            created.sink.name, created.sink.name
        ));
    }
    Ok(())
}

async fn list(ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let sinks: Vec<AuditSink> = ctx
        .client()?
        .get_all_pages(SINKS_PATH, Some(&token))
        .await?;
    if sinks.is_empty() && ctx.output == OutputFormat::Table {
        return ctx
            .io
            .println("No audit sinks. Add one with `wt audit sinks add NAME --url URL`.");
    }
    ctx.io
        .emit(ctx.output, &sinks, |io| sinks_table(io, &sinks))
}

async fn test(args: NameArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let r: AuditSinkTestResult = ctx
        .client()?
        .post(
            &path(&args.name, "test"),
            &serde_json::json!({}),
            Some(&token),
        )
        .await?;
    match ctx.output {
        OutputFormat::Json => ctx.io.print_json(&r)?,
        OutputFormat::Table if r.ok => ctx.io.println(&format!(
            "{}: the test message was accepted ({} ms).",
            args.name, r.elapsed_ms
        ))?,
        OutputFormat::Table => {}
    }
    match r.error {
        None => Ok(()),
        Some(e) => Err(CliError::CheckFailed(format!(
            "{}: the test message was not accepted: {e}",
            args.name
        ))),
    }
}

async fn set_paused(args: NameStepUpArgs, paused: bool, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let p = path(&args.name, if paused { "pause" } else { "resume" });
    let sink: AuditSink = with_step_up(ctx, &token, args.step_up, async || {
        client.post(&p, &serde_json::json!({}), Some(&token)).await
    })
    .await?;
    match ctx.output {
        OutputFormat::Json => ctx.io.print_json(&sink),
        OutputFormat::Table if paused => ctx.io.println(&format!(
            "Paused {}: entries wait ({} behind now) and nothing is skipped; `wt audit sinks resume {}` goes on.",
            sink.name,
            lag_text(&sink),
            sink.name
        )),
        OutputFormat::Table => ctx.io.println(&format!(
            "Resumed {}: delivery goes on from entry {}.",
            sink.name,
            sink.delivered_seq + 1
        )),
    }
}

async fn rotate(args: RotateArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let req = AuditSinkRotateRequest {
        overlap_seconds: Some(args.overlap),
    };
    let p = path(&args.name, "rotate-secret");
    let r: AuditSinkSecret = with_step_up(ctx, &token, args.step_up, async || {
        client.post(&p, &req, Some(&token)).await
    })
    .await?;
    match ctx.output {
        OutputFormat::Json => ctx.io.print_json(&r),
        OutputFormat::Table => {
            ctx.io.println(&format!(
                "New signing secret for {} (shown once): {}",
                r.sink.name, r.secret
            ))?;
            ctx.io.println(&match &r.sink.previous_secret_until {
                Some(until) => format!("The old secret also signs until {until}."),
                None => "The old secret no longer signs.".into(),
            })
        }
    }
}

async fn remove(args: RemoveArgs, ctx: &Ctx) -> Result<(), CliError> {
    ctx.io.confirm_destructive(
        &format!(
            "Remove the audit sink {}? The log stops streaming to it",
            args.name
        ),
        args.yes,
    )?;
    let (token, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let p = path(&args.name, "");
    with_step_up(ctx, &token, args.step_up, async || {
        client.delete(&p, Some(&token)).await
    })
    .await?;
    match ctx.output {
        OutputFormat::Json => ctx
            .io
            .print_json(&serde_json::json!({"name": args.name, "removed": true})),
        OutputFormat::Table => ctx
            .io
            .println(&format!("Removed the audit sink {}.", args.name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{Reply, run_wt};

    fn sink_json(name: &str, lag: i64) -> serde_json::Value {
        serde_json::json!({
            "id": "snk_1", "name": name, "kind": "syslog", "url": "tls://siem.example:6514",
            "custom_ca": true, "client_cert": false, "paused": false, "delivered_seq": 10, "last_seq": 10 + lag,
            "lag_entries": lag, "lag_seconds": lag * 60, "last_success_at": "2030-01-01T00:00:00Z",
            "last_error": if lag > 0 { serde_json::json!("connection refused") } else { serde_json::Value::Null },
            "last_error_at": null, "failing_since": null, "next_attempt_at": null,
            "previous_secret_until": null, "created_at": "2030-01-01T00:00:00Z",
            "created_by": "owner@acme.test"
        })
    }

    #[test]
    fn the_kind_comes_from_the_url_scheme() {
        assert_eq!(kind_of("https://x/h").ok(), Some("webhook"));
        assert_eq!(kind_of("tls://x").ok(), Some("syslog"));
        assert_eq!(kind_of("TCP://x:1").ok(), Some("syslog"));
        assert!(kind_of("udp://x:514").is_err());
    }

    #[test]
    fn names_that_could_change_the_path_are_refused() {
        assert!(sink_arg("siem-prod.eu").is_ok());
        for bad in ["..", "a/b", "a?b", "", ".hidden"] {
            assert!(sink_arg(bad).is_err(), "{bad}");
        }
        assert_eq!(overlap_arg("0"), Ok(0));
        assert_eq!(overlap_arg("24h"), Ok(86_400));
        assert!(overlap_arg("31d").is_err());
    }

    #[tokio::test]
    async fn list_shows_lag_and_last_error() {
        let r = run_wt(
            &["wt", "audit", "sinks", "list", "--output", "table"],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/audit-sinks",
                Reply::json(
                    200,
                    serde_json::json!({"items": [sink_json("siem", 3)], "next_cursor": null}),
                ),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(r.out.contains("3 entries, 3m"), "{}", r.out);
        assert!(r.out.contains("connection refused"), "{}", r.out);
        assert!(r.out.contains("LAST ERROR"), "{}", r.out);
    }

    #[tokio::test]
    async fn list_json_is_the_array_as_sent() {
        let items = serde_json::json!([sink_json("siem", 0)]);
        let r = run_wt(
            &["wt", "audit", "sinks", "list", "--output", "json"],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/audit-sinks",
                Reply::json(
                    200,
                    serde_json::json!({"items": items, "next_cursor": null}),
                ),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, items);
    }

    #[tokio::test]
    async fn add_prints_the_webhook_secret_once_and_sends_the_kind() {
        let r = run_wt(
            &[
                "wt",
                "audit",
                "sinks",
                "add",
                "hook",
                "--url",
                "https://hook.example/h",
                "--output",
                "table",
            ],
            "",
            vec![(
                "POST",
                "/api/v1/orgs/audit-sinks",
                Reply::json(
                    201,
                    serde_json::json!({"sink": sink_json("hook", 0), "secret": "whsec_abc"}),
                ),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.out.matches("whsec_abc").count(), 1, "{}", r.out);
        let sent = r.stub.requests();
        let body: serde_json::Value = serde_json::from_str(&sent[0].body).unwrap_or_default();
        assert_eq!(body["kind"], "webhook");
        assert_eq!(body["name"], "hook");
    }

    #[tokio::test]
    async fn a_failed_test_exits_non_zero_with_the_reason() {
        let r = run_wt(
            &["wt", "audit", "sinks", "test", "siem"],
            "",
            vec![(
                "POST",
                "/api/v1/orgs/audit-sinks/siem/test",
                Reply::json(
                    200,
                    serde_json::json!({"ok": false, "error": "connection refused", "elapsed_ms": 3}),
                ),
            )],
        )
        .await;
        match r.result {
            Err(CliError::CheckFailed(m)) => assert!(m.contains("connection refused"), "{m}"),
            other => panic!("expected a failed check, got {other:?}"),
        }
    }
}
