//! Passwords (`wt password`, `/auth/password/...`): forgot, reset and change (SPEC flows
//! 3-6, SECURITY.md D).

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::service::attempts::{self, Key};
use crate::service::resets::{self, RESET_PREFIX};
use crate::service::{hashing, mfa, notices};
use crate::state::AppState;
use wt_api::{ChangePasswordRequest, ResetPasswordRequest, ResetVerifyResponse};
use wt_core::audit::{Actor, AuditEvent, actions};
use wt_core::clock::rfc3339;
use wt_core::permissions::Permission;
use wt_core::{ids, throttle, token};
use wt_store::{LoginCandidate, ResetRecord};

/// Reset mails per account: 3 at once, then one per 1, 2, 4, then 5 minutes. Beyond it a
/// request is answered the same (202) but mints no token and sends nothing, so the newest
/// mail's link (valid 30 minutes, longer than any wait here) keeps working: others can
/// fill nobody's inbox and stop nobody's recovery (SECURITY.md J.67).
const RESET_MAILS: throttle::Policy = throttle::Policy {
    free_failures: 3,
    base_delay: 60,
    max_delay: 300,
    window: 3600,
};
/// Forgot-password requests per requester address: 20 an hour, then 60 s doubling. Only
/// this limit is ever answered with 429, and only to that address.
const FORGOT_IP: throttle::Policy = throttle::Policy {
    free_failures: 20,
    base_delay: 60,
    max_delay: 3600,
    window: 3600,
};

/// `a***@example.com`.
fn email_hint(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// `POST /auth/password/forgot`: 202, the same way and in the same time for known,
/// unknown and disabled emails (D.27), whoever else asked for the same account (J.67).
/// Only the requester's own address is ever refused (429). The lookup, the account's
/// mail limit and the mail happen after the answer.
pub async fn forgot(state: &AppState, meta: &ClientMeta, email: &str) -> Result<(), ApiError> {
    let email = ids::normalize_email(email).unwrap_or_else(|_| email.trim().to_lowercase());
    let now = state.now();
    let requester = vec![(format!("forgot-ip:{}", meta.ip), FORGOT_IP)];
    if let throttle::Taken::Locked(retry_after) = state.store.throttle_take(requester, now).await? {
        return Err(ApiError::RateLimited { retry_after });
    }
    let (state, meta) = (state.clone(), meta.clone());
    tokio::spawn(async move {
        let mails = vec![(format!("forgot:{email}"), RESET_MAILS)];
        let sent = match state.store.throttle_take(mails, now).await {
            Ok(throttle::Taken::Counted(_)) => resets::send_reset(&state, &meta, &email).await,
            Ok(throttle::Taken::Locked(_)) => {
                tracing::info!("a reset mail was not sent: the account's mail limit holds");
                Ok(())
            }
            Err(e) => Err(e.into()),
        };
        if let Err(e) = sent {
            tracing::error!(error = %e, "password reset mail failed to queue");
        }
    });
    Ok(())
}

/// A live reset token and its user, or the one generic refusal.
async fn live_reset(
    state: &AppState,
    meta: &ClientMeta,
    raw: &str,
) -> Result<(ResetRecord, LoginCandidate), ApiError> {
    let attempt = attempts::begin(state, vec![Key::tokens(meta.ip)]).await?;
    let rec = if token::has_shape(raw, RESET_PREFIX) {
        state.store.reset_get(&token::hash(raw)).await?
    } else {
        None
    };
    let now = state.now();
    let Some(rec) = rec.filter(|r| !r.used && r.expires_at > now) else {
        return Err(ApiError::ResetTokenInvalid);
    };
    attempt.succeeded(state).await?;
    let cand = state
        .store
        .user_by_id(&rec.user_id)
        .await?
        .filter(|c| !c.user.disabled)
        .ok_or(ApiError::ResetTokenInvalid)?;
    Ok((rec, cand))
}

/// `POST /auth/password/reset/verify`: says whether the token works; does not consume it.
pub async fn reset_verify(
    state: &AppState,
    meta: &ClientMeta,
    raw: &str,
) -> Result<ResetVerifyResponse, ApiError> {
    let (rec, cand) = live_reset(state, meta, raw).await?;
    Ok(ResetVerifyResponse {
        email_hint: email_hint(&cand.user.email),
        expires_at: rfc3339(rec.expires_at),
        mfa_required: cand.user.mfa_enabled,
    })
}

/// The strictest policy over the user's memberships (a role with MFA enforced allows 8
/// characters; any role without it, or no membership, needs 15), with every org's name
/// and slug, the email and the user's name as context.
async fn check_policy_for(
    state: &AppState,
    cand: &LoginCandidate,
    password: &str,
) -> Result<(), ApiError> {
    let mfa_enforced = !cand.memberships.is_empty()
        && cand
            .memberships
            .iter()
            .all(|(o, r)| o.mfa_required_roles.contains(r));
    let mut context: Vec<&str> = vec![&cand.user.email, &cand.user.name];
    for (org, _) in &cand.memberships {
        context.push(&org.name);
        context.push(&org.slug);
    }
    hashing::check(state, password, mfa_enforced, &context).await
}

/// `POST /auth/password/reset`: sets the password, burns the token atomically, ends every
/// session (D.30, D.32-33). With MFA on, a code or recovery code is required too.
pub async fn reset(
    state: &AppState,
    meta: &ClientMeta,
    req: ResetPasswordRequest,
) -> Result<(), ApiError> {
    let (_, cand) = live_reset(state, meta, &req.token).await?;
    check_policy_for(state, &cand, &req.new_password).await?;
    let org = cand.memberships.first().map(|(o, _)| o.clone());
    let audit_org = org.as_ref().map(|o| o.id.clone()).unwrap_or_default();
    let actor = Actor::user(&cand.user.id, &cand.user.email);
    if cand.user.mfa_enabled {
        match (req.code.as_deref(), req.recovery_code.as_deref()) {
            (Some(code), None) => {
                mfa::check_totp(state, &audit_org, actor.clone(), meta, code).await?
            }
            (None, Some(rc)) => {
                mfa::use_recovery_code(state, &audit_org, actor.clone(), meta, rc).await?
            }
            (None, None) => return Err(ApiError::MfaCodeRequired),
            _ => {
                return Err(ApiError::Validation(
                    "send one of `code` and `recovery_code`".into(),
                ));
            }
        }
    }
    let hash = hashing::hash(state, req.new_password).await?;
    let ev = AuditEvent::new(actor, actions::PASSWORD_RESET, &meta.audit())
        .target("user", &cand.user.id);
    let audit_org_opt = org.as_ref().map(|o| o.id.as_str());
    if !state
        .store
        .reset_complete(
            &token::hash(&req.token),
            &hash,
            state.now(),
            audit_org_opt,
            ev,
        )
        .await?
    {
        return Err(ApiError::ResetTokenInvalid);
    }
    if let Some(org) = &org {
        notices::security_notice(
            state,
            org,
            &cand.user.email,
            "Your password was reset",
            Some(meta),
        )
        .await?;
    }
    Ok(())
}

/// `POST /auth/password/change`: needs the current password (failures count toward the
/// login throttle) and, with MFA on, a code; ends the user's other sessions (D.35).
pub async fn change(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    req: ChangePasswordRequest,
) -> Result<(), ApiError> {
    auth.require(Permission::SelfManage)?;
    let now = state.now();
    let cand = state
        .store
        .user_for_login(&auth.user.email)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if !mfa::prove_password(state, auth, req.current_password).await? {
        let ev = AuditEvent::new(auth.actor(), actions::PASSWORD_CHANGE_FAILED, &meta.audit())
            .outcome("failure");
        state.store.append_audit(&auth.org.id, ev, now).await?;
        return Err(ApiError::InvalidCredentials);
    }
    // The policy before the code: a refused password must not use up a TOTP step.
    check_policy_for(state, &cand, &req.new_password).await?;
    if auth.user.mfa_enabled {
        if state.store.second_factors(&auth.user.id).await?.totp {
            let code = req.code.as_deref().ok_or(ApiError::MfaCodeRequired)?;
            mfa::check_totp(state, &auth.org.id, auth.actor(), meta, code).await?;
        } else {
            // Passkeys only: a recent sign-in or a passkey step-up stands for the code.
            auth.require_step_up(now)?;
        }
    }
    let hash = hashing::hash(state, req.new_password).await?;
    let ev = AuditEvent::new(auth.actor(), actions::PASSWORD_CHANGED, &meta.audit())
        .target("user", &auth.user.id);
    state
        .store
        .password_set(
            &auth.user.id,
            &hash,
            Some(&auth.session.id),
            state.now(),
            &auth.org.id,
            ev,
        )
        .await?;
    notices::security_notice(
        state,
        &auth.org,
        &auth.user.email,
        "Your password was changed",
        Some(meta),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn email_hints_hide_the_local_part() {
        assert_eq!(super::email_hint("ann@acme.test"), "a***@acme.test");
        assert_eq!(super::email_hint("x"), "***");
    }
}
