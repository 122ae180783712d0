//! What the `wt keys` subcommands share: the `--env` and `--status` values, parsing of
//! `--grace`, and how a key is shown (never more than `prefix…last4`). Parsing `--expires`
//! and printing a secret that is shown once are shared with `wt token`
//! ([`crate::cmd::common`]) and re-exported here.

use crate::cmd::common::parse_duration_secs;
pub use crate::cmd::common::{SHOWN_ONCE, parse_expires_arg, parse_expires_at, print_secret};
use crate::output::{Io, describe_ago, describe_expiry};
use crate::{CliError, Ctx};
use time::OffsetDateTime;
use wt_api::{ApiKey, ApiKeyStatus, Environment};

/// `GET` (list) and `POST` (create) ingestion keys; `/{id}` for one key.
pub const KEYS_PATH: &str = "/orgs/api-keys";

/// `--grace` when not given: the old key keeps working for a day.
pub const DEFAULT_GRACE: &str = "24h";

/// The path of one key (`id` already checked by `client::id_segment`).
pub fn key_path(id: &str) -> String {
    format!("{KEYS_PATH}/{id}")
}

/// `--env` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvArg {
    /// Test traffic; secrets start `wtk_test_`
    Sandbox,
    /// Live traffic; secrets start `wtk_live_`
    Production,
}

impl EnvArg {
    /// The wire value.
    pub fn env(self) -> Environment {
        match self {
            EnvArg::Sandbox => Environment::Sandbox,
            EnvArg::Production => Environment::Production,
        }
    }
}

/// `--status` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusArg {
    /// Valid, no rotation pending
    Active,
    /// Replaced by a rotation, still valid until its grace period ends
    Rotating,
    /// Past its expiry or its rotation grace period
    Expired,
    /// Revoked
    Revoked,
}

impl StatusArg {
    /// The wire value.
    pub fn status(self) -> ApiKeyStatus {
        match self {
            StatusArg::Active => ApiKeyStatus::Active,
            StatusArg::Rotating => ApiKeyStatus::Rotating,
            StatusArg::Expired => ApiKeyStatus::Expired,
            StatusArg::Revoked => ApiKeyStatus::Revoked,
        }
    }
}

/// The wire name of a key status (`active`, ...).
pub fn status_name(s: ApiKeyStatus) -> &'static str {
    match s {
        ApiKeyStatus::Active => "active",
        ApiKeyStatus::Rotating => "rotating",
        ApiKeyStatus::Expired => "expired",
        ApiKeyStatus::Revoked => "revoked",
    }
}

/// The key as people may see it: `wtk_live_…3f9a` (the server keeps nothing more).
pub fn masked(key: &ApiKey) -> String {
    format!("{}…{}", key.prefix, key.last4)
}

/// The clap value parser of `--grace`: `0` (the old key stops now) or a duration (`2s`,
/// `15m`, `24h`, `7d`, `1h30m`: [`parse_duration_secs`]), in seconds.
pub fn parse_grace(raw: &str) -> Result<u64, String> {
    parse_duration_secs(raw).ok_or_else(|| {
        format!(
            "`{raw}` is not a grace period: use 0 (the old key stops working now) or a duration such as 2s, 15m, 24h or 7d"
        )
    })
}

/// The field/value rows describing a key (`wt keys show`, `update`).
pub fn key_rows(key: &ApiKey, now: OffsetDateTime) -> Vec<(&'static str, String)> {
    let status = match (key.status, &key.grace_until, &key.revoked_at) {
        (ApiKeyStatus::Rotating, Some(until), _) => {
            format!("rotating: works until {}", describe_expiry(until, now))
        }
        (ApiKeyStatus::Revoked, _, Some(at)) => format!("revoked at {at}"),
        (s, _, _) => status_name(s).to_string(),
    };
    let mut rows = vec![
        ("ID", key.id.clone()),
        ("Name", key.name.clone()),
        ("Environment", key.environment.to_string()),
        ("Key", masked(key)),
        ("Status", status),
        ("Owner", key.owner.email.clone()),
        (
            "Created",
            format!("{} by {}", key.created_at, key.created_by.email),
        ),
        (
            "Expires",
            key.expires_at
                .as_deref()
                .map_or_else(|| "never".to_string(), |e| describe_expiry(e, now)),
        ),
        (
            "Allowed CIDRs",
            if key.allowed_cidrs.is_empty() {
                "any (the org's allowed IPs still apply)".to_string()
            } else {
                key.allowed_cidrs.join(", ")
            },
        ),
    ];
    if let Some(from) = &key.rotated_from {
        rows.push(("Rotated from", from.clone()));
    }
    if let Some(to) = &key.rotated_to {
        rows.push(("Rotated to", to.clone()));
    }
    rows.push((
        "Last used",
        match (&key.last_used_at, &key.last_used_ip) {
            (Some(at), Some(ip)) => format!("{} from {ip}", describe_ago(at, now)),
            (Some(at), None) => describe_ago(at, now),
            (None, _) => "never".to_string(),
        },
    ));
    rows.push(("Uses", key.use_count.to_string()));
    rows.push((
        "Rate limit",
        key.rate_limit.as_ref().map_or_else(
            || "the org's default (wt org show)".to_string(),
            |r| format!("{} (burst {})", r.rate, r.burst),
        ),
    ));
    if let Some(t) = &key.throttled {
        rows.push((
            "Throttled",
            format!(
                "{} requests (429), last {}",
                t.count,
                describe_ago(&t.last_at, now)
            ),
        ));
    }
    if let Some(at) = &key.leaked_at {
        rows.push((
            "Leaked",
            format!(
                "reported {at} ({})",
                key.leak_source.as_deref().unwrap_or("unknown source")
            ),
        ));
    }
    if let Some(at) = &key.quarantined_at {
        rows.push((
            "Quarantined",
            format!("since {at}: refused until released (wt keys update ID --release)"),
        ));
    }
    if let Some(b) = &key.browser_use {
        let origin = b
            .last_origin
            .as_deref()
            .map(|o| format!(" (origin {o})"))
            .unwrap_or_default();
        rows.push((
            "Browser use",
            format!(
                "{} requests, last {}{origin}: ingestion keys belong on servers, not in browser code",
                b.count,
                describe_ago(&b.last_seen_at, now)
            ),
        ));
    }
    rows
}

/// Prints one key: the ApiKey as the API sent it (JSON) or a field/value table.
pub fn print_key(ctx: &Ctx, key: &ApiKey) -> Result<(), CliError> {
    let now = OffsetDateTime::now_utc();
    ctx.io.emit(ctx.output, key, |io: &Io| {
        io.key_value_table(&key_rows(key, now))
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A complete key as the API sends it.
    pub(crate) fn key_json(id: &str, status: &str) -> serde_json::Value {
        serde_json::json!({
            "id": id, "name": "billing-prod", "environment": "production",
            "prefix": "wtk_live_", "last4": "3f9a", "status": status,
            "owner": {"id": "usr_b", "email": "bob@example.com"},
            "created_by": {"id": "usr_o", "email": "owner@example.com"},
            "created_at": "2026-01-01T00:00:00Z", "expires_at": null, "revoked_at": null,
            "allowed_cidrs": ["10.0.0.0/8"], "rotated_from": null, "rotated_to": null,
            "grace_until": null, "last_used_at": "2026-01-02T00:00:00Z",
            "last_used_ip": "10.1.2.3", "use_count": 42, "browser_use": null,
            "rate_limit": null, "throttled": null, "leaked_at": null, "leak_source": null,
            "quarantined_at": null
        })
    }

    /// `key_json` plus a secret (create) and rotation fields (rotate) when given.
    pub(crate) fn with_secret(mut key: serde_json::Value, secret: &str) -> serde_json::Value {
        key["secret"] = serde_json::json!(secret);
        key
    }

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-03-10 12:00:00.250 UTC)
    }

    #[test]
    fn grace_is_zero_or_a_duration() {
        assert_eq!(parse_grace("0"), Ok(0));
        assert_eq!(parse_grace("0s"), Ok(0));
        assert_eq!(parse_grace("2s"), Ok(2));
        assert_eq!(parse_grace("15m"), Ok(900));
        assert_eq!(parse_grace("24h"), Ok(86_400));
        assert_eq!(parse_grace("7d"), Ok(604_800));
        assert_eq!(parse_grace("1h30m"), Ok(5_400));
        for bad in ["", "1", "-1h", "500ms", "soon", "24 hh"] {
            let e = parse_grace(bad).err().unwrap_or_default();
            assert!(e.contains("use 0") && e.contains("24h"), "{bad}: {e}");
        }
    }

    #[test]
    fn keys_are_shown_masked_with_status_and_last_use() {
        let mut v = key_json("key_1", "rotating");
        v["grace_until"] = serde_json::json!("2026-03-10T15:00:00Z");
        let key: ApiKey = serde_json::from_value(v)
            .map_err(|e| e.to_string())
            .unwrap();
        let rows = key_rows(&key, now());
        let get = |k: &str| {
            rows.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(get("Key"), "wtk_live_…3f9a");
        assert_eq!(
            get("Status"),
            "rotating: works until 2026-03-10T15:00:00Z (in 2h 59m)"
        );
        assert_eq!(
            get("Last used"),
            "2026-01-02T00:00:00Z (67d 12h ago) from 10.1.2.3"
        );
        assert_eq!(get("Expires"), "never");
        assert_eq!(get("Allowed CIDRs"), "10.0.0.0/8");
    }
}
