//! `wt keys list [--env E] [--status S] [--limit N | --all]`: the org's ingestion keys,
//! the first page or all.

use super::common::{EnvArg, KEYS_PATH, StatusArg, masked, status_name};
use crate::client::with_query;
use crate::cmd::common::{PageArgs, more_hint};
use crate::output::{Io, OutputFormat, describe_ago};
use crate::{CliError, Ctx};
use clap::Args;
use time::OffsetDateTime;
use wt_api::ApiKey;

pub const ABOUT: &str = "List the ingestion API keys of your org";
pub const LONG_ABOUT: &str = "\
List the ingestion API keys of your org (owners and admins), newest first, optionally only
one environment (--env, filtered by the server) or status (--status, filtered by wt: pages
are fetched until --limit keys match or the list ends). The first 50 are shown (--limit N
for another number); when there are more, a hint says so on stderr (never on stdout, so
JSON stays parseable). --all fetches every page and shows every key: use it in scripts
that need the whole list. Secrets are never listed: a key shows as its prefix and last
four characters.

Table columns: ID, NAME, ENV, KEY (prefix…last4), OWNER (email), STATUS (active, rotating,
expired, revoked), LAST USED (time and how long ago), LAST IP, USES.

JSON (--output json): an array of ApiKey objects as the API sends them: {id, name,
environment, prefix, last4, status, owner {id, email}, created_by {id, email}, created_at,
expires_at, revoked_at, allowed_cidrs, rotated_from, rotated_to, grace_until,
last_used_at, last_used_ip, use_count, browser_use}. `id` is what `wt keys show|rotate|
revoke|update` take.

Examples:
  wt keys list
  wt keys list --env production --status rotating
  wt keys list --limit 10
  wt keys list --all --output json | jq -r '.[] | select(.last_used_at == null) | .id'";

/// `wt keys list` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only keys of this environment
    #[arg(long, value_enum, value_name = "ENV")]
    pub env: Option<EnvArg>,

    /// Only keys with this status
    #[arg(long, value_enum, value_name = "STATUS")]
    pub status: Option<StatusArg>,

    #[command(flatten)]
    pub page: PageArgs,
}

impl ListArgs {
    /// True when `key` passes the filters.
    fn keeps(&self, key: &ApiKey) -> bool {
        self.env.is_none_or(|e| key.environment == e.env())
            && self.status.is_none_or(|s| key.status == s.status())
    }

    /// The list's path: the environment is the server's filter.
    fn path(&self) -> String {
        match self.env {
            Some(e) => with_query(KEYS_PATH, &[("environment", e.env().as_str())]),
            None => KEYS_PATH.to_string(),
        }
    }
}

/// Lists keys.
pub async fn run(args: ListArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    // A status is computed per key, so `wt` filters it: pages until enough match.
    let filtered_here = args.status.is_some();
    let fetched = ctx
        .client()?
        .get_pages_until(
            &args.path(),
            Some(&token),
            args.page.page_size(filtered_here),
            args.page.want(),
            |k: &ApiKey| args.keeps(k),
        )
        .await?;
    let keys = fetched.items;
    let now = OffsetDateTime::now_utc();
    ctx.io
        .emit(ctx.output, &keys, |io| keys_table(io, &keys, now))?;
    if keys.is_empty() && ctx.output == OutputFormat::Table {
        let filtered = args.env.is_some() || args.status.is_some();
        ctx.io.eprintln(if filtered {
            "No API keys match."
        } else {
            "No API keys yet: create one with `wt keys create`."
        });
    }
    if fetched.more {
        ctx.io
            .eprintln(&more_hint(keys.len(), ("key", "keys"), filtered_here));
    }
    Ok(())
}

/// The keys table.
pub fn keys_table(io: &Io, keys: &[ApiKey], now: OffsetDateTime) -> comfy_table::Table {
    let mut table = io.table();
    table.set_header(vec![
        "ID",
        "NAME",
        "ENV",
        "KEY",
        "OWNER",
        "STATUS",
        "LAST USED",
        "LAST IP",
        "USES",
    ]);
    for k in keys {
        table.add_row(vec![
            k.id.clone(),
            k.name.clone(),
            k.environment.to_string(),
            masked(k),
            k.owner.email.clone(),
            status_name(k.status).to_string(),
            k.last_used_at
                .as_deref()
                .map_or_else(|| "never".to_string(), |t| describe_ago(t, now)),
            k.last_used_ip.clone().unwrap_or_else(|| "-".into()),
            k.use_count.to_string(),
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Command;
    use crate::cmd::keys::KeysCommand;
    use crate::cmd::keys::common::tests::key_json;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    fn sandbox(id: &str, status: &str) -> serde_json::Value {
        let mut k = key_json(id, status);
        k["environment"] = serde_json::json!("sandbox");
        k["prefix"] = serde_json::json!("wtk_test_");
        k
    }

    /// Two pages of `limit` (2 keys, then 1) at `path` (`?limit=N`, with `&cursor=c2` next).
    fn pages(path: &'static str, next: &'static str) -> Vec<(&'static str, &'static str, Reply)> {
        vec![
            (
                "GET",
                path,
                Reply::json(
                    200,
                    serde_json::json!({"items": [key_json("key_a", "active"), sandbox("key_b", "active")], "next_cursor": "c2"}),
                ),
            ),
            (
                "GET",
                next,
                Reply::json(
                    200,
                    serde_json::json!({"items": [key_json("key_c", "rotating")], "next_cursor": null}),
                ),
            ),
        ]
    }

    fn parse(argv: &[&str]) -> Result<ListArgs, String> {
        match parse_from(argv).map_err(|e| e.to_string())?.command {
            Command::Keys(KeysCommand::List(a)) => Ok(a),
            other => Err(format!("parsed as {other:?}")),
        }
    }

    fn ids(out: &str) -> Vec<String> {
        let printed: serde_json::Value = serde_json::from_str(out).unwrap_or_default();
        printed
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|k| k["id"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn list_parses_env_status_limit_and_all() {
        let a = parse(&[
            "wt", "keys", "list", "--env", "sandbox", "--status", "rotating",
        ])
        .unwrap();
        assert_eq!(a.env, Some(EnvArg::Sandbox));
        assert_eq!(a.status, Some(StatusArg::Rotating));
        assert_eq!(
            a.page,
            PageArgs {
                limit: 50,
                all: false
            },
            "the first 50 by default"
        );
        assert_eq!(
            parse(&["wt", "keys", "list", "--limit", "7"])
                .unwrap()
                .page
                .limit,
            7
        );
        assert!(parse(&["wt", "keys", "list", "--all"]).unwrap().page.all);
        for bad in [
            &["wt", "keys", "list", "--status", "gone"][..],
            &["wt", "keys", "list", "--limit", "0"],
            &["wt", "keys", "list", "--limit", "x"],
            &["wt", "keys", "list", "--all", "--limit", "5"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn list_shows_the_first_page_and_hints_the_rest_on_stderr_only() {
        let r = run_wt(
            &["wt", "keys", "list", "--limit", "2", "--output", "json"],
            "",
            pages(
                "/api/v1/orgs/api-keys?limit=2",
                "/api/v1/orgs/api-keys?limit=2&cursor=c2",
            ),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(ids(&r.out), ["key_a", "key_b"], "stdout: the page as JSON");
        assert_eq!(r.stub.requests().len(), 1, "one request: the first page");
        assert!(
            r.err.contains("Showing 2 keys; more exist: --all"),
            "{}",
            r.err
        );
        assert!(!r.out.contains("Showing"), "{}", r.out);
    }

    #[tokio::test]
    async fn the_last_page_gets_no_hint() {
        let r = run_wt(
            &["wt", "keys", "list", "--output", "table"],
            "",
            pages(
                "/api/v1/orgs/api-keys?limit=50",
                "/api/v1/orgs/api-keys?limit=50&cursor=c2",
            ),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(r.out.contains("key_c"), "{}", r.out);
        assert!(!r.err.contains("Showing"), "{}", r.err);
    }

    #[tokio::test]
    async fn list_all_is_the_array_of_every_page_as_is() {
        let r = run_wt(
            &["wt", "keys", "list", "--all", "--output", "json"],
            "",
            pages(
                "/api/v1/orgs/api-keys?limit=200",
                "/api/v1/orgs/api-keys?limit=200&cursor=c2",
            ),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(
            printed,
            serde_json::json!([
                key_json("key_a", "active"),
                sandbox("key_b", "active"),
                key_json("key_c", "rotating")
            ])
        );
        assert_eq!(r.stub.requests().len(), 2);
        assert!(!r.err.contains("Showing"), "{}", r.err);
    }

    #[tokio::test]
    async fn env_is_the_servers_filter_and_status_is_filtered_here_across_pages() {
        let r = run_wt(
            &[
                "wt",
                "keys",
                "list",
                "--env",
                "production",
                "--status",
                "rotating",
                "--output",
                "json",
            ],
            "",
            pages(
                "/api/v1/orgs/api-keys?environment=production&limit=200",
                "/api/v1/orgs/api-keys?environment=production&limit=200&cursor=c2",
            ),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(ids(&r.out), ["key_c"], "found on the second page");
        assert_eq!(r.stub.requests().len(), 2);
        assert!(!r.err.contains("Showing"), "{}", r.err);
    }

    #[tokio::test]
    async fn a_status_filter_stops_at_limit_matches() {
        let r = run_wt(
            &[
                "wt", "keys", "list", "--status", "active", "--limit", "1", "--output", "json",
            ],
            "",
            pages(
                "/api/v1/orgs/api-keys?limit=200",
                "/api/v1/orgs/api-keys?limit=200&cursor=c2",
            ),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(ids(&r.out), ["key_a"]);
        assert_eq!(
            r.stub.requests().len(),
            1,
            "enough matches on the first page"
        );
        assert!(
            r.err
                .contains("Showing 1 matching key; more may match: --all"),
            "{}",
            r.err
        );
    }

    #[tokio::test]
    async fn list_table_shows_masked_key_owner_and_last_use() {
        let r = run_wt(
            &["wt", "keys", "list", "--output", "table"],
            "",
            pages(
                "/api/v1/orgs/api-keys?limit=50",
                "/api/v1/orgs/api-keys?limit=50&cursor=c2",
            ),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let header = r.out.lines().next().unwrap_or_default();
        let cols: Vec<&str> = header.split_whitespace().collect();
        assert_eq!(
            cols,
            [
                "ID", "NAME", "ENV", "KEY", "OWNER", "STATUS", "LAST", "USED", "LAST", "IP", "USES"
            ]
        );
        let row = r
            .out
            .lines()
            .find(|l| l.contains("key_b"))
            .unwrap_or_default();
        assert!(row.contains("wtk_test_…3f9a"), "{row}");
        assert!(
            row.contains("bob@example.com") && row.contains("sandbox"),
            "{row}"
        );
        assert!(
            row.contains("2026-01-02T00:00:00Z (") && row.contains("ago)"),
            "{row}"
        );
        assert!(
            row.contains("10.1.2.3") && row.trim_end().ends_with("42"),
            "{row}"
        );
    }

    #[tokio::test]
    async fn an_empty_filtered_list_says_so_on_stderr() {
        let r = run_wt(
            &[
                "wt", "keys", "list", "--status", "revoked", "--output", "table",
            ],
            "",
            pages(
                "/api/v1/orgs/api-keys?limit=200",
                "/api/v1/orgs/api-keys?limit=200&cursor=c2",
            ),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(r.err.contains("No API keys match."), "{}", r.err);
    }
}
