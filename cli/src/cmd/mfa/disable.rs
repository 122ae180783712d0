//! `wt mfa disable`: turn MFA off (step-up: password and a current code).

use super::common::{read_step_up, wipe_step_up};
use crate::output::OutputFormat;
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;

pub const ABOUT: &str = "Turn MFA off (needs your password and a current code)";
pub const LONG_ABOUT: &str = "\
Turn multi-factor authentication off for your account. This needs your password and a
current code from the authenticator app, and asks for confirmation unless --yes is given
(with --no-input, --yes is required). Your recovery codes stop working. If your role
requires MFA, your next login can only enroll again.

Stdin: with --password-stdin and --code-stdin, line 1 is the password and line 2 the code;
with only one of them, its value is line 1 and the other is prompted.

JSON (--output json): {\"mfa_enabled\": false}.

Examples:
  wt mfa disable
  printf '%s\\n%s\\n' \"$PW\" \"$CODE\" | wt mfa disable --password-stdin --code-stdin --yes";

/// `wt mfa disable` options.
#[derive(Debug, Args)]
pub struct DisableArgs {
    /// Read the password from the first line of stdin
    #[arg(long)]
    pub password_stdin: bool,

    /// Read the current code from stdin (line 2 with --password-stdin, else line 1)
    #[arg(long)]
    pub code_stdin: bool,

    /// Do not ask for confirmation (required with --no-input)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// What `wt mfa disable --output json` prints.
#[derive(Debug, Serialize)]
struct DisableOutput {
    mfa_enabled: bool,
}

/// Disables MFA.
pub async fn run(args: DisableArgs, ctx: &Ctx) -> Result<(), CliError> {
    let io = &ctx.io;
    io.confirm_destructive(
        "Disable MFA for your account? Your recovery codes will stop working",
        args.yes,
    )?;
    let (token, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let req = read_step_up(io, args.password_stdin, args.code_stdin)?;
    let result = client
        .post_no_content("/auth/mfa/totp/disable", &req, Some(&token))
        .await;
    wipe_step_up(req);
    result?;
    match ctx.output {
        OutputFormat::Json => io.print_json(&DisableOutput { mfa_enabled: false }),
        OutputFormat::Table => io.println(
            "MFA is now disabled for your account. Enroll again any time with `wt mfa enroll`.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::mfa::MfaCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt, run_wt_scripted};

    fn route(reply: Reply) -> Vec<(&'static str, &'static str, Reply)> {
        vec![("POST", "/api/v1/auth/mfa/totp/disable", reply)]
    }

    #[test]
    fn disable_parses_stdin_flags_and_yes() {
        let cli = parse_from([
            "wt",
            "mfa",
            "disable",
            "--password-stdin",
            "--code-stdin",
            "--yes",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        match cli.command {
            Command::Mfa(MfaCommand::Disable(a)) => {
                assert!(a.password_stdin && a.code_stdin && a.yes)
            }
            other => panic!("parsed as {other:?}"),
        }
        assert!(parse_from(["wt", "mfa", "disable", "--password", "x"]).is_err());
        assert!(parse_from(["wt", "mfa", "disable", "--code", "123456"]).is_err());
    }

    #[tokio::test]
    async fn disable_sends_password_line_1_and_code_line_2() {
        let r = run_wt(
            &[
                "wt",
                "mfa",
                "disable",
                "--password-stdin",
                "--code-stdin",
                "--yes",
                "--no-input",
            ],
            "pass word\n123456\n",
            route(Reply::empty(204)),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(0),
            serde_json::json!({"password": "pass word", "code": "123456"})
        );
        assert_eq!(
            r.stub.requests()[0].authorization.as_deref(),
            Some("Bearer wts_abc123")
        );
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, serde_json::json!({"mfa_enabled": false}));
    }

    #[tokio::test]
    async fn disable_under_no_input_without_yes_is_refused_before_any_request() {
        let r = run_wt(
            &[
                "wt",
                "mfa",
                "disable",
                "--password-stdin",
                "--code-stdin",
                "--no-input",
            ],
            "pw\n123456\n",
            route(Reply::empty(204)),
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("--yes"), "{msg}");
        assert!(r.stub.requests().is_empty(), "no request was sent");
    }

    #[tokio::test]
    async fn disable_with_wrong_code_exits_1_and_keeps_the_credential() {
        let r = run_wt(
            &[
                "wt",
                "mfa",
                "disable",
                "--password-stdin",
                "--code-stdin",
                "--yes",
            ],
            "pw\n000000\n",
            route(Reply::problem(401, "invalid_code")),
        )
        .await;
        assert_eq!(
            r.failure(),
            (1, "the code is wrong, expired or already used".to_string())
        );
        let stored = r.ctx.credentials.load().await.ok().flatten();
        assert_eq!(
            stored.map(|c| c.token.expose().to_string()).as_deref(),
            Some("wts_abc123"),
            "credential kept"
        );
    }

    #[tokio::test]
    async fn disable_declined_at_the_prompt_sends_nothing() {
        let r = run_wt_scripted(&["wt", "mfa", "disable"], &["n"], route(Reply::empty(204))).await;
        assert_eq!(r.failure().0, 1);
        assert!(r.stub.requests().is_empty());
    }

    #[tokio::test]
    async fn disable_prompts_for_password_and_code_after_confirmation() {
        let r = run_wt_scripted(
            &["wt", "mfa", "disable", "--output", "table"],
            &["y", "pw", "123 456"],
            route(Reply::empty(204)),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(0),
            serde_json::json!({"password": "pw", "code": "123456"})
        );
        assert!(r.out.contains("disabled"));
    }
}
