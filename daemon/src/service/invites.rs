//! Invites (`wt invite`, `/orgs/invites`, `/invites/...`; SPEC flow 1, SECURITY.md C).
//!
//! Invite tokens (`wti_` + 256 bits) travel only by mail and are stored as SHA-256; an
//! invite is bound to its org, email and role, and acceptance takes all three from the
//! invite, never from the request. Role guard rails come from `wt_core::permissions`.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Via};
use crate::service::attempts::{self, Key};
use crate::service::hashing;
use crate::state::AppState;
use wt_api::{InviteAcceptRequest, InviteCreateRequest, Role};
use wt_core::audit::{Actor, AuditEvent, actions};
use wt_core::clock::rfc3339;
use wt_core::permissions::{Permission, check_role_grant};
use wt_core::{ids, token};
use wt_store::{InviteRecord, NewInvite, NewMember, OrgRecord};

/// Prefix of invite tokens.
pub const INVITE_PREFIX: &str = "wti_";

/// Queues the invite mail: the only place the token goes.
async fn send_invite(
    state: &AppState,
    auth: &Auth,
    invite: &InviteRecord,
    token: &str,
) -> Result<(), ApiError> {
    let link = match &state.settings.link_base {
        Some(base) => {
            format!("Open this link to accept:\n\n  {base}/invite#token={token}\n\nor use")
        }
        None => "Accept with".to_string(),
    };
    let body = format!(
        "Hello,\n\n{inviter} invited you to join the org {org} on WatchTower as {role}.\n\n\
         {link} the WatchTower CLI:\n\n  wt invite accept --token-stdin\n\nand paste this invite token:\n\n  {token}\n\n\
         The invite is valid until {exp} (UTC) and works once. If you did not expect it, ignore this mail.\n\n-- WatchTower\n",
        inviter = auth.user.email,
        org = auth.org.name,
        role = invite.role,
        exp = rfc3339(invite.expires_at),
    );
    let subject = format!("You are invited to {} on WatchTower", auth.org.name);
    crate::mailer::enqueue(state, Some(&auth.org.id), &invite.email, &subject, body).await
}

/// `POST /orgs/invites`. Inviting above one's own role is refused and audited (C.24).
pub async fn create(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    req: InviteCreateRequest,
) -> Result<InviteRecord, ApiError> {
    if auth.mfa_restricted {
        return Err(ApiError::MfaEnrollmentRequired);
    }
    let email =
        ids::normalize_email(&req.email).map_err(|e| ApiError::Validation(e.to_string()))?;
    if let Err(why) = check_role_grant(auth.role, false, None, req.role) {
        let ev = AuditEvent::new(auth.actor(), actions::INVITE_DENIED, &meta.audit())
            .outcome("denied")
            .details(
                serde_json::json!({ "email": email, "role": req.role, "reason": why.to_string() }),
            );
        state
            .store
            .append_audit(&auth.org.id, ev, state.now())
            .await?;
        return Err(ApiError::Forbidden(why.to_string()));
    }
    let now = state.now();
    auth.require_step_up_to_grant(req.role, now)?;
    let tok = token::generate(INVITE_PREFIX);
    let invite = NewInvite {
        id: ids::new_id("inv"),
        org_id: auth.org.id.clone(),
        email: email.clone(),
        role: req.role,
        token_hash: token::hash(tok.expose()),
        invited_by: Some(auth.user.email.clone()),
        now,
        expires_at: now + state.settings.invite_ttl,
    };
    let ev = AuditEvent::new(auth.actor(), actions::INVITE_CREATED, &meta.audit())
        .target("invite", &invite.id)
        .details(serde_json::json!({ "email": email, "role": req.role }));
    let rec = state.store.invite_create(invite, ev).await?;
    send_invite(state, auth, &rec, tok.expose()).await?;
    Ok(rec)
}

/// `GET /orgs/invites`: every invite of the org, newest first as the store keeps them.
pub async fn list(state: &AppState, auth: &Auth) -> Result<Vec<InviteRecord>, ApiError> {
    auth.require(Permission::MembersRead)?;
    Ok(state.store.invites_list(&auth.org.id).await?)
}

/// `POST /orgs/invites/{id}/resend`: a new token (the old one dies) and a new mail.
pub async fn resend(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
) -> Result<InviteRecord, ApiError> {
    auth.require(Permission::MembersManage)?;
    let now = state.now();
    // The resender must be able to send it today (an admin cannot resend an owner invite).
    let role = state
        .store
        .invites_list(&auth.org.id)
        .await?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or(ApiError::NotFound)?
        .role;
    check_role_grant(auth.role, false, None, role)
        .map_err(|e| ApiError::Forbidden(e.to_string()))?;
    auth.require_step_up_to_grant(role, now)?;
    let tok = token::generate(INVITE_PREFIX);
    let ev =
        AuditEvent::new(auth.actor(), actions::INVITE_RESENT, &meta.audit()).target("invite", id);
    let rec = state
        .store
        .invite_resend(
            &auth.org.id,
            id,
            &token::hash(tok.expose()),
            now + state.settings.invite_ttl,
            now,
            ev,
        )
        .await?;
    send_invite(state, auth, &rec, tok.expose()).await?;
    Ok(rec)
}

/// `DELETE /orgs/invites/{id}`.
pub async fn revoke(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
) -> Result<(), ApiError> {
    auth.require(Permission::MembersManage)?;
    let ev =
        AuditEvent::new(auth.actor(), actions::INVITE_REVOKED, &meta.audit()).target("invite", id);
    Ok(state
        .store
        .invite_revoke(&auth.org.id, id, state.now(), ev)
        .await?)
}

/// A pending invite by raw token, or the one generic refusal (C.25), counted against the
/// caller's address.
pub async fn pending(
    state: &AppState,
    meta: &ClientMeta,
    raw: &str,
) -> Result<(InviteRecord, OrgRecord), ApiError> {
    let attempt = attempts::begin(state, vec![Key::tokens(meta.ip)]).await?;
    let found = if token::has_shape(raw, INVITE_PREFIX) {
        state.store.invite_by_token(&token::hash(raw)).await?
    } else {
        None
    };
    let found = found
        .filter(|(inv, _)| inv.is_pending(state.now()))
        .ok_or(ApiError::InviteInvalid)?;
    attempt.succeeded(state).await?;
    if !inviter_still_grants(state, &found.0).await? {
        return Err(ApiError::InviteInvalid);
    }
    Ok(found)
}

/// Whether whoever sent the invite may still grant its role in its org: a member, not
/// disabled, whose current role allows it (SECURITY.md J.59). The store also revokes
/// such invites at removal and demotion; this covers every other change of standing.
async fn inviter_still_grants(state: &AppState, invite: &InviteRecord) -> Result<bool, ApiError> {
    let Some(by) = &invite.invited_by else {
        return Ok(true);
    };
    let role = state
        .store
        .user_for_login(by)
        .await?
        .filter(|c| !c.user.disabled)
        .and_then(|c| {
            c.memberships
                .into_iter()
                .find(|(o, _)| o.id == invite.org_id)
                .map(|(_, r)| r)
        });
    Ok(role.is_some_and(|r| check_role_grant(r, false, None, invite.role).is_ok()))
}

/// Checks an existing account's password like a login would: counted on the account and
/// the address before the hash is checked (SECURITY.md J.60).
async fn prove_password(
    state: &AppState,
    meta: &ClientMeta,
    existing: &wt_store::LoginCandidate,
    password: String,
) -> Result<bool, ApiError> {
    let keys = vec![Key::account(&existing.user.email), Key::address(meta.ip)];
    let attempt = attempts::begin(state, keys).await?;
    let ok = hashing::verify(state, password, Some(existing.password_hash.clone())).await?;
    if ok {
        attempt.succeeded(state).await?;
    }
    Ok(ok)
}

/// Whether an account exists for the email.
pub async fn account_exists(state: &AppState, email: &str) -> Result<bool, ApiError> {
    Ok(state.store.user_for_login(email).await?.is_some())
}

/// `POST /invites/accept`. A new account gets a name and password; an existing account
/// must be the caller's own session (C.23: an invite never overwrites a password).
pub async fn accept(
    state: &AppState,
    meta: &ClientMeta,
    caller: Option<Auth>,
    req: InviteAcceptRequest,
) -> Result<(wt_store::UserRecord, OrgRecord, Role), ApiError> {
    let (invite, org) = pending(state, meta, &req.token).await?;
    let token_hash = token::hash(&req.token);
    let now = state.now();
    if let Some(existing) = state.store.user_for_login(&invite.email).await? {
        // Logging in to the account (C.23): its own session, or its current password.
        // Either way the invite never sets or changes the password.
        let proven = match (
            // The account's own session: not an automation token acting for it.
            caller.filter(|a| a.user.id == existing.user.id && a.via != Via::Token),
            req.password,
        ) {
            (Some(_), None) => true,
            (None, Some(pw)) => prove_password(state, meta, &existing, pw).await?,
            _ => false,
        };
        if !proven || req.name.is_some() || existing.user.disabled {
            return Err(ApiError::AccountExists);
        }
        let ev = AuditEvent::new(
            Actor::user(&existing.user.id, &existing.user.email),
            actions::INVITE_ACCEPTED,
            &meta.audit(),
        )
        .target("invite", &invite.id)
        .details(serde_json::json!({ "role": invite.role, "existing_account": true }));
        return Ok(state
            .store
            .invite_accept(&token_hash, None, Some(&existing.user.id), now, ev)
            .await?);
    }
    let name = ids::validate_name(req.name.as_deref().unwrap_or_default())
        .map_err(|m| ApiError::Validation(format!("name: {m}")))?;
    let password = req.password.ok_or_else(|| {
        ApiError::Validation("password: choose a password for the new account".into())
    })?;
    hashing::check_new_password(state, &password, invite.role, &org, &invite.email, &name).await?;
    let password_hash = hashing::hash(state, password).await?;
    let user_id = ids::new_id("usr");
    let ev = AuditEvent::new(
        Actor::user(&user_id, &invite.email),
        actions::INVITE_ACCEPTED,
        &meta.audit(),
    )
    .target("invite", &invite.id)
    .details(serde_json::json!({ "role": invite.role, "existing_account": false }));
    let member = NewMember {
        user_id,
        email: invite.email.clone(),
        name,
        password_hash,
        org_id: org.id.clone(),
        role: invite.role,
        now,
    };
    Ok(state
        .store
        .invite_accept(&token_hash, Some(member), None, now, ev)
        .await?)
}
