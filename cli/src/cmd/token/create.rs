//! `wt token create --name N --role R --expires T`: a new automation token, printed once.

use super::common::TOKENS_PATH;
use crate::cmd::common::{parse_expires_arg, print_secret, role_parser};
use crate::stepup::{StepUpArgs, with_step_up};
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::{AccessTokenCreateRequest, AccessTokenCreated, Role, Scope};
use zeroize::Zeroize;

pub const ABOUT: &str = "Create an automation token (the secret is printed once)";
pub const LONG_ABOUT: &str = "\
Create an automation token (owners and admins) for a CI job or a script: a bearer token
used as WT_TOKEN, with a name, a role and an expiry.

The token is usable as WT_TOKEN for every `wt` command: it acts for you, with the lower of
its role and your current role, and is subject to the org's allowed IPs (a CI runner
outside them gets exit 4). It cannot change passwords or MFA, org settings, or anything
that needs a recent sign-in (allowed IPs, removing members, making admins), or manage
automation tokens. It stops when you leave the org, and is revoked when your password is
reset or changed, your MFA is reset or turned off, or your sessions are ended. A viewer token can run `wt check` and read what viewers read,
but change nothing: give a CI job the lowest role that does its work.

--scope (repeatable) lets the token call a service endpoint made for it: keys:verify
(POST /api/v1/keys/verify, for a service that checks ingestion keys in code),
events:read, audit:read, readiness:read. Scopes restrict, they never extend: an endpoint
that names a scope answers only tokens holding it, and only while the token's role (the
lower of its own and yours, now) has the scope's permission (keys:verify and events:read
need a role that reads keys: analyst or above); every other route keeps the role rules,
so a token without scopes works as before.

--role is at most your own role (a higher one is refused, exit 4). --expires is required
(tokens always expire, at most a year ahead): RFC 3339 (2027-01-01T00:00:00Z, any offset)
or a duration from now: 30m, 24h, 90d, 1h30m (converted to UTC before
sending).

The secret (`wtat_...`) is printed ONCE, alone on stdout, so it can go straight to a file
or your CI secret store; the summary and a reminder go to stderr. The server keeps only a
hash: a lost secret can't be shown again (revoke the token and create another).

Creating a token needs a recent sign-in: when the server asks for one, wt asks for your password
(and a code when MFA is on), then sends the change again. For scripts: --password-stdin
reads the password from line 1 of stdin, --code-stdin the code (line 2 with
--password-stdin); without them under --no-input, the command fails with exit 2.

JSON (--output json): the AccessTokenCreated object, the only time the secret is in an
answer: {id, name, role, status, created_by (email), created_at, expires_at, revoked_at,
last_used_at, last_used_ip, scopes, secret}.

Examples:
  wt token create --name ci-readiness --role viewer --expires 90d > ci.token
  wt token create --name ingest-gateway --role analyst --expires 90d --scope keys:verify
  wt token create --name deploy --role admin --expires 2027-01-01T00:00:00Z --output json | jq -r .secret
  WT_TOKEN=\"$(cat ci.token)\" wt check";

/// `wt token create` options.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// A name saying what uses the token (e.g. ci-readiness)
    #[arg(long, value_name = "NAME")]
    pub name: String,

    /// The role the token acts with (at most your own)
    #[arg(long, value_name = "ROLE", value_parser = role_parser())]
    pub role: Role,

    /// When the token stops working: RFC 3339 or a duration from now (30m, 24h, 90d)
    #[arg(long, value_name = "T", value_parser = parse_expires_arg)]
    pub expires: String,

    /// A service endpoint the token may call (repeatable): keys:verify, events:read,
    /// audit:read, readiness:read
    #[arg(long = "scope", value_name = "SCOPE", value_parser = scope_parser)]
    pub scopes: Vec<Scope>,

    #[command(flatten)]
    pub step_up: StepUpArgs,
}

/// Parses one scope of the closed list (wt_core::scopes), naming the list when unknown.
fn scope_parser(s: &str) -> Result<Scope, String> {
    Scope::parse(s.trim()).ok_or_else(|| {
        let all: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
        format!("unknown scope; one of: {}", all.join(", "))
    })
}

impl CreateArgs {
    /// The request these options ask for.
    fn request(&self) -> Result<AccessTokenCreateRequest, CliError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(CliError::Usage("--name must not be empty".into()));
        }
        Ok(AccessTokenCreateRequest {
            name: name.to_string(),
            role: self.role,
            expires_at: self.expires.clone(),
            scopes: self.scopes.clone(),
        })
    }
}

/// Creates a token and prints its secret once.
pub async fn run(args: CreateArgs, ctx: &Ctx) -> Result<(), CliError> {
    let req = args.request()?;
    let (bearer, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let mut created: AccessTokenCreated = with_step_up(ctx, &bearer, args.step_up, async || {
        client.post(TOKENS_PATH, &req, Some(&bearer)).await
    })
    .await?;
    let t = &created.token;
    let summary = vec![
        format!(
            "Created automation token {} ({}), role {}, expires at {}.",
            t.id, t.name, t.role, t.expires_at
        ),
        "Use it as WT_TOKEN (e.g. from your CI secret store): WT_TOKEN=... wt check".to_string(),
    ];
    let printed = print_secret(ctx, &created, &created.secret, &summary);
    created.secret.zeroize();
    printed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Command;
    use crate::cmd::token::TokenCommand;
    use crate::cmd::token::common::tests::token_json;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    const PATH: &str = "/api/v1/orgs/access-tokens";
    const SECRET: &str = "wtat_S3cretBodyOfTheToken00000000000000000000";

    fn parse(argv: &[&str]) -> Result<CreateArgs, clap::Error> {
        parse_from(argv).map(|cli| match cli.command {
            Command::Token(TokenCommand::Create(a)) => a,
            other => panic!("parsed as {other:?}"),
        })
    }

    fn created_json() -> serde_json::Value {
        let mut t = token_json("tok_1", "viewer", "active");
        t["secret"] = serde_json::json!(SECRET);
        t["last_used_at"] = serde_json::Value::Null;
        t["last_used_ip"] = serde_json::Value::Null;
        t
    }

    fn created() -> Reply {
        Reply::json(201, created_json())
    }

    #[test]
    fn create_needs_name_role_and_expires_and_checks_them_locally() {
        let base = ["wt", "token", "create"];
        for extra in [
            &["--role", "viewer", "--expires", "90d"][..],
            &["--name", "ci", "--expires", "90d"],
            &["--name", "ci", "--role", "viewer"],
            &["--name", "ci", "--role", "root", "--expires", "90d"],
            &["--name", "ci", "--role", "viewer", "--expires", "soon"],
            &[
                "--name",
                "ci",
                "--role",
                "viewer",
                "--expires",
                "2020-01-01T00:00:00Z",
            ],
            &[
                "--name",
                "ci",
                "--role",
                "viewer",
                "--expires",
                "90d",
                "--secret",
                "x",
            ],
        ] {
            let argv: Vec<&str> = base.iter().chain(extra).copied().collect();
            let code = parse(&argv).err().map(|e| e.exit_code());
            assert_eq!(code, Some(2), "{argv:?}");
        }
        let a = parse(&[
            "wt",
            "token",
            "create",
            "--name",
            "ci",
            "--role",
            "risk_lead",
            "--expires",
            "24h",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        assert_eq!(a.role, Role::RiskLead);
    }

    #[tokio::test]
    async fn create_sends_name_role_and_a_utc_expiry() {
        let r = run_wt(
            &[
                "wt",
                "token",
                "create",
                "--name",
                " ci-readiness ",
                "--role",
                "viewer",
                "--expires",
                "2027-01-01T02:00:00+02:00",
                "--output",
                "json",
            ],
            "",
            vec![("POST", PATH, created())],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(0),
            serde_json::json!({
                "name": "ci-readiness",
                "role": "viewer",
                "expires_at": "2027-01-01T00:00:00Z"
            })
        );
        assert_eq!(
            r.stub.requests()[0].authorization.as_deref(),
            Some("Bearer wts_abc123")
        );
    }

    #[tokio::test]
    async fn a_relative_expiry_is_sent_as_now_plus_the_duration() {
        let r = run_wt(
            &[
                "wt",
                "token",
                "create",
                "--name",
                "ci",
                "--role",
                "viewer",
                "--expires",
                "90d",
            ],
            "",
            vec![("POST", PATH, created())],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let sent = r.body(0)["expires_at"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let at = time::OffsetDateTime::parse(&sent, &time::format_description::well_known::Rfc3339)
            .map_err(|e| e.to_string())
            .unwrap();
        let ahead = at - time::OffsetDateTime::now_utc();
        assert!((ahead.whole_seconds() - 90 * 86_400).abs() < 60, "{sent}");
        assert!(sent.ends_with('Z'), "{sent}");
    }

    #[tokio::test]
    async fn table_output_prints_the_secret_alone_on_stdout() {
        let r = run_wt(
            &[
                "wt",
                "token",
                "create",
                "--name",
                "ci",
                "--role",
                "viewer",
                "--expires",
                "90d",
                "--output",
                "table",
            ],
            "",
            vec![("POST", PATH, created())],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.out, format!("{SECRET}\n"));
        assert!(!r.err.contains(SECRET), "{}", r.err);
        assert!(
            r.err.contains("tok_1") && r.err.contains("role viewer"),
            "{}",
            r.err
        );
        assert!(r.err.contains("WT_TOKEN"), "{}", r.err);
        assert!(r.err.contains("shown only once"), "{}", r.err);
    }

    #[tokio::test]
    async fn json_output_is_the_created_token_with_its_secret() {
        let r = run_wt(
            &[
                "wt",
                "token",
                "create",
                "--name",
                "ci",
                "--role",
                "viewer",
                "--expires",
                "90d",
                "--output",
                "json",
            ],
            "",
            vec![("POST", PATH, created())],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, created_json());
        assert!(!r.err.contains(SECRET));
    }

    #[tokio::test]
    async fn a_role_above_yours_is_permission_denied_exit_4() {
        let r = run_wt(
            &[
                "wt",
                "token",
                "create",
                "--name",
                "ci",
                "--role",
                "owner",
                "--expires",
                "90d",
            ],
            "",
            vec![("POST", PATH, Reply::problem(403, "forbidden"))],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 4);
        assert!(msg.contains("detail for forbidden"), "{msg}");
        assert!(r.out.is_empty());
    }

    #[tokio::test]
    async fn a_blank_name_is_refused_before_sending() {
        let r = run_wt(
            &[
                "wt",
                "token",
                "create",
                "--name",
                "  ",
                "--role",
                "viewer",
                "--expires",
                "90d",
            ],
            "",
            vec![("POST", PATH, created())],
        )
        .await;
        assert_eq!(r.failure().0, 2);
        assert!(r.stub.requests().is_empty());
    }

    #[tokio::test]
    async fn scopes_are_repeatable_sent_and_checked_locally() {
        let r = run_wt(
            &[
                "wt",
                "token",
                "create",
                "--name",
                "gw",
                "--role",
                "analyst",
                "--expires",
                "2027-01-01T00:00:00Z",
                "--scope",
                "keys:verify",
                "--scope",
                "readiness:read",
                "--output",
                "json",
            ],
            "",
            vec![("POST", PATH, created())],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(0)["scopes"],
            serde_json::json!(["keys:verify", "readiness:read"])
        );
        let bad = parse(&[
            "wt",
            "token",
            "create",
            "--name",
            "gw",
            "--role",
            "analyst",
            "--expires",
            "90d",
            "--scope",
            "keys:write",
        ]);
        let err = bad.err().map(|e| (e.exit_code(), e.to_string()));
        assert!(
            err.as_ref()
                .is_some_and(|(c, m)| *c == 2 && m.contains("keys:verify")),
            "{err:?}"
        );
    }

    #[test]
    fn the_created_token_never_shows_its_secret_in_debug() {
        let t: AccessTokenCreated = serde_json::from_value(created_json())
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(!format!("{t:?}").contains(SECRET));
    }

    #[tokio::test]
    async fn create_signs_in_again_from_stdin_when_the_server_asks_and_retries_once() {
        let r = run_wt(
            &[
                "wt",
                "token",
                "create",
                "--name",
                "ci",
                "--role",
                "viewer",
                "--expires",
                "90d",
                "--password-stdin",
                "--no-input",
            ],
            "the password\n",
            vec![
                ("POST", PATH, Reply::problem(403, "step_up_required")),
                ("POST", PATH, created()),
                (
                    "POST",
                    "/api/v1/auth/step-up",
                    Reply::json(200, serde_json::json!({"until": "2030-01-01T00:00:00Z"})),
                ),
            ],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let seen: Vec<String> = r
            .stub
            .requests()
            .iter()
            .map(|q| format!("{} {}", q.method, q.path))
            .collect();
        assert_eq!(
            seen,
            [
                format!("POST {PATH}"),
                "POST /api/v1/auth/step-up".to_string(),
                format!("POST {PATH}"),
            ]
        );
        assert!(r.out.contains(SECRET), "{}", r.out);
    }

    #[tokio::test]
    async fn create_under_no_input_without_the_password_flag_names_it() {
        let r = run_wt(
            &[
                "wt",
                "token",
                "create",
                "--name",
                "ci",
                "--role",
                "viewer",
                "--expires",
                "90d",
                "--no-input",
            ],
            "",
            vec![("POST", PATH, Reply::problem(403, "step_up_required"))],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("--password-stdin"), "{msg}");
    }
}
