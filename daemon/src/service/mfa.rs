//! TOTP MFA: enrollment, the second login step, step-up for changes, admin reset
//! (SECURITY.md E). Rules come from `wt_core::mfa`; replay protection is the store's
//! compare-and-set on the last accepted step.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::service::attempts::{self, Key};
use crate::service::sessions::{IssuedSession, new_session};
use crate::service::{hashing, notices};
use crate::state::AppState;
use wt_api::{MfaStatus, MfaStepUpRequest, MfaVerifyRequest, TotpEnrollResponse};
use wt_core::audit::{Actor, AuditEvent, actions};
use wt_core::clock::rfc3339;
use wt_core::mfa::{self, CodeError};
use wt_core::permissions::Permission;
use wt_core::{ids, token};
use wt_store::{ChallengeRecord, NewChallenge, TotpConfirm};
use zeroize::Zeroizing;

/// Associated data binding a sealed TOTP secret to its user.
fn aad(user_id: &str) -> Vec<u8> {
    format!("totp:{user_id}").into_bytes()
}

/// Records a wrong (or replayed) code, already counted on the account's second-factor key
/// ([`attempts`]): its audit entry.
async fn record_failure(
    state: &AppState,
    org_id: &str,
    actor: Actor,
    meta: &ClientMeta,
    action: &'static str,
) -> Result<ApiError, ApiError> {
    let ev = AuditEvent::new(actor, action, &meta.audit()).outcome("failure");
    state.store.append_audit(org_id, ev, state.now()).await?;
    Ok(ApiError::InvalidCode)
}

/// Verifies a TOTP code of a confirmed credential and records its step (compare-and-set).
/// The attempt is counted before the code is checked (SECURITY.md E.42, J.60).
pub(crate) async fn check_totp(
    state: &AppState,
    org_id: &str,
    actor: Actor,
    meta: &ClientMeta,
    code: &str,
) -> Result<(), ApiError> {
    let user_id = actor.id.clone().unwrap_or_default();
    let attempt = attempts::begin(state, vec![Key::second_factor(&user_id)]).await?;
    let rec = state
        .store
        .totp_get(&user_id)
        .await?
        .filter(|r| r.confirmed_at.is_some())
        .ok_or(ApiError::InvalidCode)?;
    let secret = open_secret(state, &user_id, &rec.secret_sealed)?;
    let outcome = match mfa::verify_totp(&secret, code, state.now(), rec.last_step) {
        Ok(step) if state.store.totp_accept_step(&user_id, step).await? => Ok(()),
        // A parallel request used the same step first: a replay all the same.
        Ok(_) | Err(CodeError::Replayed) => Err(actions::MFA_REPLAYED),
        Err(CodeError::Invalid) => Err(actions::MFA_FAILED),
    };
    match outcome {
        Ok(()) => attempt.succeeded(state).await,
        Err(action) => Err(record_failure(state, org_id, actor, meta, action).await?),
    }
}

/// Burns a recovery code of the actor's (single use, E.44); it is counted like a TOTP
/// code, before it is checked.
pub(crate) async fn use_recovery_code(
    state: &AppState,
    org_id: &str,
    actor: Actor,
    meta: &ClientMeta,
    code: &str,
) -> Result<(), ApiError> {
    let user_id = actor.id.clone().unwrap_or_default();
    let attempt = attempts::begin(state, vec![Key::second_factor(&user_id)]).await?;
    if !state
        .store
        .recovery_code_use(&user_id, &mfa::hash_recovery_code(code), state.now())
        .await?
    {
        return Err(record_failure(state, org_id, actor, meta, actions::MFA_FAILED).await?);
    }
    attempt.succeeded(state).await?;
    let email = actor.email.clone().unwrap_or_default();
    let ev = AuditEvent::new(actor, actions::MFA_RECOVERY_CODE_USED, &meta.audit())
        .target("user", &user_id);
    state.store.append_audit(org_id, ev, state.now()).await?;
    recovery_code_notice(state, org_id, &user_id, &email, meta).await
}

/// Mails "a recovery code was used; N left" to the account's address: a code used by
/// someone else is noticed, and the owner knows when to make new ones.
async fn recovery_code_notice(
    state: &AppState,
    org_id: &str,
    user_id: &str,
    email: &str,
    meta: &ClientMeta,
) -> Result<(), ApiError> {
    let left = state.store.recovery_codes_remaining(user_id).await?;
    let org = state
        .store
        .user_for_login(email)
        .await?
        .and_then(|c| c.memberships.into_iter().find(|(o, _)| o.id == org_id))
        .map(|(o, _)| o);
    let Some(org) = org else {
        return Ok(());
    };
    let what = match left {
        0 => "A recovery code was used (none left: make new ones on the Security tab or \
              with `wt mfa recovery-codes`)"
            .to_string(),
        n => format!("A recovery code was used ({n} left)"),
    };
    notices::security_notice(state, &org, email, &what, Some(meta)).await
}

fn open_secret(
    state: &AppState,
    user_id: &str,
    sealed: &str,
) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    state
        .master_key
        .decrypt(sealed, &aad(user_id))
        .map(Zeroizing::new)
        .map_err(|_| {
            ApiError::Internal("a TOTP secret does not decrypt with the master key".into())
        })
}

/// `POST /auth/mfa/totp/enroll`: a fresh pending secret.
pub async fn enroll(state: &AppState, auth: &Auth) -> Result<TotpEnrollResponse, ApiError> {
    auth.require(Permission::MfaEnroll)?;
    if state.store.second_factors(&auth.user.id).await?.totp {
        return Err(ApiError::Conflict(
            "MFA is already on: disable it first (`wt mfa disable`, needs your password and a code)".into(),
        ));
    }
    let now = state.now();
    let secret = Zeroizing::new(mfa::generate_secret());
    let sealed = state
        .master_key
        .encrypt(secret.as_slice(), &aad(&auth.user.id));
    let expires_at = now + mfa::PENDING_TTL;
    state
        .store
        .totp_begin(&auth.user.id, &sealed, expires_at, now)
        .await?;
    Ok(TotpEnrollResponse {
        secret: mfa::secret_base32(secret.as_slice()),
        otpauth_uri: mfa::otpauth_uri(
            &state.settings.totp_issuer,
            &auth.user.email,
            secret.as_slice(),
        ),
        expires_at: rfc3339(expires_at),
    })
}

/// `POST /auth/mfa/totp/confirm`: turns MFA on with a current code; returns the recovery
/// codes (shown once). Other sessions of the user are revoked.
pub async fn confirm(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    code: &str,
) -> Result<Vec<String>, ApiError> {
    auth.require(Permission::MfaEnroll)?;
    let attempt = attempts::begin(state, vec![Key::second_factor(&auth.user.id)]).await?;
    let now = state.now();
    let no_pending = || {
        ApiError::Conflict(
            "no pending enrollment (it lapses after 10 minutes): run `wt mfa enroll`".into(),
        )
    };
    let rec = state
        .store
        .totp_get(&auth.user.id)
        .await?
        .filter(|r| r.confirmed_at.is_none() && r.pending_expires_at.is_some_and(|t| t > now))
        .ok_or_else(no_pending)?;
    let secret = open_secret(state, &auth.user.id, &rec.secret_sealed)?;
    let step = match mfa::verify_totp(&secret, code, now, rec.last_step) {
        Ok(step) => step,
        Err(_) => {
            return Err(record_failure(
                state,
                &auth.org.id,
                auth.actor(),
                meta,
                actions::MFA_FAILED,
            )
            .await?);
        }
    };
    let codes = mfa::generate_recovery_codes();
    let confirm = TotpConfirm {
        org_id: auth.org.id.clone(),
        user_id: auth.user.id.clone(),
        step,
        recovery_hashes: codes.iter().map(|c| mfa::hash_recovery_code(c)).collect(),
        keep_session: auth.session.id.clone(),
        now,
    };
    let ev = AuditEvent::new(auth.actor(), actions::MFA_ENROLLED, &meta.audit())
        .target("user", &auth.user.id)
        .details(serde_json::json!({ "method": "totp", "recovery_codes": codes.len() }));
    if !state.store.totp_confirm(confirm, ev).await? {
        return Err(no_pending());
    }
    attempt.succeeded(state).await?;
    notices::security_notice(
        state,
        &auth.org,
        &auth.user.email,
        "Two-factor authentication was turned on",
        Some(meta),
    )
    .await?;
    Ok(codes)
}

/// `GET /auth/mfa`.
pub async fn status(state: &AppState, auth: &Auth) -> Result<MfaStatus, ApiError> {
    auth.require(Permission::SelfRead)?;
    auth.require_person()?;
    let now = state.now();
    let rec = state.store.totp_get(&auth.user.id).await?;
    Ok(MfaStatus {
        // TOTP's own state (the account's MFA may also be on through a passkey).
        enabled: rec.as_ref().is_some_and(|r| r.confirmed_at.is_some()),
        enrolled_at: rec.as_ref().and_then(|r| r.confirmed_at).map(rfc3339),
        recovery_codes_remaining: state.store.recovery_codes_remaining(&auth.user.id).await?,
        required: auth.org.mfa_required_roles.contains(&auth.role),
        pending_expires_at: rec
            .and_then(|r| r.pending_expires_at)
            .filter(|t| *t > now)
            .map(rfc3339),
    })
}

/// Password plus a current code, for changes to MFA itself (E.45), or a fresh passkey
/// assertion (a ceremony of `passkeys::step_up_begin` bound to this session: the only way
/// for a member whose second factor is a passkey). Password failures count toward the
/// login throttle.
async fn step_up(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    req: MfaStepUpRequest,
) -> Result<(), ApiError> {
    auth.require(Permission::SelfManage)?;
    if !auth.user.mfa_enabled {
        return Err(ApiError::Conflict(
            "MFA is not on: enroll with `wt mfa enroll`".into(),
        ));
    }
    if let Some(answer) = req.passkey {
        if !req.password.is_empty() || !req.code.is_empty() {
            return Err(ApiError::Validation(
                "a passkey or the password and a code, not both".into(),
            ));
        }
        crate::service::passkeys::step_up_finish(
            state,
            auth,
            meta,
            &answer.ceremony,
            &answer.credential.to_string(),
        )
        .await?;
        return Ok(());
    }
    let now = state.now();
    if !prove_password(state, auth, req.password).await? {
        let ev = AuditEvent::new(auth.actor(), actions::MFA_FAILED, &meta.audit())
            .outcome("failure")
            .details(serde_json::json!({ "factor": "password" }));
        state.store.append_audit(&auth.org.id, ev, now).await?;
        return Err(ApiError::InvalidCredentials);
    }
    check_totp(state, &auth.org.id, auth.actor(), meta, &req.code).await
}

/// Checks the signed-in member's password again, counted on the session and the address
/// before the hash is checked (SECURITY.md J.60); a wrong one also counts toward the
/// account's login throttle (D.35).
pub(crate) async fn prove_password(
    state: &AppState,
    auth: &Auth,
    password: String,
) -> Result<bool, ApiError> {
    auth.require_person()?;
    // Gated on this session (and address), not on the account: anyone can lock an
    // account with wrong guesses, and that must not keep its owner from a step-up.
    let keys = vec![Key::session(&auth.session.id), Key::address(auth.ip)];
    let attempt = attempts::begin(state, keys).await?;
    let phc = state
        .store
        .user_for_login(&auth.user.email)
        .await?
        .map(|c| c.password_hash);
    if !hashing::verify(state, password, phc).await? {
        attempts::failed_on(state, Key::account(&auth.user.email)).await?;
        return Ok(false);
    }
    attempt.succeeded(state).await?;
    Ok(true)
}

/// `POST /auth/step-up`: re-authenticates the current session for sensitive changes
/// (allowed-IP edits, SECURITY.md H.55): the password, and a current code when MFA is on.
/// Password failures count toward the login throttle. Returns until when it holds.
pub async fn session_step_up(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    req: wt_api::StepUpRequest,
) -> Result<i64, ApiError> {
    auth.require(Permission::SelfRead)?;
    let now = state.now();
    if !prove_password(state, auth, req.password).await? {
        let ev = AuditEvent::new(auth.actor(), actions::STEP_UP, &meta.audit())
            .outcome("failure")
            .details(serde_json::json!({ "factor": "password" }));
        state.store.append_audit(&auth.org.id, ev, now).await?;
        return Err(ApiError::InvalidCredentials);
    }
    if auth.user.mfa_enabled {
        if !state.store.second_factors(&auth.user.id).await?.totp {
            // Passkeys only: the password alone is not a step-up.
            return Err(ApiError::Validation(
                "your second factor is a passkey: confirm with it in the console (Security tab)"
                    .into(),
            ));
        }
        let code = req.code.as_deref().ok_or(ApiError::MfaCodeRequired)?;
        check_totp(state, &auth.org.id, auth.actor(), meta, code).await?;
    }
    let ev = AuditEvent::new(auth.actor(), actions::STEP_UP, &meta.audit())
        .target("session", &auth.session.id);
    state
        .store
        .session_step_up(&auth.org.id, &auth.session.id, now, ev)
        .await?;
    Ok(now + crate::extract::STEP_UP_WINDOW)
}

/// `POST /auth/mfa/totp/disable`.
pub async fn disable(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    req: MfaStepUpRequest,
) -> Result<(), ApiError> {
    // Never the last second factor of a role that requires one: said before any secret
    // is checked (no code is spent on a refusal), and decided again in the transaction.
    let need = crate::service::passkeys::requirement(auth);
    let before = state.store.second_factors(&auth.user.id).await?.into();
    wt_core::passkey::may_remove_under(need, before, wt_core::passkey::Factor::Totp)
        .map_err(|m| ApiError::Conflict(m.into()))?;
    step_up(state, auth, meta, req).await?;
    let ev = AuditEvent::new(auth.actor(), actions::MFA_DISABLED, &meta.audit())
        .target("user", &auth.user.id);
    state
        .store
        .mfa_disable(
            &auth.org.id,
            &auth.user.id,
            Some(&auth.session.id),
            // Never the last second factor of a role that requires one.
            Some(need),
            state.now(),
            ev,
        )
        .await?;
    notices::security_notice(
        state,
        &auth.org,
        &auth.user.email,
        "Two-factor authentication was turned off",
        Some(meta),
    )
    .await?;
    Ok(())
}

/// `POST /auth/mfa/recovery-codes`: a new set; the old one dies.
pub async fn regenerate_recovery_codes(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    req: MfaStepUpRequest,
) -> Result<Vec<String>, ApiError> {
    step_up(state, auth, meta, req).await?;
    let codes = mfa::generate_recovery_codes();
    let hashes = codes.iter().map(|c| mfa::hash_recovery_code(c)).collect();
    let ev = AuditEvent::new(
        auth.actor(),
        actions::MFA_RECOVERY_CODES_REGENERATED,
        &meta.audit(),
    )
    .target("user", &auth.user.id);
    state
        .store
        .recovery_codes_replace(
            &auth.org.id,
            &auth.user.id,
            hashes,
            &auth.session.id,
            state.now(),
            ev,
        )
        .await?;
    notices::security_notice(
        state,
        &auth.org,
        &auth.user.email,
        "New MFA recovery codes were generated (the old ones no longer work)",
        Some(meta),
    )
    .await?;
    Ok(codes)
}

/// Creates the challenge the second login step answers (the password was right).
pub async fn challenge(
    state: &AppState,
    user_id: &str,
    org_id: &str,
    client: wt_api::ClientKind,
) -> Result<wt_core::secret::SecretString, ApiError> {
    let now = state.now();
    let tok = token::generate(mfa::CHALLENGE_PREFIX);
    state
        .store
        .challenge_create(NewChallenge {
            id: ids::new_id("chl"),
            token_hash: token::hash(tok.expose()),
            user_id: user_id.to_string(),
            org_id: org_id.to_string(),
            client,
            created_at: now,
            expires_at: now + mfa::CHALLENGE_TTL,
        })
        .await?;
    Ok(tok)
}

/// A live challenge, or the one generic refusal for unknown, used, expired and exhausted.
pub(crate) async fn live_challenge(
    state: &AppState,
    raw: &str,
) -> Result<ChallengeRecord, ApiError> {
    if !token::has_shape(raw, mfa::CHALLENGE_PREFIX) {
        return Err(ApiError::ChallengeInvalid);
    }
    state
        .store
        .challenge_get(&token::hash(raw))
        .await?
        .filter(|c| {
            !c.used && c.expires_at > state.now() && c.failures < mfa::CHALLENGE_MAX_FAILURES
        })
        .ok_or(ApiError::ChallengeInvalid)
}

/// `POST /auth/mfa/verify`: the second login step; a full session only now (B.11).
pub async fn verify_login(
    state: &AppState,
    meta: &ClientMeta,
    req: MfaVerifyRequest,
) -> Result<(IssuedSession, wt_api::ClientKind), ApiError> {
    let ch = live_challenge(state, &req.challenge).await?;
    let (user, role) = state
        .store
        .member(&ch.org_id, &ch.user_id)
        .await?
        .filter(|(u, _)| !u.disabled && u.mfa_enabled)
        .ok_or(ApiError::ChallengeInvalid)?;
    // From an address the org does not admit, no session (B.12, H.55).
    crate::extract::check_address(state, &user, &ch.org_id, meta, state.now()).await?;
    let actor = Actor::user(&user.id, &user.email);
    if req.code.is_some() == req.recovery_code.is_some() {
        return Err(ApiError::Validation(
            "send exactly one of `code` and `recovery_code`".into(),
        ));
    }
    // Counted on the challenge before the code is checked: it dies after its last
    // attempt, however many arrive at once (E.42, J.60).
    if !state
        .store
        .challenge_attempt(&ch.id, mfa::CHALLENGE_MAX_FAILURES)
        .await?
    {
        return Err(ApiError::ChallengeInvalid);
    }
    let method = match (req.code.as_deref(), req.recovery_code.as_deref()) {
        (Some(code), _) => {
            check_totp(state, &ch.org_id, actor.clone(), meta, code).await?;
            "totp"
        }
        (_, rc) => {
            let rc = rc.unwrap_or_default();
            use_recovery_code(state, &ch.org_id, actor.clone(), meta, rc).await?;
            "recovery_code"
        }
    };
    finish_login(state, meta, &ch, &user, role, method).await
}

/// The end of every second login step: the challenge is used up once (of concurrent
/// right answers, one gets a session), then the session for the org and role the
/// challenge was made for.
pub(crate) async fn finish_login(
    state: &AppState,
    meta: &ClientMeta,
    ch: &ChallengeRecord,
    user: &wt_store::UserRecord,
    role: wt_api::Role,
    method: &'static str,
) -> Result<(IssuedSession, wt_api::ClientKind), ApiError> {
    if !state.store.challenge_consume(&ch.id, state.now()).await? {
        return Err(ApiError::ChallengeInvalid);
    }
    let org = state
        .store
        .user_for_login(&user.email)
        .await?
        .and_then(|c| {
            c.memberships
                .into_iter()
                .find(|(o, r)| o.id == ch.org_id && *r == role)
        })
        .map(|(o, _)| o)
        .ok_or(ApiError::ChallengeInvalid)?;
    let issued = new_session(state, user, &org, role, ch.client, meta, method).await?;
    Ok((issued, ch.client))
}

/// `POST /orgs/members/{id}/mfa/reset`: an owner or admin forces re-enrollment (E.46).
pub async fn reset_member(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    user_id: &str,
) -> Result<(), ApiError> {
    // Acting on a person's credentials: a person, freshly signed in (J.65).
    auth.require_step_up(state.now())?;
    let (target, _) = crate::service::members::managed_account(state, auth, user_id).await?;
    if target.id == auth.user.id {
        return Err(ApiError::Validation(
            "to change your own MFA use `wt mfa disable` (it needs your password and a code)"
                .into(),
        ));
    }
    let ev = AuditEvent::new(auth.actor(), actions::MFA_RESET, &meta.audit())
        .target("user", &target.id)
        .details(serde_json::json!({ "email": target.email }));
    state
        .store
        .mfa_disable(&auth.org.id, &target.id, None, None, state.now(), ev)
        .await?;
    let what = format!(
        "Your two-factor authentication was reset by {}; set it up again at your next login",
        auth.user.email
    );
    notices::security_notice(state, &auth.org, &target.email, &what, Some(meta)).await?;
    Ok(())
}
