//! Wire types of the WatchTower API (`/api/v1/...`).
//!
//! Shared by `wt` and `wtd` so that a renamed field is a compile error on both sides.
//! Requests reject unknown fields (`deny_unknown_fields`): a typo in a script is an error,
//! not a silently ignored setting. Timestamps travel as RFC 3339 strings in UTC.
//! JSON field names here are a stable, documented API: extend, don't rename.

use serde::{Deserialize, Serialize};
use std::fmt;

mod audit_checkpoints;
mod audit_sinks;
mod device;
mod events;
mod keys;
mod readiness;
pub use audit_checkpoints::*;
pub use audit_sinks::*;
pub use device::*;
pub use events::*;
pub use keys::*;
pub use readiness::*;

// Domain vocabulary lives in `wt-core`; the wire uses it as is (same serde names).
pub use wt_core::apikey::{ApiKeyStatus, Environment};
pub use wt_core::leaks::{Label as LeakLabel, LeakPolicy, TokenLabel};
pub use wt_core::paging::PAGE_MAX;
pub use wt_core::permissions::Role;
pub use wt_core::readiness::{CheckStatus, Evidence, ReadinessCheck, ReadinessSettings};
pub use wt_core::scopes::Scope;
pub use wt_core::sessions::ClientKind;

/// Prefix of every API route.
pub const API_PREFIX: &str = "/api/v1";

/// Name of the console session cookie. The `__Host-` prefix makes browsers insist on
/// `Secure`, `Path=/` and no `Domain`.
pub const SESSION_COOKIE: &str = "__Host-wt_session";

/// `POST /api/v1/setup`: claim the owner account printed by `wtd init`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    pub token: String,
    pub name: String,
    pub password: String,
}

impl fmt::Debug for SetupRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetupRequest")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Answer to a successful setup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetupResponse {
    pub user: User,
    pub org: Org,
    pub role: Role,
}

/// A person. The same person may be a member of several orgs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
}

/// An organization (tenant).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Org {
    pub id: String,
    pub slug: String,
    pub name: String,
}

/// `POST /api/v1/auth/login`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    pub client: ClientKind,
    /// Org slug; may be omitted when the user belongs to exactly one org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("email", &self.email)
            .field("client", &self.client)
            .field("org", &self.org)
            .finish_non_exhaustive()
    }
}

/// Answer to a login: either a session (with a bearer token for `cli` clients), or an MFA
/// challenge to complete at `/api/v1/auth/mfa/verify`.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct LoginResponse {
    /// Bearer token, only for `client: "cli"`; shown once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionInfo>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mfa_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
    /// The member's role requires MFA and none is enrolled: this session can only enroll
    /// (`wt mfa enroll`) until that is done.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mfa_enrollment_required: bool,
}

impl fmt::Debug for LoginResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginResponse")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("session", &self.session)
            .field("mfa_required", &self.mfa_required)
            .field("challenge", &self.challenge.as_ref().map(|_| "***"))
            .field("mfa_enrollment_required", &self.mfa_enrollment_required)
            .finish()
    }
}

/// One session as its owner sees it. Never carries the token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: String,
    pub client: ClientKind,
    pub created_at: String,
    pub last_seen_at: String,
    /// When the session ends regardless of activity (absolute lifetime).
    pub expires_at: String,
    /// When the session ends if unused until then (idle timeout).
    pub idle_expires_at: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// True for the session that made this request.
    pub current: bool,
}

/// `GET /api/v1/auth/session`: who the caller is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WhoAmI {
    pub user: User,
    pub org: Org,
    pub role: Role,
    pub mfa_enabled: bool,
    /// True when the role requires MFA and none is enrolled: only enrollment is allowed.
    #[serde(default)]
    pub mfa_enrollment_required: bool,
    /// While set, required MFA does not restrict this member yet (only the owner who
    /// claimed a new org gets this, for 24 hours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_grace_until: Option<String>,
    pub session_id: String,
    pub expires_at: String,
}

/// `POST /api/v1/auth/mfa/verify`: the second login step. Exactly one of `code` (a
/// current TOTP code) and `recovery_code` (a one-time recovery code).
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaVerifyRequest {
    pub challenge: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_code: Option<String>,
}

impl fmt::Debug for MfaVerifyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MfaVerifyRequest { *** }")
    }
}

/// `POST /api/v1/auth/mfa/totp/enroll` answer: the pending secret (unpadded base32) and
/// its `otpauth://` URI. Nothing is active until confirmed; the pending secret expires.
#[derive(Clone, Serialize, Deserialize)]
pub struct TotpEnrollResponse {
    pub secret: String,
    pub otpauth_uri: String,
    pub expires_at: String,
}

impl fmt::Debug for TotpEnrollResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpEnrollResponse")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// `POST /api/v1/auth/mfa/totp/confirm`: a current code from the authenticator app.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirmRequest {
    pub code: String,
}

impl fmt::Debug for TotpConfirmRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpConfirmRequest { *** }")
    }
}

/// Step-up for `POST /api/v1/auth/mfa/totp/disable` and `/auth/mfa/recovery-codes`:
/// the password and a current TOTP code, or instead (a member whose second factor is a
/// passkey) a passkey's answer to `POST /api/v1/auth/step-up/passkey`.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaStepUpRequest {
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey: Option<PasskeyAnswer>,
}

/// A passkey's answer to a ceremony the server started: the ceremony's id and the
/// browser's `PublicKeyCredential` as JSON (ids and buffers base64url).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasskeyAnswer {
    pub ceremony: String,
    pub credential: serde_json::Value,
}

/// `POST /api/v1/auth/step-up/passkey`: an assertion ceremony bound to this session; pass
/// `options` to `navigator.credentials.get` (buffers base64url) and the answer back as
/// [`PasskeyAnswer`] within 5 minutes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasskeyCeremonyStart {
    pub ceremony: String,
    pub options: serde_json::Value,
}

/// One of the member's own passkeys (`GET /api/v1/auth/passkeys`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasskeyInfo {
    pub id: String,
    pub name: String,
    /// `synced passkey` or `device-bound passkey` (from the backup-eligible flag).
    pub kind: String,
    /// The authenticator model (AAGUID), when it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aaguid: Option<String>,
    /// The attestation statement format at registration (`none`, `packed`, `tpm`,
    /// `android-key`, `android-safetynet`, `fido-u2f`, `apple`; `none`: not attested).
    pub attestation_format: String,
    /// `platform` (built into the device) or `cross-platform` (a security key or a
    /// phone), when the browser said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<String>,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<String>,
}

/// `GET /api/v1/auth/passkeys`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasskeyList {
    pub items: Vec<PasskeyInfo>,
}

impl fmt::Debug for MfaStepUpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MfaStepUpRequest { *** }")
    }
}

/// One-time recovery codes, shown once (confirm and regenerate).
#[derive(Clone, Serialize, Deserialize)]
pub struct RecoveryCodesResponse {
    pub recovery_codes: Vec<String>,
}

impl fmt::Debug for RecoveryCodesResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RecoveryCodesResponse {{ {} codes }}",
            self.recovery_codes.len()
        )
    }
}

/// `GET /api/v1/auth/mfa`: the caller's MFA state. Never carries the secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MfaStatus {
    pub enabled: bool,
    /// When MFA was confirmed.
    pub enrolled_at: Option<String>,
    /// Unused recovery codes left.
    pub recovery_codes_remaining: u32,
    /// The member's role in this org requires MFA.
    pub required: bool,
    /// An unconfirmed enrollment and when it lapses.
    pub pending_expires_at: Option<String>,
}

/// `GET|PATCH /api/v1/orgs/settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgSettings {
    pub org: Org,
    /// Roles whose members must use MFA.
    pub mfa_required_roles: Vec<Role>,
    /// Whether ingestion requests from browser code (an `Origin` header or a browser user
    /// agent) are accepted. Either way they are recorded against the key.
    pub browser_ingest: BrowserIngest,
    /// Thresholds of the readiness checklist.
    pub readiness: ReadinessSettings,
    /// Roles whose members must have a passkey (phishing-resistant MFA): a TOTP code
    /// satisfies `mfa_required_roles` but not this. Readiness fails until they do.
    #[serde(default)]
    pub phishing_resistant_required_roles: Vec<Role>,
    /// The authenticator models (AAGUIDs, lowercase UUIDs) new passkeys may come from;
    /// empty: any. With a list, registration asks the authenticator for attestation.
    #[serde(default)]
    pub passkey_aaguids: Vec<String>,
    /// The default rate limit of the org's keys (a key's own limit wins).
    #[serde(default)]
    pub key_rate_limit: Option<RateLimit>,
    /// What a leak report does to a live key: `revoke` (default) or `quarantine`.
    #[serde(default)]
    pub leak_policy: LeakPolicy,
    /// Event retention and the storage events take (absent from older daemons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<EventSettings>,
}

/// The org's policy for ingestion from browser code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrowserIngest {
    /// Refused with 403 `browser_not_allowed` (the default: keys belong on servers).
    Refuse,
    /// Accepted (still recorded; the readiness check flags the key).
    Allow,
}

/// `PATCH /api/v1/orgs/settings`: fields to change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgSettingsPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_required_roles: Option<Vec<Role>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_ingest: Option<BrowserIngest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness: Option<ReadinessSettingsPatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phishing_resistant_required_roles: Option<Vec<Role>>,
    /// AAGUIDs (UUIDs, any case, hyphens optional); `[]` accepts any authenticator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey_aaguids: Option<Vec<String>>,
    /// The default rate limit of the org's keys (`500/s`; `none` removes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_rate: Option<String>,
    /// Burst of the default limit (with `key_rate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_burst: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leak_policy: Option<LeakPolicy>,
    /// The org's own event retention in seconds (1 h to 3650 d); `0` goes back to the
    /// installation's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_retention_seconds: Option<i64>,
}

/// `POST /api/v1/orgs/invites`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteCreateRequest {
    pub email: String,
    pub role: Role,
}

/// The state of an invite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteStatus {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

/// An invite as admins see it. Never carries the token (it only travels by mail).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invite {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub status: InviteStatus,
    pub invited_by: Option<String>,
    pub created_at: String,
    pub expires_at: String,
}

/// `POST /api/v1/invites/verify` and `/api/v1/auth/password/reset/verify`: a token from a
/// mail, in the body (never in a URL).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub token: String,
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenRequest { *** }")
    }
}

/// Answer to invite verification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteVerifyResponse {
    pub org: Org,
    pub email: String,
    pub role: Role,
    pub expires_at: String,
    /// The email already has an account: accepting needs a session of that account
    /// (`wt login` first), and no name or password.
    pub account_exists: bool,
}

/// `POST /api/v1/invites/accept`. `name` and `password` create the account; for an email
/// that already has one, omit them and send the request with that account's session.
/// Any email, role or org in the request is ignored: they come from the invite.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteAcceptRequest {
    pub token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl fmt::Debug for InviteAcceptRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InviteAcceptRequest")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Answer to invite acceptance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteAcceptResponse {
    pub user: User,
    pub org: Org,
    pub role: Role,
}

/// A member of the org.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// The user id (`usr_...`), used by `members set-role|remove|reset-mfa`.
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub mfa_enabled: bool,
    /// Which second factors: `totp`, `passkey`, `totp+passkey` or `none` (any of them
    /// satisfies `mfa_required_roles`).
    #[serde(default)]
    pub mfa_methods: String,
    pub joined_at: String,
}

/// `GET /api/v1/orgs/members` query: a page of the members, oldest first (ties by user
/// id), or every member (oldest first, ties by email) without a `limit`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberListQuery {
    /// At most this many members (1 to [`PAGE_MAX`]); every member when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `next_cursor` (with a `limit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// `PATCH /api/v1/orgs/members/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberUpdateRequest {
    pub role: Role,
}

/// A recorded review of members' roles for least privilege.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberReview {
    pub id: String,
    pub reviewed_by: String,
    pub reviewed_at: String,
    /// The members and roles as they were when reviewed.
    pub members: Vec<ReviewedMember>,
}

/// One member as recorded in a review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewedMember {
    pub id: String,
    pub email: String,
    pub role: Role,
}

/// `POST /api/v1/auth/password/forgot`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgotPasswordRequest {
    pub email: String,
}

/// Answer to reset-token verification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResetVerifyResponse {
    /// The account's email, masked (`a***@example.com`).
    pub email_hint: String,
    pub expires_at: String,
    /// A TOTP code (or recovery code) will be needed to complete the reset.
    pub mfa_required: bool,
}

/// `POST /api/v1/auth/password/reset`. With MFA on, `code` or `recovery_code` is required.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    pub token: String,
    pub new_password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_code: Option<String>,
}

impl fmt::Debug for ResetPasswordRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResetPasswordRequest { *** }")
    }
}

/// `POST /api/v1/auth/password/change`. With MFA on, `code` is required.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChangePasswordRequest { *** }")
    }
}

/// Who did an audited action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditActor {
    /// `user`, `operator`, `anonymous` (later `api_key`, `token`).
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Option<String>,
    pub email: Option<String>,
}

/// What an audited action was done to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditTarget {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

/// One audit log entry (`GET /api/v1/orgs/audit-logs`, the SSE stream, exports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Per-org sequence number, from 1, without gaps.
    pub seq: i64,
    pub occurred_at: String,
    pub actor: AuditActor,
    /// Dotted, stable action name (`auth.login.succeeded`, `mfa.enrolled`, ...).
    pub action: String,
    pub target: Option<AuditTarget>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    pub details: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// `GET /api/v1/orgs/audit-logs/verify`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditVerifyResponse {
    pub ok: bool,
    pub entries: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_bad_seq: Option<i64>,
}

/// `POST /api/v1/orgs/audit-logs/reviews`: the reviewer read the log up to `through_seq`
/// (default: the latest entry).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditReviewRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub through_seq: Option<i64>,
}

/// A recorded review of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditReview {
    pub id: String,
    pub reviewed_by: String,
    pub reviewed_at: String,
    pub through_seq: i64,
}

/// A page of items with an opaque cursor for the next page (`None` at the end).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// `/healthz` and `/readyz` bodies.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// An RFC 9457 problem document (`application/problem+json`). `code` is the stable,
/// machine-readable part; `detail` is for people and may change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Seconds to wait, mirrored from the `Retry-After` header on 429s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// Media type of error bodies.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// Stable error codes (`Problem::code`). Scripts may match on these.
pub mod codes {
    /// The body is not valid JSON, has wrong types, unknown fields or invalid UTF-8.
    pub const MALFORMED_REQUEST: &str = "malformed_request";
    /// A field is well-formed JSON but its value is not acceptable.
    pub const VALIDATION_FAILED: &str = "validation_failed";
    /// The request body is not `application/json`.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    /// The request body is larger than the configured limit.
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    /// No valid credential: missing, expired, revoked or unknown.
    pub const UNAUTHENTICATED: &str = "unauthenticated";
    /// Login failed. Deliberately the same for unknown user, wrong password, disabled account.
    pub const INVALID_CREDENTIALS: &str = "invalid_credentials";
    /// Authenticated, but the role does not allow this.
    pub const FORBIDDEN: &str = "forbidden";
    /// A cookie-authenticated request failed the cross-site checks.
    pub const CSRF_REJECTED: &str = "csrf_rejected";
    pub const NOT_FOUND: &str = "not_found";
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    pub const CONFLICT: &str = "conflict";
    /// Too many attempts; see `Retry-After`.
    pub const RATE_LIMITED: &str = "rate_limited";
    /// The setup token is unknown, used or expired (one answer for all three).
    pub const SETUP_TOKEN_INVALID: &str = "setup_token_invalid";
    /// The password was refused by the policy; `detail` says why.
    pub const PASSWORD_POLICY: &str = "password_policy";
    /// The user belongs to several orgs: say which one.
    pub const ORG_REQUIRED: &str = "org_required";
    /// The role requires MFA and the session can only enroll until it is on (403).
    pub const MFA_ENROLLMENT_REQUIRED: &str = "mfa_enrollment_required";
    /// The TOTP or recovery code is wrong, reused or expired (401).
    pub const INVALID_CODE: &str = "invalid_code";
    /// A passkey's assertion did not verify (wrong key, origin or ceremony; a clone).
    pub const PASSKEY_NOT_ACCEPTED: &str = "passkey_not_accepted";
    /// The login challenge is unknown, used, expired or had too many wrong codes (401).
    pub const CHALLENGE_INVALID: &str = "challenge_invalid";
    /// The invite token is unknown, used, revoked or expired (one answer for all).
    pub const INVITE_INVALID: &str = "invite_invalid";
    /// The reset token is unknown, used or expired (one answer for all).
    pub const RESET_TOKEN_INVALID: &str = "reset_token_invalid";
    /// The change would leave the org without an owner.
    pub const LAST_OWNER: &str = "last_owner";
    /// The email already has an account: log in to it and accept again.
    pub const ACCOUNT_EXISTS: &str = "account_exists";
    /// A TOTP code (or recovery code) is needed for this action.
    pub const MFA_CODE_REQUIRED: &str = "mfa_code_required";
    /// This change needs a fresh sign-in: `POST /api/v1/auth/step-up`, then retry.
    pub const STEP_UP_REQUIRED: &str = "step_up_required";
    /// The client's address is not in the org's (or the key's) allowed list.
    pub const IP_NOT_ALLOWED: &str = "ip_not_allowed";
    /// The allowed-IP change would refuse the caller's own address; send `force` to apply.
    pub const WOULD_LOCK_OUT: &str = "would_lock_out";
    /// An ingestion key was sent to a route other than ingestion, or a session to ingestion.
    pub const WRONG_CREDENTIAL: &str = "wrong_credential";
    /// The key belongs to another environment or org than the batch says.
    pub const ENVIRONMENT_MISMATCH: &str = "environment_mismatch";
    /// The org refuses ingestion from browser code (an `Origin` header or browser agent).
    pub const BROWSER_NOT_ALLOWED: &str = "browser_not_allowed";
    /// The batch has more events (or a larger event) than allowed.
    pub const BATCH_TOO_LARGE: &str = "batch_too_large";
    /// The `Idempotency-Key` was already used, within its window, for a different batch.
    pub const IDEMPOTENCY_KEY_REUSED: &str = "idempotency_key_reused";
    pub const TIMEOUT: &str = "timeout";
    /// The request names a host this daemon does not serve (421; DNS rebinding defence):
    /// use the configured public URL, or a loopback address.
    pub const MISDIRECTED_REQUEST: &str = "misdirected_request";
    /// The daemon cannot serve this right now (starting, stopping, or the database is busy,
    /// locked, restarting or cannot be written): retry after `Retry-After` seconds.
    pub const UNAVAILABLE: &str = "unavailable";
    pub const INTERNAL: &str = "internal";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_wire_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            let json = serde_json::to_string(&r).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn login_request_rejects_unknown_fields() {
        let bad = r#"{"email":"a@b.c","password":"x","client":"cli","admin":true}"#;
        assert!(serde_json::from_str::<LoginRequest>(bad).is_err());
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let req = LoginRequest {
            email: "a@b.c".into(),
            password: "hunter2hunter2".into(),
            client: ClientKind::Cli,
            org: None,
        };
        assert!(!format!("{req:?}").contains("hunter2"));
        let resp = LoginResponse {
            token: Some("wts_secret".into()),
            ..Default::default()
        };
        assert!(!format!("{resp:?}").contains("wts_secret"));
    }
}
