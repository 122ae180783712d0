//! Sessions (`wt sessions`, `wt logout`, `/auth/sessions`, `/auth/logout`; SECURITY.md B):
//! issuing one once every factor succeeded, and ending them.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::state::AppState;
use wt_api::{ClientKind, Role};
use wt_core::audit::{Actor, AuditEvent, actions};
use wt_core::permissions::Permission;
use wt_core::sessions::Device;
use wt_core::{ids, token};
use wt_store::{NewSession, OrgRecord, SessionRecord, UserRecord};

/// A session just created; the token is shown once, to whoever logged in.
#[derive(Debug)]
pub struct IssuedSession {
    pub token: wt_core::secret::SecretString,
    pub session: SessionRecord,
    /// The role requires MFA and none is enrolled: the session can only enroll.
    pub mfa_enrollment_required: bool,
}

/// Creates a session after every factor succeeded; `method` is recorded in the audit
/// entry (`password`, `totp`, `recovery_code`).
pub(crate) async fn new_session(
    state: &AppState,
    user: &UserRecord,
    org: &OrgRecord,
    role: Role,
    client: ClientKind,
    meta: &ClientMeta,
    method: &'static str,
) -> Result<IssuedSession, ApiError> {
    let now = state.now();
    let s = &state.settings;
    let token = token::generate(token::SESSION_PREFIX);
    let idle_timeout = match client {
        ClientKind::Console => s.console_idle_timeout,
        ClientKind::Cli => s.cli_idle_timeout,
    };
    let new = NewSession {
        id: ids::new_id("ses"),
        token_hash: token::hash(token.expose()),
        org_id: org.id.clone(),
        user_id: user.id.clone(),
        client,
        created_at: now,
        expires_at: now + s.session_lifetime,
        idle_timeout,
        ip: Some(meta.ip.to_string()),
        user_agent: meta.user_agent.clone(),
    };
    let event = AuditEvent::new(
        Actor::user(&user.id, &user.email),
        actions::LOGIN_SUCCEEDED,
        &meta.audit(),
    )
    .target("session", &new.id)
    .details(serde_json::json!({ "client": client.as_str(), "method": method }));
    let session = SessionRecord {
        id: new.id.clone(),
        org_id: new.org_id.clone(),
        user_id: new.user_id.clone(),
        client,
        created_at: now,
        last_seen_at: now,
        expires_at: new.expires_at,
        idle_timeout,
        ip: new.ip.clone(),
        user_agent: new.user_agent.clone(),
        step_up_at: None,
        last_ip: new.ip.clone(),
    };
    // The user's sign-in history, read before this sign-in joins it.
    let since = now - wt_core::sessions::KNOWN_DEVICE_WINDOW;
    let recent: Vec<Device> = state
        .store
        .sign_in_devices_since(&user.id, since)
        .await?
        .iter()
        .map(|d| {
            Device::of(
                d.client,
                d.user_agent.as_deref(),
                d.ip.as_deref().unwrap_or(""),
            )
        })
        .collect();
    let before = !recent.is_empty() || state.store.signed_in_before(&user.id).await?;
    state.store.create_session(new, event).await?;
    state.metrics.login("succeeded");
    let device = Device::of(client, meta.user_agent.as_deref(), &meta.ip.to_string());
    if wt_core::sessions::is_new_device(&device, &recent, before) {
        new_device_notice(state, user, org, &device, meta).await;
    }
    Ok(IssuedSession {
        token,
        session,
        mfa_enrollment_required: wt_core::permissions::mfa_enrollment_required(
            role,
            &org.mfa_required_roles,
            user.mfa_enabled,
        ),
    })
}

/// Mails "a sign-in from a new device" (`wt_core::sessions::is_new_device`). The session
/// exists already: a mail that cannot be queued is logged, and the sign-in stands.
async fn new_device_notice(
    state: &AppState,
    user: &UserRecord,
    org: &OrgRecord,
    device: &Device,
    meta: &ClientMeta,
) {
    let how = match device.client {
        ClientKind::Console => "in the web console",
        ClientKind::Cli => "with the wt CLI or an API client",
    };
    let what = format!(
        "A sign-in from a new device ({}, {how}, network {})",
        device.agent, device.network
    );
    if let Err(e) =
        crate::service::notices::security_notice(state, org, &user.email, &what, Some(meta)).await
    {
        tracing::warn!(error = %e, "the new-device notice was not queued");
    }
}

/// Ends the caller's own session (`POST /auth/logout`, the console's "Sign out").
pub async fn logout(state: &AppState, auth: &Auth, meta: &ClientMeta) -> Result<(), ApiError> {
    let ev = AuditEvent::new(auth.actor(), actions::LOGOUT, &meta.audit())
        .target("session", &auth.session.id);
    state
        .store
        .revoke_session(
            &auth.org.id,
            &auth.user.id,
            &auth.session.id,
            state.now(),
            ev,
        )
        .await?;
    Ok(())
}

/// Ends another session of the caller's own (B.16).
pub async fn revoke_own_session(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
) -> Result<(), ApiError> {
    auth.require(Permission::SelfManage)?;
    let ev = AuditEvent::new(auth.actor(), actions::SESSION_REVOKED, &meta.audit())
        .target("session", id);
    state
        .store
        .revoke_session(&auth.org.id, &auth.user.id, id, state.now(), ev)
        .await?;
    Ok(())
}

/// Ends every other session of the caller's own in the org, keeping the one this request
/// came with ("sign out all other sessions", B.16); returns how many ended.
pub async fn revoke_other_sessions(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
) -> Result<usize, ApiError> {
    auth.require(Permission::SelfManage)?;
    let ev = AuditEvent::new(auth.actor(), actions::OTHER_SESSIONS_REVOKED, &meta.audit())
        .target("user", &auth.user.id)
        .details(serde_json::json!({ "kept_session": auth.session.id }));
    let n = state
        .store
        .revoke_other_sessions(
            &auth.org.id,
            &auth.user.id,
            &auth.session.id,
            state.now(),
            ev,
        )
        .await?;
    Ok(n)
}
