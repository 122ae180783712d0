//! Invites and members (SPEC flows 1-2, SECURITY.md C and F).
//!
//! Invite tokens (`wti_` + 256 bits) travel only by mail and are stored as SHA-256; an
//! invite is bound to its org, email and role, and acceptance takes all three from the
//! invite, never from the request. Role guard rails come from `wt_core::permissions`; the
//! last-owner rule is the store's, inside the transaction.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Via};
use crate::service::attempts::{self, Key};
use crate::service::{notices, passwords};
use crate::state::AppState;
use wt_api::{InviteAcceptRequest, InviteCreateRequest, Role};
use wt_core::audit::{Actor, AuditEvent, actions};
use wt_core::clock::rfc3339;
use wt_core::permissions::{self, Permission, check_role_grant};
use wt_core::{ids, token};
use wt_store::{InviteRecord, MemberRecord, NewInvite, NewMember, OrgRecord, ReviewRecord};

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

/// Making someone an admin or owner, by a role change or an invite, needs a fresh sign-in
/// or step-up, which automation tokens never have (SECURITY.md J.65).
fn require_step_up_to_elevate(auth: &Auth, role: Role, now: i64) -> Result<(), ApiError> {
    if permissions::rank(role) >= permissions::rank(Role::Admin) {
        auth.require_step_up(now)?;
    }
    Ok(())
}

/// `POST /orgs/invites`. Inviting above one's own role is refused and audited (C.24).
pub async fn invite_create(
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
    require_step_up_to_elevate(auth, req.role, now)?;
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

/// `POST /orgs/invites/{id}/resend`: a new token (the old one dies) and a new mail.
pub async fn invite_resend(
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
    require_step_up_to_elevate(auth, role, now)?;
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
pub async fn invite_revoke(
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
pub async fn pending_invite(
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
    let ok = passwords::verify(state, password, Some(existing.password_hash.clone())).await?;
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
pub async fn invite_accept(
    state: &AppState,
    meta: &ClientMeta,
    caller: Option<Auth>,
    req: InviteAcceptRequest,
) -> Result<(wt_store::UserRecord, OrgRecord, Role), ApiError> {
    let (invite, org) = pending_invite(state, meta, &req.token).await?;
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
    passwords::check_new_password(state, &password, invite.role, &org, &invite.email, &name)
        .await?;
    let password_hash = passwords::hash(state, password).await?;
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

/// `PATCH /orgs/members/{id}`.
pub async fn set_role(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    user_id: &str,
    role: Role,
) -> Result<MemberRecord, ApiError> {
    auth.require(Permission::MembersManage)?;
    let (target, current) = state
        .store
        .member(&auth.org.id, user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    // The self-change rule looks at the member behind the credential (for a token, its
    // creator: SECURITY.md J.59).
    check_role_grant(auth.role, target.id == auth.user.id, Some(current), role)
        .map_err(|e| ApiError::Forbidden(e.to_string()))?;
    require_step_up_to_elevate(auth, role, state.now())?;
    let ev = AuditEvent::new(auth.actor(), actions::MEMBER_ROLE_CHANGED, &meta.audit())
        .target("user", &target.id)
        .details(serde_json::json!({ "email": target.email, "from": current, "to": role }));
    state
        .store
        .member_set_role(&auth.org.id, &target.id, role, state.now(), ev)
        .await?;
    member(state, &auth.org.id, &target.id).await
}

async fn member(state: &AppState, org_id: &str, user_id: &str) -> Result<MemberRecord, ApiError> {
    state
        .store
        .members_list(org_id)
        .await?
        .into_iter()
        .find(|m| m.user.id == user_id)
        .ok_or(ApiError::NotFound)
}

/// `DELETE /orgs/members/{id}`: their sessions in the org end at once (C.22, B.15).
pub async fn remove(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    user_id: &str,
) -> Result<(), ApiError> {
    auth.require(Permission::MembersManage)?;
    let (target, current) = state
        .store
        .member(&auth.org.id, user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if target.id == auth.user.id {
        return Err(ApiError::Forbidden(
            "you cannot remove yourself: ask another owner or admin".into(),
        ));
    }
    if current == Role::Owner && auth.role != Role::Owner {
        return Err(ApiError::Forbidden(
            permissions::RoleChangeError::OwnerProtected.to_string(),
        ));
    }
    // Removal needs a fresh sign-in or step-up (SECURITY.md J.65).
    auth.require_step_up(state.now())?;
    let ev = AuditEvent::new(auth.actor(), actions::MEMBER_REMOVED, &meta.audit())
        .target("user", &target.id)
        .details(serde_json::json!({ "email": target.email, "role": current }));
    state
        .store
        .member_remove(&auth.org.id, &target.id, state.now(), ev)
        .await?;
    notices::security_notice(
        state,
        &auth.org,
        &target.email,
        "You were removed from the org",
        Some(meta),
    )
    .await?;
    Ok(())
}

/// Target checks shared by actions an owner or admin takes on another member.
pub(crate) async fn managed_member(
    state: &AppState,
    auth: &Auth,
    user_id: &str,
) -> Result<(wt_store::UserRecord, Role), ApiError> {
    auth.require(Permission::MembersManage)?;
    let (target, role) = state
        .store
        .member(&auth.org.id, user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if role == Role::Owner && auth.role != Role::Owner {
        return Err(ApiError::Forbidden(
            permissions::RoleChangeError::OwnerProtected.to_string(),
        ));
    }
    Ok((target, role))
}

/// [`managed_member`] for changes to the account itself (its MFA, its password), which
/// reach every org the member belongs to: the caller must be able to manage them in each
/// of those orgs too, so an admin of one org cannot weaken an owner of another.
pub(crate) async fn managed_account(
    state: &AppState,
    auth: &Auth,
    user_id: &str,
) -> Result<(wt_store::UserRecord, Role), ApiError> {
    let (target, role) = managed_member(state, auth, user_id).await?;
    let theirs = state
        .store
        .user_by_id(&target.id)
        .await?
        .map(|c| c.memberships)
        .unwrap_or_default();
    let mine = state
        .store
        .user_by_id(&auth.user.id)
        .await?
        .map(|c| c.memberships)
        .unwrap_or_default();
    for (org, their_role) in theirs.iter().filter(|(o, _)| o.id != auth.org.id) {
        let my_role = mine.iter().find(|(o, _)| o.id == org.id).map(|(_, r)| *r);
        let allowed = my_role.is_some_and(|r| {
            permissions::allows(r, Permission::MembersManage)
                && (*their_role != Role::Owner || r == Role::Owner)
        });
        if !allowed {
            return Err(ApiError::Forbidden(format!(
                "{} also belongs to the org {:?}, where you cannot manage them: ask an owner there",
                target.email, org.slug
            )));
        }
    }
    Ok((target, role))
}

/// `DELETE /orgs/members/{id}/sessions`: ends a member's sessions in the org (B.16).
pub async fn revoke_member_sessions(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    user_id: &str,
) -> Result<usize, ApiError> {
    let (target, _) = managed_member(state, auth, user_id).await?;
    let ev = AuditEvent::new(
        auth.actor(),
        actions::MEMBER_SESSIONS_REVOKED,
        &meta.audit(),
    )
    .target("user", &target.id);
    Ok(state
        .store
        .member_sessions_revoke(&auth.org.id, &target.id, state.now(), ev)
        .await?)
}

/// `POST /orgs/members/{id}/password-reset`: mails the member a reset link; the admin
/// never sets or sees the password or the link (D.34).
pub async fn send_member_reset(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    user_id: &str,
) -> Result<(), ApiError> {
    // Acting on a person's credentials: a person, freshly signed in (J.65).
    auth.require_step_up(state.now())?;
    let (target, _) = managed_account(state, auth, user_id).await?;
    if target.id == auth.user.id {
        return Err(ApiError::Validation(
            "change your own password with `wt password change`".into(),
        ));
    }
    let ev = AuditEvent::new(auth.actor(), actions::PASSWORD_RESET_SENT, &meta.audit())
        .target("user", &target.id);
    state
        .store
        .append_audit(&auth.org.id, ev, state.now())
        .await?;
    crate::service::password_flows::send_reset(state, meta, &target.email).await
}

/// `POST /orgs/members/reviews`: records who reviewed which members' roles, and when.
pub async fn review(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
) -> Result<ReviewRecord, ApiError> {
    auth.require(Permission::MembersManage)?;
    let members: Vec<wt_api::ReviewedMember> = state
        .store
        .members_list(&auth.org.id)
        .await?
        .into_iter()
        .map(|m| wt_api::ReviewedMember {
            id: m.user.id,
            email: m.user.email,
            role: m.role,
        })
        .collect();
    let review = ReviewRecord {
        id: ids::new_id("rev"),
        reviewed_by: auth.user.email.clone(),
        reviewed_at: state.now(),
        members_json: serde_json::to_string(&members)
            .map_err(|e| ApiError::Internal(e.to_string()))?,
    };
    let ev = AuditEvent::new(auth.actor(), actions::MEMBERS_REVIEWED, &meta.audit())
        .target("review", &review.id)
        .details(serde_json::json!({ "members": members.len() }));
    state
        .store
        .member_review_create(&auth.org.id, review.clone(), ev)
        .await?;
    Ok(review)
}
