//! `wt password reset`: complete a password reset with the token from the reset mail.

use crate::cmd::common::{TokenInput, read_new_password, read_token};
use crate::cmd::mfa::common::{CodeInput, clean_totp, looks_like_totp, with_code};
use crate::output::{OutputFormat, describe_expiry};
use crate::secret::Secret;
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;
use wt_api::{ResetPasswordRequest, ResetVerifyResponse, TokenRequest};
use zeroize::Zeroize;

pub const ABOUT: &str = "Set a new password with the link from a reset mail";
pub const LONG_ABOUT: &str = "\
Complete a password reset started with `wt password forgot EMAIL` (no login needed). wt
first checks the token and shows which account it is for (masked email) and when it
expires, then asks for the new password (twice; wt checks it against the password policy
first and says why one is refused) and, when the account has MFA on, a code from the
authenticator app or a one-time recovery code (up to 3 tries at a prompt).
Paste the token or the whole link from the mail (its `token=` parameter is used).

The reset signs out every session of the account and does not log in: run `wt login`
afterwards.

Stdin lines, in this order, one per flag given:
  1. the reset token   (--token-stdin)
  2. the new password  (--password-stdin)
  3. the code          (--code-stdin for a TOTP code, or --recovery-code-stdin)
A missing flag's value is prompted instead (or, without a terminal, the command fails
with exit 2 naming the flag). A code line is read when given, but only sent when the
account has MFA on.

JSON (--output json): {password_reset: true, email_hint}.

Examples:
  wt password reset
  printf '%s\\n%s\\n' \"$TOKEN\" \"$NEW\" | wt password reset --token-stdin --password-stdin
  printf '%s\\n%s\\n%s\\n' \"$TOKEN\" \"$NEW\" \"$CODE\" | wt password reset --token-stdin --password-stdin --code-stdin";

/// `wt password reset` options.
#[derive(Debug, Args)]
pub struct ResetArgs {
    /// Read the reset token (or link) from the first line of stdin
    #[arg(long)]
    pub token_stdin: bool,

    /// Read the new password from stdin (the line after the token)
    #[arg(long)]
    pub password_stdin: bool,

    /// With MFA on, read a TOTP code from stdin (the line after the password)
    #[arg(long, conflicts_with = "recovery_code_stdin")]
    pub code_stdin: bool,

    /// With MFA on, read a one-time recovery code from stdin (the line after the password)
    #[arg(long)]
    pub recovery_code_stdin: bool,
}

/// What `wt password reset --output json` prints.
#[derive(Debug, Serialize)]
struct ResetOutput<'a> {
    password_reset: bool,
    email_hint: &'a str,
}

/// Verifies the token, then resets the password.
pub async fn run(args: ResetArgs, ctx: &Ctx) -> Result<(), CliError> {
    let io = &ctx.io;
    let token = read_token(
        io,
        &TokenInput {
            from_stdin: args.token_stdin,
            prompt: "Reset token (or the link from the reset mail)",
            what: "the reset token",
        },
    )?;
    let client = ctx.client()?;
    let mut verify_req = TokenRequest {
        token: token.expose().to_string(),
    };
    let verified: Result<ResetVerifyResponse, CliError> = client
        .post("/auth/password/reset/verify", &verify_req, None)
        .await;
    verify_req.token.zeroize();
    let verified = verified?;
    io.eprintln(&format!(
        "Resetting the password of {}; the link expires {}{}",
        verified.email_hint,
        describe_expiry(&verified.expires_at, time::OffsetDateTime::now_utc()),
        if verified.mfa_required {
            ". MFA is on: a code (or a recovery code) is needed too."
        } else {
            "."
        }
    ));

    // The masked email still names the domain, which the policy counts as context.
    let new_password = read_new_password(io, args.password_stdin, &[&verified.email_hint])?;
    let stdin_code = if args.code_stdin || args.recovery_code_stdin {
        let what = if args.code_stdin {
            "an authentication code"
        } else {
            "a recovery code"
        };
        Some(io.read_stdin_secret(what)?)
    } else {
        None
    };

    let send = async |code: Option<(Secret, bool)>| {
        let mut req = ResetPasswordRequest {
            token: token.expose().to_string(),
            new_password: new_password.expose().to_string(),
            code: None,
            recovery_code: None,
        };
        match code {
            Some((c, true)) => req.recovery_code = Some(c.expose().trim().to_string()),
            Some((c, false)) => req.code = Some(clean_totp(&c).expose().to_string()),
            None => {}
        }
        let r = client
            .post_no_content("/auth/password/reset", &req, None)
            .await;
        req.token.zeroize();
        req.new_password.zeroize();
        req.code.zeroize();
        req.recovery_code.zeroize();
        r
    };

    if !verified.mfa_required {
        if stdin_code.is_some() {
            io.eprintln("note: MFA is off for this account: the code from stdin is not used");
        }
        send(None).await?;
    } else if let Some(code) = stdin_code {
        send(Some((code, args.recovery_code_stdin))).await?;
    } else {
        // On a terminal: 6 digits are a TOTP code, anything else a recovery code.
        let input = CodeInput {
            from_stdin: false,
            prompt: "Authentication code (or a recovery code)",
            what: "an authentication code (MFA is on for this account)",
            flag: "--code-stdin (or --recovery-code-stdin)",
        };
        with_code(io, &input, async |c: Secret| {
            let recovery = !looks_like_totp(&c);
            send(Some((c, recovery))).await
        })
        .await?;
    }

    match ctx.output {
        OutputFormat::Json => io.print_json(&ResetOutput {
            password_reset: true,
            email_hint: &verified.email_hint,
        }),
        OutputFormat::Table => io.println(&format!(
            "Password reset for {}. Every session of that account was signed out: log in with `wt login`.",
            verified.email_hint
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::password::PasswordCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt_logged_out, run_wt_scripted};

    const VERIFY: &str = "/api/v1/auth/password/reset/verify";
    const RESET: &str = "/api/v1/auth/password/reset";

    fn verify_json(mfa_required: bool) -> serde_json::Value {
        serde_json::json!({"email_hint": "b***@example.com",
            "expires_at": "2030-01-01T00:00:00Z", "mfa_required": mfa_required})
    }

    fn routes(mfa: bool, reset: Reply) -> Vec<(&'static str, &'static str, Reply)> {
        vec![
            ("POST", VERIFY, Reply::json(200, verify_json(mfa))),
            ("POST", RESET, reset),
        ]
    }

    #[test]
    fn reset_parses_stdin_flags_and_one_kind_of_code() {
        let cli = parse_from([
            "wt",
            "password",
            "reset",
            "--token-stdin",
            "--password-stdin",
            "--recovery-code-stdin",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Password(PasswordCommand::Reset(a))
                if a.token_stdin && a.password_stdin && a.recovery_code_stdin && !a.code_stdin
        ));
        let both = parse_from([
            "wt",
            "password",
            "reset",
            "--code-stdin",
            "--recovery-code-stdin",
        ]);
        assert_eq!(both.err().map(|e| e.exit_code()), Some(2));
        assert!(parse_from(["wt", "password", "reset", "--token", "x"]).is_err());
    }

    #[tokio::test]
    async fn reset_verifies_the_token_then_posts_token_password_and_code_in_stdin_order() {
        let r = run_wt_logged_out(
            &[
                "wt",
                "password",
                "reset",
                "--token-stdin",
                "--password-stdin",
                "--code-stdin",
                "--no-input",
            ],
            "wtr_tok\nnew pass phrase\n123456\n",
            routes(true, Reply::empty(204)),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let seen = r.stub.requests();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].path, VERIFY);
        assert_eq!(r.body(0), serde_json::json!({"token": "wtr_tok"}));
        assert_eq!(seen[1].path, RESET);
        assert_eq!(
            r.body(1),
            serde_json::json!({"token": "wtr_tok", "new_password": "new pass phrase", "code": "123456"})
        );
        assert!(seen.iter().all(|s| s.authorization.is_none()));
        assert!(r.err.contains("b***@example.com"), "{}", r.err);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(
            printed,
            serde_json::json!({"password_reset": true, "email_hint": "b***@example.com"})
        );
    }

    #[tokio::test]
    async fn reset_with_a_recovery_code_sends_recovery_code() {
        let r = run_wt_logged_out(
            &[
                "wt",
                "password",
                "reset",
                "--token-stdin",
                "--password-stdin",
                "--recovery-code-stdin",
            ],
            "wtr_tok\nnew pass phrase\nabcd-efgh\n",
            routes(true, Reply::empty(204)),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(1),
            serde_json::json!({"token": "wtr_tok", "new_password": "new pass phrase", "recovery_code": "abcd-efgh"})
        );
    }

    #[tokio::test]
    async fn reset_without_mfa_sends_no_code() {
        let r = run_wt_logged_out(
            &[
                "wt",
                "password",
                "reset",
                "--token-stdin",
                "--password-stdin",
                "--code-stdin",
            ],
            "wtr_tok\nnew pass phrase\n123456\n",
            routes(false, Reply::empty(204)),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(1),
            serde_json::json!({"token": "wtr_tok", "new_password": "new pass phrase"})
        );
    }

    #[tokio::test]
    async fn reset_with_mfa_and_no_code_without_a_terminal_fails_before_posting() {
        let r = run_wt_logged_out(
            &[
                "wt",
                "password",
                "reset",
                "--token-stdin",
                "--password-stdin",
                "--no-input",
            ],
            "wtr_tok\nnew pass phrase\n",
            routes(true, Reply::empty(204)),
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("--code-stdin"), "{msg}");
        assert_eq!(r.stub.requests().len(), 1, "only the verify was sent");
    }

    #[tokio::test]
    async fn reset_with_a_dead_token_says_run_forgot_again_and_asks_for_no_password() {
        let r = run_wt_logged_out(
            &["wt", "password", "reset", "--token-stdin", "--no-input"],
            "wtr_old\n",
            vec![("POST", VERIFY, Reply::problem(401, "reset_token_invalid"))],
        )
        .await;
        assert_eq!(
            r.failure(),
            (
                1,
                "the reset link is invalid or has expired: run `wt password forgot EMAIL` again"
                    .to_string()
            )
        );
    }

    #[tokio::test]
    async fn reset_on_a_terminal_prompts_token_password_then_code() {
        let r = run_wt_scripted(
            &["wt", "password", "reset", "--output", "table"],
            &[
                "wtr_tok",
                "new pass phrase",
                "new pass phrase",
                "000000",
                "123 456",
            ],
            vec![
                ("POST", VERIFY, Reply::json(200, verify_json(true))),
                ("POST", RESET, Reply::problem(401, "invalid_code")),
                ("POST", RESET, Reply::empty(204)),
            ],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.body(1)["code"], "000000");
        assert_eq!(r.body(2)["code"], "123456");
        assert!(
            r.out.contains("Password reset for b***@example.com"),
            "{}",
            r.out
        );
    }

    #[tokio::test]
    async fn reset_refused_password_shows_the_server_reason() {
        let r = run_wt_logged_out(
            &[
                "wt",
                "password",
                "reset",
                "--token-stdin",
                "--password-stdin",
            ],
            "wtr_tok\nnew pass phrase\n",
            routes(false, Reply::problem(422, "password_policy")),
        )
        .await;
        assert_eq!(r.failure(), (1, "detail for password_policy".to_string()));
    }

    #[tokio::test]
    async fn an_obvious_password_is_refused_here_before_the_reset_is_posted() {
        // The masked email still names the domain: example.com counts as context.
        for (pw, why) in [
            ("passwordpassword", "breached and common"),
            ("Example!2026!", "must not contain \"example\""),
        ] {
            let r = run_wt_logged_out(
                &[
                    "wt",
                    "password",
                    "reset",
                    "--token-stdin",
                    "--password-stdin",
                    "--no-input",
                ],
                &format!("wtr_tok\n{pw}\n"),
                routes(false, Reply::empty(204)),
            )
            .await;
            let (code, msg) = r.failure();
            assert_eq!(code, 1, "{pw}: {msg}");
            assert!(msg.contains(why), "{pw}: {msg}");
            assert_eq!(r.stub.requests().len(), 1, "{pw}: only the verify was sent");
        }
    }
}
