//! `wt audit tail [-n N] [--follow]`: the latest entries, oldest first, then (with
//! `--follow`) new ones as they are written, over the server-sent event stream.

use super::common::{
    FilterArgs, LIST_PATH, MAX_PAGE, STREAM_PATH, entry_line, fetch_page, print_entries, query,
};
use super::follow::{Backoff, EventStream, follow};
use crate::client::ApiClient;
use crate::output::OutputFormat;
use crate::secret::Secret;
use crate::{CliError, Ctx};
use clap::Args;
use eventsource_stream::{EventStreamError, Eventsource as _};
use futures_util::StreamExt as _;
use std::future::Future;

pub const ABOUT: &str = "Show the latest audit entries; --follow streams new ones";
pub const LONG_ABOUT: &str = "\
Print the latest N audit entries (default 20), oldest first. With --follow, keep running and
print every new entry as it is written (server-sent events), one line each, until Ctrl-C
(exit 0).

Following survives dropped connections and daemon restarts: wt reconnects with a backoff
(0.5 s doubling to 10 s, for as long as it takes, with a note on stderr) and resumes right
after the last entry it printed, so nothing is missed and nothing is printed twice. A
connection silent for 45 s (the server sends a keepalive every ~15 s) counts as dropped.
Errors a retry cannot fix (401, 403, a refused filter) end it with their exit code.

Filters as in `wt audit list`. Output: table rows (SEQ, TIME, ACTOR, ACTION, TARGET, IP,
OUTCOME) or, with --output json (the default when stdout is not a terminal), JSON lines:
one AuditEntry per line, flushed as it arrives.

Examples:
  wt audit tail
  wt audit tail -n 50 --action 'auth.*'
  wt audit tail --follow
  wt audit tail -n 0 --follow --outcome denied --output json | jq -c '{seq, action}'";

/// `wt audit tail` options.
#[derive(Debug, Args)]
pub struct TailArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// How many of the latest entries to print first, 0 to 1000
    #[arg(short = 'n', long = "lines", value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_PAGE)))]
    pub lines: u32,
    /// Keep running and print new entries as they are written (Ctrl-C to stop)
    #[arg(short = 'f', long)]
    pub follow: bool,
}

/// Tails the log; Ctrl-C ends `--follow` with exit 0.
pub async fn run(args: TailArgs, ctx: &Ctx) -> Result<(), CliError> {
    let ctrl_c = async {
        // Without a signal handler, keep following (the default SIGINT still ends us).
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tail(args, ctx, Backoff::standard(), ctrl_c).await
}

/// Tails the log with the given reconnect `backoff`; following ends when `stop` completes.
pub async fn tail(
    args: TailArgs,
    ctx: &Ctx,
    backoff: Backoff,
    stop: impl Future<Output = ()>,
) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let filters = args.filters.pairs();
    // The newest seq before listing: following resumes after it (or after the newest
    // entry printed), so an entry written in between is never lost.
    let head = if args.follow {
        head_seq(ctx, &token).await?
    } else {
        0
    };
    let mut entries = if args.lines > 0 {
        let mut pairs = filters.clone();
        pairs.push(("limit", args.lines.to_string()));
        pairs.push(("order", "desc".into()));
        fetch_page(ctx, &token, &pairs).await?.items
    } else {
        Vec::new()
    };
    entries.sort_by_key(|e| e.seq);
    print_entries(
        &ctx.io,
        ctx.output,
        &entries,
        args.follow || !entries.is_empty(),
    )?;
    if !args.follow {
        if entries.is_empty() && ctx.output == OutputFormat::Table {
            ctx.io.eprintln("No audit entries.");
        }
        return Ok(());
    }
    let resume = entries.last().map_or(head, |e| e.seq.max(head));
    if ctx.io.stderr_tty {
        ctx.io
            .eprintln("Following new audit entries (Ctrl-C to stop)...");
    }
    let client = ctx.client()?;
    let stream_path = query(STREAM_PATH, &filters);
    let (path, token) = (stream_path.as_str(), &token);
    let connect = move |after: i64| async move {
        let resp = client
            .open_event_stream(path, Some(token), Some(&after.to_string()))
            .await?;
        let events = resp.bytes_stream().eventsource().map(|r| {
            r.map_err(|e| match e {
                EventStreamError::Transport(e) => ApiClient::stream_error_reason(&e),
                other => format!("malformed event stream: {other}"),
            })
        });
        Ok(Box::pin(events) as EventStream)
    };
    let following = follow(
        resume,
        connect,
        |e| ctx.io.println(&entry_line(ctx.output, e)?),
        |note| ctx.io.eprintln(note),
        tokio::time::sleep,
        backoff,
    );
    tokio::select! {
        result = following => result,
        () = stop => Ok(()),
    }
}

/// The newest seq in the log (any filter aside), 0 when it is empty.
async fn head_seq(ctx: &Ctx, token: &Secret) -> Result<i64, CliError> {
    let pairs = [("limit", "1".to_string()), ("order", "desc".to_string())];
    let page: wt_api::Page<wt_api::AuditEntry> = ctx
        .client()?
        .get(&query(LIST_PATH, &pairs), Some(token))
        .await?;
    Ok(page.items.iter().map(|e| e.seq).max().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Command;
    use crate::cmd::audit::AuditCommand;
    use crate::cmd::audit::common::tests::{entry_json, page};
    use crate::parse_from;
    use crate::testutil::{Reply, Stub, ctx_for, run_wt};
    use std::time::Duration;

    fn parse(argv: &[&str]) -> Result<TailArgs, clap::Error> {
        parse_from(argv).map(|cli| match cli.command {
            Command::Audit(AuditCommand::Tail(a)) => a,
            other => panic!("parsed as {other:?}"),
        })
    }

    fn seqs(out: &str) -> Vec<i64> {
        out.lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap_or_default()["seq"]
                    .as_i64()
                    .unwrap_or(-1)
            })
            .collect()
    }

    fn sse(seqs: &[i64]) -> Reply {
        let body: String = seqs
            .iter()
            .map(|s| {
                format!(
                    "id: {s}\nevent: audit\ndata: {}\n\n: keepalive\n\n",
                    entry_json(*s)
                )
            })
            .collect();
        Reply::sse(body)
    }

    #[test]
    fn tail_parses_lines_follow_and_filters() {
        let a = parse(&["wt", "audit", "tail"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!((a.lines, a.follow), (20, false));
        let a = parse(&[
            "wt", "audit", "tail", "-n", "5", "--follow", "--action", "auth.*",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        assert_eq!((a.lines, a.follow), (5, true));
        assert_eq!(a.filters.action.as_deref(), Some("auth.*"));
        assert!(parse(&["wt", "audit", "tail", "-n", "1001"]).is_err());
    }

    #[tokio::test]
    async fn tail_prints_the_latest_entries_oldest_first() {
        let r = run_wt(
            &["wt", "audit", "tail", "-n", "3", "--output", "json"],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/audit-logs?limit=3&order=desc",
                Reply::json(200, page(&[9, 8, 7], Some("c"))),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(seqs(&r.out), vec![7, 8, 9]);
    }

    #[tokio::test]
    async fn tail_follow_over_http_reconnects_and_resumes_without_gap_or_duplicate() {
        let stream = "/api/v1/orgs/audit-logs/stream";
        let stub = Stub::start(vec![
            (
                "GET",
                "/api/v1/orgs/audit-logs?limit=1&order=desc",
                Reply::json(200, page(&[5], Some("c"))),
            ),
            (
                "GET",
                "/api/v1/orgs/audit-logs?limit=2&order=desc",
                Reply::json(200, page(&[5, 4], Some("c"))),
            ),
            // Replays 5 (printed already), then the connection ends (restart)...
            ("GET", stream, sse(&[5, 6, 7])),
            // ...then a 503 while the daemon comes back...
            ("GET", stream, Reply::problem(503, "unavailable")),
            // ...then it replays 7 and goes on, and ends again...
            ("GET", stream, sse(&[7, 8])),
            // ...and the session is revoked: a retry cannot fix that.
            ("GET", stream, Reply::problem(401, "unauthenticated")),
        ])
        .await;
        let (ctx, out, err) = ctx_for(&stub, OutputFormat::Json).await;
        let args = parse(&["wt", "audit", "tail", "-n", "2", "--follow"])
            .map_err(|e| e.to_string())
            .unwrap();
        let zero = Backoff::new(Duration::ZERO, Duration::ZERO);
        let result = tail(args, &ctx, zero, std::future::pending()).await;
        assert_eq!(result.err().map(|e| e.exit_code()), Some(3));
        assert_eq!(seqs(&out.contents()), vec![4, 5, 6, 7, 8]);
        let resumed: Vec<Option<String>> = stub
            .requests()
            .iter()
            .filter(|s| s.path == stream)
            .map(|s| s.header("last-event-id"))
            .collect();
        let want = ["5", "7", "7", "8"].map(|s| Some(s.to_string()));
        assert_eq!(resumed, want);
        assert!(
            stub.requests()
                .iter()
                .filter(|s| s.path == stream)
                .all(
                    |s| s.header("accept").as_deref() == Some("text/event-stream")
                        && s.authorization.is_some()
                )
        );
        let err = err.contents();
        assert!(
            err.contains("reconnecting") && err.contains("after seq 7"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn tail_follow_with_nothing_printed_resumes_after_the_newest_entry() {
        let stream = "/api/v1/orgs/audit-logs/stream?outcome=denied";
        let stub = Stub::start(vec![
            (
                "GET",
                "/api/v1/orgs/audit-logs?limit=1&order=desc",
                Reply::json(200, page(&[41], None)),
            ),
            ("GET", stream, Reply::problem(403, "forbidden")),
        ])
        .await;
        let (ctx, _, _) = ctx_for(&stub, OutputFormat::Table).await;
        let args = parse(&[
            "wt",
            "audit",
            "tail",
            "-n",
            "0",
            "-f",
            "--outcome",
            "denied",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        let result = tail(args, &ctx, Backoff::standard(), std::future::pending()).await;
        assert_eq!(result.err().map(|e| e.exit_code()), Some(4));
        let seen = stub.requests();
        assert_eq!(seen.len(), 2, "no list fetched for -n 0");
        assert_eq!(seen[1].header("last-event-id").as_deref(), Some("41"));
    }

    #[tokio::test]
    async fn tail_follow_ends_with_exit_0_when_stopped() {
        let stub = Stub::start(vec![
            (
                "GET",
                "/api/v1/orgs/audit-logs?limit=1&order=desc",
                Reply::json(200, page(&[], None)),
            ),
            ("GET", "/api/v1/orgs/audit-logs/stream", sse(&[1])),
        ])
        .await;
        let (ctx, out, _) = ctx_for(&stub, OutputFormat::Table).await;
        let args = parse(&["wt", "audit", "tail", "-n", "0", "-f"])
            .map_err(|e| e.to_string())
            .unwrap();
        // Stop as soon as following has started (like Ctrl-C).
        let result = tail(args, &ctx, Backoff::standard(), async {
            tokio::task::yield_now().await;
        })
        .await;
        assert!(result.is_ok(), "{result:?}");
        assert!(out.contents().starts_with("    SEQ  TIME"));
    }
}
