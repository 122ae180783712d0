//! `wt members remove ID`: remove a member from the org.

use crate::client::id_segment;
use crate::output::OutputFormat;
use crate::stepup::{StepUpArgs, with_step_up};
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;

pub const ABOUT: &str = "Remove a member from your org";
pub const LONG_ABOUT: &str = "\
Remove a member from the org (owners and admins): their sessions and tokens for this org
stop working at once. The last owner cannot be removed. Asks for confirmation unless --yes
is given (with --no-input, --yes is required). The automation tokens they made for this
org are revoked (they stay listed, revoked).

Removing a member needs a recent sign-in: when the server asks for one, wt asks for your password
(and a code when MFA is on), then sends the change again. For scripts: --password-stdin
reads the password from line 1 of stdin, --code-stdin the code (line 2 with
--password-stdin); without them under --no-input, the command fails with exit 2.

JSON (--output json): {user_id, removed: true}.

Examples:
  wt members remove usr_3kT9abcdEFGH1234
  wt members remove usr_3kT9abcdEFGH1234 --yes --no-input";

/// `wt members remove` options.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The member's user id (usr_..., see `wt members list`)
    #[arg(value_name = "ID")]
    pub id: String,

    /// Do not ask for confirmation (required with --no-input)
    #[arg(long, short = 'y')]
    pub yes: bool,

    #[command(flatten)]
    pub step_up: StepUpArgs,
}

/// What `wt members remove --output json` prints.
#[derive(Debug, Serialize)]
struct RemoveOutput<'a> {
    user_id: &'a str,
    removed: bool,
}

/// Removes the member.
pub async fn run(args: RemoveArgs, ctx: &Ctx) -> Result<(), CliError> {
    let id = id_segment(&args.id, "ID")?;
    ctx.io.confirm_destructive(
        &format!("Remove member {id} from the org? Their sessions in it end at once"),
        args.yes,
    )?;
    let (token, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let path = format!("/orgs/members/{id}");
    with_step_up(ctx, &token, args.step_up, async || {
        client.delete(&path, Some(&token)).await
    })
    .await?;
    match ctx.output {
        OutputFormat::Json => ctx.io.print_json(&RemoveOutput {
            user_id: id,
            removed: true,
        }),
        OutputFormat::Table => ctx
            .io
            .println(&format!("Member {id} removed from the org.")),
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::members::MembersCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt, run_wt_scripted};

    const PATH: &str = "/api/v1/orgs/members/usr_b";

    #[test]
    fn remove_parses_id_and_yes() {
        let cli = parse_from(["wt", "members", "remove", "usr_b", "--yes"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(
            cli.command,
            Command::Members(MembersCommand::Remove(a)) if a.id == "usr_b" && a.yes
        ));
        assert!(parse_from(["wt", "members", "remove"]).is_err());
    }

    #[tokio::test]
    async fn remove_deletes_the_member() {
        let r = run_wt(
            &["wt", "members", "remove", "usr_b", "--yes", "--no-input"],
            "",
            vec![("DELETE", PATH, Reply::empty(204))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let seen = r.stub.requests();
        assert_eq!(
            (seen[0].method.as_str(), seen[0].path.as_str()),
            ("DELETE", PATH)
        );
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(
            printed,
            serde_json::json!({"user_id": "usr_b", "removed": true})
        );
    }

    #[tokio::test]
    async fn remove_under_no_input_without_yes_is_refused_before_any_request() {
        let r = run_wt(
            &["wt", "members", "remove", "usr_b", "--no-input"],
            "",
            vec![("DELETE", PATH, Reply::empty(204))],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("--yes"), "{msg}");
        assert!(r.stub.requests().is_empty());
    }

    #[tokio::test]
    async fn remove_asks_and_proceeds_on_yes() {
        let r = run_wt_scripted(
            &["wt", "members", "remove", "usr_b"],
            &["y"],
            vec![("DELETE", PATH, Reply::empty(204))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.stub.requests().len(), 1);
    }

    #[tokio::test]
    async fn removing_the_last_owner_says_keep_an_owner_exit_1() {
        let r = run_wt(
            &["wt", "members", "remove", "usr_b", "--yes"],
            "",
            vec![("DELETE", PATH, Reply::problem(409, "last_owner"))],
        )
        .await;
        assert_eq!(
            r.failure(),
            (1, "the org must keep at least one owner".to_string())
        );
    }
}
