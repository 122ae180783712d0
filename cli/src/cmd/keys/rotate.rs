//! `wt keys rotate ID [--grace DURATION]`: a successor key, the old one ending after a
//! grace period.

use super::common::{DEFAULT_GRACE, key_path, masked, parse_grace, print_secret};
use crate::client::id_segment;
use crate::output::{describe_expiry, describe_span};
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::{ApiKeyRotateRequest, ApiKeyRotated, codes};
use zeroize::Zeroize;

pub const ABOUT: &str =
    "Rotate an ingestion API key (new secret printed once; old key ends after --grace)";
pub const LONG_ABOUT: &str = "\
Rotate an ingestion API key (owners and admins): the server creates a successor with the
same name, environment, owner, allowed CIDRs and expiry, and the old key keeps working for
a grace period so clients can move over. --grace takes 0 or a duration: 2s, 15m, 24h, 7d,
1h30m (default 24h; never beyond the old key's own expiry). Use --grace 0 after an
exposure: the old key stops working at once.

The new secret is printed ONCE, alone on stdout (for a file or a secret manager); the new
key's id and when the old key stops working go to stderr. Only an active key can be
rotated: an expired, revoked or already rotating key is refused (exit 1). While the old
key is in its grace period, `wt keys show OLD_ID` tells whether it is still being used.

JSON (--output json): the ApiKeyRotated object: the new key's ApiKey fields {id, name,
environment, prefix, last4, status, owner {id, email}, created_by {id, email}, created_at,
expires_at, revoked_at, allowed_cidrs, rotated_from, rotated_to, grace_until,
last_used_at, last_used_ip, use_count, browser_use} plus secret, previous_id and
previous_expires_at (when the old key stops working).

Examples:
  wt keys rotate key_3kT9abcdEFGH1234 > new.key
  wt keys rotate key_3kT9abcdEFGH1234 --grace 0          # exposed: the old key dies now
  wt keys rotate key_3kT9abcdEFGH1234 --grace 7d --output json | jq -r .secret";

/// `wt keys rotate` options.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The key id (see `wt keys list`)
    #[arg(value_name = "ID")]
    pub id: String,

    /// How long the old key keeps working: 0 (stop now) or a duration (2s, 15m, 24h, 7d)
    #[arg(long, value_name = "DURATION", value_parser = parse_grace, default_value = DEFAULT_GRACE)]
    pub grace: u64,
}

/// Rotates a key and prints the new secret once.
pub async fn run(args: RotateArgs, ctx: &Ctx) -> Result<(), CliError> {
    let id = id_segment(&args.id, "ID")?;
    let req = ApiKeyRotateRequest {
        grace_seconds: Some(args.grace),
    };
    let (token, _) = ctx.bearer().await?;
    let mut rotated: ApiKeyRotated = ctx
        .client()?
        .post(&format!("{}/rotate", key_path(id)), &req, Some(&token))
        .await
        .map_err(|e| {
            if e.is_api_code(codes::CONFLICT) {
                CliError::Other(format!(
                    "key {id} can't be rotated: {e} (only an active key can be; see `wt keys show {id}`)"
                ))
            } else {
                e
            }
        })?;
    let now = time::OffsetDateTime::now_utc();
    let key = &rotated.key;
    let old_end = if args.grace == 0 {
        format!("The old key {} stopped working now.", rotated.previous_id)
    } else {
        format!(
            "The old key {} keeps working until {} (grace {}): move its clients to the new secret before then.",
            rotated.previous_id,
            describe_expiry(&rotated.previous_expires_at, now),
            grace_text(args.grace),
        )
    };
    let summary = vec![
        format!(
            "New {} key {} ({}) replaces {}.",
            key.environment,
            key.id,
            masked(key),
            rotated.previous_id
        ),
        old_end,
    ];
    let printed = print_secret(ctx, &rotated, &rotated.secret, &summary);
    rotated.secret.zeroize();
    printed
}

/// The grace period for people: `30s`, `15m`, `1d 0h`.
fn grace_text(secs: u64) -> String {
    if secs < 60 {
        format!("{secs}s")
    } else {
        describe_span(i64::try_from(secs).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Command;
    use crate::cmd::keys::KeysCommand;
    use crate::cmd::keys::common::tests::{key_json, with_secret};
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    const PATH: &str = "/api/v1/orgs/api-keys/key_old/rotate";
    const SECRET: &str = "wtk_live_N3wSecretBodyOfTheKey000000000000000077aa";

    fn parse(argv: &[&str]) -> Result<RotateArgs, clap::Error> {
        parse_from(argv).map(|cli| match cli.command {
            Command::Keys(KeysCommand::Rotate(a)) => a,
            other => panic!("parsed as {other:?}"),
        })
    }

    fn rotated(expires: &str) -> Reply {
        let mut v = with_secret(key_json("key_new", "active"), SECRET);
        v["rotated_from"] = serde_json::json!("key_old");
        v["previous_id"] = serde_json::json!("key_old");
        v["previous_expires_at"] = serde_json::json!(expires);
        Reply::json(201, v)
    }

    #[test]
    fn grace_defaults_to_a_day_and_accepts_0_and_durations() {
        let g = |argv: &[&str]| parse(argv).map(|a| a.grace).map_err(|e| e.exit_code());
        assert_eq!(g(&["wt", "keys", "rotate", "key_old"]), Ok(86_400));
        assert_eq!(
            g(&["wt", "keys", "rotate", "key_old", "--grace", "0"]),
            Ok(0)
        );
        assert_eq!(
            g(&["wt", "keys", "rotate", "key_old", "--grace", "2s"]),
            Ok(2)
        );
        assert_eq!(
            g(&["wt", "keys", "rotate", "key_old", "--grace", "15m"]),
            Ok(900)
        );
        assert_eq!(
            g(&["wt", "keys", "rotate", "key_old", "--grace", "7d"]),
            Ok(604_800)
        );
        assert_eq!(
            g(&["wt", "keys", "rotate", "key_old", "--grace", "1h30m"]),
            Ok(5_400)
        );
        for bad in ["1", "5mm", "-5m", "soon", "500ms", ""] {
            assert_eq!(
                g(&["wt", "keys", "rotate", "key_old", "--grace", bad]),
                Err(2),
                "{bad}"
            );
        }
    }

    #[tokio::test]
    async fn rotate_sends_the_default_grace_of_86400_seconds() {
        let r = run_wt(
            &["wt", "keys", "rotate", "key_old", "--output", "json"],
            "",
            vec![("POST", PATH, rotated("2030-01-02T00:00:00Z"))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.body(0), serde_json::json!({"grace_seconds": 86400}));
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed["secret"], SECRET);
        assert_eq!(printed["previous_id"], "key_old");
        assert_eq!(printed["id"], "key_new");
    }

    #[tokio::test]
    async fn grace_0_is_sent_as_0_and_says_the_old_key_stopped() {
        let r = run_wt(
            &[
                "wt", "keys", "rotate", "key_old", "--grace", "0", "--output", "table",
            ],
            "",
            vec![("POST", PATH, rotated("2026-01-01T00:00:00Z"))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.body(0), serde_json::json!({"grace_seconds": 0}));
        assert!(r.err.contains("key_old stopped working now"), "{}", r.err);
    }

    #[tokio::test]
    async fn table_output_prints_the_new_secret_alone_and_the_old_keys_end_on_stderr() {
        let r = run_wt(
            &[
                "wt", "keys", "rotate", "key_old", "--grace", "15m", "--output", "table",
            ],
            "",
            vec![("POST", PATH, rotated("2030-01-01T00:15:00Z"))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.body(0), serde_json::json!({"grace_seconds": 900}));
        assert_eq!(r.out, format!("{SECRET}\n"));
        assert!(!r.err.contains(SECRET), "{}", r.err);
        assert!(
            r.err.contains("key_new") && r.err.contains("replaces key_old"),
            "{}",
            r.err
        );
        assert!(
            r.err.contains("keeps working until 2030-01-01T00:15:00Z"),
            "{}",
            r.err
        );
        assert!(r.err.contains("shown only once"), "{}", r.err);
    }

    #[tokio::test]
    async fn rotating_a_key_that_is_already_rotating_exits_1_and_says_why() {
        let r = run_wt(
            &["wt", "keys", "rotate", "key_old"],
            "",
            vec![("POST", PATH, Reply::problem(409, "conflict"))],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 1);
        assert!(msg.contains("key_old can't be rotated"), "{msg}");
        assert!(msg.contains("detail for conflict"), "{msg}");
        assert!(r.out.is_empty());
    }
}
