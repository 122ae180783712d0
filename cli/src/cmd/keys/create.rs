//! `wt keys create --env ENV --name N --owner EMAIL [--allow CIDR]... [--expires T]`.

use super::common::{EnvArg, KEYS_PATH, masked, parse_expires_arg, print_secret};
use crate::cmd::common::{check_email, cidr_arg};
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::{ApiKeyCreateRequest, ApiKeyCreated};
use zeroize::Zeroize;

pub const ABOUT: &str = "Create an ingestion API key (the secret is printed once)";
pub const LONG_ABOUT: &str = "\
Create an ingestion API key (owners and admins) bound to one environment, with a name, an
owner (the member responsible for rotating it), optionally the source CIDRs it may be used
from and an expiry.

The secret is printed ONCE, alone on stdout, so it can go straight to a file or a secret
manager; the summary and a reminder go to stderr. The server keeps only a hash: a lost
secret can't be shown again (rotate the key instead).

--allow takes a network (10.0.0.0/8, 2001:db8::/32) or a single address (192.0.2.7) and
may be repeated; without it the key works from any address the org's allowed IPs let in.
--expires takes RFC 3339 (2027-01-01T00:00:00Z, any offset) or a duration from now: 30m,
24h, 90d, 1h30m (converted to UTC before sending).

JSON (--output json): the ApiKeyCreated object, the only time the secret is in an answer:
{id, name, environment, prefix, last4, status, owner {id, email}, created_by {id, email},
created_at, expires_at, revoked_at, allowed_cidrs, rotated_from, rotated_to, grace_until,
last_used_at, last_used_ip, use_count, browser_use, secret}.

Examples:
  wt keys create --env production --name billing-prod --owner bob@example.com > billing.key
  wt keys create --env sandbox --name ci --owner bob@example.com --allow 10.0.0.0/8 --expires 90d
  wt keys create --env production --name edge --owner bob@example.com --output json | jq -r .secret";

/// `wt keys create` options.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The environment the key is for
    #[arg(long, value_enum, value_name = "ENV")]
    pub env: EnvArg,

    /// A name saying what uses the key (e.g. billing-prod)
    #[arg(long, value_name = "NAME")]
    pub name: String,

    /// Email of the member responsible for rotating the key
    #[arg(long, value_name = "EMAIL", value_parser = check_email)]
    pub owner: String,

    /// A source network the key may be used from (repeat for several)
    #[arg(long = "allow", value_name = "CIDR", value_parser = cidr_arg)]
    pub allow: Vec<String>,

    /// When the key stops working: RFC 3339 or a duration from now (30m, 24h, 90d)
    #[arg(long, value_name = "T", value_parser = parse_expires_arg)]
    pub expires: Option<String>,
}

impl CreateArgs {
    /// The request these options ask for.
    fn request(&self) -> Result<ApiKeyCreateRequest, CliError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(CliError::Usage("--name must not be empty".into()));
        }
        Ok(ApiKeyCreateRequest {
            name: name.to_string(),
            environment: self.env.env(),
            owner_email: self.owner.clone(),
            allowed_cidrs: self.allow.clone(),
            expires_at: self.expires.clone(),
        })
    }
}

/// Creates a key and prints its secret once.
pub async fn run(args: CreateArgs, ctx: &Ctx) -> Result<(), CliError> {
    let req = args.request()?;
    let (token, _) = ctx.bearer().await?;
    let mut created: ApiKeyCreated = ctx.client()?.post(KEYS_PATH, &req, Some(&token)).await?;
    let key = &created.key;
    let mut summary = vec![format!(
        "Created {} key {} ({}, {}), owner {}.",
        key.environment,
        key.id,
        key.name,
        masked(key),
        key.owner.email
    )];
    if let Some(exp) = &key.expires_at {
        summary.push(format!("It expires at {exp}."));
    }
    let printed = print_secret(ctx, &created, &created.secret, &summary);
    created.secret.zeroize();
    printed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Command;
    use crate::cmd::keys::KeysCommand;
    use crate::cmd::keys::common::tests::{key_json, with_secret};
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    const PATH: &str = "/api/v1/orgs/api-keys";
    const SECRET: &str = "wtk_live_S3cretBodyOfTheKey0000000000000000003f9a";

    fn parse(argv: &[&str]) -> Result<CreateArgs, clap::Error> {
        parse_from(argv).map(|cli| match cli.command {
            Command::Keys(KeysCommand::Create(a)) => a,
            other => panic!("parsed as {other:?}"),
        })
    }

    fn created() -> Reply {
        Reply::json(201, with_secret(key_json("key_1", "active"), SECRET))
    }

    #[test]
    fn create_needs_env_name_and_owner_and_checks_values_locally() {
        for argv in [
            &[
                "wt",
                "keys",
                "create",
                "--name",
                "n",
                "--owner",
                "b@example.com",
            ][..],
            &[
                "wt",
                "keys",
                "create",
                "--env",
                "production",
                "--owner",
                "b@example.com",
            ],
            &["wt", "keys", "create", "--env", "production", "--name", "n"],
            &[
                "wt",
                "keys",
                "create",
                "--env",
                "prod",
                "--name",
                "n",
                "--owner",
                "b@example.com",
            ],
            &[
                "wt", "keys", "create", "--env", "sandbox", "--name", "n", "--owner", "bob",
            ],
            &[
                "wt",
                "keys",
                "create",
                "--env",
                "sandbox",
                "--name",
                "n",
                "--owner",
                "b@example.com",
                "--allow",
                "10.0.0.0/33",
            ],
            &[
                "wt",
                "keys",
                "create",
                "--env",
                "sandbox",
                "--name",
                "n",
                "--owner",
                "b@example.com",
                "--expires",
                "next week",
            ],
            &[
                "wt",
                "keys",
                "create",
                "--env",
                "sandbox",
                "--name",
                "n",
                "--owner",
                "b@example.com",
                "--secret",
                "x",
            ],
        ] {
            let code = parse(argv).err().map(|e| e.exit_code());
            assert_eq!(code, Some(2), "{argv:?}");
        }
    }

    #[tokio::test]
    async fn create_maps_flags_to_the_request_body() {
        let r = run_wt(
            &[
                "wt",
                "keys",
                "create",
                "--env",
                "production",
                "--name",
                " billing-prod ",
                "--owner",
                "bob@example.com",
                "--allow",
                "10.0.0.0/8",
                "--allow",
                " 2001:db8::/32",
                "--allow",
                "192.0.2.7",
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
                "name": "billing-prod",
                "environment": "production",
                "owner_email": "bob@example.com",
                "allowed_cidrs": ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"],
                "expires_at": "2027-01-01T00:00:00Z"
            })
        );
        assert_eq!(
            r.stub.requests()[0].authorization.as_deref(),
            Some("Bearer wts_abc123")
        );
    }

    #[tokio::test]
    async fn create_sends_a_relative_expiry_as_utc_rfc3339_and_no_cidrs_as_empty() {
        let r = run_wt(
            &[
                "wt",
                "keys",
                "create",
                "--env",
                "sandbox",
                "--name",
                "ci",
                "--owner",
                "bob@example.com",
                "--expires",
                "90d",
            ],
            "",
            vec![("POST", PATH, created())],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let body = r.body(0);
        assert_eq!(body["environment"], "sandbox");
        assert_eq!(body["allowed_cidrs"], serde_json::json!([]));
        let sent = body["expires_at"].as_str().unwrap_or_default().to_string();
        assert!(sent.ends_with('Z'), "{sent}");
        let at = time::OffsetDateTime::parse(&sent, &time::format_description::well_known::Rfc3339)
            .map_err(|e| e.to_string())
            .unwrap();
        let ahead = at - time::OffsetDateTime::now_utc();
        assert!((ahead.whole_seconds() - 90 * 86_400).abs() < 60, "{sent}");
    }

    #[tokio::test]
    async fn table_output_prints_the_secret_alone_on_stdout_and_nowhere_else() {
        let r = run_wt(
            &[
                "wt",
                "keys",
                "create",
                "--env",
                "production",
                "--name",
                "billing-prod",
                "--owner",
                "bob@example.com",
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
            r.err.contains("key_1") && r.err.contains("wtk_live_…3f9a"),
            "{}",
            r.err
        );
        assert!(r.err.contains("shown only once"), "{}", r.err);
    }

    #[tokio::test]
    async fn json_output_is_the_created_key_with_its_secret() {
        let r = run_wt(
            &[
                "wt",
                "keys",
                "create",
                "--env",
                "production",
                "--name",
                "billing-prod",
                "--owner",
                "bob@example.com",
                "--output",
                "json",
            ],
            "",
            vec![("POST", PATH, created())],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, with_secret(key_json("key_1", "active"), SECRET));
        assert!(!r.err.contains(SECRET));
    }

    #[tokio::test]
    async fn an_unknown_owner_is_the_servers_validation_message_exit_1() {
        let r = run_wt(
            &[
                "wt",
                "keys",
                "create",
                "--env",
                "production",
                "--name",
                "n",
                "--owner",
                "nobody@example.com",
            ],
            "",
            vec![("POST", PATH, Reply::problem(422, "validation_failed"))],
        )
        .await;
        assert_eq!(r.failure(), (1, "detail for validation_failed".to_string()));
        assert!(r.out.is_empty());
    }
}
