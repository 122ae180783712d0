//! `wt invite list [--status S]`: the org's invites (every page).

use super::common::status_name;
use crate::client::with_query;
use crate::output::Io;
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::{Invite, InviteStatus};

pub const ABOUT: &str = "List the invites of your org";
pub const LONG_ABOUT: &str = "\
List the invites of your org (owners and admins), newest first as the server sends them,
optionally only those with one status. Every page is fetched.

JSON (--output json): an array of Invite objects as the API sends them: {id, email, role,
status, invited_by, created_at, expires_at}. Tokens are never listed.

Examples:
  wt invite list
  wt invite list --status pending --output json";

/// `--status` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusArg {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

impl StatusArg {
    fn wire(self) -> &'static str {
        status_name(match self {
            StatusArg::Pending => InviteStatus::Pending,
            StatusArg::Accepted => InviteStatus::Accepted,
            StatusArg::Expired => InviteStatus::Expired,
            StatusArg::Revoked => InviteStatus::Revoked,
        })
    }
}

/// `wt invite list` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only invites with this status
    #[arg(long, value_enum, value_name = "STATUS")]
    pub status: Option<StatusArg>,
}

/// Lists invites.
pub async fn run(args: ListArgs, ctx: &Ctx) -> Result<(), CliError> {
    let path = match args.status {
        Some(s) => with_query("/orgs/invites", &[("status", s.wire())]),
        None => "/orgs/invites".to_string(),
    };
    let (token, _) = ctx.bearer().await?;
    let invites: Vec<Invite> = ctx.client()?.get_all_pages(&path, Some(&token)).await?;
    ctx.io.emit(ctx.output, &invites, |io: &Io| {
        let mut table = io.table();
        table.set_header(vec![
            "ID",
            "EMAIL",
            "ROLE",
            "STATUS",
            "INVITED BY",
            "EXPIRES",
        ]);
        for i in &invites {
            table.add_row(vec![
                i.id.clone(),
                i.email.clone(),
                i.role.to_string(),
                status_name(i.status).to_string(),
                i.invited_by.clone().unwrap_or_else(|| "-".into()),
                i.expires_at.clone(),
            ]);
        }
        table
    })?;
    if invites.is_empty() && ctx.output == crate::output::OutputFormat::Table {
        ctx.io.eprintln("No invites.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Command;
    use crate::cmd::invite::InviteCommand;
    use crate::cmd::invite::create::tests::invite_json;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    #[test]
    fn invite_list_parses_status() {
        let cli = parse_from(["wt", "invite", "list", "--status", "pending"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(
            cli.command,
            Command::Invite(InviteCommand::List(ListArgs {
                status: Some(StatusArg::Pending)
            }))
        ));
        assert!(parse_from(["wt", "invite", "list", "--status", "gone"]).is_err());
    }

    #[tokio::test]
    async fn invite_list_filters_by_status_and_prints_the_invites_as_an_array() {
        let inv = invite_json("inv_1", "bob@example.com", "analyst");
        let r = run_wt(
            &[
                "wt", "invite", "list", "--status", "pending", "--output", "json",
            ],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/invites?status=pending",
                Reply::json(
                    200,
                    serde_json::json!({"items": [inv.clone()], "next_cursor": null}),
                ),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, serde_json::json!([inv]));
    }

    #[tokio::test]
    async fn invite_list_table_shows_one_line_per_invite() {
        let r = run_wt(
            &["wt", "invite", "list", "--output", "table"],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/invites",
                Reply::json(
                    200,
                    serde_json::json!({"items": [invite_json("inv_1", "bob@example.com", "analyst")], "next_cursor": null}),
                ),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(
            r.out.contains("inv_1")
                && r.out.contains("bob@example.com")
                && r.out.contains("pending"),
            "{}",
            r.out
        );
    }
}
