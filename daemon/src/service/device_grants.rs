//! `wt login --web` (RFC 8628 device authorization grant): asking for a device code,
//! polling it, and a member's answer in the console (approve with a fresh TOTP code or
//! passkey assertion, or deny). The states and the poll's answer are
//! `wt_core::device`'s; every change of state is one conditional update in the store.
//!
//! The org: the one `wt login --web --org` named, else the org of the member who
//! approves (their console session's). The session issued is a CLI session of the
//! approver in that org, as `wt login` issues (`service::sessions::new_session`), and
//! only while the approver still holds the role and the session they approved with.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::service::attempts::{self, Key};
use crate::service::sessions::new_session;
use crate::state::AppState;
use wt_api::{
    ClientKind, DeviceAuthorizationRequest, DeviceAuthorizationResponse, DeviceTokenRequest,
    DeviceTokenResponse, device_errors as err,
};
use wt_core::audit::{Actor, AuditEvent, actions};
use wt_core::device::{self as rules, NotAnswerable, Poll};
use wt_core::ids;
use wt_core::permissions::Permission;
use wt_store::{DeviceGrantAnswer, DeviceGrantRecord, DeviceRedeem, NewDeviceGrant};

/// The label of the master key's subkey that keys the codes' hashes.
const HASH_KEY_LABEL: &str = "device-grant-codes";

fn code_hash(state: &AppState, code: &str) -> String {
    rules::keyed_hash(&state.master_key.derive(HASH_KEY_LABEL), code)
}

fn anonymous() -> Actor {
    Actor {
        kind: "anonymous".into(),
        id: None,
        email: None,
    }
}

/// What a client sent about itself, made safe to show: printable ASCII, bounded.
fn shown(v: Option<&str>, max: usize) -> Option<String> {
    let s: String = v?
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(max)
        .collect();
    let s = s.trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// What the approve screen and the audit entries say about a request.
fn request_details(g: &DeviceGrantRecord) -> serde_json::Value {
    serde_json::json!({
        "request_ip": g.request_ip,
        "client_version": g.client_version,
        "os": g.client_os,
        "requested_org": g.requested_org,
        "requested_at": wt_core::clock::rfc3339(g.created_at),
    })
}

/// `POST /auth/device`: a new device code and user code. Counted per address before
/// anything is stored (a burst, then waits: `Key::device_requests`).
pub async fn start(
    state: &AppState,
    meta: &ClientMeta,
    req: DeviceAuthorizationRequest,
) -> Result<DeviceAuthorizationResponse, ApiError> {
    let base = state.settings.link_base.clone().ok_or_else(|| {
        ApiError::Conflict(
            "`wt login --web` needs the address people open in a browser: serve with --public-url"
                .into(),
        )
    })?;
    let requested_org = match req.org.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(s) if s.len() > 64 => {
            return Err(ApiError::Validation("org: at most 64 characters".into()));
        }
        Some(s) => Some(s.to_string()),
    };
    if req
        .client_id
        .as_deref()
        .is_some_and(|c| c.is_empty() || c.len() > 64 || !c.chars().all(|c| c.is_ascii_graphic()))
    {
        return Err(ApiError::Validation(
            "client_id: 1 to 64 printable characters".into(),
        ));
    }
    // Every request counts and none is given back.
    drop(attempts::begin(state, vec![Key::device_requests(meta.ip)]).await?);
    let now = state.now();
    let org_id = match &requested_org {
        Some(slug) => state
            .store
            .list_orgs()
            .await?
            .into_iter()
            .find(|o| &o.slug == slug)
            .map(|o| o.id),
        None => None,
    };
    let device_code = rules::generate_device_code();
    let user_code = rules::generate_user_code();
    let id = ids::new_id("dg");
    let agent = rules::cli_agent(meta.user_agent.as_deref());
    let grant = NewDeviceGrant {
        id: id.clone(),
        device_code_hash: code_hash(state, device_code.expose()),
        user_code_hash: code_hash(state, &user_code),
        requested_org,
        org_id,
        request_ip: meta.ip.to_string(),
        client_version: shown(req.client_version.as_deref(), 32)
            .or(agent.as_ref().map(|a| a.0.clone())),
        client_os: shown(req.os.as_deref(), 64),
        created_at: now,
        expires_at: now + rules::CODE_TTL,
        poll_interval: rules::INTERVAL,
    };
    let audit = AuditEvent::new(anonymous(), actions::DEVICE_LOGIN_REQUESTED, &meta.audit())
        .target("device_grant", &id)
        .details(serde_json::json!({
            "client_version": grant.client_version,
            "os": grant.client_os,
            "requested_org": grant.requested_org,
        }));
    state.store.device_grant_create(grant, Some(audit)).await?;
    let shown_code = rules::display_user_code(&user_code);
    Ok(DeviceAuthorizationResponse {
        device_code: device_code.expose().to_string(),
        verification_uri: format!("{base}/device"),
        verification_uri_complete: format!("{base}/device?user_code={shown_code}"),
        user_code: shown_code,
        expires_in: rules::CODE_TTL,
        interval: rules::INTERVAL,
    })
}

/// A poll's refusal: an RFC 6749 §5.2 error (status 400, or 429 for a throttled address).
#[derive(Debug)]
pub struct PollError {
    pub error: &'static str,
    pub description: String,
    pub interval: Option<i64>,
}

impl PollError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            description: description.into(),
            interval: None,
        }
    }
}

/// What a poll ends with: a session, a device-flow error, or a failure of the daemon.
#[derive(Debug)]
pub enum PollFailure {
    Grant(PollError),
    Api(ApiError),
}

impl From<ApiError> for PollFailure {
    fn from(e: ApiError) -> Self {
        PollFailure::Api(e)
    }
}

impl From<wt_store::StoreError> for PollFailure {
    fn from(e: wt_store::StoreError) -> Self {
        PollFailure::Api(e.into())
    }
}

fn grant_error(error: &'static str, description: impl Into<String>) -> PollFailure {
    PollFailure::Grant(PollError::new(error, description))
}

/// `POST /auth/device/token`: one poll of a device code (RFC 8628 §3.4-3.5).
pub async fn poll(
    state: &AppState,
    meta: &ClientMeta,
    req: DeviceTokenRequest,
) -> Result<DeviceTokenResponse, PollFailure> {
    if let Some(gt) = req.grant_type.as_deref()
        && gt != rules::GRANT_TYPE
    {
        return Err(grant_error(
            err::UNSUPPORTED_GRANT_TYPE,
            format!("grant_type must be {}", rules::GRANT_TYPE),
        ));
    }
    let unknown = || grant_error(err::INVALID_GRANT, "unknown device code");
    if !rules::is_device_code(&req.device_code) {
        return Err(unknown());
    }
    let g = state
        .store
        .device_grant_by_device_code(&code_hash(state, &req.device_code))
        .await?
        .ok_or_else(unknown)?;
    let now = state.now();
    match rules::poll(&g.rules(), now) {
        Poll::Pending | Poll::SlowDown { .. } => {
            let slow = match rules::slow_down(g.poll_interval) {
                Poll::SlowDown { interval } => interval,
                _ => g.poll_interval,
            };
            if state.store.device_grant_polled(&g.id, now, slow).await? {
                Err(grant_error(
                    err::AUTHORIZATION_PENDING,
                    "waiting for a member to approve this login in the console",
                ))
            } else {
                Err(PollFailure::Grant(PollError {
                    error: err::SLOW_DOWN,
                    description: format!("polled too soon: wait {slow} seconds between polls"),
                    interval: Some(slow),
                }))
            }
        }
        Poll::Denied => Err(grant_error(
            err::ACCESS_DENIED,
            "the login was denied in the console",
        )),
        Poll::Redeemed => Err(grant_error(
            err::INVALID_GRANT,
            "this device code was used already",
        )),
        Poll::Expired { record } => {
            if record {
                let ev = AuditEvent::new(anonymous(), actions::DEVICE_LOGIN_EXPIRED, &meta.audit())
                    .target("device_grant", &g.id)
                    .details(request_details(&g));
                state.store.device_grant_expire(&g.id, now, ev).await?;
            }
            Err(grant_error(
                err::EXPIRED_TOKEN,
                "the device code lapsed: run `wt login --web` again",
            ))
        }
        Poll::Redeem => redeem(state, meta, &g).await,
    }
}

/// Exchanges an approved grant for a CLI session of its approver, once.
async fn redeem(
    state: &AppState,
    meta: &ClientMeta,
    g: &DeviceGrantRecord,
) -> Result<DeviceTokenResponse, PollFailure> {
    let gone = || grant_error(err::INVALID_GRANT, "this device code was used already");
    let (Some(org_id), Some(user_id)) = (g.org_id.as_deref(), g.user_id.as_deref()) else {
        return Err(gone());
    };
    let now = state.now();
    let withdrawn = || {
        grant_error(
            err::ACCESS_DENIED,
            "the approval no longer stands (the approver's access or session changed)",
        )
    };
    let Some((user, _)) = state.store.member(org_id, user_id).await? else {
        return redeem_withdrawn(state, meta, g, now).await;
    };
    // The CLI's own address must be one the org admits, as for `wt login` (B.12).
    if let Err(e) = crate::extract::check_address(state, &user, org_id, meta, now).await {
        return match e {
            ApiError::IpNotAllowed => Err(grant_error(
                err::ACCESS_DENIED,
                "this address is not in the org's allowed IPs",
            )),
            other => Err(other.into()),
        };
    }
    let actor = Actor::user(&user.id, &user.email);
    let redeemed = AuditEvent::new(actor.clone(), actions::DEVICE_LOGIN_REDEEMED, &meta.audit())
        .target("device_grant", &g.id)
        .details(request_details(g));
    let withdrawn_ev = withdrawn_event(g, meta);
    let g = match state
        .store
        .device_grant_redeem(&g.id, now, redeemed, withdrawn_ev)
        .await?
    {
        DeviceRedeem::Redeemed(g) => g,
        DeviceRedeem::Gone => return Err(gone()),
        DeviceRedeem::Withdrawn => return Err(withdrawn()),
    };
    let org = state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .find(|o| o.id == org_id)
        .ok_or_else(withdrawn)?;
    let role = g.approver_role.ok_or_else(withdrawn)?;
    let issued = new_session(state, &user, &org, role, ClientKind::Cli, meta, "device").await?;
    state
        .store
        .device_grant_session(&g.id, &issued.session.id)
        .await?;
    Ok(DeviceTokenResponse {
        access_token: issued.token.expose().to_string(),
        token_type: "Bearer".into(),
        expires_in: (issued.session.expires_at - now).max(0),
        session: crate::wire::session_json(&issued.session, &issued.session.id),
        mfa_enrollment_required: issued.mfa_enrollment_required,
    })
}

fn withdrawn_event(g: &DeviceGrantRecord, meta: &ClientMeta) -> AuditEvent {
    AuditEvent::new(anonymous(), actions::DEVICE_LOGIN_DENIED, &meta.audit())
        .outcome("denied")
        .target("device_grant", &g.id)
        .details(serde_json::json!({
            "reason": "approval_withdrawn",
            "approver": g.user_id,
            "request_ip": g.request_ip,
        }))
}

/// The approver is no longer a member: the store's redemption refuses it (and records
/// the denial) the same way it refuses a changed role.
async fn redeem_withdrawn(
    state: &AppState,
    meta: &ClientMeta,
    g: &DeviceGrantRecord,
    now: i64,
) -> Result<DeviceTokenResponse, PollFailure> {
    let ev = withdrawn_event(g, meta);
    let redeemed = ev.clone();
    match state
        .store
        .device_grant_redeem(&g.id, now, redeemed, ev)
        .await?
    {
        DeviceRedeem::Gone => Err(grant_error(
            err::INVALID_GRANT,
            "this device code was used already",
        )),
        _ => Err(grant_error(
            err::ACCESS_DENIED,
            "the approval no longer stands (the approver's access or session changed)",
        )),
    }
}

/// Finds the pending login of a user code typed in the console. Counted per member and
/// per address before the lookup; a right code gives the member's count back.
pub async fn lookup(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    typed: &str,
) -> Result<DeviceGrantRecord, ApiError> {
    auth.require(Permission::SelfRead)?;
    auth.require_person()?;
    let attempt = attempts::begin(
        state,
        vec![Key::user_codes(&auth.user.id), Key::tokens(meta.ip)],
    )
    .await?;
    let no_such = || {
        ApiError::Validation(
            "no login waits with this code: check it (8 letters, as `wt login --web` printed it) and try again".into(),
        )
    };
    let code = rules::normalize_user_code(typed).ok_or_else(no_such)?;
    let g = state
        .store
        .device_grant_by_user_code(&code_hash(state, &code))
        .await?
        .filter(|g| g.rules().effective(state.now()) == rules::Status::Pending)
        .ok_or_else(no_such)?;
    attempt.succeeded(state).await?;
    // The right code of a login for another org: say which (the person typed it).
    if let Some(slug) = g.requested_org.as_deref()
        && slug != auth.org.slug
    {
        return Err(other_org(slug));
    }
    Ok(g)
}

fn other_org(slug: &str) -> ApiError {
    ApiError::Forbidden(format!(
        "this login is for the org {slug:?}: sign in to the console of that org to approve it"
    ))
}

/// A grant the member may answer now, by its id (from the approve screen's form).
pub async fn answerable(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<DeviceGrantRecord, ApiError> {
    auth.require(Permission::SelfRead)?;
    auth.require_person()?;
    let g = state
        .store
        .device_grant_get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    // Bound to another org already: not this member's to see.
    if g.org_id.as_deref().is_some_and(|o| o != auth.org.id) {
        return Err(ApiError::NotFound);
    }
    rules::answerable(
        &g.rules(),
        g.requested_org.as_deref(),
        &auth.org.slug,
        state.now(),
    )
    .map_err(|e| match e {
        NotAnswerable::Answered => ApiError::Conflict(
            "this login was answered already: run `wt login --web` again if you need another"
                .into(),
        ),
        NotAnswerable::Expired => {
            ApiError::Conflict("this login lapsed: run `wt login --web` again".into())
        }
        NotAnswerable::OtherOrg => other_org(g.requested_org.as_deref().unwrap_or_default()),
    })?;
    Ok(g)
}

/// How the member proved themselves just now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Totp,
    Passkey,
}

impl Factor {
    fn as_str(self) -> &'static str {
        match self {
            Factor::Totp => "totp",
            Factor::Passkey => "passkey",
        }
    }
}

/// The approve screen showed `shown` as the role the terminal gets: refused when the
/// approver's role changed since (demoted or promoted between opening the page and
/// approving), before any second factor is spent. The session itself is checked anew on
/// every request (a removed approver's is dead).
pub fn same_role(auth: &Auth, shown: Option<&str>) -> Result<(), ApiError> {
    match shown {
        Some(r) if r != auth.role.as_str() => Err(ApiError::Conflict(format!(
            "your role changed since this page was opened (it is {} now): open the login again to approve it with your current role",
            auth.role.as_str()
        ))),
        _ => Ok(()),
    }
}

/// Approves with a fresh TOTP code (never the session's cookie alone, nor an earlier
/// step-up): the code is checked (counted, replay-safe) right here.
pub async fn approve_with_totp(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
    code: &str,
    shown_role: Option<&str>,
) -> Result<(), ApiError> {
    let g = answerable(state, auth, id).await?;
    same_role(auth, shown_role)?;
    if code.trim().is_empty() {
        return Err(ApiError::MfaCodeRequired);
    }
    if !state.store.second_factors(&auth.user.id).await?.totp {
        return Err(ApiError::Validation(
            "your account has no authenticator app: approve with a passkey".into(),
        ));
    }
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    crate::service::mfa::check_totp(state, &auth.org.id, auth.actor(), meta, &code).await?;
    answer(state, auth, meta, &g, true, Some(Factor::Totp)).await
}

/// Approves with a passkey assertion started on the approve screen
/// (`service::passkeys::device_begin`).
pub async fn approve_with_passkey(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
    ceremony: &str,
    credential: &str,
    shown_role: Option<&str>,
) -> Result<(), ApiError> {
    let g = answerable(state, auth, id).await?;
    same_role(auth, shown_role)?;
    crate::service::passkeys::device_verify(state, auth, meta, ceremony, credential).await?;
    answer(state, auth, meta, &g, true, Some(Factor::Passkey)).await
}

/// Denies a login (no second factor needed to refuse).
pub async fn deny(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
) -> Result<(), ApiError> {
    let g = answerable(state, auth, id).await?;
    answer(state, auth, meta, &g, false, None).await
}

async fn answer(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    g: &DeviceGrantRecord,
    approve: bool,
    factor: Option<Factor>,
) -> Result<(), ApiError> {
    let now = state.now();
    let action = if approve {
        actions::DEVICE_LOGIN_APPROVED
    } else {
        actions::DEVICE_LOGIN_DENIED
    };
    let mut details = request_details(g);
    if let (Some(f), Some(obj)) = (factor, details.as_object_mut()) {
        obj.insert("factor".into(), f.as_str().into());
    }
    let ev = AuditEvent::new(auth.actor(), action, &meta.audit())
        .target("device_grant", &g.id)
        .details(details);
    let ev = if approve { ev } else { ev.outcome("denied") };
    // The org was not known when the code was asked for: its `requested` entry now.
    let requested = g.org_id.is_none().then(|| {
        AuditEvent::new(anonymous(), actions::DEVICE_LOGIN_REQUESTED, &meta.audit())
            .target("device_grant", &g.id)
            .details(request_details(g))
    });
    state
        .store
        .device_grant_answer(
            DeviceGrantAnswer {
                id: g.id.clone(),
                approve,
                org_id: auth.org.id.clone(),
                user_id: auth.user.id.clone(),
                role: auth.role,
                session_id: auth.session.id.clone(),
                ip: meta.ip.to_string(),
                now,
            },
            requested,
            ev,
        )
        .await?;
    Ok(())
}
