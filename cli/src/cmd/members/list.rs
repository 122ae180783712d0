//! `wt members list`: the members of your org (every page).

use crate::output::Io;
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::Member;

pub const ABOUT: &str = "List the members of your org";
pub const LONG_ABOUT: &str = "\
List the members of the org your session is bound to, with their role and whether they
use MFA. Every page is fetched.

JSON (--output json): an array of Member objects as the API sends them: {id, email, name,
role, mfa_enabled, mfa_methods (totp, passkey, totp+passkey or none), joined_at}. `id` (usr_...) is what `wt members set-role|remove|
reset-mfa` take.

Examples:
  wt members list
  wt members list --output json | jq -r '.[] | select(.role == \"admin\") | .email'";

/// `wt members list` options (none besides the global ones).
#[derive(Debug, Args)]
pub struct ListArgs {}

/// Lists members.
pub async fn run(_args: ListArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let members = fetch_members(ctx, &token).await?;
    ctx.io
        .emit(ctx.output, &members, |io| members_table(io, &members))
}

/// Every member of the org (`GET /orgs/members`, all pages).
pub async fn fetch_members(
    ctx: &Ctx,
    token: &crate::secret::Secret,
) -> Result<Vec<Member>, CliError> {
    ctx.client()?
        .get_all_pages("/orgs/members", Some(token))
        .await
}

/// The members table (also shown by `wt members review` before it asks).
pub fn members_table(io: &Io, members: &[Member]) -> comfy_table::Table {
    let mut table = io.table();
    table.set_header(vec!["ID", "EMAIL", "NAME", "ROLE", "MFA", "JOINED"]);
    for m in members {
        table.add_row(vec![
            m.id.clone(),
            m.email.clone(),
            m.name.clone(),
            m.role.to_string(),
            match (m.mfa_enabled, m.mfa_methods.as_str()) {
                (true, "" | "none") => "on".to_string(),
                (true, methods) => format!("on ({methods})"),
                (false, _) => "off".to_string(),
            },
            m.joined_at.clone(),
        ]);
    }
    table
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::cmd::Command;
    use crate::cmd::members::MembersCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    pub(crate) fn member_json(id: &str, email: &str, role: &str) -> serde_json::Value {
        serde_json::json!({
            "id": id, "email": email, "name": "Someone", "role": role,
            "mfa_enabled": true, "mfa_methods": "totp", "joined_at": "2026-01-01T00:00:00Z"
        })
    }

    pub(crate) fn members_page() -> serde_json::Value {
        serde_json::json!({"items": [
            member_json("usr_o", "owner@example.com", "owner"),
            member_json("usr_b", "bob@example.com", "analyst"),
        ], "next_cursor": null})
    }

    #[test]
    fn members_list_parses() {
        let cli = parse_from(["wt", "members", "list"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(
            cli.command,
            Command::Members(MembersCommand::List(_))
        ));
    }

    #[tokio::test]
    async fn members_list_json_is_the_array_of_members_as_is() {
        let r = run_wt(
            &["wt", "members", "list", "--output", "json"],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/members",
                Reply::json(200, members_page()),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, members_page()["items"]);
    }

    #[tokio::test]
    async fn members_list_table_shows_role_and_mfa() {
        let r = run_wt(
            &["wt", "members", "list", "--output", "table"],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/members",
                Reply::json(200, members_page()),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(
            r.out.contains("usr_b") && r.out.contains("analyst") && r.out.contains(" on (totp) "),
            "{}",
            r.out
        );
    }
}
