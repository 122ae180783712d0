//! `wt members set-role ID ROLE`: change a member's role.

use crate::client::id_segment;
use crate::cmd::common::role_parser;
use crate::stepup::{StepUpArgs, with_step_up};
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::{Member, MemberUpdateRequest, Role};

pub const ABOUT: &str = "Change a member's role";
pub const LONG_ABOUT: &str = "\
Change a member's role (owners and admins). Refused: changing your own role, granting a
role above your own, an admin changing an owner, and demoting the last owner (the org must
keep at least one owner). The change applies to the member's live sessions and to the
automation tokens they made (a token acts with the lower of its role and its creator's) at
once.

Making someone an admin or owner needs a recent sign-in: when the server asks for one, wt asks for your password
(and a code when MFA is on), then sends the change again. For scripts: --password-stdin
reads the password from line 1 of stdin, --code-stdin the code (line 2 with
--password-stdin); without them under --no-input, the command fails with exit 2.

Roles: owner, admin, risk_lead, analyst, viewer.

JSON (--output json): the Member object as is: {id, email, name, role, mfa_enabled,
joined_at}.

Examples:
  wt members set-role usr_3kT9abcdEFGH1234 risk_lead";

/// `wt members set-role` options.
#[derive(Debug, Args)]
pub struct SetRoleArgs {
    /// The member's user id (usr_..., see `wt members list`)
    #[arg(value_name = "ID")]
    pub id: String,

    /// The new role
    #[arg(value_name = "ROLE", value_parser = role_parser())]
    pub role: Role,

    #[command(flatten)]
    pub step_up: StepUpArgs,
}

/// Changes the role.
pub async fn run(args: SetRoleArgs, ctx: &Ctx) -> Result<(), CliError> {
    let id = id_segment(&args.id, "ID")?;
    let (token, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let path = format!("/orgs/members/{id}");
    let req = MemberUpdateRequest { role: args.role };
    let member: Member = with_step_up(ctx, &token, args.step_up, async || {
        client.patch(&path, &req, Some(&token)).await
    })
    .await?;
    ctx.io.emit(ctx.output, &member, |io| {
        io.key_value_table(&[
            ("Member", member.id.clone()),
            ("User", format!("{} <{}>", member.name, member.email)),
            ("Role", member.role.to_string()),
        ])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Command;
    use crate::cmd::members::MembersCommand;
    use crate::cmd::members::list::tests::member_json;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    const PATH: &str = "/api/v1/orgs/members/usr_b";

    #[test]
    fn set_role_parses_id_and_a_known_role() {
        let cli = parse_from(["wt", "members", "set-role", "usr_b", "viewer"])
            .map_err(|e| e.to_string())
            .unwrap();
        match cli.command {
            Command::Members(MembersCommand::SetRole(a)) => {
                assert_eq!(a.id, "usr_b");
                assert_eq!(a.role, Role::Viewer);
            }
            other => panic!("parsed as {other:?}"),
        }
        for argv in [
            &["wt", "members", "set-role", "usr_b", "root"][..],
            &["wt", "members", "set-role", "usr_b"][..],
        ] {
            assert_eq!(parse_from(argv).err().map(|e| e.exit_code()), Some(2));
        }
    }

    #[tokio::test]
    async fn set_role_patches_the_member_path_with_the_role() {
        let m = member_json("usr_b", "bob@example.com", "risk_lead");
        let r = run_wt(
            &[
                "wt",
                "members",
                "set-role",
                "usr_b",
                "risk_lead",
                "--output",
                "json",
            ],
            "",
            vec![("PATCH", PATH, Reply::json(200, m.clone()))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let seen = r.stub.requests();
        assert_eq!(
            (seen[0].method.as_str(), seen[0].path.as_str()),
            ("PATCH", PATH)
        );
        assert_eq!(seen[0].authorization.as_deref(), Some("Bearer wts_abc123"));
        assert_eq!(r.body(0), serde_json::json!({"role": "risk_lead"}));
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, m);
    }

    #[tokio::test]
    async fn demoting_the_last_owner_says_keep_an_owner_exit_1() {
        let r = run_wt(
            &["wt", "members", "set-role", "usr_b", "admin"],
            "",
            vec![("PATCH", PATH, Reply::problem(409, "last_owner"))],
        )
        .await;
        assert_eq!(
            r.failure(),
            (1, "the org must keep at least one owner".to_string())
        );
    }

    #[tokio::test]
    async fn changing_a_role_above_your_own_exits_4() {
        let r = run_wt(
            &["wt", "members", "set-role", "usr_b", "owner"],
            "",
            vec![("PATCH", PATH, Reply::problem(403, "forbidden"))],
        )
        .await;
        assert_eq!(r.failure().0, 4);
    }
}
