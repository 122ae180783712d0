//! `wt token list`: the org's automation tokens (every page), never their secrets.

use super::common::{TOKENS_PATH, status_name};
use crate::output::{Io, OutputFormat, describe_ago, describe_expiry};
use crate::{CliError, Ctx};
use clap::Args;
use time::OffsetDateTime;
use wt_api::AccessToken;

pub const ABOUT: &str = "List the automation tokens of your org";
pub const LONG_ABOUT: &str = "\
List the automation tokens of your org (owners and admins), including expired and revoked
ones. Secrets are never listed (the server keeps only hashes).

Table columns: ID, NAME, ROLE, STATUS (active, expired, revoked), CREATED BY (email),
EXPIRES (time and how far away), LAST USED (time, how long ago, and from which address),
SCOPES (the service endpoints it may call, e.g. keys:verify; - for none).

JSON (--output json): an array of AccessToken objects as the API sends them: {id, name,
role, status, created_by (email), created_at, expires_at, revoked_at, last_used_at,
last_used_ip, scopes}. `id` is what `wt token revoke` takes.

Examples:
  wt token list
  wt token list --output json | jq -r '.[] | select(.status == \"active\" and .last_used_at == null) | .id'";

/// `wt token list` options (none besides the global ones).
#[derive(Debug, Args)]
pub struct ListArgs {}

/// Lists tokens.
pub async fn run(_args: ListArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (bearer, _) = ctx.bearer().await?;
    let tokens: Vec<AccessToken> = ctx
        .client()?
        .get_all_pages(TOKENS_PATH, Some(&bearer))
        .await?;
    let now = OffsetDateTime::now_utc();
    ctx.io
        .emit(ctx.output, &tokens, |io| tokens_table(io, &tokens, now))?;
    if tokens.is_empty() && ctx.output == OutputFormat::Table {
        ctx.io
            .eprintln("No automation tokens yet: create one with `wt token create`.");
    }
    Ok(())
}

/// The tokens table.
pub fn tokens_table(io: &Io, tokens: &[AccessToken], now: OffsetDateTime) -> comfy_table::Table {
    let mut table = io.table();
    table.set_header(vec![
        "ID",
        "NAME",
        "ROLE",
        "STATUS",
        "CREATED BY",
        "EXPIRES",
        "LAST USED",
        "SCOPES",
    ]);
    for t in tokens {
        let last_used = match (&t.last_used_at, &t.last_used_ip) {
            (Some(at), Some(ip)) => format!("{} from {ip}", describe_ago(at, now)),
            (Some(at), None) => describe_ago(at, now),
            (None, _) => "never".to_string(),
        };
        table.add_row(vec![
            t.id.clone(),
            t.name.clone(),
            t.role.to_string(),
            status_name(t.status).to_string(),
            t.created_by.clone(),
            describe_expiry(&t.expires_at, now),
            last_used,
            if t.scopes.is_empty() {
                "-".to_string()
            } else {
                t.scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            },
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::token::TokenCommand;
    use crate::cmd::token::common::tests::token_json;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    const PATH: &str = "/api/v1/orgs/access-tokens";

    fn pages() -> Vec<(&'static str, &'static str, Reply)> {
        let mut unused = token_json("tok_b", "admin", "revoked");
        unused["last_used_at"] = serde_json::Value::Null;
        unused["last_used_ip"] = serde_json::Value::Null;
        unused["revoked_at"] = serde_json::json!("2026-01-03T00:00:00Z");
        let mut scoped = token_json("tok_a", "viewer", "active");
        scoped["scopes"] = serde_json::json!(["keys:verify", "readiness:read"]);
        vec![
            (
                "GET",
                PATH,
                Reply::json(
                    200,
                    serde_json::json!({"items": [scoped], "next_cursor": "c2"}),
                ),
            ),
            (
                "GET",
                "/api/v1/orgs/access-tokens?cursor=c2",
                Reply::json(
                    200,
                    serde_json::json!({"items": [unused], "next_cursor": null}),
                ),
            ),
        ]
    }

    #[test]
    fn list_parses_and_takes_no_arguments() {
        let cli = parse_from(["wt", "token", "list"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(cli.command, Command::Token(TokenCommand::List(_))));
        assert!(parse_from(["wt", "token", "list", "tok_a"]).is_err());
    }

    #[tokio::test]
    async fn list_json_is_the_array_of_every_page_as_is() {
        let r = run_wt(&["wt", "token", "list", "--output", "json"], "", pages()).await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        let ids: Vec<&str> = printed
            .as_array()
            .map(|a| a.iter().filter_map(|t| t["id"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(ids, ["tok_a", "tok_b"]);
        let mut scoped = token_json("tok_a", "viewer", "active");
        scoped["scopes"] = serde_json::json!(["keys:verify", "readiness:read"]);
        assert_eq!(printed[0], scoped);
    }

    #[tokio::test]
    async fn list_table_has_the_documented_columns() {
        let r = run_wt(&["wt", "token", "list", "--output", "table"], "", pages()).await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let header = r.out.lines().next().unwrap_or_default();
        assert_eq!(
            header.split_whitespace().collect::<Vec<_>>(),
            [
                "ID", "NAME", "ROLE", "STATUS", "CREATED", "BY", "EXPIRES", "LAST", "USED",
                "SCOPES"
            ]
        );
        let a = r
            .out
            .lines()
            .find(|l| l.starts_with("tok_a"))
            .unwrap_or_default();
        for part in [
            "ci-readiness",
            "viewer",
            "active",
            "owner@example.com",
            "2030-04-01T00:00:00Z (in ",
            "2026-01-02T00:00:00Z (",
            "ago) from 10.1.2.3",
            "keys:verify readiness:read",
        ] {
            assert!(a.contains(part), "{part}: {a}");
        }
        let b = r
            .out
            .lines()
            .find(|l| l.starts_with("tok_b"))
            .unwrap_or_default();
        assert!(
            b.contains("revoked") && b.contains("never") && b.trim_end().ends_with('-'),
            "{b}"
        );
    }

    #[tokio::test]
    async fn an_empty_list_says_how_to_create_one() {
        let r = run_wt(
            &["wt", "token", "list", "--output", "table"],
            "",
            vec![(
                "GET",
                PATH,
                Reply::json(200, serde_json::json!({"items": [], "next_cursor": null})),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(r.err.contains("wt token create"), "{}", r.err);
    }

    #[tokio::test]
    async fn a_member_below_admin_is_denied_exit_4() {
        let r = run_wt(
            &["wt", "token", "list"],
            "",
            vec![("GET", PATH, Reply::problem(403, "forbidden"))],
        )
        .await;
        assert_eq!(r.failure().0, 4);
    }
}
