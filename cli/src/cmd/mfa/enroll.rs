//! `wt mfa enroll`: start a TOTP enrollment, show the QR code / secret / URI, confirm it
//! with a current code, and show the recovery codes once.

use super::common::{self, group_secret, show_recovery_codes, totp_input};
use crate::output::{OutputFormat, describe_expiry};
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;
use wt_api::{TotpEnrollResponse, codes};

pub const ABOUT: &str = "Turn on MFA: add wt to an authenticator app and confirm with a code";
pub const LONG_ABOUT: &str = "\
Turn on multi-factor authentication (TOTP) for your account.

wt starts an enrollment and shows a QR code to scan with an authenticator app (only when
stdout is a terminal, the output is a table and NO_COLOR is not set: the QR code is drawn
with terminal colours), the secret in groups of four for manual entry, the otpauth:// URI,
and when the pending enrollment expires. Then it asks for a current 6-digit code (up to 3
tries), or reads it from the first line of stdin with --code-stdin (one try). MFA is on
once the code is accepted, and the one-time recovery codes are shown, once: store them.

--no-confirm only starts the enrollment and prints the secret, URI and expiry; finish it
with `wt mfa confirm` before it expires (for automation). While MFA is on, enrolling again
is refused: run `wt mfa disable` first.

JSON (--output json), one object: {secret, otpauth_uri, expires_at, recovery_codes}
(recovery_codes omitted with --no-confirm). When the code is prompted in JSON mode, the
secret and URI are shown on the terminal (stderr) first, so you can add them to your app.

Examples:
  wt mfa enroll
  wt mfa enroll --no-confirm --output json > pending.json
  wt mfa confirm --code-stdin <<< 123456";

/// `wt mfa enroll` options.
#[derive(Debug, Args)]
pub struct EnrollArgs {
    /// Read the confirmation code from the first line of stdin (one try)
    #[arg(long, conflicts_with = "no_confirm")]
    pub code_stdin: bool,

    /// Only start the enrollment and print the secret, URI and expiry; confirm later with
    /// `wt mfa confirm`
    #[arg(long)]
    pub no_confirm: bool,
}

/// What `wt mfa enroll --output json` prints. Field names are a stable API.
#[derive(Serialize)]
struct EnrollOutput<'a> {
    secret: &'a str,
    otpauth_uri: &'a str,
    expires_at: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    recovery_codes: Option<&'a [String]>,
}

/// Enrolls.
pub async fn run(args: EnrollArgs, ctx: &Ctx) -> Result<(), CliError> {
    let io = &ctx.io;
    let input = totp_input(args.code_stdin);
    // Know where the code will come from before starting anything on the server.
    if !args.no_confirm && !args.code_stdin && !io.can_prompt() {
        return Err(CliError::InputRequired {
            what: "a code from your authenticator app",
            flag: "--code-stdin (or --no-confirm, then `wt mfa confirm --code-stdin`)",
        });
    }
    let (token, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let pending: TotpEnrollResponse = client
        .post("/auth/mfa/totp/enroll", &serde_json::json!({}), Some(&token))
        .await
        .map_err(|e| {
            if e.is_api_code(codes::CONFLICT) {
                CliError::Other(
                    "MFA is already enabled for this account: to enroll a new authenticator, run `wt mfa disable` first".into(),
                )
            } else {
                e
            }
        })?;
    let json = ctx.output == OutputFormat::Json;
    let mut out = EnrollOutput {
        secret: &pending.secret,
        otpauth_uri: &pending.otpauth_uri,
        expires_at: &pending.expires_at,
        recovery_codes: None,
    };

    if json {
        if args.no_confirm {
            return io.print_json(&out);
        }
        if !args.code_stdin {
            // stdout only gets the JSON at the end; the person at the prompt needs the
            // secret now, and stderr is their terminal (prompting requires it).
            io.eprintln(&format!(
                "Add this secret to your authenticator app: {}\nURI: {}",
                group_secret(&pending.secret),
                pending.otpauth_uri
            ));
        }
    } else {
        show_pending(ctx, &pending)?;
        if args.no_confirm {
            io.eprintln("Enrollment started. Finish it with `wt mfa confirm` before it expires.");
            return Ok(());
        }
    }

    let recovery = common::confirm_enrollment(ctx, &token, &input)
        .await
        .inspect_err(|e| {
            if e.is_api_code(codes::INVALID_CODE) {
                io.eprintln(&format!(
                    "The enrollment stays pending until {}: finish it with `wt mfa confirm`, or start over with `wt mfa enroll`.",
                    pending.expires_at
                ));
            }
        })?;
    if json {
        out.recovery_codes = Some(&recovery.recovery_codes);
        io.print_json(&out)
    } else {
        io.println("MFA is now enabled.")?;
        show_recovery_codes(ctx, &recovery)
    }
}

/// Table output of a pending enrollment: QR code (when it can be read), secret, URI, expiry.
fn show_pending(ctx: &Ctx, pending: &TotpEnrollResponse) -> Result<(), CliError> {
    let io = &ctx.io;
    if io.stdout_tty && !io.no_color {
        // generate_qr_string, not print_qr: print_qr panics when stdout is closed.
        match qr2term::generate_qr_string(&pending.otpauth_uri) {
            Ok(qr) => {
                io.println("Scan this QR code with your authenticator app:")?;
                io.println(qr.trim_end_matches('\n'))?;
            }
            Err(e) => io.eprintln(&format!(
                "note: cannot draw the QR code ({e}); enter the secret or URI below"
            )),
        }
    } else {
        let why = if io.stdout_tty {
            "NO_COLOR is set and the QR code needs terminal colours"
        } else {
            "stdout is not a terminal"
        };
        io.eprintln(&format!(
            "note: QR code not drawn ({why}): paste the otpauth URI into your authenticator app, or type the secret"
        ));
    }
    let now = time::OffsetDateTime::now_utc();
    io.println(&format!("Secret:  {}", group_secret(&pending.secret)))?;
    io.println(&format!("URI:     {}", pending.otpauth_uri))?;
    io.println(&format!(
        "Pending until: {}",
        describe_expiry(&pending.expires_at, now)
    ))
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::mfa::MfaCommand;
    use crate::output::Io;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt, run_wt_scripted, run_wt_with};

    fn enroll_json() -> serde_json::Value {
        serde_json::json!({
            "secret": "JBSWY3DPEHPK3PXP",
            "otpauth_uri": "otpauth://totp/WatchTower:owner%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=WatchTower&algorithm=SHA1&digits=6&period=30",
            "expires_at": "2030-01-01T00:10:00Z"
        })
    }

    fn codes_json() -> serde_json::Value {
        serde_json::json!({"recovery_codes": ["aaaa-bbbb-cccc", "dddd-eeee-ffff"]})
    }

    fn routes(confirm: Reply) -> Vec<(&'static str, &'static str, Reply)> {
        vec![
            (
                "POST",
                "/api/v1/auth/mfa/totp/enroll",
                Reply::json(200, enroll_json()),
            ),
            ("POST", "/api/v1/auth/mfa/totp/confirm", confirm),
        ]
    }

    #[test]
    fn enroll_parses_code_stdin_and_no_confirm() {
        let cli = parse_from(["wt", "mfa", "enroll", "--code-stdin"])
            .map_err(|e| e.to_string())
            .unwrap();
        match cli.command {
            Command::Mfa(MfaCommand::Enroll(a)) => assert!(a.code_stdin && !a.no_confirm),
            other => panic!("parsed as {other:?}"),
        }
        let cli = parse_from(["wt", "mfa", "enroll", "--no-confirm"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(
            cli.command,
            Command::Mfa(MfaCommand::Enroll(a)) if a.no_confirm && !a.code_stdin
        ));
        assert!(parse_from(["wt", "mfa", "enroll", "--no-confirm", "--code-stdin"]).is_err());
        assert!(parse_from(["wt", "mfa", "enroll", "--code", "123456"]).is_err());
    }

    #[tokio::test]
    async fn enroll_json_with_code_stdin_confirms_and_prints_secret_uri_and_codes() {
        let r = run_wt(
            &["wt", "mfa", "enroll", "--code-stdin", "--output", "json"],
            " 123 456 \n",
            routes(Reply::json(200, codes_json())),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let seen = r.stub.requests();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].authorization.as_deref(), Some("Bearer wts_abc123"));
        assert_eq!(r.body(0), serde_json::json!({}));
        assert_eq!(seen[1].path, "/api/v1/auth/mfa/totp/confirm");
        assert_eq!(r.body(1), serde_json::json!({"code": "123456"}));
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        let mut expected = enroll_json();
        expected["recovery_codes"] = codes_json()["recovery_codes"].clone();
        assert_eq!(printed, expected);
    }

    #[tokio::test]
    async fn enroll_no_confirm_json_prints_pending_enrollment_without_codes() {
        let r = run_wt(
            &["wt", "mfa", "enroll", "--no-confirm", "--no-input"],
            "",
            routes(Reply::problem(500, "internal")),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.stub.requests().len(), 1, "confirm is not called");
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, enroll_json());
    }

    #[tokio::test]
    async fn enroll_to_a_pipe_prints_no_ansi_escape_and_groups_the_secret() {
        let r = run_wt(
            &["wt", "mfa", "enroll", "--code-stdin", "--output", "table"],
            "123456\n",
            routes(Reply::json(200, codes_json())),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(!r.out.contains('\x1b'), "{:?}", r.out);
        assert!(!r.err.contains('\x1b'), "{:?}", r.err);
        assert!(r.out.contains("JBSW Y3DP EHPK 3PXP"), "{}", r.out);
        assert!(r.out.contains("otpauth://totp/WatchTower"), "{}", r.out);
        assert!(r.out.contains("2030-01-01T00:10:00Z"), "{}", r.out);
        assert!(r.out.contains("aaaa-bbbb-cccc") && r.out.contains("Store these"));
        assert!(r.err.contains("QR code not drawn"), "{}", r.err);
    }

    #[tokio::test]
    async fn enroll_on_a_colour_terminal_draws_the_qr_code() {
        let r = run_wt_with(
            &["wt", "mfa", "enroll", "--no-confirm", "--output", "table"],
            routes(Reply::problem(500, "internal")),
            |no_input| {
                let (mut io, out, err) = Io::buffered("", no_input);
                io.stdout_tty = true;
                io.no_color = false;
                (io, out, err)
            },
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(r.out.contains("Scan this QR code"), "{}", r.out);
        assert!(r.out.contains('\x1b'), "the QR code uses ANSI colours");
        assert!(r.out.contains("JBSW Y3DP EHPK 3PXP"));
    }

    #[tokio::test]
    async fn enroll_with_no_color_on_a_terminal_skips_the_qr_code_and_says_why() {
        let r = run_wt_with(
            &["wt", "mfa", "enroll", "--no-confirm", "--output", "table"],
            routes(Reply::problem(500, "internal")),
            |no_input| {
                let (mut io, out, err) = Io::buffered("", no_input);
                io.stdout_tty = true;
                io.no_color = true;
                (io, out, err)
            },
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(!r.out.contains('\x1b'));
        assert!(r.err.contains("NO_COLOR"), "{}", r.err);
        assert!(r.out.contains("otpauth://"));
    }

    #[tokio::test]
    async fn enroll_under_no_input_without_code_stdin_fails_before_any_request() {
        let r = run_wt(
            &["wt", "mfa", "enroll", "--no-input"],
            "",
            routes(Reply::json(200, codes_json())),
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("--code-stdin"), "{msg}");
        assert!(r.stub.requests().is_empty());
    }

    #[tokio::test]
    async fn enroll_code_stdin_gets_one_try_on_a_wrong_code() {
        let r = run_wt(
            &["wt", "mfa", "enroll", "--code-stdin"],
            "111111\n222222\n",
            routes(Reply::problem(401, "invalid_code")),
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(
            (code, msg.as_str()),
            (1, "the code is wrong, expired or already used")
        );
        assert_eq!(r.stub.requests().len(), 2, "enroll + one confirm");
        assert!(r.err.contains("wt mfa confirm"), "{}", r.err);
        assert!(r.ctx.credentials.load().await.ok().flatten().is_some());
    }

    #[tokio::test]
    async fn enroll_prompt_retries_wrong_codes_three_times() {
        let r = run_wt_scripted(
            &["wt", "mfa", "enroll", "--output", "table"],
            &["111111", "222222", "333333"],
            routes(Reply::problem(401, "invalid_code")),
        )
        .await;
        assert_eq!(r.failure().0, 1);
        assert_eq!(r.stub.requests().len(), 4, "enroll + three confirms");
        assert!(r.err.contains("try again (2 left)"), "{}", r.err);
    }

    #[tokio::test]
    async fn enroll_at_a_prompt_asks_until_recovery_codes_are_stored() {
        let r = run_wt_scripted(
            &["wt", "mfa", "enroll", "--output", "table"],
            &["123456", "n", "y"],
            routes(Reply::json(200, codes_json())),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(
            r.err.contains("Store these"),
            "reminder repeated: {}",
            r.err
        );
        assert!(r.out.contains("MFA is now enabled"));
    }

    #[tokio::test]
    async fn enroll_when_mfa_is_on_says_disable_first() {
        let r = run_wt(
            &["wt", "mfa", "enroll", "--no-confirm"],
            "",
            vec![(
                "POST",
                "/api/v1/auth/mfa/totp/enroll",
                Reply::problem(409, "conflict"),
            )],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 1);
        assert!(msg.contains("wt mfa disable"), "{msg}");
    }
}
