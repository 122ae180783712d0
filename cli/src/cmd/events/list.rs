//! `wt events list [--after SEQ] [--limit N]`: one page of events after a cursor.

use super::common::{MAX_PAGE, event_line, fetch_page, gap_note, header_line};
use crate::output::OutputFormat;
use crate::{CliError, Ctx};
use clap::Args;

pub const ABOUT: &str = "List ingested events after a cursor";
pub const LONG_ABOUT: &str = "\
Print up to --limit events (default 100, at most 1000) with a seq after --after (default 0:
from the oldest kept), oldest first.

Table rows: SEQ, RECEIVED_AT, KEY, ENV, then the payload as JSON. With --output json (the
default when stdout is not a terminal) the API's page as is: {items: [{seq, received_at,
key_id, environment, payload}], next_after, gap?}. Pass next_after as --after to read on.
`gap` ({requested_after, resumed_after}) means retention deleted events after your cursor
before they were read (also noted on stderr). Control characters in payloads are
printed as JSON \\u escapes.

Examples:
  wt events list
  wt events list --after 1200 --limit 500 --output json | jq '.items[].payload'";

/// `wt events list` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only events with a seq after this one (0: from the oldest kept)
    #[arg(long, value_name = "SEQ", default_value_t = 0,
          value_parser = clap::value_parser!(i64).range(0..))]
    pub after: i64,
    /// How many events at most, 1 to 1000
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_PAGE)))]
    pub limit: u32,
}

/// Prints one page.
pub async fn run(args: ListArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let page = fetch_page(
        ctx,
        &token,
        &[
            ("after", args.after.to_string()),
            ("limit", args.limit.to_string()),
        ],
    )
    .await?;
    if let Some(g) = &page.gap {
        ctx.io.eprintln(&gap_note(g));
    }
    match ctx.output {
        OutputFormat::Json => ctx.io.println(&super::common::safe_json(&page)?),
        OutputFormat::Table => {
            if page.items.is_empty() {
                ctx.io.eprintln("No events.");
                return Ok(());
            }
            let mut lines = vec![header_line()];
            for e in &page.items {
                lines.push(event_line(OutputFormat::Table, e)?);
            }
            ctx.io.println(&lines.join("\n"))?;
            ctx.io
                .eprintln(&format!("Next: wt events list --after {}", page.next_after));
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::events::EventsCommand;
    use crate::parse_from;

    #[test]
    fn list_parses_cursor_and_limit_within_bounds() {
        let cli = parse_from(["wt", "events", "list", "--after", "42", "--limit", "7"])
            .map_err(|e| e.to_string())
            .unwrap();
        match cli.command {
            Command::Events(EventsCommand::List(a)) => assert_eq!((a.after, a.limit), (42, 7)),
            other => panic!("parsed as {other:?}"),
        }
        assert!(parse_from(["wt", "events", "list", "--limit", "1001"]).is_err());
        assert!(parse_from(["wt", "events", "list", "--after", "-1"]).is_err());
    }
}
