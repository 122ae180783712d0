//! `wt login --web`: the device authorization grant (RFC 8628) on the wire.
//!
//! `POST /api/v1/auth/device` answers RFC 8628 §3.2's fields; `POST
//! /api/v1/auth/device/token` answers a session (RFC 6749 §5.1's fields, and the
//! session) or an RFC 6749 §5.2 error object `{"error": "authorization_pending"}` with
//! status 400, never problem+json: generic device-flow clients read it as they expect.
//! Both requests may be sent as `application/x-www-form-urlencoded` (the RFC's encoding,
//! what `wt login --web` sends) or as JSON, with the same field names.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::SessionInfo;

/// `POST /auth/device`: ask for a device code.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceAuthorizationRequest {
    /// RFC 8628 §3.1's client identifier (`wt` sends `wt`); public clients only, not
    /// checked against a registry: shown to the approver with the version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The org to sign in to (slug). Without it, the approver's org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// The client's version, shown to the approver (`wt` sends its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_version: Option<String>,
    /// The client's operating system and architecture, shown to the approver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
}

/// The answer: RFC 8628 §3.2.
#[derive(Clone, Serialize, Deserialize)]
pub struct DeviceAuthorizationResponse {
    /// The CLI's secret for polling (shown to nobody else).
    pub device_code: String,
    /// What the person types on the verification page: `XXXX-XXXX`.
    pub user_code: String,
    pub verification_uri: String,
    /// The verification page with the user code filled in (for the QR code).
    pub verification_uri_complete: String,
    /// Seconds until both codes lapse.
    pub expires_in: i64,
    /// Seconds to wait between polls.
    pub interval: i64,
}

impl fmt::Debug for DeviceAuthorizationResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceAuthorizationResponse")
            .field("device_code", &"***")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish()
    }
}

/// `POST /auth/device/token`: one poll (RFC 8628 §3.4).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceTokenRequest {
    /// `urn:ietf:params:oauth:grant-type:device_code` (may be omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_type: Option<String>,
    pub device_code: String,
    /// RFC 8628 §3.4's client identifier (accepted, not checked: public clients).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

impl fmt::Debug for DeviceTokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceTokenRequest")
            .field("grant_type", &self.grant_type)
            .field("device_code", &"***")
            .field("client_id", &self.client_id)
            .finish()
    }
}

/// The `client_id` `wt` sends.
pub const WT_CLIENT_ID: &str = "wt";

/// A redeemed device code: a CLI session (RFC 6749 §5.1 names, and the session).
#[derive(Clone, Serialize, Deserialize)]
pub struct DeviceTokenResponse {
    /// The session's bearer token; shown once.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the session's absolute expiry.
    pub expires_in: i64,
    pub session: SessionInfo,
    /// The member's role requires MFA and none is enrolled (never true here in practice:
    /// an approval needs a second factor).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mfa_enrollment_required: bool,
}

impl fmt::Debug for DeviceTokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceTokenResponse")
            .field("access_token", &"***")
            .field("expires_in", &self.expires_in)
            .field("session", &self.session)
            .finish()
    }
}

/// The token endpoint's errors (RFC 6749 §5.2, RFC 8628 §3.5), status 400 (429 for a
/// throttled address).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeviceTokenError {
    /// `authorization_pending`, `slow_down`, `access_denied`, `expired_token`,
    /// `invalid_grant`, `invalid_request`, `unsupported_grant_type`.
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// With `slow_down`: the interval to keep from now on, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<i64>,
}

/// The error codes of [`DeviceTokenError`].
pub mod device_errors {
    pub const AUTHORIZATION_PENDING: &str = "authorization_pending";
    pub const SLOW_DOWN: &str = "slow_down";
    pub const ACCESS_DENIED: &str = "access_denied";
    pub const EXPIRED_TOKEN: &str = "expired_token";
    pub const INVALID_GRANT: &str = "invalid_grant";
    pub const INVALID_REQUEST: &str = "invalid_request";
    pub const UNSUPPORTED_GRANT_TYPE: &str = "unsupported_grant_type";
}
