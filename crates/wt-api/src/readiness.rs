//! The production readiness checklist and automation tokens (SPEC flows 13-14).

use crate::{Org, ReadinessCheck, ReadinessSettings, Role};
use serde::{Deserialize, Serialize};
use std::fmt;

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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sink_lag_max_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sink_failing_max_minutes: Option<u32>,
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
    /// Service endpoints it may call (`keys:verify`, ...); each needs a role that has the
    /// scope's permission. Scopes restrict to those endpoints, they never extend the role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<crate::Scope>,
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
    /// Its scopes, sorted (empty: role rules only).
    #[serde(default)]
    pub scopes: Vec<crate::Scope>,
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
