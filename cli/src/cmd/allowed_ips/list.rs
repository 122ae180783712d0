//! `wt allowed-ips list`: the org's allowed-IP list (every page).

use super::common::{entries_table, fetch_all};
use crate::output::OutputFormat;
use crate::{CliError, Ctx};
use clap::Args;
use time::OffsetDateTime;

pub const ABOUT: &str = "List the allowed IPs of your org";
pub const LONG_ABOUT: &str = "\
List the networks your org accepts authenticated traffic from (sessions, automation
tokens and ingestion keys), with how often each let a request in. An empty list allows
every address.

Table columns: ID, CIDR, NOTE, CREATED BY, CREATED, HITS, LAST HIT.

JSON (--output json): an array of AllowedIp objects as the API sends them: {id, cidr,
note, created_by, created_at, hit_count, last_hit_at} (`[]` = every address allowed).

Examples:
  wt allowed-ips list
  wt allowed-ips list --output json | jq -r '.[].cidr' > current.txt";

/// `wt allowed-ips list` options (none besides the global ones).
#[derive(Debug, Args)]
pub struct ListArgs {}

/// What table output says for an empty list.
pub const EMPTY_LIST_MESSAGE: &str = "The allowed-IP list is empty: every address is allowed. Restrict it with `wt allowed-ips add CIDR`.";

/// Lists the entries.
pub async fn run(_args: ListArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let entries = fetch_all(ctx, &token).await?;
    if entries.is_empty() && ctx.output == OutputFormat::Table {
        return ctx.io.println(EMPTY_LIST_MESSAGE);
    }
    let now = OffsetDateTime::now_utc();
    ctx.io
        .emit(ctx.output, &entries, |io| entries_table(io, &entries, now))
}

#[cfg(test)]
mod tests {
    use crate::cmd::allowed_ips::common::tests::entry_json;
    use crate::testutil::{Reply, run_wt};

    const PATH: &str = "/api/v1/orgs/allowed-ips";

    fn page(items: serde_json::Value) -> Vec<(&'static str, &'static str, Reply)> {
        vec![(
            "GET",
            PATH,
            Reply::json(
                200,
                serde_json::json!({"items": items, "next_cursor": null}),
            ),
        )]
    }

    #[tokio::test]
    async fn list_json_is_the_array_of_entries_as_is() {
        let items = serde_json::json!([entry_json("aip_1", "10.0.0.0/8")]);
        let r = run_wt(
            &["wt", "allowed-ips", "list", "--output", "json"],
            "",
            page(items.clone()),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, items);
    }

    #[tokio::test]
    async fn list_table_shows_every_column() {
        let r = run_wt(
            &["wt", "allowed-ips", "list", "--output", "table"],
            "",
            page(serde_json::json!([entry_json("aip_1", "10.0.0.0/8")])),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let row = r.out.lines().nth(1).unwrap_or_default();
        for want in [
            "aip_1",
            "10.0.0.0/8",
            "office",
            "owner@example.com",
            "12",
            "ago)",
        ] {
            assert!(row.contains(want), "{want}: {row}");
        }
    }

    #[tokio::test]
    async fn an_empty_list_says_every_address_is_allowed() {
        let r = run_wt(
            &["wt", "allowed-ips", "list", "--output", "table"],
            "",
            page(serde_json::json!([])),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(r.out.contains("every address is allowed"), "{}", r.out);
        let json = run_wt(
            &["wt", "allowed-ips", "list", "--output", "json"],
            "",
            page(serde_json::json!([])),
        )
        .await;
        assert_eq!(json.out.trim(), "[]");
    }
}
