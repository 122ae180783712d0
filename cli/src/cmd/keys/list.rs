//! `wt keys list [--env E] [--status S]`: the org's ingestion keys (every page).

use super::common::{EnvArg, KEYS_PATH, StatusArg, masked, status_name};
use crate::output::{Io, OutputFormat, describe_ago};
use crate::{CliError, Ctx};
use clap::Args;
use time::OffsetDateTime;
use wt_api::ApiKey;

pub const ABOUT: &str = "List the ingestion API keys of your org";
pub const LONG_ABOUT: &str = "\
List the ingestion API keys of your org (owners and admins), optionally only one
environment or status. Every page is fetched; the filters apply to what the server sends.
Secrets are never listed: a key shows as its prefix and last four characters.

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
  wt keys list --output json | jq -r '.[] | select(.last_used_at == null) | .id'";

/// `wt keys list` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only keys of this environment
    #[arg(long, value_enum, value_name = "ENV")]
    pub env: Option<EnvArg>,

    /// Only keys with this status
    #[arg(long, value_enum, value_name = "STATUS")]
    pub status: Option<StatusArg>,
}

impl ListArgs {
    /// True when `key` passes the filters.
    fn keeps(&self, key: &ApiKey) -> bool {
        self.env.is_none_or(|e| key.environment == e.env())
            && self.status.is_none_or(|s| key.status == s.status())
    }
}

/// Lists keys.
pub async fn run(args: ListArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let keys: Vec<ApiKey> = ctx.client()?.get_all_pages(KEYS_PATH, Some(&token)).await?;
    let keys: Vec<ApiKey> = keys.into_iter().filter(|k| args.keeps(k)).collect();
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

    const PATH: &str = "/api/v1/orgs/api-keys";

    fn sandbox(id: &str, status: &str) -> serde_json::Value {
        let mut k = key_json(id, status);
        k["environment"] = serde_json::json!("sandbox");
        k["prefix"] = serde_json::json!("wtk_test_");
        k
    }

    fn pages() -> Vec<(&'static str, &'static str, Reply)> {
        vec![
            (
                "GET",
                PATH,
                Reply::json(
                    200,
                    serde_json::json!({"items": [key_json("key_a", "active"), sandbox("key_b", "active")], "next_cursor": "c2"}),
                ),
            ),
            (
                "GET",
                "/api/v1/orgs/api-keys?cursor=c2",
                Reply::json(
                    200,
                    serde_json::json!({"items": [key_json("key_c", "rotating")], "next_cursor": null}),
                ),
            ),
        ]
    }

    #[test]
    fn list_parses_env_and_status() {
        let cli = parse_from([
            "wt", "keys", "list", "--env", "sandbox", "--status", "rotating",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Keys(KeysCommand::List(ListArgs {
                env: Some(EnvArg::Sandbox),
                status: Some(StatusArg::Rotating)
            }))
        ));
        assert!(parse_from(["wt", "keys", "list", "--status", "gone"]).is_err());
    }

    #[tokio::test]
    async fn list_json_is_the_array_of_every_page_as_is() {
        let r = run_wt(&["wt", "keys", "list", "--output", "json"], "", pages()).await;
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
    }

    #[tokio::test]
    async fn list_filters_env_and_status_client_side() {
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
            pages(),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        let ids: Vec<&str> = printed
            .as_array()
            .map(|a| a.iter().filter_map(|k| k["id"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(ids, ["key_c"]);
        assert_eq!(r.stub.requests()[0].path, PATH, "no server-side filter");
    }

    #[tokio::test]
    async fn list_table_shows_masked_key_owner_and_last_use() {
        let r = run_wt(&["wt", "keys", "list", "--output", "table"], "", pages()).await;
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
            pages(),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(r.err.contains("No API keys match."), "{}", r.err);
    }
}
