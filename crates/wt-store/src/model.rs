//! Row types the store reads and writes. Times are Unix seconds (UTC).

use wt_core::permissions::Role;
use wt_core::sessions::ClientKind;

/// An org as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRecord {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// Roles whose members must use MFA.
    pub mfa_required_roles: Vec<Role>,
    pub created_at: i64,
    /// Whether ingestion from browser code (an `Origin` header or a browser agent) is
    /// accepted; refused by default. Either way it is recorded against the key.
    pub browser_ingest_allowed: bool,
    /// Thresholds of the readiness checklist.
    pub readiness: wt_core::readiness::ReadinessSettings,
    /// Phishing-resistant roles and the AAGUID allow-list.
    pub passkey_policy: wt_core::passkey::PasskeyPolicy,
    /// The default rate limit of the org's keys (a key's own limit wins); `None` = none.
    pub key_rate: Option<wt_core::ratelimit::KeyRate>,
    /// What a leak report does to a live key of the org (revoke by default).
    pub leak_policy: wt_core::leaks::LeakPolicy,
}

/// A user as stored, without the password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    pub email: String,
    pub name: String,
    pub mfa_enabled: bool,
    pub disabled: bool,
}

/// Input of [`crate::OrgStore::create_org`].
#[derive(Debug, Clone)]
pub struct NewOrg {
    pub id: String,
    pub slug: String,
    pub name: String,
}

/// The hashed one-time setup token created with an org.
#[derive(Debug, Clone)]
pub struct NewSetupToken {
    pub token_hash: String,
    pub owner_email: String,
    pub expires_at: i64,
}

/// Input of [`crate::SetupStore::claim_setup`]. The password is already hashed.
#[derive(Debug, Clone)]
pub struct SetupClaim {
    pub token_hash: String,
    pub user_id: String,
    pub name: String,
    pub password_hash: String,
    pub now: i64,
    /// Until when the new owner may act before enrolling required MFA.
    pub mfa_grace_until: Option<i64>,
}

/// What login needs to know about a user.
#[derive(Debug, Clone)]
pub struct LoginCandidate {
    pub user: UserRecord,
    pub password_hash: String,
    /// The orgs the user belongs to, with their role in each.
    pub memberships: Vec<(OrgRecord, Role)>,
}

/// Input of [`crate::SessionStore::create_session`].
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    pub token_hash: String,
    pub org_id: String,
    pub user_id: String,
    pub client: ClientKind,
    pub created_at: i64,
    pub expires_at: i64,
    pub idle_timeout: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Where a session was signed in from, for the new-device notice
/// (`wt_core::sessions::Device`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInDevice {
    pub client: ClientKind,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// A session as stored (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: String,
    pub org_id: String,
    pub user_id: String,
    pub client: ClientKind,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub idle_timeout: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// When the session last re-authenticated for sensitive changes.
    pub step_up_at: Option<i64>,
    /// The address of its latest request (updated with `last_seen_at`).
    pub last_ip: Option<String>,
}

impl SessionRecord {
    /// When the session ends if unused.
    pub fn idle_expires_at(&self) -> i64 {
        (self.last_seen_at + self.idle_timeout).min(self.expires_at)
    }

    /// True when neither the absolute nor the idle limit has passed at `now`.
    pub fn is_live(&self, now: i64) -> bool {
        now < self.expires_at && now < self.last_seen_at + self.idle_timeout
    }
}

/// A live session joined with who it belongs to.
#[derive(Debug, Clone)]
pub struct SessionAuth {
    pub session: SessionRecord,
    pub user: UserRecord,
    pub org: OrgRecord,
    pub role: Role,
    /// Until when required MFA does not yet restrict this member (bootstrap owner only).
    pub mfa_grace_until: Option<i64>,
}

/// A user's TOTP credential, pending or confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpRecord {
    /// The secret sealed with the master key (`wt_core::crypto`).
    pub secret_sealed: String,
    /// Last accepted time step (replay protection).
    pub last_step: Option<u64>,
    /// When an unconfirmed enrollment lapses.
    pub pending_expires_at: Option<i64>,
    /// When MFA was confirmed; `None` while pending.
    pub confirmed_at: Option<i64>,
}

/// Input of [`crate::MfaStore::totp_confirm`].
#[derive(Debug, Clone)]
pub struct TotpConfirm {
    pub org_id: String,
    pub user_id: String,
    /// The step of the code that confirmed it (becomes `last_step`).
    pub step: u64,
    /// SHA-256 hashes of the new recovery codes.
    pub recovery_hashes: Vec<String>,
    /// The session that confirmed: kept; every other session of the user is revoked.
    pub keep_session: String,
    pub now: i64,
}

/// Input of [`crate::MfaStore::challenge_create`].
#[derive(Debug, Clone)]
pub struct NewChallenge {
    pub id: String,
    pub token_hash: String,
    pub user_id: String,
    pub org_id: String,
    pub client: ClientKind,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A pre-MFA login challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeRecord {
    pub id: String,
    pub user_id: String,
    pub org_id: String,
    pub client: ClientKind,
    pub failures: i64,
    pub expires_at: i64,
    pub used: bool,
}

/// Input of [`crate::MemberStore::create_member`]: a new account and its first membership.
#[derive(Debug, Clone)]
pub struct NewMember {
    pub user_id: String,
    pub email: String,
    pub name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub org_id: String,
    pub role: Role,
    pub now: i64,
}

/// A mail to queue. Never carries a secret other than a link token meant for the recipient.
#[derive(Debug, Clone)]
pub struct NewMail {
    pub id: String,
    pub org_id: Option<String>,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub now: i64,
}

/// A queued mail due for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRecord {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

/// A mail not delivered yet, as [`crate::OutboxStore::mail_backlog`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingMail {
    pub id: String,
    pub to: String,
    pub created_at: i64,
    pub attempts: i64,
    /// The last failure (`<class>: <detail>`, see `wt_core::mail`), if tried.
    pub last_error: Option<String>,
}

/// Undelivered mail: how much, and the oldest of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailBacklog {
    /// Every undelivered mail the query selected (not only those listed).
    pub count: i64,
    /// The oldest of them, oldest first, at most the limit asked for.
    pub oldest: Vec<PendingMail>,
}

/// Input of [`crate::InviteStore::invite_create`].
#[derive(Debug, Clone)]
pub struct NewInvite {
    pub id: String,
    pub org_id: String,
    pub email: String,
    pub role: Role,
    pub token_hash: String,
    pub invited_by: Option<String>,
    pub now: i64,
    pub expires_at: i64,
}

/// An invite as stored (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteRecord {
    pub id: String,
    pub org_id: String,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl InviteRecord {
    /// Not accepted, not revoked, not expired at `now`.
    pub fn is_pending(&self, now: i64) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A member with their role in one org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    pub user: UserRecord,
    pub role: Role,
    pub joined_at: i64,
}

/// A recorded review of the member list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRecord {
    pub id: String,
    pub reviewed_by: String,
    pub reviewed_at: i64,
    /// JSON array of `{id, email, role}`.
    pub members_json: String,
}

/// A password reset token as stored (never the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetRecord {
    pub id: String,
    pub user_id: String,
    pub expires_at: i64,
    pub used: bool,
}

/// A filtered, paged read of an org's audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Exact action, or a prefix ending in `.*` (`api_key.*`).
    pub action: Option<String>,
    /// Actor email or id.
    pub actor: Option<String>,
    /// Target id.
    pub target: Option<String>,
    pub outcome: Option<String>,
    /// RFC 3339 UTC bounds on `occurred_at` (inclusive since, exclusive until).
    pub since: Option<String>,
    pub until: Option<String>,
    /// Only entries with `seq` below this (descending pages).
    pub before_seq: Option<i64>,
    /// Only entries with `seq` above this (ascending pages, streams).
    pub after_seq: Option<i64>,
    /// Oldest first instead of newest first.
    pub ascending: bool,
    pub limit: u32,
}

/// The length of the time buckets of [`crate::AuditStore::audit_activity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditBucket {
    /// `2026-12-06T11`: the hour, UTC.
    Hour,
    /// `2026-12-06`: the day, UTC.
    Day,
}

/// How many entries of one outcome fell in one time bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditActivity {
    /// The bucket's start as the leading part of an RFC 3339 UTC time: `2026-12-06T11`
    /// for an hour, `2026-12-06` for a day.
    pub bucket: String,
    pub outcome: String,
    pub count: i64,
}

/// A recorded review of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReviewRecord {
    pub id: String,
    pub reviewed_by: String,
    pub reviewed_at: i64,
    pub through_seq: i64,
}

/// A key that signs audit checkpoints (`audit_signing_keys`).
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    pub id: String,
    /// `None`: the installation's key, used for every org without its own.
    pub org_id: Option<String>,
    /// The raw 32-byte Ed25519 public key.
    pub public_key: Vec<u8>,
    /// The 32-byte seed sealed with the master key (never logged).
    pub private_sealed: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

impl std::fmt::Debug for SigningKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRecord")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

/// A signed checkpoint of an org's audit tree (`audit_checkpoints`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRecord {
    pub org_id: String,
    pub size: u64,
    pub root: wt_core::merkle::Hash,
    /// The C2SP signed note, as served.
    pub note: String,
    /// The id of the signing key's row.
    pub key_id: String,
    pub created_at: i64,
}

/// Input of [`crate::KeyStore::api_key_create`] and the successor of a rotation.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub environment: wt_core::apikey::Environment,
    /// HMAC-SHA256 of the key under the pepper, hex.
    pub secret_hash: String,
    pub last4: String,
    pub owner_id: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    /// Normalised CIDRs.
    pub allowed_cidrs: Vec<String>,
}

/// An ingestion key as stored, with its owner's and creator's emails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub environment: wt_core::apikey::Environment,
    pub secret_hash: String,
    pub last4: String,
    pub owner_id: String,
    pub owner_email: String,
    pub created_by: String,
    pub created_by_email: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub allowed_cidrs: Vec<String>,
    pub rotated_from: Option<String>,
    pub rotated_to: Option<String>,
    pub grace_until: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    pub use_count: i64,
    pub browser_count: i64,
    pub browser_last_at: Option<i64>,
    pub browser_origin: Option<String>,
    /// The key's own rate limit (else its org's default applies).
    pub rate: Option<wt_core::ratelimit::KeyRate>,
    /// Requests refused by the rate limit, and the last one's time.
    pub throttled_count: i64,
    pub throttled_last_at: Option<i64>,
    /// When the key was reported as leaked, and by what.
    pub leaked_at: Option<i64>,
    pub leak_source: Option<String>,
    /// Set instead of revocation when the org's leak policy is `quarantine`: the key is
    /// refused until released.
    pub quarantined_at: Option<i64>,
}

impl ApiKeyRecord {
    /// The dates that decide whether the key works (`wt_core::apikey` rules).
    pub fn lifetime(&self) -> wt_core::apikey::Lifetime {
        wt_core::apikey::Lifetime {
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
            grace_until: self.grace_until,
        }
    }
}

/// Changes of [`crate::KeyStore::api_key_update`]; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct ApiKeyPatch {
    pub name: Option<String>,
    pub owner_id: Option<String>,
    pub allowed_cidrs: Option<Vec<String>>,
    /// `Some(None)` removes the key's own limit (the org default applies again).
    pub rate: Option<Option<wt_core::ratelimit::KeyRate>>,
    /// Lifts a quarantine (a false positive).
    pub release: bool,
}

/// A leak report's effect on a key ([`crate::KeyStore::api_key_report_leak`]).
#[derive(Debug, Clone)]
pub struct KeyLeak {
    pub at: i64,
    /// `github:<source>`, `self_report`, `wt keys leaked`.
    pub source: String,
    /// Revoke (else quarantine), per the org's policy.
    pub revoke: bool,
}

/// Usage of one key since the last flush, coalesced in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyUsage {
    pub key_id: String,
    pub requests: i64,
    pub last_used_at: i64,
    pub last_used_ip: String,
    /// Per source address: (requests, first seen, last seen).
    pub sources: Vec<(String, i64, i64, i64)>,
    pub browser_requests: i64,
    pub browser_last_at: Option<i64>,
    pub browser_origin: Option<String>,
    /// Requests per hour: (the hour's start, a multiple of 3600; requests in it).
    pub hourly: Vec<(i64, i64)>,
    /// Requests refused by the key's rate limit, and the last one's time.
    pub throttled: i64,
    pub throttled_last_at: Option<i64>,
}

/// Requests of one key in one hour (`api_key_usage_hourly`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHourRecord {
    pub key_id: String,
    /// The hour's start (Unix time, a multiple of 3600).
    pub hour: i64,
    pub count: i64,
}

/// Where a key was used from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySourceRecord {
    pub key_id: String,
    pub ip: String,
    pub first_seen: i64,
    pub last_seen: i64,
    pub count: i64,
}

/// Events accepted by one ingest request.
#[derive(Debug, Clone)]
pub struct IngestBatch {
    pub org_id: String,
    pub key_id: String,
    pub environment: wt_core::apikey::Environment,
    pub received_at: i64,
    /// Each event's JSON text (an object).
    pub events: Vec<String>,
    /// The request's `Idempotency-Key`, when it sent one.
    pub idempotency: Option<IngestIdempotency>,
}

/// An ingest request's idempotency key: a second request with the same key in the same
/// org, while the first is remembered, stores nothing and gets the first one's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestIdempotency {
    pub key: String,
    /// A hash of the request (its body): the same key with another body is a conflict.
    pub fingerprint: String,
    /// A key first used before this time is forgotten (the window is the caller's rule).
    pub remembered_since: i64,
}

/// What became of one ingest request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestOutcome {
    /// Its events are stored (how many).
    Stored(u64),
    /// Its idempotency key was already used for the same request: nothing stored again;
    /// the first request's count.
    Replayed(u64),
    /// Its idempotency key was already used for another request: nothing stored.
    KeyReused,
}

/// What changed in the cached rows after a cache version (migration 0028): the keys and
/// the orgs whose `cache_seq` is newer, and the whole allowed-IP list of each such org.
#[derive(Debug, Clone, Default)]
pub struct CacheChanges {
    /// The cache version these changes bring the reader to (read before the rows: a row
    /// committed meanwhile is read again next time, which is harmless).
    pub version: i64,
    pub keys: Vec<ApiKeyRecord>,
    pub orgs: Vec<OrgRecord>,
    /// Every allowed-IP entry of the orgs in `orgs`.
    pub allowed_ips: Vec<AllowedIpRecord>,
}

/// An entry of an org's allowed-IP list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedIpRecord {
    pub id: String,
    pub org_id: String,
    /// Normalised CIDR.
    pub cidr: String,
    pub note: Option<String>,
    /// Email of the member who added it.
    pub created_by: String,
    pub created_at: i64,
    pub hit_count: i64,
    pub last_hit_at: Option<i64>,
}

/// A live session with its member's email (for the allowed-IP dry run).
#[derive(Debug, Clone)]
pub struct OrgSessionRecord {
    pub session: SessionRecord,
    pub email: String,
}

/// An automation token as stored (never the token), with its creator's email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessTokenRecord {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub role: Role,
    pub token_hash: String,
    pub created_by: String,
    pub created_by_email: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    /// What service endpoints it may call (`wt_core::scopes`); empty for tokens made
    /// before scopes existed.
    pub scopes: Vec<wt_core::scopes::Scope>,
}

/// An automation token found by its hash, with what it may act as: the member who
/// created it, as they stand now (SECURITY.md J.59).
#[derive(Debug, Clone)]
pub struct TokenAuth {
    pub token: AccessTokenRecord,
    pub org: OrgRecord,
    pub creator: UserRecord,
    /// The creator's current role in the token's org; `None` once they were removed.
    pub creator_role: Option<Role>,
    /// Until when required MFA does not yet restrict the creator (bootstrap owner only).
    pub creator_mfa_grace_until: Option<i64>,
}

/// A registered passkey (WebAuthn credential) as stored: public material only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyRecord {
    pub id: String,
    pub user_id: String,
    /// base64url of the raw credential id.
    pub credential_id: String,
    pub name: String,
    /// webauthn-rs's `Passkey` as JSON (public key, counter, flags).
    pub passkey_json: String,
    /// The authenticator model, when it sent one.
    pub aaguid: Option<String>,
    /// The attestation statement format at registration (`none`: not attested;
    /// `packed`, `tpm`, `fido-u2f`, ...: `wt_core::passkey::attestation_format`).
    pub attestation: String,
    /// `platform` or `cross-platform`, when the browser said at registration.
    pub authenticator_attachment: Option<String>,
    pub sign_count: u32,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// Input of [`crate::PasskeyStore::passkey_add`].
#[derive(Debug, Clone)]
pub struct NewPasskey {
    pub id: String,
    pub org_id: String,
    pub user_id: String,
    pub credential_id: String,
    pub name: String,
    pub passkey_json: String,
    pub aaguid: Option<String>,
    /// The attestation statement format (`none` when not attested).
    pub attestation_format: String,
    /// `platform` or `cross-platform`, when the browser said.
    pub authenticator_attachment: Option<String>,
    pub sign_count: u32,
    pub backup_eligible: bool,
    pub backup_state: bool,
    /// Recovery codes (hashed) to store when this is the account's first second factor.
    pub recovery_hashes: Vec<String>,
    /// The session that registered it (kept; the account's other sessions end when this
    /// is its first second factor, as after a TOTP enrollment).
    pub keep_session: String,
    pub now: i64,
}

/// What a passkey's use changes on its row.
#[derive(Debug, Clone)]
pub struct PasskeyUse {
    pub id: String,
    pub passkey_json: String,
    pub sign_count: u32,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub now: i64,
}

/// A started WebAuthn ceremony (the server half of its state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyCeremony {
    pub id: String,
    /// `register`, `login` or `step_up`.
    pub purpose: String,
    pub user_id: Option<String>,
    pub org_id: String,
    /// The session that started it (`register`, `step_up`).
    pub session_id: Option<String>,
    /// The MFA challenge it answers (`login`).
    pub challenge_id: Option<String>,
    /// The name chosen for the passkey (`register`).
    pub name: Option<String>,
    /// webauthn-rs's registration or authentication state, as JSON.
    pub state_json: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Which second factors a member has (for listings and the readiness report).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecondFactors {
    pub totp: bool,
    pub passkeys: u32,
}

impl From<SecondFactors> for wt_core::passkey::Factors {
    fn from(f: SecondFactors) -> Self {
        wt_core::passkey::Factors {
            totp: f.totp,
            passkeys: f.passkeys,
        }
    }
}

/// Which page of an org's keys [`crate::KeyStore::api_keys_page`] reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyListQuery {
    pub environment: Option<wt_core::apikey::Environment>,
    /// The id of the previous page's last key.
    pub after: Option<String>,
    pub limit: u32,
}

/// A device code just asked for by `wt login --web` (RFC 8628); codes as keyed hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeviceGrant {
    pub id: String,
    pub device_code_hash: String,
    pub user_code_hash: String,
    /// The org slug `wt login --web --org` named, if any.
    pub requested_org: Option<String>,
    /// That org's id, when it exists (the grant's audit entries go there from the start).
    pub org_id: Option<String>,
    pub request_ip: String,
    pub client_version: Option<String>,
    pub client_os: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub poll_interval: i64,
}

/// A device grant as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceGrantRecord {
    pub id: String,
    pub status: wt_core::device::Status,
    pub requested_org: Option<String>,
    pub org_id: Option<String>,
    pub request_ip: String,
    pub client_version: Option<String>,
    pub client_os: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub poll_interval: i64,
    pub last_polled_at: Option<i64>,
    /// The member who answered it, their role and session then, and their address.
    pub user_id: Option<String>,
    pub approver_role: Option<Role>,
    pub approver_session: Option<String>,
    pub approver_ip: Option<String>,
    pub answered_at: Option<i64>,
    pub redeemed_at: Option<i64>,
}

impl DeviceGrantRecord {
    /// What the rules of `wt_core::device` need of it.
    pub fn rules(&self) -> wt_core::device::Grant {
        wt_core::device::Grant {
            status: self.status,
            expires_at: self.expires_at,
            interval: self.poll_interval,
            last_polled_at: self.last_polled_at,
        }
    }
}

/// A member's answer to a pending device grant, for their org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceGrantAnswer {
    pub id: String,
    pub approve: bool,
    pub org_id: String,
    pub user_id: String,
    pub role: Role,
    pub session_id: String,
    pub ip: String,
    pub now: i64,
}

/// What redeeming an approved device grant found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceRedeem {
    /// This call redeemed it: a session may be issued for the approver, in its org.
    Redeemed(Box<DeviceGrantRecord>),
    /// Another poll redeemed it first, or it was never approved, or it lapsed.
    Gone,
    /// The approver no longer holds the role they approved with in the org, or their
    /// approving session ended: the grant is denied instead (and audited so).
    Withdrawn,
}

/// One stored event, as the consumer API reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Position in the installation's event sequence: increasing, never reused.
    pub seq: i64,
    pub key_id: String,
    pub environment: String,
    pub received_at: i64,
    /// The event's JSON text, as ingested (an object).
    pub payload: String,
}

/// A slice of an org's events after a cursor, and where retention stands for the org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSlice {
    pub events: Vec<EventRecord>,
    /// Every event of the org at or below this seq was deleted by retention (0: none).
    pub pruned_through: i64,
}

/// What an org's events take (maintained counters; see migration 0023).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventStorageRecord {
    pub org_id: String,
    /// Events stored, as of the last count (the prune task counts every round).
    pub events: i64,
    /// Their payloads' size in characters (about bytes for JSON, which is mostly ASCII).
    pub bytes: i64,
    /// The count covers events up to this seq.
    pub counted_through: i64,
    /// Retention deleted the org's events up to this seq.
    pub pruned_through: i64,
}

/// PostgreSQL's answer to the event watermark's probe (`wt_core::events::Probe` without
/// the time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventProbeRecord {
    pub max_seq: i64,
    pub xmax: i64,
    pub xmin: i64,
}

/// An audit sink as stored (`wt audit sinks`): where an org's audit log is streamed and
/// how far the receiver has accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSinkRecord {
    pub id: String,
    pub org_id: String,
    /// `webhook` or `syslog`.
    pub kind: String,
    pub name: String,
    /// JSON text of the sink's settings (URL, CA certificates); never a secret.
    pub config: String,
    /// The webhook signing secret, sealed with the master key; `None` for syslog.
    pub secret: Option<String>,
    /// The previous secret, sealed, while a rotation's overlap lasts.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<i64>,
    pub paused: bool,
    /// The last seq the receiver accepted (0: none).
    pub delivered_seq: i64,
    pub created_at: i64,
    /// Email of the member who added it.
    pub created_by: String,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    /// Since when every attempt has failed (`None` once one succeeded).
    pub failing_since: Option<i64>,
    /// Consecutive failed attempts.
    pub failures: i64,
    pub next_attempt_at: i64,
    pub lease_holder: Option<String>,
    pub lease_until: Option<i64>,
}
