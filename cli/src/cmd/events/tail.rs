//! `wt events tail [-n N] [--after SEQ] [--follow]`: the newest events, then (with
//! `--follow`) new ones as they are stored, over the server-sent event stream, resuming
//! after the last printed seq across dropped connections and daemon restarts.

use super::common::{MAX_PAGE, STREAM_PATH, event_line, fetch_page, gap_note, header_line};
use crate::client::ApiClient;
use crate::cmd::audit::follow::{Backoff, EventStream, is_retryable};
use crate::output::OutputFormat;
use crate::{CliError, Ctx};
use clap::Args;
use eventsource_stream::{EventStreamError, Eventsource as _};
use futures_util::StreamExt as _;
use wt_api::{Event, EventGap};

pub const ABOUT: &str = "Show the newest ingested events; --follow streams new ones";
pub const LONG_ABOUT: &str = "\
Print the newest N events (default 20), oldest first; or, with --after SEQ, the events
after that seq. With --follow, keep running and print every new event as it is stored
(server-sent events), one line each, until Ctrl-C (exit 0).

Following survives dropped connections and daemon restarts: wt reconnects with a backoff
(0.5 s doubling to 10 s, with a note on stderr) and resumes right after the last event it
printed (Last-Event-ID), so nothing is missed and nothing is printed twice. When retention
deleted events after the cursor before they were read, wt notes the gap on stderr and goes
on from the oldest kept event. Errors a retry cannot fix (401, 403) end it with their exit
code.

Output: table rows (SEQ, RECEIVED_AT, KEY, ENV, PAYLOAD) or, with --output json (the
default when stdout is not a terminal), JSON lines: one Event per line, flushed as it
arrives. Payloads are untrusted: control characters (ESC, C1, bidi overrides) are printed
as JSON \\u escapes on every line, so an event cannot retitle, recolour or rewrite your
terminal.

Examples:
  wt events tail
  wt events tail --follow
  wt events tail -n 0 --follow --output json | jq -c .payload
  wt events tail --after 41200 --follow --output json >> events.jsonl";

/// `wt events tail` options.
#[derive(Debug, Args)]
pub struct TailArgs {
    /// How many of the newest events to print first, 0 to 1000
    #[arg(short = 'n', long = "lines", value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_PAGE)),
          conflicts_with = "after")]
    pub lines: u32,
    /// Start after this seq instead (resume a consumer), printing everything after it
    #[arg(long, value_name = "SEQ", value_parser = clap::value_parser!(i64).range(0..))]
    pub after: Option<i64>,
    /// Keep running and print new events as they are stored (Ctrl-C to stop)
    #[arg(short = 'f', long)]
    pub follow: bool,
}

/// Tails the events; Ctrl-C ends `--follow` with exit 0.
pub async fn run(args: TailArgs, ctx: &Ctx) -> Result<(), CliError> {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        r = tail(args, ctx) => r,
        () = ctrl_c => Ok(()),
    }
}

async fn tail(args: TailArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let header = ctx.output == OutputFormat::Table;
    let mut printed_header = false;
    let mut print = |e: &Event| -> Result<(), CliError> {
        if header && !printed_header {
            ctx.io.println(&header_line())?;
            printed_header = true;
        }
        ctx.io.println(&event_line(ctx.output, e)?)
    };
    // Where following resumes: after the last event printed.
    let mut last = match args.after {
        Some(after) => {
            let mut after = after;
            // Everything after the cursor, page by page, then follow from there.
            loop {
                let page = fetch_page(
                    ctx,
                    &token,
                    &[
                        ("after", after.to_string()),
                        ("limit", MAX_PAGE.to_string()),
                    ],
                )
                .await?;
                if let Some(g) = &page.gap {
                    ctx.io.eprintln(&gap_note(g));
                }
                for e in &page.items {
                    print(e)?;
                }
                let done = page.items.len() < MAX_PAGE as usize;
                after = page.next_after;
                if done {
                    break after;
                }
            }
        }
        None if args.lines > 0 => {
            let page = fetch_page(ctx, &token, &[("last", args.lines.to_string())]).await?;
            for e in &page.items {
                print(e)?;
            }
            page.next_after
        }
        None => {
            // Only new events: start from the newest (an empty `last=1` page still
            // answers the position).
            fetch_page(ctx, &token, &[("last", "1".into())])
                .await?
                .next_after
        }
    };
    if !args.follow {
        if !printed_header && header {
            ctx.io.eprintln("No events.");
        }
        return Ok(());
    }
    if ctx.io.stderr_tty {
        ctx.io.eprintln("Following new events (Ctrl-C to stop)...");
    }
    let client = ctx.client()?;
    let mut backoff = Backoff::standard();
    let mut reconnecting = false;
    loop {
        let opened = client
            .open_event_stream(STREAM_PATH, Some(&token), Some(&last.to_string()))
            .await;
        let reason = match opened {
            Ok(resp) => {
                if reconnecting {
                    ctx.io.eprintln(&format!(
                        "wt: event stream reconnected, resuming after seq {last}"
                    ));
                }
                let mut events: EventStream =
                    Box::pin(resp.bytes_stream().eventsource().map(|r| {
                        r.map_err(|e| match e {
                            EventStreamError::Transport(e) => ApiClient::stream_error_reason(&e),
                            other => format!("malformed event stream: {other}"),
                        })
                    }));
                loop {
                    let ev = match events.next().await {
                        None => break "the server ended the stream".to_string(),
                        Some(Err(e)) => break e,
                        Some(Ok(ev)) => ev,
                    };
                    match ev.event.as_str() {
                        "event" => match serde_json::from_str::<Event>(&ev.data) {
                            Ok(e) if e.seq > last => {
                                print(&e)?;
                                last = e.seq;
                                backoff.reset();
                            }
                            Ok(_) => {} // a replay after a reconnect: never twice
                            Err(e) => ctx.io.eprintln(&format!(
                                "wt: warning: skipped an unreadable event: {e}"
                            )),
                        },
                        "gap" => {
                            if let Ok(g) = serde_json::from_str::<EventGap>(&ev.data) {
                                ctx.io.eprintln(&gap_note(&g));
                                last = last.max(g.resumed_after);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Err(e) if is_retryable(&e) => e.to_string(),
            Err(e) => return Err(e),
        };
        let delay = backoff.next_delay();
        ctx.io.eprintln(&format!(
            "wt: event stream interrupted ({reason}); reconnecting in {:.1}s, resuming after seq {last}",
            delay.as_secs_f64()
        ));
        reconnecting = true;
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::events::EventsCommand;
    use crate::parse_from;

    #[test]
    fn tail_parses_lines_after_and_follow() {
        let cli = parse_from(["wt", "events", "tail"])
            .map_err(|e| e.to_string())
            .unwrap();
        match cli.command {
            Command::Events(EventsCommand::Tail(a)) => {
                assert_eq!((a.lines, a.after, a.follow), (20, None, false));
            }
            other => panic!("parsed as {other:?}"),
        }
        let cli = parse_from(["wt", "events", "tail", "--after", "9", "-f"])
            .map_err(|e| e.to_string())
            .unwrap();
        match cli.command {
            Command::Events(EventsCommand::Tail(a)) => {
                assert_eq!((a.after, a.follow), (Some(9), true));
            }
            other => panic!("parsed as {other:?}"),
        }
        assert!(parse_from(["wt", "events", "tail", "-n", "1001"]).is_err());
        assert!(parse_from(["wt", "events", "tail", "-n", "5", "--after", "3"]).is_err());
    }
}
