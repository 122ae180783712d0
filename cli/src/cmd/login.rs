//! `wt login`: password login, then a TOTP or recovery code when the account has MFA;
//! stores the session token in the OS keyring. `wt login --web` signs in through a
//! browser instead (`login_web`), and stores its session by the same path.

use crate::cmd::mfa::common::{CodeInput, clean_totp, looks_like_totp, with_code};
use crate::credentials::StoredCredential;
use crate::secret::Secret;
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;
use wt_api::{ClientKind, LoginRequest, LoginResponse, MfaVerifyRequest, WhoAmI};
use zeroize::Zeroize;

/// Printed (stderr) when the session may only enroll MFA.
pub const ENROLLMENT_NOTE: &str =
    "note: your role requires MFA: run `wt mfa enroll` now; until then only enrollment is allowed";

pub const ABOUT: &str = "Log in and keep the session in the OS keyring";
pub const LONG_ABOUT: &str = "\
Log in with email and password and keep the session token in the OS keyring (one entry per
server). The password is prompted on a terminal, or read from stdin with --password-stdin.
With several orgs, choose one with --org. If WT_TOKEN is set it keeps taking precedence over
the stored credential (a warning says so).

MFA: when the account has MFA on, wt then asks for a code from the authenticator app
(\"Authentication code (or a recovery code)\": 6 digits are a TOTP code, anything else is
taken as a one-time recovery code; up to 3 tries). Without a terminal, pass --code-stdin
(a TOTP code) or --recovery-code-stdin (a recovery code) instead: one try.

Stdin lines, in this order: the password (with --password-stdin), then the code (with
--code-stdin or --recovery-code-stdin). With both, line 1 is the password and line 2 the
code; with only a code flag, the code is line 1.

If your role requires MFA and you have none yet, the session can only enroll: run
`wt mfa enroll` next.

Sign in from a headless server with --web: wt prints a URL, a short code and a QR code
(on a terminal); open the URL on any device (a phone, a laptop), sign in to the console
there and approve with your passkey or authenticator app code. wt waits (polling as the
server asks) and stores the session in the keyring; nothing is typed in the terminal.
A denied login exits 8, a code nobody approved within 10 minutes exits 9.

JSON fields (stable): server, user, org, role, expires_at, credential_source,
mfa_enrollment_required.

Examples:
  wt login --email owner@example.com
  wt login --email ci@example.com --org acme --password-stdin < password.txt
  printf '%s\\n%s\\n' \"$PW\" \"$CODE\" | wt login --email a@x.io --password-stdin --code-stdin
  wt login --web
  wt login --web --org acme --output json";

/// `wt login` options.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Account email (prompted when omitted; required with --no-input)
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,

    /// Org to log in to (slug); may be omitted when you belong to exactly one org
    #[arg(long, value_name = "SLUG")]
    pub org: Option<String>,

    /// Read the password from the first line of stdin
    #[arg(long)]
    pub password_stdin: bool,

    /// If MFA is on, read a TOTP code from stdin (line 2 with --password-stdin, else line 1)
    #[arg(long, conflicts_with = "recovery_code_stdin")]
    pub code_stdin: bool,

    /// If MFA is on, read a one-time recovery code from stdin (line 2 with --password-stdin,
    /// else line 1)
    #[arg(long)]
    pub recovery_code_stdin: bool,

    /// Sign in from a browser instead (RFC 8628 device login): prints a URL and a code
    /// (and a QR code) to open on any device, approve there, and waits; no password here
    #[arg(long, conflicts_with_all = ["email", "password_stdin", "code_stdin", "recovery_code_stdin"])]
    pub web: bool,
}

/// What `wt login --output json` prints.
#[derive(Debug, Serialize)]
struct LoginOutput<'a> {
    server: &'a str,
    user: &'a str,
    org: Option<&'a str>,
    role: Option<String>,
    expires_at: Option<&'a str>,
    credential_source: &'a str,
    /// The session can only enroll MFA until `wt mfa enroll` is done.
    mfa_enrollment_required: bool,
}

/// Logs in and stores the credential.
pub async fn run(args: LoginArgs, ctx: &Ctx) -> Result<(), CliError> {
    if args.web {
        return crate::cmd::login_web::run(args.org, ctx).await;
    }
    let io = &ctx.io;
    let email = match &args.email {
        Some(e) if !e.trim().is_empty() => e.trim().to_string(),
        Some(_) => return Err(CliError::Usage("--email must not be empty".into())),
        None => io.prompt_text("Email", "an email", "--email")?,
    };
    let password: Secret = if args.password_stdin {
        io.read_stdin_secret("the password")?
    } else {
        io.prompt_secret("Password", false, "a password", "--password-stdin")?
    };
    if ctx.credentials.env_token().is_some() {
        io.eprintln(
            "warning: WT_TOKEN is set and takes precedence over the credential stored by this login",
        );
    }
    // Prove the keyring works (store, read back, delete) before creating a session, so
    // a keyring that cannot be used fails fast instead of leaving a session behind.
    ctx.credentials.check_usable().await?;

    let client = ctx.client()?;
    let mut req = LoginRequest {
        email: email.clone(),
        password: password.expose().to_string(),
        client: ClientKind::Cli,
        org: args.org.clone(),
    };
    let result: Result<LoginResponse, CliError> = client.post("/auth/login", &req, None).await;
    req.password.zeroize();
    let mut resp = result?;
    if resp.mfa_required {
        let challenge =
            resp.challenge
                .take()
                .map(Secret::new)
                .ok_or_else(|| CliError::Transport {
                    server: ctx.server.clone(),
                    reason: "the login answer asked for MFA but carried no challenge".into(),
                })?;
        resp = second_factor(ctx, &args, &challenge).await?;
    }
    let token = resp
        .token
        .take()
        .map(Secret::new)
        .ok_or_else(|| CliError::Transport {
            server: ctx.server.clone(),
            reason: "the login answer carried no token".into(),
        })?;

    let issued = Issued {
        token,
        email,
        org: args.org,
        expires_at: resp.session.as_ref().map(|s| s.expires_at.clone()),
        mfa_enrollment_required: resp.mfa_enrollment_required,
    };
    store_and_report(ctx, issued).await
}

/// A session just issued to this CLI (by `wt login` or `wt login --web`).
pub(crate) struct Issued {
    pub token: Secret,
    /// Who it is for, as far as the caller knows (corrected from `/auth/session`).
    pub email: String,
    pub org: Option<String>,
    pub expires_at: Option<String>,
    pub mfa_enrollment_required: bool,
}

/// Stores a new session's credential in the keyring (logging the session out again if
/// that fails) and prints the outcome: the one path of `wt login` and `wt login --web`.
pub(crate) async fn store_and_report(ctx: &Ctx, issued: Issued) -> Result<(), CliError> {
    let io = &ctx.io;
    let client = ctx.client()?;
    let Issued {
        token,
        email,
        org,
        expires_at,
        mfa_enrollment_required,
    } = issued;
    // Who are we? (the login answer does not name the org); best effort.
    let who: Option<WhoAmI> = client.get("/auth/session", Some(&token)).await.ok();
    let cred = StoredCredential {
        token,
        email: who.as_ref().map_or(email, |w| w.user.email.clone()),
        org: who.as_ref().map(|w| w.org.slug.clone()).or(org),
        expires_at: who.as_ref().map(|w| w.expires_at.clone()).or(expires_at),
    };
    let source = match ctx.credentials.save(&cred).await {
        Ok(source) => source,
        Err(e) => {
            // Don't leave a live session nobody holds.
            let _ = client.post_empty("/auth/logout", Some(&cred.token)).await;
            return Err(e);
        }
    };

    let enrollment_required =
        mfa_enrollment_required || who.as_ref().is_some_and(|w| w.mfa_enrollment_required);
    let grace = who.as_ref().and_then(|w| w.mfa_grace_until.clone());
    match (enrollment_required, grace) {
        (true, Some(until)) => io.eprintln(&format!(
            "note: your role requires MFA: run `wt mfa enroll` before {until} (UTC); after that, until you do, only enrollment is allowed"
        )),
        (true, None) => io.eprintln(ENROLLMENT_NOTE),
        _ => {}
    }
    let out = LoginOutput {
        server: &ctx.server,
        user: &cred.email,
        org: cred.org.as_deref(),
        role: who.as_ref().map(|w| w.role.to_string()),
        expires_at: cred.expires_at.as_deref(),
        credential_source: source.describe(),
        mfa_enrollment_required: enrollment_required,
    };
    io.emit(ctx.output, &out, |io| {
        let mut rows = vec![
            ("Logged in to", ctx.server.clone()),
            ("User", cred.email.clone()),
        ];
        if let Some(org) = &cred.org {
            rows.push(("Org", org.clone()));
        }
        if let Some(role) = &out.role {
            rows.push(("Role", role.clone()));
        }
        rows.push(("Credential", source.describe().to_string()));
        io.key_value_table(&rows)
    })
}

/// The second login step: a TOTP or recovery code for `challenge` at `/auth/mfa/verify`.
/// From stdin (one try), or prompted (retried on a wrong code).
async fn second_factor(
    ctx: &Ctx,
    args: &LoginArgs,
    challenge: &Secret,
) -> Result<LoginResponse, CliError> {
    let input = CodeInput {
        from_stdin: args.code_stdin || args.recovery_code_stdin,
        prompt: "Authentication code (or a recovery code)",
        what: if args.recovery_code_stdin {
            "a recovery code"
        } else {
            "an authentication code"
        },
        flag: "--code-stdin (or --recovery-code-stdin)",
    };
    let client = ctx.client()?;
    with_code(&ctx.io, &input, async |code: Secret| {
        // At the prompt either kind is accepted: 6 digits are TOTP, anything else recovery.
        let recovery = args.recovery_code_stdin || (!args.code_stdin && !looks_like_totp(&code));
        let mut req = MfaVerifyRequest {
            challenge: challenge.expose().to_string(),
            ..Default::default()
        };
        if recovery {
            req.recovery_code = Some(code.expose().trim().to_string());
        } else {
            req.code = Some(clean_totp(&code).expose().to_string());
        }
        let r = client.post("/auth/mfa/verify", &req, None).await;
        req.challenge.zeroize();
        req.code.zeroize();
        req.recovery_code.zeroize();
        r
    })
    .await
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::parse_from;

    #[test]
    fn login_parses_email_org_and_password_stdin() {
        let cli = parse_from([
            "wt",
            "login",
            "--email",
            "a@example.com",
            "--org",
            "acme",
            "--password-stdin",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        match cli.command {
            Command::Login(a) => {
                assert_eq!(a.email.as_deref(), Some("a@example.com"));
                assert_eq!(a.org.as_deref(), Some("acme"));
                assert!(a.password_stdin);
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn login_refuses_a_password_flag() {
        assert!(parse_from(["wt", "login", "--password", "hunter2"]).is_err());
    }

    #[test]
    fn global_flags_are_accepted_after_the_subcommand() {
        let cli = parse_from([
            "wt",
            "login",
            "--server",
            "http://wt.example:1",
            "--output",
            "json",
            "--no-input",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        assert_eq!(cli.global.server, "http://wt.example:1");
        assert_eq!(cli.global.output, Some(crate::output::OutputFormat::Json));
        assert!(cli.global.no_input);
    }
}

#[cfg(test)]
mod run_tests {
    use crate::cmd::whoami::tests::whoami_json;
    use crate::credentials::Credentials;
    use crate::credentials::tests::mock_store;
    use crate::output::{Io, OutputFormat};
    use crate::testutil::{Reply, Stub};
    use crate::{Ctx, parse_from};

    async fn run_login(
        routes: Vec<(&'static str, &'static str, Reply)>,
    ) -> (Stub, Ctx, Result<(), crate::CliError>, String) {
        let stub = Stub::start(routes).await;
        let cli = parse_from([
            "wt",
            "login",
            "--email",
            "owner@example.com",
            "--password-stdin",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        let (io, out, _) = Io::buffered("hunter2 hunter2\n", true);
        let creds = Credentials::with_store(&stub.url, None, mock_store());
        let ctx = Ctx::new(io, stub.url.clone(), Some(OutputFormat::Json), creds);
        let r = crate::run(cli, &ctx).await;
        (stub, ctx, r, out.contents())
    }

    #[tokio::test]
    async fn login_stores_token_email_org_and_expiry_in_the_keyring() {
        let login = serde_json::json!({"token": "wts_new", "session": {
            "id": "s1", "client": "cli", "created_at": "2026-01-01T00:00:00Z",
            "last_seen_at": "2026-01-01T00:00:00Z", "expires_at": "2030-01-01T00:00:00Z",
            "idle_expires_at": "2030-01-01T00:00:00Z", "ip": null, "user_agent": null, "current": true}});
        let (stub, ctx, r, out) = run_login(vec![
            ("POST", "/api/v1/auth/login", Reply::json(200, login)),
            (
                "GET",
                "/api/v1/auth/session",
                Reply::json(200, whoami_json()),
            ),
        ])
        .await;
        assert!(r.is_ok(), "{r:?}");
        let seen = stub.requests();
        let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap_or_default();
        assert_eq!(body["client"], "cli");
        assert_eq!(body["password"], "hunter2 hunter2");
        assert_eq!(seen[0].authorization, None);
        assert_eq!(seen[1].authorization.as_deref(), Some("Bearer wts_new"));
        let stored = ctx.credentials.load().await.ok().flatten();
        let stored = stored.unwrap_or_else(|| panic!("nothing stored"));
        assert_eq!(stored.token.expose(), "wts_new");
        assert_eq!(stored.org.as_deref(), Some("acme"));
        assert_eq!(stored.expires_at.as_deref(), Some("2030-01-01T00:00:00Z"));
        assert!(!out.contains("wts_new"), "token never printed: {out}");
    }

    #[tokio::test]
    async fn login_with_wrong_password_says_invalid_email_or_password_exit_1() {
        let (_, _, r, _) = run_login(vec![(
            "POST",
            "/api/v1/auth/login",
            Reply::problem(401, "invalid_credentials"),
        )])
        .await;
        let e = r
            .err()
            .map(|e| (e.exit_code(), e.to_string()))
            .unwrap_or_default();
        assert_eq!(e, (1, "invalid email or password".to_string()));
    }

    #[tokio::test]
    async fn login_rate_limited_exits_7_with_retry_after() {
        let mut reply = Reply::problem(429, "rate_limited");
        reply.headers.push(("Retry-After", "30".into()));
        let (_, _, r, _) = run_login(vec![("POST", "/api/v1/auth/login", reply)]).await;
        let e = r
            .err()
            .map(|e| (e.exit_code(), e.to_string()))
            .unwrap_or_default();
        assert_eq!(e.0, 7);
        assert!(e.1.contains("retry in 30 s"), "{}", e.1);
    }
}

#[cfg(test)]
mod mfa_tests {
    use crate::cmd::Command;
    use crate::cmd::whoami::tests::whoami_json;
    use crate::output::Io;
    use crate::parse_from;
    use crate::testutil::{Ran, Reply, run_wt, run_wt_scripted, run_wt_with};

    fn session_reply(token: &str, enrollment_required: bool) -> Reply {
        Reply::json(
            200,
            serde_json::json!({"token": token, "session": {
                "id": "s1", "client": "cli", "created_at": "2026-01-01T00:00:00Z",
                "last_seen_at": "2026-01-01T00:00:00Z", "expires_at": "2030-01-01T00:00:00Z",
                "idle_expires_at": "2030-01-01T00:00:00Z", "ip": null, "user_agent": null,
                "current": true}, "mfa_enrollment_required": enrollment_required}),
        )
    }

    fn mfa_routes(verify: Reply) -> Vec<(&'static str, &'static str, Reply)> {
        vec![
            (
                "POST",
                "/api/v1/auth/login",
                Reply::json(
                    200,
                    serde_json::json!({"mfa_required": true, "challenge": "chl_1"}),
                ),
            ),
            ("POST", "/api/v1/auth/mfa/verify", verify),
            (
                "GET",
                "/api/v1/auth/session",
                Reply::json(200, whoami_json()),
            ),
        ]
    }

    const LOGIN: [&str; 4] = ["wt", "login", "--email", "owner@example.com"];

    fn argv(extra: &[&'static str]) -> Vec<&'static str> {
        LOGIN.iter().copied().chain(extra.iter().copied()).collect()
    }

    async fn stored_token(r: &Ran) -> Option<String> {
        let stored = r.ctx.credentials.load().await.ok().flatten();
        stored.map(|c| c.token.expose().to_string())
    }

    fn verify_calls(r: &Ran) -> usize {
        r.stub
            .requests()
            .iter()
            .filter(|s| s.path == "/api/v1/auth/mfa/verify")
            .count()
    }

    #[test]
    fn login_parses_code_stdin_and_recovery_code_stdin_but_not_both() {
        let cli = parse_from(argv(&["--password-stdin", "--code-stdin"]))
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(
            cli.command,
            Command::Login(a) if a.password_stdin && a.code_stdin && !a.recovery_code_stdin
        ));
        let cli = parse_from(argv(&["--recovery-code-stdin"]))
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(cli.command, Command::Login(a) if a.recovery_code_stdin));
        let both = parse_from(argv(&["--code-stdin", "--recovery-code-stdin"]));
        assert_eq!(both.err().map(|e| e.exit_code()), Some(2));
        assert!(parse_from(argv(&["--code", "123456"])).is_err());
    }

    #[tokio::test]
    async fn login_with_mfa_reads_password_then_code_from_stdin_and_stores_the_verified_token() {
        let r = run_wt(
            &argv(&["--password-stdin", "--code-stdin", "--no-input"]),
            "hunter2 hunter2\n 123 456\n",
            mfa_routes(session_reply("wts_mfa", false)),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.body(0)["password"], "hunter2 hunter2");
        assert_eq!(
            r.body(1),
            serde_json::json!({"challenge": "chl_1", "code": "123456"})
        );
        assert_eq!(r.stub.requests()[1].authorization, None);
        assert_eq!(stored_token(&r).await.as_deref(), Some("wts_mfa"));
        assert!(!r.out.contains("wts_mfa") && !r.out.contains("chl_1"));
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed["mfa_enrollment_required"], false);
    }

    #[tokio::test]
    async fn login_with_code_stdin_does_not_retry_a_wrong_code() {
        let r = run_wt(
            &argv(&["--password-stdin", "--code-stdin"]),
            "pw\n111111\n222222\n",
            mfa_routes(Reply::problem(401, "invalid_code")),
        )
        .await;
        assert_eq!(
            r.failure(),
            (1, "the code is wrong, expired or already used".to_string())
        );
        assert_eq!(verify_calls(&r), 1);
        assert_eq!(
            stored_token(&r).await.as_deref(),
            Some("wts_abc123"),
            "unchanged"
        );
    }

    #[tokio::test]
    async fn login_with_recovery_code_stdin_sends_a_recovery_code() {
        let r = run_wt(
            &argv(&["--password-stdin", "--recovery-code-stdin"]),
            "pw\n abcd-efgh-2345 \n",
            mfa_routes(session_reply("wts_rec", false)),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(1),
            serde_json::json!({"challenge": "chl_1", "recovery_code": "abcd-efgh-2345"})
        );
        assert_eq!(stored_token(&r).await.as_deref(), Some("wts_rec"));
    }

    #[tokio::test]
    async fn login_with_only_code_stdin_prompts_the_password_and_reads_the_code_from_line_1() {
        let r = run_wt_with(
            &argv(&["--code-stdin"]),
            mfa_routes(session_reply("wts_p", false)),
            |_| Io::scripted(&["pw"], "654321\n"),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.body(0)["password"], "pw");
        assert_eq!(
            r.body(1),
            serde_json::json!({"challenge": "chl_1", "code": "654321"})
        );
    }

    #[tokio::test]
    async fn login_prompt_sends_six_digits_as_a_totp_code() {
        let r = run_wt_scripted(
            &argv(&[]),
            &["pw", "654 321"],
            mfa_routes(session_reply("wts_p", false)),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(1),
            serde_json::json!({"challenge": "chl_1", "code": "654321"})
        );
    }

    #[tokio::test]
    async fn login_prompt_takes_anything_but_six_digits_as_a_recovery_code() {
        let r = run_wt_scripted(
            &argv(&[]),
            &["pw", "abcd-efgh-2345"],
            mfa_routes(session_reply("wts_p", false)),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(1),
            serde_json::json!({"challenge": "chl_1", "recovery_code": "abcd-efgh-2345"})
        );
    }

    #[tokio::test]
    async fn login_prompt_retries_a_wrong_code_up_to_three_times() {
        let r = run_wt_scripted(
            &argv(&[]),
            &["pw", "111111", "222222", "333333", "444444"],
            mfa_routes(Reply::problem(401, "invalid_code")),
        )
        .await;
        assert_eq!(r.failure().0, 1);
        assert_eq!(verify_calls(&r), 3);
        assert!(r.err.contains("1 left"), "{}", r.err);
    }

    #[tokio::test]
    async fn login_with_dead_challenge_says_log_in_again_without_retrying() {
        let r = run_wt_scripted(
            &argv(&[]),
            &["pw", "111111", "222222"],
            mfa_routes(Reply::problem(401, "challenge_invalid")),
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 1);
        assert!(msg.contains("run `wt login` again"), "{msg}");
        assert_eq!(verify_calls(&r), 1);
    }

    #[tokio::test]
    async fn login_with_mfa_under_no_input_without_code_flag_names_code_stdin() {
        let r = run_wt(
            &argv(&["--password-stdin", "--no-input"]),
            "pw\n",
            mfa_routes(session_reply("wts_x", false)),
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("--code-stdin"), "{msg}");
        assert_eq!(verify_calls(&r), 0);
        assert_eq!(stored_token(&r).await.as_deref(), Some("wts_abc123"));
    }

    #[tokio::test]
    async fn login_whose_role_requires_mfa_enrollment_says_run_wt_mfa_enroll() {
        let r = run_wt(
            &argv(&["--password-stdin"]),
            "pw\n",
            vec![
                ("POST", "/api/v1/auth/login", session_reply("wts_e", true)),
                (
                    "GET",
                    "/api/v1/auth/session",
                    Reply::json(200, whoami_json()),
                ),
            ],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(
            r.err.contains("your role requires MFA: run `wt mfa enroll` now; until then only enrollment is allowed"),
            "{}",
            r.err
        );
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed["mfa_enrollment_required"], true);
        assert_eq!(stored_token(&r).await.as_deref(), Some("wts_e"));
    }
}
