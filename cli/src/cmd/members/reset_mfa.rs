//! `wt members reset-mfa USER_ID`: remove a member's MFA so they must enroll again.

use crate::client::id_segment;
use crate::output::OutputFormat;
use crate::stepup::{StepUpArgs, with_step_up};
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;

pub const ABOUT: &str = "Reset a member's MFA (they must enroll again)";
pub const LONG_ABOUT: &str = "\
Remove a member's MFA authenticator and recovery codes, e.g. after they lost their phone
(owners and admins). If their role requires MFA, their next session can only enroll again.
Asks for confirmation unless --yes is given (with --no-input, --yes is required).

JSON (--output json): {user_id, mfa_reset: true}.

Resetting a member's MFA needs a recent sign-in: when the server asks for one, wt asks for your password
(and a code when MFA is on), then sends the change again. For scripts: --password-stdin
reads the password from line 1 of stdin, --code-stdin the code (line 2 with
--password-stdin); without them under --no-input, the command fails with exit 2.

Examples:
  wt members reset-mfa usr_3kT9abcdEFGH1234
  wt members reset-mfa usr_3kT9abcdEFGH1234 --yes --no-input";

/// `wt members reset-mfa` options.
#[derive(Debug, Args)]
pub struct ResetMfaArgs {
    /// The member's user id (usr_...)
    #[arg(value_name = "USER_ID")]
    pub user_id: String,

    /// Do not ask for confirmation (required with --no-input)
    #[arg(long, short = 'y')]
    pub yes: bool,

    #[command(flatten)]
    pub step_up: StepUpArgs,
}

/// What `wt members reset-mfa --output json` prints.
#[derive(Debug, Serialize)]
struct ResetOutput<'a> {
    user_id: &'a str,
    mfa_reset: bool,
}

/// Resets the member's MFA.
pub async fn run(args: ResetMfaArgs, ctx: &Ctx) -> Result<(), CliError> {
    let id = id_segment(&args.user_id, "USER_ID")?;
    ctx.io.confirm_destructive(
        &format!("Reset MFA for member {id}? They will have to enroll again"),
        args.yes,
    )?;
    let (token, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let path = format!("/orgs/members/{id}/mfa/reset");
    with_step_up(ctx, &token, args.step_up, async || {
        client
            .post_no_content(&path, &serde_json::json!({}), Some(&token))
            .await
    })
    .await?;
    match ctx.output {
        OutputFormat::Json => ctx.io.print_json(&ResetOutput {
            user_id: id,
            mfa_reset: true,
        }),
        OutputFormat::Table => ctx.io.println(&format!(
            "MFA reset for member {id}: they must enroll again (`wt mfa enroll`) at their next login"
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::members::MembersCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt, run_wt_scripted};

    const PATH: &str = "/api/v1/orgs/members/usr_abc123/mfa/reset";

    #[test]
    fn reset_mfa_parses_user_id_and_yes() {
        let cli = parse_from(["wt", "members", "reset-mfa", "usr_abc123", "--yes"])
            .map_err(|e| e.to_string())
            .unwrap();
        match cli.command {
            Command::Members(MembersCommand::ResetMfa(a)) => {
                assert_eq!(a.user_id, "usr_abc123");
                assert!(a.yes);
            }
            other => panic!("parsed as {other:?}"),
        }
        assert!(parse_from(["wt", "members", "reset-mfa"]).is_err());
    }

    #[tokio::test]
    async fn reset_mfa_posts_to_the_member_path() {
        let r = run_wt(
            &[
                "wt",
                "members",
                "reset-mfa",
                "usr_abc123",
                "--yes",
                "--no-input",
            ],
            "",
            vec![("POST", PATH, Reply::empty(204))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let seen = r.stub.requests();
        assert_eq!(seen.len(), 1);
        assert_eq!(
            (seen[0].method.as_str(), seen[0].path.as_str()),
            ("POST", PATH)
        );
        assert_eq!(seen[0].authorization.as_deref(), Some("Bearer wts_abc123"));
        assert_eq!(r.body(0), serde_json::json!({}));
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(
            printed,
            serde_json::json!({"user_id": "usr_abc123", "mfa_reset": true})
        );
    }

    #[tokio::test]
    async fn reset_mfa_under_no_input_without_yes_sends_nothing_exit_2() {
        let r = run_wt(
            &["wt", "members", "reset-mfa", "usr_abc123", "--no-input"],
            "",
            vec![("POST", PATH, Reply::empty(204))],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("--yes"), "{msg}");
        assert!(r.stub.requests().is_empty());
    }

    #[tokio::test]
    async fn reset_mfa_asks_and_proceeds_on_yes() {
        let r = run_wt_scripted(
            &["wt", "members", "reset-mfa", "usr_abc123"],
            &["y"],
            vec![("POST", PATH, Reply::empty(204))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.stub.requests().len(), 1);
    }

    #[tokio::test]
    async fn reset_mfa_with_a_path_like_id_is_a_usage_error() {
        let r = run_wt(
            &["wt", "members", "reset-mfa", "../settings", "--yes"],
            "",
            vec![],
        )
        .await;
        assert_eq!(r.failure().0, 2);
        assert!(r.stub.requests().is_empty());
    }

    #[tokio::test]
    async fn reset_mfa_unknown_member_exits_5() {
        let r = run_wt(
            &["wt", "members", "reset-mfa", "usr_abc123", "--yes"],
            "",
            vec![("POST", PATH, Reply::problem(404, "not_found"))],
        )
        .await;
        assert_eq!(r.failure().0, 5);
    }
}
