//! `wt login`: password login; stores the session token in the OS keyring.

use crate::credentials::StoredCredential;
use crate::secret::Secret;
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;
use wt_api::{ClientKind, LoginRequest, LoginResponse, WhoAmI};
use zeroize::Zeroize;

pub const ABOUT: &str = "Log in and keep the session in the OS keyring";
pub const LONG_ABOUT: &str = "\
Log in with email and password and keep the session token in the OS keyring (one entry per
server). The password is prompted on a terminal, or read from stdin with --password-stdin.
With several orgs, choose one with --org. If WT_TOKEN is set it keeps taking precedence over
the stored credential (a warning says so).

MFA: accounts with MFA enabled cannot log in with this version of wt yet.

Examples:
  wt login --email owner@example.com
  wt login --email ci@example.com --org acme --password-stdin < password.txt";

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
}

/// Logs in and stores the credential.
pub async fn run(args: LoginArgs, ctx: &Ctx) -> Result<(), CliError> {
    let io = &ctx.io;
    let email = match args.email {
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
    // Open the keyring before creating a session, so a missing keyring fails fast instead
    // of leaving an orphaned session behind.
    ctx.credentials.keyring_source().await?;

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
        return Err(CliError::MfaUnsupported);
    }
    let token = resp
        .token
        .take()
        .map(Secret::new)
        .ok_or_else(|| CliError::Transport {
            server: ctx.server.clone(),
            reason: "the login answer carried no token".into(),
        })?;

    // Who are we? (the login answer does not name the org); best effort.
    let who: Option<WhoAmI> = client.get("/auth/session", Some(&token)).await.ok();
    let cred = StoredCredential {
        token,
        email: who.as_ref().map_or(email, |w| w.user.email.clone()),
        org: who.as_ref().map(|w| w.org.slug.clone()).or(args.org),
        expires_at: who
            .as_ref()
            .map(|w| w.expires_at.clone())
            .or(resp.session.as_ref().map(|s| s.expires_at.clone())),
    };
    let source = match ctx.credentials.save(&cred).await {
        Ok(source) => source,
        Err(e) => {
            // Don't leave a live session nobody holds.
            let _ = client.post_empty("/auth/logout", Some(&cred.token)).await;
            return Err(e);
        }
    };

    let out = LoginOutput {
        server: &ctx.server,
        user: &cred.email,
        org: cred.org.as_deref(),
        role: who.as_ref().map(|w| w.role.to_string()),
        expires_at: cred.expires_at.as_deref(),
        credential_source: source.describe(),
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
    async fn login_with_mfa_required_fails_clearly_and_stores_nothing() {
        let (_, ctx, r, _) = run_login(vec![(
            "POST",
            "/api/v1/auth/login",
            Reply::json(
                200,
                serde_json::json!({"mfa_required": true, "challenge": "c"}),
            ),
        )])
        .await;
        let e = r
            .err()
            .map(|e| (e.exit_code(), e.to_string()))
            .unwrap_or_default();
        assert_eq!(e.0, 1);
        assert!(e.1.contains("MFA"), "{}", e.1);
        assert_eq!(ctx.credentials.load().await.ok().flatten(), None);
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
