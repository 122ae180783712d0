//! `wt invite resend ID`: mail a new link (the old one stops working).

use super::common::print_invite;
use crate::client::id_segment;
use crate::stepup::{StepUpArgs, with_step_up};
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::Invite;

pub const ABOUT: &str = "Mail a pending invite again with a new link";
pub const LONG_ABOUT: &str = "\
Mail a pending invite again (owners and admins). The new mail carries a new single-use
link; the previous link stops working. The expiry starts again.

JSON (--output json): the Invite object as is: {id, email, role, status, invited_by,
created_at, expires_at}.

Resending an admin or owner invite needs a recent sign-in: when the server asks for one, wt asks for your password
(and a code when MFA is on), then sends the change again. For scripts: --password-stdin
reads the password from line 1 of stdin, --code-stdin the code (line 2 with
--password-stdin); without them under --no-input, the command fails with exit 2.

Examples:
  wt invite resend inv_3kT9abcdEFGH1234";

/// `wt invite resend` options.
#[derive(Debug, Args)]
pub struct ResendArgs {
    /// The invite id (inv_..., see `wt invite list`)
    #[arg(value_name = "ID")]
    pub id: String,

    #[command(flatten)]
    pub step_up: StepUpArgs,
}

/// Resends an invite.
pub async fn run(args: ResendArgs, ctx: &Ctx) -> Result<(), CliError> {
    let id = id_segment(&args.id, "ID")?;
    let (token, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let path = format!("/orgs/invites/{id}/resend");
    let invite: Invite = with_step_up(ctx, &token, args.step_up, async || {
        client
            .post(&path, &serde_json::json!({}), Some(&token))
            .await
    })
    .await?;
    print_invite(ctx, &invite)?;
    ctx.io.eprintln(&format!(
        "A new invite link was mailed to {}; the previous link no longer works.",
        invite.email
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::invite::InviteCommand;
    use crate::cmd::invite::create::tests::invite_json;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    #[test]
    fn invite_resend_parses_id() {
        let cli = parse_from(["wt", "invite", "resend", "inv_1"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(
            matches!(cli.command, Command::Invite(InviteCommand::Resend(a)) if a.id == "inv_1")
        );
        assert!(parse_from(["wt", "invite", "resend"]).is_err());
    }

    #[tokio::test]
    async fn invite_resend_posts_an_empty_body_to_the_invite_path() {
        let inv = invite_json("inv_1", "bob@example.com", "analyst");
        let r = run_wt(
            &["wt", "invite", "resend", "inv_1", "--output", "json"],
            "",
            vec![(
                "POST",
                "/api/v1/orgs/invites/inv_1/resend",
                Reply::json(200, inv.clone()),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.body(0), serde_json::json!({}));
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, inv);
    }

    #[tokio::test]
    async fn invite_resend_with_a_path_like_id_is_a_usage_error() {
        let r = run_wt(&["wt", "invite", "resend", "../members"], "", vec![]).await;
        assert_eq!(r.failure().0, 2);
        assert!(r.stub.requests().is_empty());
    }
}
