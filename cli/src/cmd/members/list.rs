//! `wt members list [--limit N | --all]`: the members of your org, the first page or all.

use crate::cmd::common::{PageArgs, more_hint};
use crate::output::Io;
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::Member;

pub const ABOUT: &str = "List the members of your org";
pub const LONG_ABOUT: &str = "\
List the members of the org your session is bound to, with their role and whether they
use MFA, oldest first. The first 50 are shown (--limit N for another number); when there
are more, a hint says so on stderr (never on stdout, so JSON stays parseable). --all
fetches every page and shows every member: use it in scripts that need the whole list.

JSON (--output json): an array of Member objects as the API sends them: {id, email, name,
role, mfa_enabled, mfa_methods (totp, passkey, totp+passkey or none), joined_at}. `id`
(usr_...) is what `wt members set-role|remove|reset-mfa` take.

Examples:
  wt members list
  wt members list --limit 200
  wt members list --all --output json | jq -r '.[] | select(.role == \"admin\") | .email'";

/// `wt members list` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub page: PageArgs,
}

/// Lists members.
pub async fn run(args: ListArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let fetched = ctx
        .client()?
        .get_pages_until(
            MEMBERS_PATH,
            Some(&token),
            args.page.page_size(false),
            args.page.want(),
            |_: &Member| true,
        )
        .await?;
    let members = fetched.items;
    ctx.io
        .emit(ctx.output, &members, |io| members_table(io, &members))?;
    if fetched.more {
        ctx.io
            .eprintln(&more_hint(members.len(), ("member", "members"), false));
    }
    Ok(())
}

/// `GET` the org's members.
const MEMBERS_PATH: &str = "/orgs/members";

/// Every member of the org (`GET /orgs/members`, every page).
pub async fn fetch_members(
    ctx: &Ctx,
    token: &crate::secret::Secret,
) -> Result<Vec<Member>, CliError> {
    Ok(ctx
        .client()?
        .get_pages_until(MEMBERS_PATH, Some(token), wt_api::PAGE_MAX, None, |_| true)
        .await?
        .items)
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

    fn parse(argv: &[&str]) -> Result<super::ListArgs, String> {
        match parse_from(argv).map_err(|e| e.to_string())?.command {
            Command::Members(MembersCommand::List(a)) => Ok(a),
            other => Err(format!("parsed as {other:?}")),
        }
    }

    #[test]
    fn members_list_parses_limit_and_all() {
        let a = parse(&["wt", "members", "list"]).unwrap();
        assert_eq!(
            (a.page.limit, a.page.all),
            (50, false),
            "the first 50 by default"
        );
        assert_eq!(
            parse(&["wt", "members", "list", "--limit", "2"])
                .unwrap()
                .page
                .limit,
            2
        );
        assert!(parse(&["wt", "members", "list", "--all"]).unwrap().page.all);
        assert!(parse(&["wt", "members", "list", "--limit", "0"]).is_err());
        assert!(parse(&["wt", "members", "list", "--all", "--limit", "2"]).is_err());
    }

    #[tokio::test]
    async fn members_list_json_is_the_array_of_members_as_is() {
        let r = run_wt(
            &["wt", "members", "list", "--output", "json"],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/members?limit=50",
                Reply::json(200, members_page()),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, members_page()["items"]);
        assert!(
            !r.err.contains("Showing"),
            "the whole list: no hint: {}",
            r.err
        );
    }

    #[tokio::test]
    async fn members_list_shows_one_page_and_hints_on_stderr_and_all_shows_every_page() {
        let first = serde_json::json!({"items": [
            member_json("usr_o", "owner@example.com", "owner"),
            member_json("usr_b", "bob@example.com", "analyst"),
        ], "next_cursor": "bTE6MTp1c3JfYg"});
        let last = serde_json::json!({"items": [
            member_json("usr_c", "carol@example.com", "viewer"),
        ], "next_cursor": null});
        let r = run_wt(
            &["wt", "members", "list", "--limit", "2", "--output", "table"],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/members?limit=2",
                Reply::json(200, first.clone()),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(
            r.out.contains("usr_b") && !r.out.contains("Showing"),
            "{}",
            r.out
        );
        assert!(
            r.err.contains(
                "Showing 2 members; more exist: --all for every one, or a larger --limit"
            ),
            "{}",
            r.err
        );
        let all = run_wt(
            &["wt", "members", "list", "--all", "--output", "json"],
            "",
            vec![
                (
                    "GET",
                    "/api/v1/orgs/members?limit=200",
                    Reply::json(200, first),
                ),
                (
                    "GET",
                    "/api/v1/orgs/members?limit=200&cursor=bTE6MTp1c3JfYg",
                    Reply::json(200, last),
                ),
            ],
        )
        .await;
        assert!(all.result.is_ok(), "{:?}", all.result);
        let printed: serde_json::Value = serde_json::from_str(&all.out).unwrap_or_default();
        let ids: Vec<&str> = printed
            .as_array()
            .map(|a| a.iter().filter_map(|m| m["id"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(ids, ["usr_o", "usr_b", "usr_c"]);
        assert!(
            !all.err.contains("Showing"),
            "every member: no hint: {}",
            all.err
        );
    }

    #[tokio::test]
    async fn members_list_table_shows_role_and_mfa() {
        let r = run_wt(
            &["wt", "members", "list", "--output", "table"],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/members?limit=50",
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
