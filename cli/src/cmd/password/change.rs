//! `wt password change`: set a new password (needs the current one; a code with MFA on).

use crate::cmd::common::read_new_password;
use crate::cmd::mfa::common::{clean_totp, totp_input, with_code};
use crate::output::OutputFormat;
use crate::secret::Secret;
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;
use wt_api::{ChangePasswordRequest, codes};
use zeroize::Zeroize;

pub const ABOUT: &str = "Change your password";
pub const LONG_ABOUT: &str = "\
Change the password of the account you are logged in as. Needs the current password and,
when MFA is on, a current code from the authenticator app. Your other sessions are signed
out; this one stays.

On a terminal, the current password is prompted, then the new one twice; if the server
says MFA is on, the code is prompted next (up to 3 tries). wt checks the new password
against the policy before it is repeated or sent, and says why one is refused.

Stdin lines, in this order:
  1. the current password   (with --password-stdin)
  2. the new password       (with --password-stdin)
  3. the TOTP code          (with --code-stdin; it is line 1 without --password-stdin)
Pass --code-stdin when your account has MFA on: without a code and without a terminal,
the change fails with exit 1 naming --code-stdin.

JSON (--output json): {\"password_changed\": true}.

Examples:
  wt password change
  printf '%s\\n%s\\n%s\\n' \"$OLD\" \"$NEW\" \"$CODE\" | wt password change --password-stdin --code-stdin";

/// `wt password change` options.
#[derive(Debug, Args)]
pub struct ChangeArgs {
    /// Read the current password (line 1) and the new one (line 2) from stdin
    #[arg(long)]
    pub password_stdin: bool,

    /// Read a TOTP code from stdin (line 3 with --password-stdin, else line 1)
    #[arg(long)]
    pub code_stdin: bool,
}

/// What `wt password change --output json` prints.
#[derive(Debug, Serialize)]
struct ChangeOutput {
    password_changed: bool,
}

/// Changes the password.
pub async fn run(args: ChangeArgs, ctx: &Ctx) -> Result<(), CliError> {
    let io = &ctx.io;
    let (token, _) = ctx.bearer().await?;
    let current = if args.password_stdin {
        io.read_stdin_secret("the current password")?
    } else {
        io.prompt_secret(
            "Current password",
            false,
            "your current password",
            "--password-stdin",
        )?
    };
    // Who is logged in (email, org slug), for the local policy check; none with WT_TOKEN.
    let who = match ctx.credentials.env_token() {
        Some(_) => None,
        None => ctx.credentials.load().await.ok().flatten(),
    };
    let context: Vec<&str> = who
        .iter()
        .flat_map(|c| std::iter::once(c.email.as_str()).chain(c.org.as_deref()))
        .collect();
    let new = read_new_password(io, args.password_stdin, &context)?;
    let code = if args.code_stdin {
        Some(clean_totp(&io.read_stdin_secret("an authentication code")?))
    } else {
        None
    };
    let send = async |code: Option<Secret>| {
        let mut req = ChangePasswordRequest {
            current_password: current.expose().to_string(),
            new_password: new.expose().to_string(),
            code: code.map(|c| c.expose().to_string()),
        };
        let r = ctx
            .client()?
            .post_no_content("/auth/password/change", &req, Some(&token))
            .await;
        req.current_password.zeroize();
        req.new_password.zeroize();
        req.code.zeroize();
        r
    };
    let first_try = send(code.clone()).await;
    match first_try {
        // MFA is on and we had no code: ask for one on a terminal (else the mapped error
        // names --code-stdin).
        Err(e) if code.is_none() && io.can_prompt() && e.is_api_code(codes::MFA_CODE_REQUIRED) => {
            io.eprintln("MFA is on for your account: a code is needed.");
            with_code(io, &totp_input(false), async |c: Secret| {
                send(Some(clean_totp(&c))).await
            })
            .await?;
        }
        other => other?,
    }
    match ctx.output {
        OutputFormat::Json => io.print_json(&ChangeOutput {
            password_changed: true,
        }),
        OutputFormat::Table => io.println("Password changed. Your other sessions were signed out."),
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::password::PasswordCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt, run_wt_logged_out, run_wt_scripted};

    const PATH: &str = "/api/v1/auth/password/change";

    #[test]
    fn change_parses_stdin_flags_and_takes_no_secret_flags() {
        let cli = parse_from([
            "wt",
            "password",
            "change",
            "--password-stdin",
            "--code-stdin",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Password(PasswordCommand::Change(a)) if a.password_stdin && a.code_stdin
        ));
        assert!(parse_from(["wt", "password", "change", "--password", "x"]).is_err());
        assert!(parse_from(["wt", "password", "change", "--code", "123456"]).is_err());
    }

    #[tokio::test]
    async fn change_reads_current_then_new_password_then_code_from_stdin() {
        let r = run_wt(
            &[
                "wt",
                "password",
                "change",
                "--password-stdin",
                "--code-stdin",
                "--no-input",
            ],
            "old pass\nnew pass phrase\n123 456\n",
            vec![("POST", PATH, Reply::empty(204))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(0),
            serde_json::json!({"current_password": "old pass", "new_password": "new pass phrase", "code": "123456"})
        );
        assert_eq!(
            r.stub.requests()[0].authorization.as_deref(),
            Some("Bearer wts_abc123")
        );
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, serde_json::json!({"password_changed": true}));
    }

    #[tokio::test]
    async fn change_without_code_stdin_sends_no_code() {
        let r = run_wt(
            &["wt", "password", "change", "--password-stdin"],
            "old\nnew pass phrase\n",
            vec![("POST", PATH, Reply::empty(204))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(0),
            serde_json::json!({"current_password": "old", "new_password": "new pass phrase"})
        );
    }

    #[tokio::test]
    async fn change_needing_a_code_without_a_terminal_exits_1_naming_code_stdin() {
        let r = run_wt(
            &["wt", "password", "change", "--password-stdin", "--no-input"],
            "old\nnew pass phrase\n",
            vec![("POST", PATH, Reply::problem(401, "mfa_code_required"))],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 1);
        assert!(msg.contains("--code-stdin"), "{msg}");
        assert_eq!(r.stub.requests().len(), 1);
    }

    #[tokio::test]
    async fn change_on_a_terminal_prompts_for_the_code_when_mfa_is_on() {
        let r = run_wt_scripted(
            &["wt", "password", "change", "--output", "table"],
            &["old", "new pass phrase", "new pass phrase", "123456"],
            vec![
                ("POST", PATH, Reply::problem(401, "mfa_code_required")),
                ("POST", PATH, Reply::empty(204)),
            ],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.body(0).get("code"), None);
        assert_eq!(r.body(1)["code"], "123456");
        assert_eq!(r.body(1)["current_password"], "old");
        assert!(r.out.contains("Password changed"), "{}", r.out);
    }

    #[tokio::test]
    async fn change_with_a_wrong_current_password_exits_1() {
        let r = run_wt(
            &["wt", "password", "change", "--password-stdin"],
            "wrong\nnew pass phrase\n",
            vec![("POST", PATH, Reply::problem(401, "invalid_credentials"))],
        )
        .await;
        assert_eq!(r.failure(), (1, "invalid email or password".to_string()));
    }

    #[tokio::test]
    async fn an_obvious_new_password_is_refused_here_before_any_request() {
        for (pw, why) in [
            ("qwertyuiopasdfgh", "breached and common"),
            ("passwordpassword", "breached and common"),
            ("trustno1trustno1", "too easy to guess: repeats"),
        ] {
            let r = run_wt(
                &["wt", "password", "change", "--password-stdin", "--no-input"],
                &format!("old\n{pw}\n"),
                vec![("POST", PATH, Reply::empty(204))],
            )
            .await;
            let (code, msg) = r.failure();
            assert_eq!(code, 1, "{pw}: {msg}");
            assert!(msg.contains(why), "{pw}: {msg}");
            assert!(r.stub.requests().is_empty(), "{pw}: nothing was sent");
        }
    }

    #[tokio::test]
    async fn on_a_terminal_a_refused_or_mistyped_password_is_asked_for_again() {
        let r = run_wt_scripted(
            &["wt", "password", "change", "--output", "table"],
            &[
                "old",
                "passwordpassword",
                "violet staple orbit 7",
                "violet staple orbit 8",
                "violet staple orbit 7",
                "violet staple orbit 7",
            ],
            vec![("POST", PATH, Reply::empty(204))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(r.err.contains("breached and common passwords"), "{}", r.err);
        assert!(r.err.contains("Try another"), "{}", r.err);
        assert!(r.err.contains("do not match"), "{}", r.err);
        assert_eq!(r.stub.requests().len(), 1);
        assert_eq!(r.body(0)["new_password"], "violet staple orbit 7");
        // Three refusals in a row: the command gives up, having sent nothing.
        let r = run_wt_scripted(
            &["wt", "password", "change"],
            &["old", "passwordpassword", "11111111", "qwertyuiopasdfgh"],
            vec![("POST", PATH, Reply::empty(204))],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 1);
        assert!(msg.contains("breached and common"), "{msg}");
        assert!(r.stub.requests().is_empty());
    }

    #[tokio::test]
    async fn change_when_not_logged_in_exits_3_before_reading_anything() {
        let r = run_wt_logged_out(
            &["wt", "password", "change", "--password-stdin"],
            "old\nnew pass phrase\n",
            vec![("POST", PATH, Reply::empty(204))],
        )
        .await;
        assert_eq!(r.failure().0, 3);
        assert!(r.stub.requests().is_empty());
    }
}
