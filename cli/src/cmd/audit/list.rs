//! `wt audit list`: entries of the audit log, newest first, one page or every page.

use super::common::{FilterArgs, MAX_PAGE, TimeArgs, fetch_page, print_entries};
use crate::client::MAX_PAGES;
use crate::output::OutputFormat;
use crate::{CliError, Ctx};
use clap::Args;

pub const ABOUT: &str = "List audit log entries, newest first";
pub const LONG_ABOUT: &str = "\
List entries of your org's audit log, newest first (owners, admins and risk leads). Without
--all one page is printed and, in table output, a hint with the cursor of the next page goes
to stderr; pass it back with --cursor and the same filters. With --all every page is
fetched and printed as it arrives.

--since and --until take RFC 3339 (2026-01-01T00:00:00Z, any offset) or a duration ago:
30s, 15m, 2h, 7d, 1h30m (converted to UTC before sending). --action accepts a trailing `*`
(`auth.*`). --actor matches an email or user id, --target a target id.

Table columns: SEQ, TIME, ACTOR (email, else type:id), ACTION, TARGET (type:id), IP,
OUTCOME. JSON (--output json, the default when stdout is not a terminal): JSON LINES, one
AuditEntry object per line as the API sends it: {seq, occurred_at, actor {type, id,
email}, action, target {type, id}, ip, user_agent, outcome, details, prev_hash, hash}.

Examples:
  wt audit list
  wt audit list --action 'auth.*' --since 2h
  wt audit list --actor bob@example.com --outcome denied --limit 100
  wt audit list --unreviewed --all --output json | jq -r .action
  wt audit list --cursor c_XYZ   # the next page, as hinted";

/// `wt audit list` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub time: TimeArgs,
    /// Entries per page, 1 to 1000 [default: the server's, 50]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_PAGE)))]
    pub limit: Option<u32>,
    /// Start at this page (the cursor hinted by an earlier `wt audit list`, same filters)
    #[arg(long, value_name = "CURSOR")]
    pub cursor: Option<String>,
    /// Fetch every page (following the cursor), printing each as it arrives
    #[arg(long)]
    pub all: bool,
    /// Only entries not yet covered by a review (`wt audit review`)
    #[arg(long)]
    pub unreviewed: bool,
}

impl ListArgs {
    /// The query pairs of every page (without the cursor).
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = self.filters.pairs();
        pairs.extend(self.time.pairs());
        if self.unreviewed {
            pairs.push(("unreviewed", "true".into()));
        }
        if let Some(n) = self.limit {
            pairs.push(("limit", n.to_string()));
        }
        pairs
    }
}

/// Lists entries.
pub async fn run(args: ListArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let base = args.pairs();
    let table = ctx.output == OutputFormat::Table;
    let mut cursor = args.cursor.clone();
    let mut printed = 0usize;
    for _ in 0..MAX_PAGES {
        let mut pairs = base.clone();
        if let Some(c) = &cursor {
            pairs.push(("cursor", c.clone()));
        }
        let page = fetch_page(ctx, &token, &pairs).await?;
        print_entries(&ctx.io, ctx.output, &page.items, printed == 0)?;
        printed += page.items.len();
        let next = match page.next_cursor {
            Some(n) if !n.is_empty() && cursor.as_deref() != Some(n.as_str()) => n,
            _ => {
                if printed == 0 && table {
                    ctx.io.eprintln("No audit entries.");
                }
                return Ok(());
            }
        };
        if !args.all {
            if table {
                ctx.io.eprintln(&format!(
                    "More entries: wt audit list --cursor {next} (with the same filters), or --all"
                ));
            }
            return Ok(());
        }
        cursor = Some(next);
    }
    Err(CliError::Transport {
        server: ctx.server.clone(),
        reason: format!("the audit log did not end after {MAX_PAGES} pages"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Command;
    use crate::cmd::audit::AuditCommand;
    use crate::cmd::audit::common::OutcomeArg;
    use crate::cmd::audit::common::tests::{entry_json, page};
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    fn parse(argv: &[&str]) -> Result<ListArgs, clap::Error> {
        parse_from(argv).map(|cli| match cli.command {
            Command::Audit(AuditCommand::List(a)) => a,
            other => panic!("parsed as {other:?}"),
        })
    }

    #[test]
    fn audit_list_parses_every_flag() {
        let a = parse(&[
            "wt",
            "audit",
            "list",
            "--action",
            "api_key.*",
            "--actor",
            "bob@example.com",
            "--target",
            "usr_b",
            "--outcome",
            "failure",
            "--since",
            "2026-01-01T00:00:00Z",
            "--until",
            "2026-01-02T01:00:00+01:00",
            "--limit",
            "100",
            "--cursor",
            "c2",
            "--all",
            "--unreviewed",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        assert_eq!(a.filters.action.as_deref(), Some("api_key.*"));
        assert_eq!(a.filters.actor.as_deref(), Some("bob@example.com"));
        assert_eq!(a.filters.target.as_deref(), Some("usr_b"));
        assert_eq!(a.filters.outcome, Some(OutcomeArg::Failure));
        assert_eq!(a.time.since.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(a.time.until.as_deref(), Some("2026-01-02T00:00:00Z"));
        assert_eq!(a.limit, Some(100));
        assert_eq!(a.cursor.as_deref(), Some("c2"));
        assert!(a.all && a.unreviewed);
    }

    #[test]
    fn bad_since_limit_or_outcome_are_usage_errors_exit_2() {
        for argv in [
            &["wt", "audit", "list", "--since", "yesterday"][..],
            &["wt", "audit", "list", "--until", "5 fortnights"],
            &["wt", "audit", "list", "--limit", "0"],
            &["wt", "audit", "list", "--limit", "1001"],
            &["wt", "audit", "list", "--outcome", "maybe"],
        ] {
            let code = parse(argv).err().map(|e| e.exit_code());
            assert_eq!(code, Some(2), "{argv:?}");
        }
    }

    #[test]
    fn relative_since_is_sent_as_utc_rfc3339() {
        let a = parse(&["wt", "audit", "list", "--since", "2h"])
            .map_err(|e| e.to_string())
            .unwrap();
        let since = a.time.since.unwrap_or_default();
        let at =
            time::OffsetDateTime::parse(&since, &time::format_description::well_known::Rfc3339)
                .map_err(|e| e.to_string())
                .unwrap();
        let ago = time::OffsetDateTime::now_utc() - at;
        assert!(since.ends_with('Z'), "{since}");
        assert!((ago.whole_seconds() - 7200).abs() < 60, "{since}");
    }

    #[tokio::test]
    async fn list_sends_the_filters_percent_encoded() {
        let r = run_wt(
            &[
                "wt",
                "audit",
                "list",
                "--action",
                "api_key.*",
                "--actor",
                "bob+ops@example.com",
                "--target",
                "key 1",
                "--outcome",
                "denied",
                "--since",
                "2026-01-01T01:00:00+01:00",
                "--until",
                "2026-01-02T00:00:00Z",
                "--unreviewed",
                "--limit",
                "10",
                "--output",
                "json",
            ],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/audit-logs?action=api_key.*&actor=bob%2Bops%40example.com&target=key+1&outcome=denied&since=2026-01-01T00%3A00%3A00Z&until=2026-01-02T00%3A00%3A00Z&unreviewed=true&limit=10",
                Reply::json(200, page(&[2, 1], None)),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?} {:?}", r.result, r.stub.requests());
        assert_eq!(r.stub.requests().len(), 1);
    }

    #[tokio::test]
    async fn list_all_follows_next_cursor_across_three_pages() {
        let r = run_wt(
            &["wt", "audit", "list", "--all", "--output", "json"],
            "",
            vec![
                (
                    "GET",
                    "/api/v1/orgs/audit-logs",
                    Reply::json(200, page(&[6, 5], Some("c2"))),
                ),
                (
                    "GET",
                    "/api/v1/orgs/audit-logs?cursor=c2",
                    Reply::json(200, page(&[4, 3], Some("c3"))),
                ),
                (
                    "GET",
                    "/api/v1/orgs/audit-logs?cursor=c3",
                    Reply::json(200, page(&[2, 1], None)),
                ),
            ],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let seqs: Vec<i64> = r
            .out
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap_or_default()["seq"]
                    .as_i64()
                    .unwrap_or(-1)
            })
            .collect();
        assert_eq!(seqs, vec![6, 5, 4, 3, 2, 1]);
        assert_eq!(r.stub.requests().len(), 3);
    }

    #[tokio::test]
    async fn list_json_is_one_audit_entry_per_line_as_sent() {
        let r = run_wt(
            &["wt", "audit", "list", "--output", "json"],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/audit-logs",
                Reply::json(200, page(&[9, 8], Some("c2"))),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let lines: Vec<&str> = r.out.lines().collect();
        assert_eq!(lines.len(), 2, "{}", r.out);
        for (line, seq) in lines.iter().zip([9, 8]) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
            assert_eq!(v, entry_json(seq));
        }
        assert!(r.err.is_empty(), "no hint in JSON mode: {}", r.err);
    }

    #[tokio::test]
    async fn list_table_prints_one_page_and_hints_the_next_cursor() {
        let r = run_wt(
            &["wt", "audit", "list", "--output", "table"],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/audit-logs",
                Reply::json(200, page(&[9, 8], Some("c_next"))),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let lines: Vec<&str> = r.out.lines().collect();
        assert!(lines[0].starts_with("    SEQ  TIME"), "{}", r.out);
        assert!(
            lines[1]
                .trim_start()
                .starts_with("9  2026-01-01T00:00:09Z  owner@example.com")
        );
        assert_eq!(lines.len(), 3);
        assert!(r.err.contains("--cursor c_next"), "{}", r.err);
    }

    #[tokio::test]
    async fn list_without_the_audit_permission_exits_4() {
        let r = run_wt(
            &["wt", "audit", "list"],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/audit-logs",
                Reply::problem(403, "forbidden"),
            )],
        )
        .await;
        assert_eq!(r.failure().0, 4);
    }
}
