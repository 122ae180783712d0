//! `wt mfa confirm`: finish an enrollment started with `wt mfa enroll --no-confirm`.

use super::common::{confirm_enrollment, show_recovery_codes, totp_input};
use crate::output::OutputFormat;
use crate::{CliError, Ctx};
use clap::Args;

pub const ABOUT: &str = "Confirm a pending MFA enrollment with a current code";
pub const LONG_ABOUT: &str = "\
Confirm the pending enrollment started by `wt mfa enroll --no-confirm` with a current code
from the authenticator app: MFA is then on, and the one-time recovery codes are shown,
once. The code is prompted on a terminal (up to 3 tries), or read from the first line of
stdin with --code-stdin (one try).

JSON (--output json): {recovery_codes}.

Examples:
  wt mfa confirm
  wt mfa confirm --code-stdin --output json <<< 123456";

/// `wt mfa confirm` options.
#[derive(Debug, Args)]
pub struct ConfirmArgs {
    /// Read the code from the first line of stdin (one try)
    #[arg(long)]
    pub code_stdin: bool,
}

/// Confirms the pending enrollment.
pub async fn run(args: ConfirmArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let codes = confirm_enrollment(ctx, &token, &totp_input(args.code_stdin))
        .await
        .inspect_err(|e| {
            if matches!(e, CliError::Api(api) if api.status == 404 || api.status == 409) {
                ctx.io.eprintln(
                    "hint: there is no pending enrollment (it expired, or MFA is already on): start one with `wt mfa enroll`",
                );
            }
        })?;
    if ctx.output == OutputFormat::Table {
        ctx.io.println("MFA is now enabled.")?;
    }
    show_recovery_codes(ctx, &codes)
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::mfa::MfaCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    #[test]
    fn confirm_parses_code_stdin() {
        let cli = parse_from(["wt", "mfa", "confirm", "--code-stdin"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(
            cli.command,
            Command::Mfa(MfaCommand::Confirm(a)) if a.code_stdin
        ));
    }

    #[tokio::test]
    async fn confirm_sends_the_stdin_code_and_prints_recovery_codes_json() {
        let codes = serde_json::json!({"recovery_codes": ["r1", "r2"]});
        let r = run_wt(
            &["wt", "mfa", "confirm", "--code-stdin", "--output", "json"],
            "654321\n",
            vec![(
                "POST",
                "/api/v1/auth/mfa/totp/confirm",
                Reply::json(200, codes.clone()),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.body(0), serde_json::json!({"code": "654321"}));
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, codes);
    }

    #[tokio::test]
    async fn confirm_without_pending_enrollment_says_run_enroll() {
        let r = run_wt(
            &["wt", "mfa", "confirm", "--code-stdin"],
            "654321\n",
            vec![(
                "POST",
                "/api/v1/auth/mfa/totp/confirm",
                Reply::problem(404, "not_found"),
            )],
        )
        .await;
        assert_eq!(r.failure().0, 5);
        assert!(r.err.contains("wt mfa enroll"), "{}", r.err);
    }

    #[tokio::test]
    async fn confirm_under_no_input_without_code_stdin_names_the_flag() {
        let r = run_wt(&["wt", "mfa", "confirm", "--no-input"], "", vec![]).await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("--code-stdin"), "{msg}");
        assert!(r.stub.requests().is_empty());
    }
}
