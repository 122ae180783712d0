//! Passwordless sign-in with a passkey (a discoverable credential): the login page starts
//! a ceremony that names no account; the browser lets the person pick one of their
//! passkeys for this site (conditional UI or a button), and the assertion names the
//! account. User verification is required (the device's PIN or biometrics: two factors
//! in one), so the session it yields is a full one, as after password + MFA.
//!
//! The account must be enabled and a member of the org chosen (its only org, or the one
//! typed); its passkey must be registered and its user handle must match. Counted per
//! address before the check, and per account like every second factor; the ceremony is
//! taken once (of 50 simultaneous finishes, one session).

use crate::error::ApiError;
use crate::extract::ClientMeta;
use crate::service::attempts::{self, Key};
use crate::service::passkeys::{
    Started, b64, from_json, parse_answer, settle_assertion, to_json, user_handle, webauthn,
};
use crate::service::sessions::{IssuedSession, new_session};
use crate::state::AppState;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PublicKeyCredential, RequestChallengeResponse,
};
use wt_core::audit::Actor;
use wt_core::ids;
use wt_core::passkey::{self as rules, PURPOSE_PASSWORDLESS};
use wt_store::PasskeyCeremony;

/// Starts a passwordless sign-in: a ceremony bound to no account yet.
pub async fn begin(state: &AppState) -> Result<Started, ApiError> {
    let wa = webauthn(state)?;
    let (rcr, auth_state): (RequestChallengeResponse, DiscoverableAuthentication) = wa
        .start_discoverable_authentication()
        .map_err(|e| ApiError::Internal(format!("passkey sign-in: {e}")))?;
    let now = state.now();
    let id = ids::new_id("pkc");
    state
        .store
        .passkey_ceremony_create(PasskeyCeremony {
            id: id.clone(),
            purpose: PURPOSE_PASSWORDLESS.into(),
            user_id: None,
            // Not known until the assertion names the account (stored as NULL).
            org_id: String::new(),
            session_id: None,
            challenge_id: None,
            name: None,
            state_json: to_json(&auth_state)?,
            created_at: now,
            expires_at: now + rules::CEREMONY_TTL,
        })
        .await?;
    Ok(Started {
        id,
        options_json: to_json(&rcr)?,
    })
}

/// Finishes a passwordless sign-in: a console session for the passkey's account in its
/// org (`org`: the slug, needed when the account is in several).
pub async fn finish(
    state: &AppState,
    meta: &ClientMeta,
    ceremony_id: &str,
    answer: &str,
    org_slug: Option<&str>,
) -> Result<IssuedSession, ApiError> {
    let cred: PublicKeyCredential = parse_answer(answer)?;
    // Counted on the address before anything is looked at: guessing credential ids or
    // replaying answers is throttled like guessing passwords (A.6, J.60).
    let per_address = attempts::begin(state, vec![Key::address(meta.ip)]).await?;
    let cer = state
        .store
        .passkey_ceremony_take(ceremony_id, PURPOSE_PASSWORDLESS, state.now())
        .await?
        .ok_or(ApiError::PasskeyNotAccepted)?;
    let wa = webauthn(state)?;
    let (handle, raw_id) = wa
        .identify_discoverable_authentication(&cred)
        .map_err(|_| ApiError::PasskeyNotAccepted)?;
    let rec = state
        .store
        .passkey_by_credential(&b64(raw_id))
        .await?
        .filter(|p| user_handle(&p.user_id) == handle)
        .ok_or(ApiError::PasskeyNotAccepted)?;
    // An enabled account that is still a member somewhere; a removed member's passkey
    // opens nothing.
    let cand = state
        .store
        .user_by_id(&rec.user_id)
        .await?
        .filter(|c| !c.user.disabled && !c.memberships.is_empty())
        .ok_or(ApiError::PasskeyNotAccepted)?;
    let user = &cand.user;
    let chosen = match org_slug {
        Some(slug) => cand
            .memberships
            .iter()
            .find(|(o, _)| o.slug == slug)
            .cloned(),
        None if cand.memberships.len() == 1 => cand.memberships.first().cloned(),
        None => None,
    };
    let audit_org = chosen
        .as_ref()
        .or(cand.memberships.first())
        .map(|(o, _)| o.id.clone())
        .unwrap_or_default();
    let actor = Actor::user(&user.id, &user.email);
    let per_account = attempts::begin(state, vec![Key::second_factor(&user.id)]).await?;
    let pk: Passkey = from_json(&rec.passkey_json)?;
    let auth_state: DiscoverableAuthentication = from_json(&cer.state_json)?;
    let outcome = wa.finish_discoverable_authentication_v2(&cred, auth_state, &pk);
    settle_assertion(
        state,
        per_account,
        PURPOSE_PASSWORDLESS,
        &audit_org,
        actor.clone(),
        meta,
        &cred,
        Some(&rec),
        outcome,
    )
    .await?;
    per_address.succeeded(state).await?;
    // The passkey verified: now it is safe to say which orgs there are.
    let Some((org, role)) = chosen else {
        return Err(match org_slug {
            Some(slug) => ApiError::Forbidden(format!("you are not a member of the org {slug:?}")),
            None => ApiError::OrgRequired(
                cand.memberships
                    .iter()
                    .map(|(o, _)| o.slug.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        });
    };
    // From an address the org does not admit, no session (B.12, H.55).
    crate::extract::check_address(state, user, &org.id, meta, state.now()).await?;
    new_session(
        state,
        user,
        &org,
        role,
        wt_api::ClientKind::Console,
        meta,
        "passkey",
    )
    .await
}
