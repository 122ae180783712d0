//! Setup, login and sessions (SECURITY.md A and B).

use crate::error::ApiError;
use crate::extract::ClientMeta;
use crate::service::attempts::{self, Key};
use crate::service::hashing;
use crate::service::sessions::{IssuedSession, new_session};
use crate::state::AppState;
use wt_api::{LoginRequest, Role, SetupRequest};
use wt_core::audit::{Actor, AuditEvent, actions};
use wt_core::password::MAX_LEN;
use wt_core::{ids, token};
use wt_store::{OrgRecord, SetupClaim, UserRecord};

/// What a correct password leads to.
#[derive(Debug)]
pub enum LoginOutcome {
    /// No MFA on the account: a session.
    Session(Box<IssuedSession>),
    /// MFA is on: a challenge token for `/auth/mfa/verify`, and no session yet (A.8, B.11).
    Challenge(wt_core::secret::SecretString),
}

/// How long the owner who claims a new org may act before required MFA restricts them.
pub const SETUP_MFA_GRACE: i64 = 24 * 60 * 60;

/// Refuses a password over the maximum before any hashing (SECURITY.md A.2).
fn check_max_len(password: &str) -> Result<(), ApiError> {
    if password.chars().count() > MAX_LEN {
        return Err(ApiError::Validation(format!(
            "password is too long: use at most {MAX_LEN} characters"
        )));
    }
    Ok(())
}

/// Claims the owner account with the one-time token printed by `wtd init`.
pub async fn setup(
    state: &AppState,
    req: SetupRequest,
    meta: &ClientMeta,
) -> Result<(UserRecord, OrgRecord), ApiError> {
    let name = ids::validate_name(&req.name).map_err(|m| ApiError::Validation(m.into()))?;
    check_max_len(&req.password)?;
    if !token::has_shape(&req.token, token::SETUP_PREFIX) {
        return Err(ApiError::SetupTokenInvalid);
    }
    let token_hash = token::hash(&req.token);
    let now = state.now();
    let (email, org) = state.store.setup_token_email(&token_hash, now).await?;
    let mfa_enforced = org.mfa_required_roles.contains(&Role::Owner);
    hashing::check(
        state,
        &req.password,
        mfa_enforced,
        &[&org.name, &org.slug, &email, &name],
    )
    .await?;
    let password_hash = hashing::hash(state, req.password).await?;
    let user_id = ids::new_id("usr");
    let event = AuditEvent::new(
        Actor::user(&user_id, &email),
        actions::SETUP_COMPLETED,
        &meta.audit(),
    )
    .target("user", &user_id)
    .details(serde_json::json!({ "role": "owner" }));
    let now = state.now();
    let claim = SetupClaim {
        token_hash,
        user_id,
        name,
        password_hash,
        now,
        // The new owner configures the org before enrolling MFA; bounded and reported.
        mfa_grace_until: mfa_enforced.then_some(now + SETUP_MFA_GRACE),
    };
    Ok(state.store.claim_setup(claim, event).await?)
}

/// Email + password login. Every failure before the org choice answers the same
/// ([`ApiError::InvalidCredentials`]) after the same argon2 work.
pub async fn login(
    state: &AppState,
    req: LoginRequest,
    meta: &ClientMeta,
) -> Result<LoginOutcome, ApiError> {
    check_max_len(&req.password)?;
    let email =
        ids::normalize_email(&req.email).unwrap_or_else(|_| req.email.trim().to_lowercase());
    let now = state.now();

    let candidate = state.store.user_for_login(&email).await?;
    // The org an event about this account is recorded in: the requested one if the user
    // belongs to it, else their first.
    let audit_org = candidate.as_ref().and_then(|c| {
        c.memberships
            .iter()
            .find(|(o, _)| Some(&o.slug) == req.org.as_ref())
            .or(c.memberships.first())
            .map(|(o, _)| o.id.clone())
    });
    let actor = candidate
        .as_ref()
        .map(|c| Actor::user(&c.user.id, &c.user.email))
        .unwrap_or(Actor {
            kind: "anonymous".into(),
            id: None,
            email: None,
        });

    // Counted before the password is checked, on the account (known or not) and the
    // address: a locked one is not even checked, and a burst gets no more checks than
    // the bound (SECURITY.md A.6, J.60).
    let keys = vec![Key::account(&email), Key::address(meta.ip)];
    let attempt = match attempts::begin(state, keys).await {
        Ok(a) => a,
        Err(ApiError::RateLimited { retry_after }) => {
            state.metrics.login("throttled");
            // One entry per account a minute, with how many were not written (J.61).
            if let Some(org_id) = &audit_org
                && let Some(suppressed) = state
                    .denials
                    .should_log(&format!("acct:{email}:throttled"), now)
            {
                let ev = AuditEvent::new(actor, actions::LOGIN_THROTTLED, &meta.audit())
                    .outcome("denied")
                    .details(serde_json::json!({
                        "retry_after": retry_after,
                        "suppressed_since_last": suppressed,
                    }));
                state.store.append_audit(org_id, ev, now).await?;
            }
            return Err(ApiError::RateLimited { retry_after });
        }
        Err(e) => return Err(e),
    };

    let usable = candidate
        .as_ref()
        .filter(|c| !c.user.disabled && !c.memberships.is_empty());
    let phc = usable.map(|c| c.password_hash.clone());
    let ok = hashing::verify(state, req.password, phc).await?;
    let Some(cand) = usable.filter(|_| ok) else {
        state.metrics.login("failed");
        if let Some(org_id) = &audit_org {
            let ev =
                AuditEvent::new(actor, actions::LOGIN_FAILED, &meta.audit()).outcome("failure");
            state.store.append_audit(org_id, ev, now).await?;
        }
        return Err(ApiError::InvalidCredentials);
    };
    attempt.succeeded(state).await?;

    // The password is right: now it is safe to say which orgs there are.
    let (org, role) = match &req.org {
        Some(slug) => cand
            .memberships
            .iter()
            .find(|(o, _)| &o.slug == slug)
            .ok_or_else(|| {
                ApiError::Forbidden(format!("you are not a member of the org {slug:?}"))
            })?,
        None if cand.memberships.len() == 1 => &cand.memberships[0],
        None => {
            let slugs: Vec<_> = cand
                .memberships
                .iter()
                .map(|(o, _)| o.slug.as_str())
                .collect();
            return Err(ApiError::OrgRequired(slugs.join(", ")));
        }
    };
    // From an address the org does not admit, no session and no challenge (B.12).
    crate::extract::check_address(state, &cand.user, &org.id, meta, now).await?;
    if cand.user.mfa_enabled {
        // SECURITY.md A.8: once MFA is on, the password alone never yields a session.
        state.metrics.login("mfa_required");
        let challenge =
            crate::service::mfa::challenge(state, &cand.user.id, &org.id, req.client).await?;
        return Ok(LoginOutcome::Challenge(challenge));
    }

    let issued = new_session(state, &cand.user, org, *role, req.client, meta, "password").await?;
    Ok(LoginOutcome::Session(Box::new(issued)))
}
