//! `wt password forgot EMAIL`: ask for a reset link by mail.

use crate::cmd::common::check_email;
use crate::output::OutputFormat;
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;
use wt_api::ForgotPasswordRequest;

pub const ABOUT: &str = "Mail a password reset link";
pub const LONG_ABOUT: &str = "\
Ask for a password reset link for EMAIL (no login needed). The answer is the same whether
or not an account exists for that email; if one does, a single-use link valid for 30
minutes is mailed to it. Complete the reset with `wt password reset`. Requests are
rate-limited (exit 7 says when to retry).

JSON (--output json): {email, message}, the message being the one printed otherwise.

Examples:
  wt password forgot bob@example.com";

/// `wt password forgot` options.
#[derive(Debug, Args)]
pub struct ForgotArgs {
    /// The account's email address
    #[arg(value_name = "EMAIL")]
    pub email: String,
}

/// What `wt password forgot --output json` prints.
#[derive(Debug, Serialize)]
struct ForgotOutput<'a> {
    email: &'a str,
    message: &'a str,
}

/// Requests a reset link.
pub async fn run(args: ForgotArgs, ctx: &Ctx) -> Result<(), CliError> {
    let email = check_email(&args.email).map_err(CliError::Usage)?;
    ctx.client()?
        .post_no_content(
            "/auth/password/forgot",
            &ForgotPasswordRequest {
                email: email.clone(),
            },
            None,
        )
        .await?;
    let message = format!("If an account exists for {email}, a reset link is on its way.");
    match ctx.output {
        OutputFormat::Json => ctx.io.print_json(&ForgotOutput {
            email: &email,
            message: &message,
        }),
        OutputFormat::Table => ctx.io.println(&message),
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::password::PasswordCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt_logged_out};

    const PATH: &str = "/api/v1/auth/password/forgot";

    #[test]
    fn forgot_parses_the_email() {
        let cli = parse_from(["wt", "password", "forgot", "bob@example.com"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(
            cli.command,
            Command::Password(PasswordCommand::Forgot(a)) if a.email == "bob@example.com"
        ));
        assert!(parse_from(["wt", "password", "forgot"]).is_err());
    }

    #[tokio::test]
    async fn forgot_prints_the_same_message_on_202_without_a_session() {
        let r = run_wt_logged_out(
            &[
                "wt",
                "password",
                "forgot",
                "bob@example.com",
                "--output",
                "table",
            ],
            "",
            vec![("POST", PATH, Reply::empty(202))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.out,
            "If an account exists for bob@example.com, a reset link is on its way.\n"
        );
        let seen = r.stub.requests();
        assert_eq!(seen[0].authorization, None);
        assert_eq!(r.body(0), serde_json::json!({"email": "bob@example.com"}));
    }

    #[tokio::test]
    async fn forgot_json_carries_the_email_and_the_message() {
        let r = run_wt_logged_out(
            &[
                "wt",
                "password",
                "forgot",
                "bob@example.com",
                "--output",
                "json",
            ],
            "",
            vec![("POST", PATH, Reply::empty(202))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(
            printed,
            serde_json::json!({"email": "bob@example.com",
                "message": "If an account exists for bob@example.com, a reset link is on its way."})
        );
    }

    #[tokio::test]
    async fn forgot_rate_limited_exits_7() {
        let mut reply = Reply::problem(429, "rate_limited");
        reply.headers.push(("Retry-After", "60".into()));
        let r = run_wt_logged_out(
            &["wt", "password", "forgot", "bob@example.com"],
            "",
            vec![("POST", PATH, reply)],
        )
        .await;
        assert_eq!(r.failure().0, 7);
    }
}
