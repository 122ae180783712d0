//! `wt mfa recovery-codes`: a new set of recovery codes (step-up: password and a code).

use super::common::{read_step_up, show_recovery_codes, wipe_step_up};
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::RecoveryCodesResponse;

pub const ABOUT: &str = "Replace your recovery codes with a new set (the old set stops working)";
pub const LONG_ABOUT: &str = "\
Generate a new set of one-time recovery codes and show them, once. The previous set stops
working at once. Needs your password and a current code from the authenticator app.

Stdin: with --password-stdin and --code-stdin, line 1 is the password and line 2 the code;
with only one of them, its value is line 1 and the other is prompted.

JSON (--output json): {recovery_codes}.

Examples:
  wt mfa recovery-codes
  printf '%s\\n%s\\n' \"$PW\" \"$CODE\" | wt mfa recovery-codes --password-stdin --code-stdin";

/// `wt mfa recovery-codes` options.
#[derive(Debug, Args)]
pub struct RecoveryCodesArgs {
    /// Read the password from the first line of stdin
    #[arg(long)]
    pub password_stdin: bool,

    /// Read the current code from stdin (line 2 with --password-stdin, else line 1)
    #[arg(long)]
    pub code_stdin: bool,
}

/// Regenerates the recovery codes.
pub async fn run(args: RecoveryCodesArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let req = read_step_up(&ctx.io, args.password_stdin, args.code_stdin)?;
    let result: Result<RecoveryCodesResponse, CliError> = client
        .post("/auth/mfa/recovery-codes", &req, Some(&token))
        .await;
    wipe_step_up(req);
    let codes = result?;
    ctx.io.eprintln(
        "warning: your previous recovery codes no longer work; only the new ones below do",
    );
    show_recovery_codes(ctx, &codes)
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::mfa::MfaCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    #[test]
    fn recovery_codes_parses_stdin_flags() {
        let cli = parse_from([
            "wt",
            "mfa",
            "recovery-codes",
            "--password-stdin",
            "--code-stdin",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Mfa(MfaCommand::RecoveryCodes(a)) if a.password_stdin && a.code_stdin
        ));
    }

    #[tokio::test]
    async fn recovery_codes_step_up_and_prints_new_codes_with_a_warning() {
        let codes = serde_json::json!({"recovery_codes": ["n1", "n2"]});
        let r = run_wt(
            &[
                "wt",
                "mfa",
                "recovery-codes",
                "--password-stdin",
                "--code-stdin",
                "--output",
                "json",
            ],
            "pw\n123456\n",
            vec![(
                "POST",
                "/api/v1/auth/mfa/recovery-codes",
                Reply::json(200, codes.clone()),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(0),
            serde_json::json!({"password": "pw", "code": "123456"})
        );
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, codes);
        assert!(r.err.contains("no longer work"), "{}", r.err);
    }

    #[tokio::test]
    async fn recovery_codes_under_no_input_without_password_stdin_names_the_flag() {
        let r = run_wt(
            &["wt", "mfa", "recovery-codes", "--code-stdin", "--no-input"],
            "123456\n",
            vec![],
        )
        .await;
        // The password can't be prompted under --no-input: named flag, nothing sent.
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("--password-stdin"), "{msg}");
        assert!(r.stub.requests().is_empty());
    }
}
