//! Ingestion keys, the ingest endpoint and allowed IPs (SPEC flows 9-11).

use crate::{ApiKeyStatus, Environment};
use serde::{Deserialize, Serialize};
use std::fmt;

/// `POST /api/v1/orgs/api-keys`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyCreateRequest {
    pub name: String,
    pub environment: Environment,
    /// The active member responsible for rotating the key.
    pub owner_email: String,
    /// Source CIDRs the key may be used from; empty = anywhere the org list allows.
    #[serde(default)]
    pub allowed_cidrs: Vec<String>,
    /// RFC 3339 time after which the key stops working.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// `PATCH /api/v1/orgs/api-keys/{id}`: fields to change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyUpdateRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_cidrs: Option<Vec<String>>,
    /// The key's own rate limit, `COUNT/UNIT` (`500/s`, `30000/min`, `100/h`); `none`
    /// removes it (the org's default applies again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<String>,
    /// Requests the key may send at once (with `rate`; default: one period's worth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<u32>,
    /// `true` lifts a quarantine after a leak report that was a false positive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<bool>,
}

/// A rate limit: `rate` (`500/s`) and `burst`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    pub rate: String,
    pub burst: u32,
}

/// Requests refused by a key's rate limit (429).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throttled {
    pub count: u64,
    pub last_at: String,
}

/// What is left of a key's rate limit (`keys/verify`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateBudget {
    pub rate: String,
    pub burst: u32,
    /// Requests that may be sent right now.
    pub remaining: u32,
    /// Seconds until the budget is full again.
    pub reset_seconds: u64,
}

/// `POST /api/v1/orgs/api-keys/leaked` (`wt keys leaked`): secrets of the org's keys.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysLeakedRequest {
    pub keys: Vec<String>,
}

impl fmt::Debug for KeysLeakedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeysLeakedRequest")
            .field("keys", &self.keys.len())
            .finish()
    }
}

/// `200` of `keys/leaked`: each leaked key's successor, with its secret (shown once).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeysLeakedResponse {
    pub items: Vec<ApiKeyRotated>,
}

/// `202` of the public self-report: always the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeakReportAccepted {
    pub status: String,
}

/// `POST /api/v1/orgs/api-keys/{id}/rotate`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyRotateRequest {
    /// How long the old key keeps working (default 86400; 0 revokes it now). Never beyond
    /// the old key's own expiry.
    #[serde(default)]
    pub grace_seconds: Option<u64>,
}

/// A member as a key's owner or creator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyPerson {
    pub id: String,
    pub email: String,
}

/// Browser-side use of a key (an `Origin` header or a browser user agent): a sign the key
/// ships in front-end code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrowserUse {
    pub count: u64,
    pub last_seen_at: String,
    pub last_origin: Option<String>,
}

/// An ingestion key as listed. Never carries the secret: only `prefix` and `last4`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub environment: Environment,
    /// `wtk_live_` or `wtk_test_`.
    pub prefix: String,
    /// The secret's last four characters.
    pub last4: String,
    pub status: ApiKeyStatus,
    pub owner: KeyPerson,
    pub created_by: KeyPerson,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub allowed_cidrs: Vec<String>,
    /// The key this one replaced.
    pub rotated_from: Option<String>,
    /// The key that replaces this one.
    pub rotated_to: Option<String>,
    /// While rotating: when this key stops working.
    pub grace_until: Option<String>,
    pub last_used_at: Option<String>,
    pub last_used_ip: Option<String>,
    /// Successful requests since creation.
    pub use_count: u64,
    pub browser_use: Option<BrowserUse>,
    /// The key's own rate limit (`None`: the org's default, if any).
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// Requests refused by the rate limit.
    #[serde(default)]
    pub throttled: Option<Throttled>,
    /// When the key was reported as leaked, and by what (`github:<source>`,
    /// `self_report`, `wt keys leaked`).
    #[serde(default)]
    pub leaked_at: Option<String>,
    #[serde(default)]
    pub leak_source: Option<String>,
    /// Quarantined after a leak report (the org's policy): refused until released.
    #[serde(default)]
    pub quarantined_at: Option<String>,
    /// With `include=usage` on the list: a week of requests per hour and the addresses
    /// seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<ApiKeyUsage>,
}

/// A key's recent use, as the console's list shows it (`GET /orgs/api-keys?include=usage`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyUsage {
    /// The start of the first hour counted (RFC 3339, UTC); the last is the current hour.
    pub hours_from: String,
    /// Successful requests per hour, oldest first (168 hours: 7 days).
    pub requests_per_hour: Vec<u64>,
    /// Addresses the key was used from, most recent first (unrevoked keys).
    pub sources: Vec<String>,
}

/// `GET /api/v1/orgs/api-keys` query: a page of the keys, newest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyListQuery {
    /// Only this environment's keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// At most this many keys (1-200); every key when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// `usage`: each key with its requests per hour and sources (the console's list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<String>,
}

/// Where a key has been used from (successful requests).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeySource {
    pub ip: String,
    pub first_seen_at: String,
    pub last_seen_at: String,
    pub count: u64,
}

/// `GET /api/v1/orgs/api-keys/{id}`: the key and where it was used from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyDetail {
    #[serde(flatten)]
    pub key: ApiKey,
    pub sources: Vec<KeySource>,
}

/// `201` of create: the key and its secret, shown this once.
#[derive(Clone, Serialize, Deserialize)]
pub struct ApiKeyCreated {
    #[serde(flatten)]
    pub key: ApiKey,
    pub secret: String,
}

impl fmt::Debug for ApiKeyCreated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyCreated")
            .field("key", &self.key)
            .field("secret", &"***")
            .finish()
    }
}

/// `201` of rotate: the successor with its secret (shown once) and the old key's end.
#[derive(Clone, Serialize, Deserialize)]
pub struct ApiKeyRotated {
    #[serde(flatten)]
    pub key: ApiKey,
    pub secret: String,
    pub previous_id: String,
    /// When the old key stops working (now, for a grace of 0).
    pub previous_expires_at: String,
}

impl fmt::Debug for ApiKeyRotated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyRotated")
            .field("key", &self.key)
            .field("secret", &"***")
            .field("previous_id", &self.previous_id)
            .field("previous_expires_at", &self.previous_expires_at)
            .finish()
    }
}

/// `POST /api/v1/ingest/events`: a batch of events (JSON objects). `environment` and `org`
/// are optional assertions: when present and not the key's, the batch is refused.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestRequest {
    pub events: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// The org's slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

/// `202` of ingest: the events are stored durably.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestResponse {
    pub accepted: u64,
}

/// Headers of a `204` from `/api/v1/ingest/authorize`, for the gateway to pass upstream:
/// the key's org (its slug), environment and id.
pub const HEADER_ORG: &str = "x-wt-org";
pub const HEADER_ENVIRONMENT: &str = "x-wt-environment";
pub const HEADER_KEY_ID: &str = "x-wt-key-id";

/// `POST /api/v1/keys/verify` (an automation token with the `keys:verify` scope): may this
/// ingestion key be used by a client at `ip`?
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyVerifyRequest {
    /// The ingestion key as the client presented it.
    pub key: String,
    /// The client's address. The key's CIDRs and the org's allowed IPs are checked against
    /// it; without it a key or org with an allowlist is refused (fail closed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

impl fmt::Debug for KeyVerifyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyVerifyRequest")
            .field("key", &"***")
            .field("ip", &self.ip)
            .finish()
    }
}

/// Why a key was not valid: no more than ingestion would say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyVerifyCode {
    /// Malformed, unknown (or another org's), revoked or expired: ingestion's 401.
    InvalidKey,
    /// The address is outside the org's allowed IPs or the key's CIDRs: ingestion's 403.
    IpNotAllowed,
    /// The key is over its rate limit: ingestion's 429 (`retry_after`).
    RateLimited,
}

/// `200` of verify, valid or not (a refusal is an answer, not an error).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyVerifyResponse {
    pub valid: bool,
    /// Set when `valid` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<KeyVerifyCode>,
    /// The key's org (its slug), environment, id and status; set when `valid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ApiKeyStatus>,
    /// The key's rate limit and what is left after this check (none: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateBudget>,
    /// With `rate_limited`: seconds until the key may be used again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// An entry of the org's allowed-IP list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllowedIp {
    pub id: String,
    /// Normalised CIDR (`10.0.0.0/8`, `2001:db8::/32`).
    pub cidr: String,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: String,
    /// Authenticated requests this entry let in.
    pub hit_count: u64,
    pub last_hit_at: Option<String>,
}

/// `POST /api/v1/orgs/allowed-ips`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedIpCreateRequest {
    pub cidr: String,
    #[serde(default)]
    pub note: Option<String>,
    /// Apply even though it would lock out the caller's current address.
    #[serde(default)]
    pub force: bool,
}

/// `POST /api/v1/orgs/allowed-ips/check`: a dry run of a proposed list (the current list
/// when `cidrs` is absent).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedIpCheckRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidrs: Option<Vec<String>>,
}

/// A session a proposed list would cut off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CutOffSession {
    pub user_id: String,
    pub email: String,
    pub ip: String,
    pub last_seen_at: String,
}

/// A key source a proposed list would cut off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CutOffKey {
    pub key_id: String,
    pub name: String,
    pub ip: String,
    pub last_seen_at: String,
}

/// The dry run's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllowedIpCheckResponse {
    /// The normalised list that was checked (empty = everything allowed).
    pub cidrs: Vec<String>,
    pub caller_ip: String,
    pub caller_allowed: bool,
    /// Live sessions whose address the list would refuse.
    pub sessions: Vec<CutOffSession>,
    /// Key sources seen in the last 30 days that the list would refuse.
    pub keys: Vec<CutOffKey>,
}

/// `POST /api/v1/auth/step-up`: re-authenticate the current session for sensitive changes
/// (allowed-IP edits). The password, and a current code when MFA is on.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepUpRequest {
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl fmt::Debug for StepUpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StepUpRequest { *** }")
    }
}

/// `200` of step-up: until when sensitive changes are allowed without asking again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepUpResponse {
    pub until: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_debug() {
        let s = StepUpRequest {
            password: "hunter2hunter2".into(),
            code: Some("123456".into()),
        };
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s:?}").contains("123456"));
    }

    #[test]
    fn create_request_refuses_unknown_fields_and_defaults_cidrs() {
        let ok = r#"{"name":"n","environment":"production","owner_email":"a@b.c"}"#;
        let r: ApiKeyCreateRequest = serde_json::from_str(ok).unwrap_or_else(|e| panic!("{e}"));
        assert!(r.allowed_cidrs.is_empty());
        let bad = r#"{"name":"n","environment":"prod","owner_email":"a@b.c"}"#;
        assert!(serde_json::from_str::<ApiKeyCreateRequest>(bad).is_err());
        let extra = r#"{"name":"n","environment":"sandbox","owner_email":"a@b.c","secret":"x"}"#;
        assert!(serde_json::from_str::<ApiKeyCreateRequest>(extra).is_err());
    }
}
