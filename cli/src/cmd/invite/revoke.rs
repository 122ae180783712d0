//! `wt invite revoke ID`: the invite's link stops working.

use crate::client::id_segment;
use crate::output::OutputFormat;
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;

pub const ABOUT: &str = "Revoke an invite (its link stops working)";
pub const LONG_ABOUT: &str = "\
Revoke an invite (owners and admins): its link stops working at once. Asks for
confirmation unless --yes is given (with --no-input, --yes is required).

JSON (--output json): {invite_id, revoked: true}.

Examples:
  wt invite revoke inv_3kT9abcdEFGH1234
  wt invite revoke inv_3kT9abcdEFGH1234 --yes --no-input";

/// `wt invite revoke` options.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The invite id (inv_..., see `wt invite list`)
    #[arg(value_name = "ID")]
    pub id: String,

    /// Do not ask for confirmation (required with --no-input)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// What `wt invite revoke --output json` prints.
#[derive(Debug, Serialize)]
struct RevokeOutput<'a> {
    invite_id: &'a str,
    revoked: bool,
}

/// Revokes an invite.
pub async fn run(args: RevokeArgs, ctx: &Ctx) -> Result<(), CliError> {
    let id = id_segment(&args.id, "ID")?;
    ctx.io.confirm_destructive(
        &format!("Revoke invite {id}? Its link will stop working"),
        args.yes,
    )?;
    let (token, _) = ctx.bearer().await?;
    ctx.client()?
        .delete(&format!("/orgs/invites/{id}"), Some(&token))
        .await?;
    match ctx.output {
        OutputFormat::Json => ctx.io.print_json(&RevokeOutput {
            invite_id: id,
            revoked: true,
        }),
        OutputFormat::Table => ctx
            .io
            .println(&format!("Invite {id} revoked: its link no longer works.")),
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::invite::InviteCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt, run_wt_scripted};

    const PATH: &str = "/api/v1/orgs/invites/inv_1";

    #[test]
    fn invite_revoke_parses_id_and_yes() {
        let cli = parse_from(["wt", "invite", "revoke", "inv_1", "-y"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(
            cli.command,
            Command::Invite(InviteCommand::Revoke(a)) if a.id == "inv_1" && a.yes
        ));
    }

    #[tokio::test]
    async fn invite_revoke_deletes_the_invite() {
        let r = run_wt(
            &["wt", "invite", "revoke", "inv_1", "--yes", "--no-input"],
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
            serde_json::json!({"invite_id": "inv_1", "revoked": true})
        );
    }

    #[tokio::test]
    async fn invite_revoke_under_no_input_without_yes_sends_nothing_exit_2() {
        let r = run_wt(
            &["wt", "invite", "revoke", "inv_1", "--no-input"],
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
    async fn invite_revoke_declined_at_the_prompt_sends_nothing() {
        let r = run_wt_scripted(
            &["wt", "invite", "revoke", "inv_1"],
            &["n"],
            vec![("DELETE", PATH, Reply::empty(204))],
        )
        .await;
        assert_eq!(r.failure().0, 1);
        assert!(r.stub.requests().is_empty());
    }
}
