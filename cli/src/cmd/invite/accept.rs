//! `wt invite accept`: check an invite token, then join the org (creating the account, or
//! with the session of an existing one).

use crate::cmd::common::{TokenInput, read_new_password, read_token};
use crate::output::describe_expiry;
use crate::secret::Secret;
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::{
    InviteAcceptRequest, InviteAcceptResponse, InviteVerifyResponse, TokenRequest, codes,
};
use zeroize::Zeroize;

pub const ABOUT: &str = "Accept an invite you received by mail";
pub const LONG_ABOUT: &str = "\
Accept an invite: wt first checks the token and shows the org, the email and the role, then
accepts it. The token is the one in the invite mail's link; paste the token or the whole
link (its `token=` parameter is used). It is read from stdin with --token-stdin, or
prompted (hidden).

New account: choose a name (--name, or prompted) and a password (prompted twice, or
--password-stdin). wt checks the password against the policy (with the org's name, your
email and name) before it is repeated or sent, and says why one is refused. Accepting does not log in: run `wt login` afterwards. If your role
requires MFA, that first session can only enroll MFA (`wt mfa enroll`).

Existing account (the invited email already has one): prove it is yours with your current
session for this --server (logged in as that email: `wt login`, or WT_TOKEN), or else with
the account's current password (--password-stdin, or prompted). Your password stays as it
is; --name is not used. Under --no-input without either, wt exits 3.

Stdin lines, in this order: the token (with --token-stdin), then the password (with
--password-stdin). With both, line 1 is the token and line 2 the password; with only
--password-stdin, the password is line 1.

JSON (--output json): the API answer as is: {user: {id, email, name}, org: {id, slug,
name}, role}.

Examples:
  wt invite accept
  printf '%s\\n%s\\n' \"$TOKEN\" \"$PW\" | wt invite accept --token-stdin --password-stdin --name 'Bob Smith'
  wt login --email bob@example.com && wt invite accept --token-stdin < token.txt";

/// `wt invite accept` options.
#[derive(Debug, Args)]
pub struct AcceptArgs {
    /// Read the invite token (or link) from the first line of stdin
    #[arg(long)]
    pub token_stdin: bool,

    /// Your name, for a new account (prompted when needed; required then with --no-input)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Read the new account's password from stdin (line 2 with --token-stdin, else line 1)
    #[arg(long)]
    pub password_stdin: bool,
}

/// Verifies and accepts an invite.
pub async fn run(args: AcceptArgs, ctx: &Ctx) -> Result<(), CliError> {
    let io = &ctx.io;
    let token = read_token(
        io,
        &TokenInput {
            from_stdin: args.token_stdin,
            prompt: "Invite token (or the link from the invite mail)",
            what: "the invite token",
        },
    )?;
    let client = ctx.client()?;
    let mut verify_req = TokenRequest {
        token: token.expose().to_string(),
    };
    let verified: Result<InviteVerifyResponse, CliError> =
        client.post("/invites/verify", &verify_req, None).await;
    verify_req.token.zeroize();
    let invite = verified?;
    io.eprintln(&format!(
        "Invite to {} ({}) as {} for {}; expires {}",
        invite.org.name,
        invite.org.slug,
        invite.role,
        invite.email,
        describe_expiry(&invite.expires_at, time::OffsetDateTime::now_utc())
    ));

    let accepted = if invite.account_exists {
        accept_existing(ctx, &args, &invite, &token).await
    } else {
        accept_new(ctx, &args, &invite, &token).await
    };
    let resp = accepted.map_err(|e| {
        if e.is_api_code(codes::ACCOUNT_EXISTS) {
            CliError::AccountExists {
                email: invite.email.clone(),
            }
        } else {
            e
        }
    })?;

    io.emit(ctx.output, &resp, |io| {
        io.key_value_table(&[
            ("User", format!("{} <{}>", resp.user.name, resp.user.email)),
            ("Org", format!("{} ({})", resp.org.name, resp.org.slug)),
            ("Role", resp.role.to_string()),
        ])
    })?;
    io.eprintln(&format!(
        "You are now a member of {}. To work in it: wt login --email {} --org {}",
        resp.org.name, resp.user.email, resp.org.slug
    ));
    Ok(())
}

/// The email has an account: accept with that account's session, no name or password.
async fn accept_existing(
    ctx: &Ctx,
    args: &AcceptArgs,
    invite: &InviteVerifyResponse,
    token: &Secret,
) -> Result<InviteAcceptResponse, CliError> {
    if args.name.is_some() {
        ctx.io
            .eprintln("note: this email already has an account: --name is not used");
    }
    let not_logged_in = || CliError::AccountExists {
        email: invite.email.clone(),
    };
    // Prove the account is yours: its session, or else its current password (which the
    // invite never changes).
    let (bearer, password) = match ctx.bearer().await {
        Ok((bearer, _)) => (Some(bearer), None),
        Err(CliError::NotLoggedIn { .. }) if args.password_stdin => (
            None,
            Some(ctx.io.read_stdin_secret("the account's current password")?),
        ),
        Err(CliError::NotLoggedIn { .. }) if ctx.io.can_prompt() => {
            ctx.io.eprintln(&format!(
                "{} already has an account: type its current password to accept (it stays as it is)",
                invite.email
            ));
            let pw = ctx.io.prompt_secret(
                "Current password",
                false,
                "the current password",
                "--password-stdin",
            )?;
            (None, Some(pw))
        }
        Err(CliError::NotLoggedIn { .. }) => return Err(not_logged_in()),
        Err(e) => return Err(e),
    };
    let mut req = InviteAcceptRequest {
        token: token.expose().to_string(),
        name: None,
        password: password.as_ref().map(|p| p.expose().to_string()),
    };
    let r = ctx
        .client()?
        .post("/invites/accept", &req, bearer.as_ref())
        .await;
    if let Some(p) = req.password.as_mut() {
        p.zeroize();
    }
    req.token.zeroize();
    // An expired or revoked session (401 unauthenticated): same remedy, log in again.
    r.map_err(|e| {
        if e.is_api_code(codes::UNAUTHENTICATED) {
            not_logged_in()
        } else {
            e
        }
    })
}

/// A new account: name and password, no session.
async fn accept_new(
    ctx: &Ctx,
    args: &AcceptArgs,
    invite: &InviteVerifyResponse,
    token: &Secret,
) -> Result<InviteAcceptResponse, CliError> {
    let io = &ctx.io;
    let name = match &args.name {
        Some(n) if !n.trim().is_empty() => n.trim().to_string(),
        Some(_) => return Err(CliError::Usage("--name must not be empty".into())),
        None => io.prompt_text("Your name", "a name", "--name")?,
    };
    let context = [
        invite.org.name.as_str(),
        &invite.org.slug,
        &invite.email,
        &name,
    ];
    let password = read_new_password(io, args.password_stdin, &context)?;
    let mut req = InviteAcceptRequest {
        token: token.expose().to_string(),
        name: Some(name),
        password: Some(password.expose().to_string()),
    };
    let r = ctx.client()?.post("/invites/accept", &req, None).await;
    req.token.zeroize();
    req.password.zeroize();
    r
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::invite::InviteCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt, run_wt_logged_out, run_wt_scripted};

    const VERIFY: &str = "/api/v1/invites/verify";
    const ACCEPT: &str = "/api/v1/invites/accept";

    fn verify_json(account_exists: bool) -> serde_json::Value {
        serde_json::json!({
            "org": {"id": "org_1", "slug": "acme", "name": "Acme"},
            "email": "bob@example.com", "role": "analyst",
            "expires_at": "2030-01-01T00:00:00Z", "account_exists": account_exists
        })
    }

    fn accept_json() -> serde_json::Value {
        serde_json::json!({
            "user": {"id": "usr_b", "email": "bob@example.com", "name": "Bob"},
            "org": {"id": "org_1", "slug": "acme", "name": "Acme"},
            "role": "analyst"
        })
    }

    fn routes(verify: Reply, accept: Reply) -> Vec<(&'static str, &'static str, Reply)> {
        vec![("POST", VERIFY, verify), ("POST", ACCEPT, accept)]
    }

    #[test]
    fn invite_accept_parses_stdin_flags_and_name() {
        let cli = parse_from([
            "wt",
            "invite",
            "accept",
            "--token-stdin",
            "--password-stdin",
            "--name",
            "Bob",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        match cli.command {
            Command::Invite(InviteCommand::Accept(a)) => {
                assert!(a.token_stdin && a.password_stdin);
                assert_eq!(a.name.as_deref(), Some("Bob"));
            }
            other => panic!("parsed as {other:?}"),
        }
        assert!(parse_from(["wt", "invite", "accept", "--token", "x"]).is_err());
        assert!(parse_from(["wt", "invite", "accept", "--password", "x"]).is_err());
    }

    #[tokio::test]
    async fn accept_new_account_reads_token_line_1_and_password_line_2_then_verifies_first() {
        let r = run_wt_logged_out(
            &[
                "wt",
                "invite",
                "accept",
                "--token-stdin",
                "--password-stdin",
                "--name",
                "Bob",
                "--no-input",
            ],
            "wti_tok\ncorrect horse battery\n",
            routes(
                Reply::json(200, verify_json(false)),
                Reply::json(201, accept_json()),
            ),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let seen = r.stub.requests();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].path, VERIFY);
        assert_eq!(r.body(0), serde_json::json!({"token": "wti_tok"}));
        assert_eq!(seen[1].path, ACCEPT);
        assert_eq!(
            r.body(1),
            serde_json::json!({"token": "wti_tok", "name": "Bob", "password": "correct horse battery"})
        );
        assert_eq!(seen[1].authorization, None, "a new account sends no bearer");
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, accept_json());
        assert!(!r.out.contains("wti_tok") && !r.err.contains("wti_tok"));
        assert!(
            r.err.contains("Acme (acme) as analyst for bob@example.com"),
            "{}",
            r.err
        );
    }

    #[tokio::test]
    async fn accept_new_account_prompts_for_token_password_and_name_on_a_terminal() {
        let r = run_wt_scripted(
            &["wt", "invite", "accept", "--output", "table"],
            &[
                "https://wt.example/invite?token=wti_tok",
                "Bob",
                "violet staple orbit 7",
                "violet staple orbit 7",
            ],
            routes(
                Reply::json(200, verify_json(false)),
                Reply::json(201, accept_json()),
            ),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.body(0), serde_json::json!({"token": "wti_tok"}));
        assert_eq!(r.body(1)["name"], "Bob");
        assert!(r.out.contains("Bob <bob@example.com>"), "{}", r.out);
    }

    #[tokio::test]
    async fn accept_with_account_exists_and_a_stored_credential_sends_the_bearer_only() {
        let r = run_wt(
            &["wt", "invite", "accept", "--token-stdin", "--no-input"],
            "wti_tok\n",
            routes(
                Reply::json(200, verify_json(true)),
                Reply::json(201, accept_json()),
            ),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let seen = r.stub.requests();
        assert_eq!(seen[0].authorization, None, "verify needs no session");
        assert_eq!(seen[1].authorization.as_deref(), Some("Bearer wts_abc123"));
        assert_eq!(r.body(1), serde_json::json!({"token": "wti_tok"}));
    }

    #[tokio::test]
    async fn accept_with_account_exists_and_no_credential_exits_3_naming_the_email() {
        let r = run_wt_logged_out(
            &["wt", "invite", "accept", "--token-stdin", "--no-input"],
            "wti_tok\npw\n",
            routes(
                Reply::json(200, verify_json(true)),
                Reply::json(201, accept_json()),
            ),
        )
        .await;
        assert_eq!(
            r.failure(),
            (
                3,
                "this email already has an account: run `wt login` as bob@example.com, then accept again"
                    .to_string()
            )
        );
        assert_eq!(r.stub.requests().len(), 1, "only the verify was sent");
    }

    #[tokio::test]
    async fn accept_with_account_exists_and_no_session_proves_it_with_the_current_password() {
        let r = run_wt_logged_out(
            &[
                "wt",
                "invite",
                "accept",
                "--token-stdin",
                "--password-stdin",
                "--no-input",
            ],
            "wti_tok\ncurrent password 123\n",
            routes(
                Reply::json(200, verify_json(true)),
                Reply::json(201, accept_json()),
            ),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let seen = r.stub.requests();
        assert_eq!(seen.len(), 2);
        assert_eq!(
            seen[1].authorization, None,
            "no session: the password is the proof"
        );
        assert_eq!(
            r.body(1),
            serde_json::json!({"token": "wti_tok", "password": "current password 123"})
        );
    }

    #[tokio::test]
    async fn accept_answered_account_exists_by_the_server_exits_3() {
        let r = run_wt_logged_out(
            &[
                "wt",
                "invite",
                "accept",
                "--token-stdin",
                "--password-stdin",
                "--name",
                "Bob",
            ],
            "wti_tok\nviolet staple orbit 7\n",
            routes(
                Reply::json(200, verify_json(false)),
                Reply::problem(401, "account_exists"),
            ),
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 3);
        assert!(msg.contains("bob@example.com"), "{msg}");
    }

    #[tokio::test]
    async fn accept_with_a_dead_token_says_ask_for_a_new_invite_exit_1() {
        let r = run_wt_logged_out(
            &[
                "wt",
                "invite",
                "accept",
                "--token-stdin",
                "--password-stdin",
                "--name",
                "Bob",
            ],
            "wti_old\npw\n",
            routes(
                Reply::problem(401, "invite_invalid"),
                Reply::json(201, accept_json()),
            ),
        )
        .await;
        assert_eq!(
            r.failure(),
            (
                1,
                "the invite link is invalid or has expired: ask for a new invite".to_string()
            )
        );
        assert_eq!(
            r.stub.requests().len(),
            1,
            "nothing accepted after a failed verify"
        );
    }

    #[tokio::test]
    async fn accept_refused_password_shows_why_exit_1() {
        let mut policy = Reply::problem(422, "password_policy");
        policy.body = serde_json::json!({"type": "about:blank", "title": "t", "status": 422,
            "code": "password_policy", "detail": "the password contains the org name"})
        .to_string();
        let r = run_wt_logged_out(
            &[
                "wt",
                "invite",
                "accept",
                "--token-stdin",
                "--password-stdin",
                "--name",
                "Bob",
            ],
            "wti_tok\nviolet staple orbit 7\n",
            routes(Reply::json(200, verify_json(false)), policy),
        )
        .await;
        assert_eq!(
            r.failure(),
            (1, "the password contains the org name".to_string())
        );
    }

    #[tokio::test]
    async fn an_obvious_password_is_refused_here_after_verifying_and_before_accepting() {
        // The org (Acme), the email and the name are known once the invite is verified.
        for (pw, why) in [
            ("Acme2026Acme2026", "must not contain \"acme\""),
            ("passwordpassword", "breached and common"),
            ("Tables.Turn.1", "must not contain \"tables\""),
        ] {
            let r = run_wt_logged_out(
                &[
                    "wt",
                    "invite",
                    "accept",
                    "--token-stdin",
                    "--password-stdin",
                    "--name",
                    "Bobby Tables",
                ],
                &format!("wti_tok\n{pw}\n"),
                routes(
                    Reply::json(200, verify_json(false)),
                    Reply::json(201, accept_json()),
                ),
            )
            .await;
            let (code, msg) = r.failure();
            assert_eq!(code, 1, "{pw}: {msg}");
            assert!(msg.contains(why), "{pw}: {msg}");
            let seen = r.stub.requests();
            assert_eq!(seen.len(), 1, "{pw}: only the verify was sent");
            assert_eq!(seen[0].path, VERIFY);
        }
    }

    #[tokio::test]
    async fn accept_new_account_under_no_input_without_name_names_the_flag_before_accepting() {
        let r = run_wt_logged_out(
            &[
                "wt",
                "invite",
                "accept",
                "--token-stdin",
                "--password-stdin",
                "--no-input",
            ],
            "wti_tok\npw\n",
            routes(
                Reply::json(200, verify_json(false)),
                Reply::json(201, accept_json()),
            ),
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("--name"), "{msg}");
        assert_eq!(r.stub.requests().len(), 1);
    }
}
