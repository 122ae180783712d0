//! The production readiness checklist and automation tokens (SPEC flows 13-14).

use crate::{Org, Role};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Outcome of one check. `warn` does not make the org "not ready" unless the caller asks
/// for it (`wt check --fail-on warn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "fail",
        }
    }
}

/// One thing a check found: a member, key, invite, audit entry or review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// `member`, `invite`, `api_key`, `audit_entry`, `member_review`, `address`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The object's id (member or key id, audit sequence number, address).
    pub id: String,
    /// What a person recognises it by (an email, a key name, an action).
    pub label: String,
    /// Why it is evidence (e.g. "no MFA", "used from https://app.example").
    pub detail: String,
}

/// One item of the checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadinessCheck {
    /// Stable id: `mfa`, `least_privilege`, `keys_server_side`, `environments_separate`,
    /// `key_owners`, `audit_reviewed`.
    pub id: String,
    pub title: String,
    pub status: CheckStatus,
    /// One line.
    pub summary: String,
    pub evidence: Vec<Evidence>,
    /// Evidence items not shown because the caller's role cannot read their kind
    /// (members and invites, keys, or the audit log); the summary then gives counts only.
    #[serde(default)]
    pub evidence_withheld: u32,
    /// What to do, naming the `wt` command (empty when the check passes).
    pub remedy: String,
}

/// Thresholds of the checklist (org settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessSettings {
    /// A member review must be at most this old (default 90).
    pub review_interval_days: u32,
    /// Warn when more than this share of members are owners or admins (default 50).
    pub privileged_share_max_percent: u32,
    /// Privileged members without a sign-in for this long fail (default 90).
    pub inactive_days: u32,
    /// Warn when a key is older than this; fail past twice it (default 90).
    pub rotation_age_days: u32,
    /// Sensitive audit entries must be reviewed within this many days (default 7).
    pub audit_review_window_days: u32,
}

impl Default for ReadinessSettings {
    fn default() -> Self {
        Self {
            review_interval_days: 90,
            privileged_share_max_percent: 50,
            inactive_days: 90,
            rotation_age_days: 90,
            audit_review_window_days: 7,
        }
    }
}

/// Changes to the thresholds; absent fields keep their value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadinessSettingsPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_interval_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged_share_max_percent: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_age_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_review_window_days: Option<u32>,
}

/// `GET /api/v1/orgs/readiness`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Readiness {
    /// True when no check fails.
    pub ready: bool,
    pub checked_at: String,
    pub org: Org,
    pub settings: ReadinessSettings,
    pub checks: Vec<ReadinessCheck>,
}

/// The state of an automation token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessTokenStatus {
    Active,
    Expired,
    Revoked,
}

/// `POST /api/v1/orgs/access-tokens`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessTokenCreateRequest {
    pub name: String,
    /// At most the creator's own role.
    pub role: Role,
    /// RFC 3339; required, at most one year ahead.
    pub expires_at: String,
}

/// An automation token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessToken {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub status: AccessTokenStatus,
    /// Email of the member who created it.
    pub created_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
    pub last_used_ip: Option<String>,
}

/// `201` of create: the token and its secret (`wtat_...`, usable as `WT_TOKEN`), shown once.
#[derive(Clone, Serialize, Deserialize)]
pub struct AccessTokenCreated {
    #[serde(flatten)]
    pub token: AccessToken,
    pub secret: String,
}

impl fmt::Debug for AccessTokenCreated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTokenCreated")
            .field("token", &self.token)
            .field("secret", &"***")
            .finish()
    }
}
