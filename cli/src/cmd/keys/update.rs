//! `wt keys update ID [--name N] [--owner EMAIL] [--allow CIDR]... [--clear-allow]
//! [--rate R [--burst N]] [--release]`.

use super::common::{key_path, print_key};
use crate::client::id_segment;
use crate::cmd::common::{check_email, cidr_arg};
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::{ApiKey, ApiKeyUpdateRequest};

pub const ABOUT: &str =
    "Change the name, owner, allowed CIDRs or rate limit of an ingestion API key";
pub const LONG_ABOUT: &str = "\
Change an ingestion API key (owners and admins): its name, its owner (the member
responsible for rotating it), or the source networks it may be used from. Give at least
one change. --allow (repeatable) REPLACES the key's list with the networks given;
--clear-allow empties it (the key then works from any address the org's allowed IPs let
in). The environment, the secret and the expiry can't be changed: create or rotate a key.

--rate sets the key's own rate limit, COUNT/UNIT with UNIT s, min or h (500/s,
30000/min, 100/h); --burst is how many requests it may send at once (default: one
period's worth). Over the limit, ingestion and the gateway's authorize answer 429 with
Retry-After and the RateLimit-Policy / RateLimit headers; throttled requests are counted
(`wt keys show`). --rate none removes the key's limit (the org's default, `wt org set
key-rate`, applies again). The change applies to the next request. Limits are counted per
daemon: with several daemons behind a load balancer a key may send up to that many times
its limit.

--release lifts a quarantine (the org's leak policy quarantines reported keys instead of
revoking them): only for a report that was a false positive.

JSON (--output json): the updated ApiKey object as the API sends it: {id, name,
environment, prefix, last4, status, owner {id, email}, created_by {id, email}, created_at,
expires_at, revoked_at, allowed_cidrs, rotated_from, rotated_to, grace_until,
last_used_at, last_used_ip, use_count, browser_use, rate_limit {rate, burst}, throttled
{count, last_at}, leaked_at, leak_source, quarantined_at}.

Examples:
  wt keys update key_3kT9abcdEFGH1234 --owner carol@example.com
  wt keys update key_3kT9abcdEFGH1234 --allow 10.0.0.0/8 --allow 192.0.2.7
  wt keys update key_3kT9abcdEFGH1234 --clear-allow
  wt keys update key_3kT9abcdEFGH1234 --rate 500/s --burst 1000
  wt keys update key_3kT9abcdEFGH1234 --rate none
  wt keys update key_3kT9abcdEFGH1234 --release";

/// `wt keys update` options.
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("change")
        .required(true)
        .multiple(true)
        .args(["name", "owner", "allow", "clear_allow", "rate", "release"])
))]
pub struct UpdateArgs {
    /// The key id (see `wt keys list`)
    #[arg(value_name = "ID")]
    pub id: String,

    /// A new name
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Email of the new owner (the member responsible for rotating the key)
    #[arg(long, value_name = "EMAIL", value_parser = check_email)]
    pub owner: Option<String>,

    /// Replace the allowed source networks with these (repeat for several)
    #[arg(long = "allow", value_name = "CIDR", value_parser = cidr_arg, conflicts_with = "clear_allow")]
    pub allow: Vec<String>,

    /// Remove every allowed source network (the org's allowed IPs still apply)
    #[arg(long)]
    pub clear_allow: bool,

    /// The key's rate limit: COUNT/UNIT (500/s, 30000/min, 100/h), or `none`
    #[arg(long, value_name = "RATE")]
    pub rate: Option<String>,

    /// Requests the key may send at once (with --rate; default: COUNT)
    #[arg(long, value_name = "N", requires = "rate")]
    pub burst: Option<u32>,

    /// Lift the key's quarantine (a leak report that was a false positive)
    #[arg(long)]
    pub release: bool,
}

impl UpdateArgs {
    /// The PATCH body: only what was given.
    fn request(&self) -> Result<ApiKeyUpdateRequest, CliError> {
        let name = match &self.name {
            Some(n) if n.trim().is_empty() => {
                return Err(CliError::Usage("--name must not be empty".into()));
            }
            Some(n) => Some(n.trim().to_string()),
            None => None,
        };
        let allowed_cidrs = if self.clear_allow {
            Some(Vec::new())
        } else if self.allow.is_empty() {
            None
        } else {
            Some(self.allow.clone())
        };
        let rate = match self.rate.as_deref().map(str::trim) {
            Some("none") if self.burst.is_some() => {
                return Err(CliError::Usage("--burst: not with --rate none".into()));
            }
            Some("none") => Some("none".to_string()),
            Some(r) => {
                // Checked here too, so a typo fails before any request.
                wt_core::ratelimit::KeyRate::parse(r, self.burst)
                    .map_err(|e| CliError::Usage(format!("--{e}")))?;
                Some(r.to_string())
            }
            None => None,
        };
        Ok(ApiKeyUpdateRequest {
            name,
            owner_email: self.owner.clone(),
            allowed_cidrs,
            rate,
            burst: self.burst,
            release: self.release.then_some(true),
        })
    }
}

/// Updates a key.
pub async fn run(args: UpdateArgs, ctx: &Ctx) -> Result<(), CliError> {
    let id = id_segment(&args.id, "ID")?;
    let req = args.request()?;
    let (token, _) = ctx.bearer().await?;
    let key: ApiKey = ctx
        .client()?
        .patch(&key_path(id), &req, Some(&token))
        .await?;
    print_key(ctx, &key)
}

#[cfg(test)]
mod tests {
    use crate::cmd::keys::common::tests::key_json;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    const PATH: &str = "/api/v1/orgs/api-keys/key_1";

    fn updated() -> Vec<(&'static str, &'static str, Reply)> {
        vec![("PATCH", PATH, Reply::json(200, key_json("key_1", "active")))]
    }

    #[test]
    fn update_needs_a_change_and_not_both_allow_and_clear_allow() {
        for argv in [
            &["wt", "keys", "update", "key_1"][..],
            &[
                "wt",
                "keys",
                "update",
                "key_1",
                "--allow",
                "10.0.0.0/8",
                "--clear-allow",
            ],
            &["wt", "keys", "update", "key_1", "--allow", "10.0.0.300/8"],
            &["wt", "keys", "update", "key_1", "--owner", "not-an-email"],
        ] {
            assert_eq!(
                parse_from(argv).err().map(|e| e.exit_code()),
                Some(2),
                "{argv:?}"
            );
        }
    }

    #[tokio::test]
    async fn update_patches_only_the_fields_given() {
        let r = run_wt(
            &[
                "wt",
                "keys",
                "update",
                "key_1",
                "--owner",
                "carol@example.com",
                "--allow",
                "10.0.0.0/8",
                "--allow",
                "192.0.2.7",
                "--output",
                "json",
            ],
            "",
            updated(),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(0),
            serde_json::json!({"owner_email": "carol@example.com", "allowed_cidrs": ["10.0.0.0/8", "192.0.2.7"]})
        );
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, key_json("key_1", "active"));
    }

    #[tokio::test]
    async fn clear_allow_sends_an_empty_list_and_name_is_trimmed() {
        let r = run_wt(
            &[
                "wt",
                "keys",
                "update",
                "key_1",
                "--clear-allow",
                "--name",
                " edge ",
            ],
            "",
            updated(),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(0),
            serde_json::json!({"name": "edge", "allowed_cidrs": []})
        );
    }
}
