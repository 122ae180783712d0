//! Passkeys (WebAuthn) as a second factor: registration, listing, renaming and removal,
//! the second login step, and step-up. The ceremonies are `webauthn-rs`'s; their server
//! half (its registration or authentication state) is kept in the store, bound to what
//! started it (the session, or the login's MFA challenge) and taken once. The rules
//! (relying party, names, the last factor, the clone signal) are `wt_core::passkey`'s.
//!
//! The relying party comes from `--public-url` only: a request's `Host` never decides
//! which origin an assertion is good for.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::service::attempts::{self, Key};
use crate::service::sessions::IssuedSession;
use crate::service::{mfa, notices};
use crate::state::AppState;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Credential, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid,
    Webauthn, WebauthnBuilder, WebauthnError,
};
use wt_core::audit::{Actor, AuditEvent, actions};
use wt_core::passkey::{self as rules, PURPOSE_LOGIN, PURPOSE_REGISTER, PURPOSE_STEP_UP};
use wt_core::permissions::Permission;
use wt_core::{ids, mfa as mfa_rules, token};
use wt_store::{NewPasskey, PasskeyCeremony, PasskeyRecord, PasskeyUse};

/// The relying party of this installation, or why passkeys are off here.
pub fn webauthn(state: &AppState) -> Result<Webauthn, ApiError> {
    let rp = rules::relying_party(state.settings.public_url.as_deref())
        .map_err(|e| ApiError::Conflict(e.0))?;
    let origin = Url::parse(&rp.origin)
        .map_err(|e| ApiError::Internal(format!("relying party origin: {e}")))?;
    WebauthnBuilder::new(&rp.id, &origin)
        .and_then(|b| b.rp_name("WatchTower").build())
        .map_err(|e| ApiError::Internal(format!("relying party: {e}")))
}

/// What the org's policy asks of the signed-in member's second factors (their role in
/// `mfa_required_roles` and `phishing_resistant_required_roles`).
pub fn requirement(auth: &Auth) -> rules::Requirement {
    rules::Requirement::of(
        auth.role,
        &auth.org.mfa_required_roles,
        &auth.org.passkey_policy.phishing_resistant_roles,
    )
}

/// Whether a page should offer "Confirm with a passkey": passkeys work on this
/// installation and the signed-in member has one.
pub async fn offer_step_up(state: &AppState, auth: &Auth) -> bool {
    availability(state).is_ok()
        && state
            .store
            .second_factors(&auth.user.id)
            .await
            .is_ok_and(|f| f.passkeys > 0)
}

/// Whether this installation can offer passkeys (`Err` with the reason).
pub fn availability(state: &AppState) -> Result<(), String> {
    rules::relying_party(state.settings.public_url.as_deref())
        .map(drop)
        .map_err(|e| e.0)
}

/// The WebAuthn user handle of an account: a fixed UUID derived from its id (no
/// personal data in it; the same on every registration, so an authenticator keeps one
/// credential per account).
pub(crate) fn user_handle(user_id: &str) -> Uuid {
    let digest =
        hex::decode(token::hash(&format!("wt-passkey-user:{user_id}"))).unwrap_or_default();
    let mut b = [0u8; 16];
    for (dst, src) in b.iter_mut().zip(digest) {
        *dst = src;
    }
    Uuid::from_bytes(b)
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(|e| ApiError::Internal(format!("passkey state: {e}")))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, ApiError> {
    serde_json::from_str(s).map_err(|e| ApiError::Internal(format!("passkey state: {e}")))
}

/// The browser's answer, as JSON; malformed is a plain refusal, never a 500.
pub(crate) fn parse_answer<T: serde::de::DeserializeOwned>(raw: &str) -> Result<T, ApiError> {
    if raw.trim().is_empty() {
        return Err(ApiError::Validation(
            "no answer from the passkey: use the button (passkeys need JavaScript)".into(),
        ));
    }
    serde_json::from_str(raw)
        .map_err(|_| ApiError::Validation("the passkey's answer is malformed: try again".into()))
}

/// `GET`: the signed-in member's passkeys.
pub async fn list(state: &AppState, auth: &Auth) -> Result<Vec<PasskeyRecord>, ApiError> {
    auth.require(Permission::SelfRead)?;
    auth.require_person()?;
    Ok(state.store.passkeys_list(&auth.user.id).await?)
}

/// A started ceremony: its id (the browser sends it back) and the options for
/// `navigator.credentials.create`/`get`, as JSON.
#[derive(Debug)]
pub struct Started {
    pub id: String,
    pub options_json: String,
}

/// Starts registering a passkey named `name`. A change to the account's factors: needs
/// a step-up (a recent sign-in, the password, or another passkey), as TOTP changes do.
pub async fn register_begin(
    state: &AppState,
    auth: &Auth,
    name: &str,
) -> Result<Started, ApiError> {
    auth.require(Permission::MfaEnroll)?;
    auth.require_person()?;
    let now = state.now();
    auth.require_step_up(now)?;
    let name = rules::validate_name(name).map_err(|m| ApiError::Validation(m.into()))?;
    let wa = webauthn(state)?;
    let existing = state.store.passkeys_list(&auth.user.id).await?;
    if existing.len() >= rules::MAX_PER_USER {
        return Err(ApiError::Conflict(format!(
            "an account can have at most {} passkeys: remove one first",
            rules::MAX_PER_USER
        )));
    }
    let exclude = existing
        .iter()
        .filter_map(|p| URL_SAFE_NO_PAD.decode(&p.credential_id).ok())
        .collect::<Vec<_>>();
    let (ccr, reg): (CreationChallengeResponse, PasskeyRegistration) = wa
        .start_passkey_registration(
            user_handle(&auth.user.id),
            &auth.user.email,
            &auth.user.name,
            Some(exclude),
        )
        .map_err(|e| ApiError::Internal(format!("passkey registration: {e}")))?;
    // A discoverable credential (a resident key), so the passkey can also sign in without
    // a password; the server's check of the answer does not depend on it. With an AAGUID
    // allow-list the authenticator's model must be told: ask for attestation (browsers
    // replace the AAGUID with zeros under `none`). webauthn-rs verifies whatever
    // attestation statement comes back.
    let mut options = serde_json::to_value(&ccr)
        .map_err(|e| ApiError::Internal(format!("passkey options: {e}")))?;
    if let Some(pk) = options.get_mut("publicKey").and_then(|v| v.as_object_mut()) {
        if let Some(sel) = pk
            .get_mut("authenticatorSelection")
            .and_then(|v| v.as_object_mut())
        {
            sel.insert("residentKey".into(), "required".into());
            sel.insert("requireResidentKey".into(), true.into());
        }
        if !auth.org.passkey_policy.aaguids.is_empty() {
            pk.insert("attestation".into(), "direct".into());
        }
    }
    let id = ids::new_id("pkc");
    state
        .store
        .passkey_ceremony_create(PasskeyCeremony {
            id: id.clone(),
            purpose: PURPOSE_REGISTER.into(),
            user_id: Some(auth.user.id.clone()),
            org_id: auth.org.id.clone(),
            session_id: Some(auth.session.id.clone()),
            challenge_id: None,
            name: Some(name),
            state_json: to_json(&reg)?,
            created_at: now,
            expires_at: now + rules::CEREMONY_TTL,
        })
        .await?;
    Ok(Started {
        id,
        options_json: to_json(&options)?,
    })
}

/// The attestation statement format (`fmt`) of a registration's attestation object.
fn attestation_format_of(reg: &RegisterPublicKeyCredential) -> &'static str {
    let fmt = serde_cbor_2::from_slice::<serde_cbor_2::Value>(&reg.response.attestation_object)
        .ok()
        .and_then(|v| match v {
            serde_cbor_2::Value::Map(m) => m.into_iter().find_map(|(k, v)| match (k, v) {
                (serde_cbor_2::Value::Text(k), serde_cbor_2::Value::Text(f)) if k == "fmt" => {
                    Some(f)
                }
                _ => None,
            }),
            _ => None,
        });
    rules::attestation_format(fmt.as_deref())
}

/// The authenticator attachment the browser reported with the answer
/// (`authenticatorAttachment`, beside the fields webauthn-rs reads).
fn attachment_of(answer: &str) -> Option<&'static str> {
    let v: serde_json::Value = serde_json::from_str(answer).ok()?;
    rules::attachment(v.get("authenticatorAttachment")?.as_str())
}

/// The AAGUID in a registration's attestation object, when the authenticator sent one.
fn aaguid_of(reg: &RegisterPublicKeyCredential) -> Option<String> {
    let v: serde_cbor_2::Value = serde_cbor_2::from_slice(&reg.response.attestation_object).ok()?;
    let serde_cbor_2::Value::Map(m) = v else {
        return None;
    };
    m.iter().find_map(|(k, v)| match (k, v) {
        (serde_cbor_2::Value::Text(k), serde_cbor_2::Value::Bytes(d)) if k == "authData" => {
            rules::aaguid(d)
        }
        _ => None,
    })
}

/// Finishes a registration. Returns the recovery codes when this is the account's
/// first second factor (shown once), else none.
pub async fn register_finish(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    ceremony_id: &str,
    answer: &str,
) -> Result<Vec<String>, ApiError> {
    auth.require(Permission::MfaEnroll)?;
    auth.require_person()?;
    let now = state.now();
    let reg: RegisterPublicKeyCredential = parse_answer(answer)?;
    let lapsed = || {
        ApiError::Conflict(
            "this passkey registration lapsed or was already used: start again".into(),
        )
    };
    let cer = state
        .store
        .passkey_ceremony_take(ceremony_id, PURPOSE_REGISTER, now)
        .await?
        .ok_or_else(lapsed)?;
    if cer.session_id.as_deref() != Some(auth.session.id.as_str())
        || cer.user_id.as_deref() != Some(auth.user.id.as_str())
    {
        return Err(lapsed());
    }
    let state_reg: PasskeyRegistration = from_json(&cer.state_json)?;
    let wa = webauthn(state)?;
    let passkey = match wa.finish_passkey_registration(&reg, &state_reg) {
        Ok(p) => p,
        Err(e) => {
            let ev = AuditEvent::new(auth.actor(), actions::PASSKEY_REGISTERED, &meta.audit())
                .outcome("failure")
                .details(serde_json::json!({ "reason": e.to_string() }));
            state.store.append_audit(&auth.org.id, ev, now).await?;
            return Err(ApiError::Validation(
                "the passkey could not be registered (the browser's answer did not verify): try again".into(),
            ));
        }
    };
    let cred: Credential = passkey.clone().into();
    let aaguid = aaguid_of(&reg);
    if let Err(why) = rules::aaguid_allowed(&auth.org.passkey_policy.aaguids, aaguid.as_deref()) {
        let ev = AuditEvent::new(auth.actor(), actions::PASSKEY_REGISTERED, &meta.audit())
            .outcome("denied")
            .details(serde_json::json!({ "reason": "aaguid_not_allowed", "aaguid": aaguid }));
        state.store.append_audit(&auth.org.id, ev, now).await?;
        return Err(ApiError::Validation(why));
    }
    let first = !auth.user.mfa_enabled;
    let codes = if first {
        mfa_rules::generate_recovery_codes()
    } else {
        Vec::new()
    };
    let name = cer.name.unwrap_or_default();
    let id = ids::new_id("pk");
    let attestation_format = attestation_format_of(&reg);
    let attachment = attachment_of(answer);
    let ev = AuditEvent::new(auth.actor(), actions::PASSKEY_REGISTERED, &meta.audit())
        .target("passkey", &id)
        .details(serde_json::json!({
            "name": name,
            "aaguid": aaguid,
            "kind": rules::kind(cred.backup_eligible),
            "sign_count": cred.counter,
            "backup_eligible": cred.backup_eligible,
            "backup_state": cred.backup_state,
            "attestation_format": attestation_format,
            "authenticator_attachment": attachment,
            "recovery_codes": codes.len(),
        }));
    state
        .store
        .passkey_add(
            NewPasskey {
                id,
                org_id: auth.org.id.clone(),
                user_id: auth.user.id.clone(),
                credential_id: b64(&cred.cred_id),
                name: name.clone(),
                passkey_json: to_json(&passkey)?,
                aaguid,
                attestation_format: attestation_format.into(),
                authenticator_attachment: attachment.map(str::to_string),
                sign_count: cred.counter,
                backup_eligible: cred.backup_eligible,
                backup_state: cred.backup_state,
                recovery_hashes: codes
                    .iter()
                    .map(|c| mfa_rules::hash_recovery_code(c))
                    .collect(),
                keep_session: auth.session.id.clone(),
                now,
            },
            ev,
        )
        .await?;
    notices::security_notice(
        state,
        &auth.org,
        &auth.user.email,
        &format!("A passkey ({name}) was added"),
        Some(meta),
    )
    .await?;
    Ok(codes)
}

/// Renames one of the member's own passkeys.
pub async fn rename(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
    name: &str,
) -> Result<(), ApiError> {
    auth.require(Permission::SelfManage)?;
    auth.require_person()?;
    let name = rules::validate_name(name).map_err(|m| ApiError::Validation(m.into()))?;
    let ev = AuditEvent::new(auth.actor(), actions::PASSKEY_RENAMED, &meta.audit())
        .target("passkey", id)
        .details(serde_json::json!({ "name": name }));
    state
        .store
        .passkey_rename(&auth.org.id, &auth.user.id, id, &name, state.now(), ev)
        .await?;
    Ok(())
}

/// Removes one of the member's own passkeys (after a step-up); never the last second
/// factor of a role that requires MFA.
pub async fn remove(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
) -> Result<(), ApiError> {
    auth.require(Permission::SelfManage)?;
    auth.require_person()?;
    let now = state.now();
    auth.require_step_up(now)?;
    let name = state
        .store
        .passkeys_list(&auth.user.id)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .map(|p| p.name)
        .ok_or(ApiError::NotFound)?;
    let required = requirement(auth);
    let ev = AuditEvent::new(auth.actor(), actions::PASSKEY_REMOVED, &meta.audit())
        .target("passkey", id)
        .details(serde_json::json!({ "name": name }));
    state
        .store
        .passkey_remove(&auth.org.id, &auth.user.id, id, required, now, ev)
        .await?;
    notices::security_notice(
        state,
        &auth.org,
        &auth.user.email,
        &format!("A passkey ({name}) was removed"),
        Some(meta),
    )
    .await?;
    Ok(())
}

/// Starts an assertion with the user's passkeys.
async fn assertion_begin(
    state: &AppState,
    purpose: &str,
    user_id: &str,
    org_id: &str,
    session_id: Option<&str>,
    challenge_id: Option<&str>,
) -> Result<Started, ApiError> {
    let wa = webauthn(state)?;
    let keys: Vec<Passkey> = state
        .store
        .passkeys_list(user_id)
        .await?
        .iter()
        .map(|p| from_json(&p.passkey_json))
        .collect::<Result<_, _>>()?;
    if keys.is_empty() {
        return Err(ApiError::Conflict(
            "this account has no passkey: use another second factor".into(),
        ));
    }
    let (rcr, auth_state): (RequestChallengeResponse, PasskeyAuthentication) = wa
        .start_passkey_authentication(&keys)
        .map_err(|e| ApiError::Internal(format!("passkey assertion: {e}")))?;
    let now = state.now();
    let id = ids::new_id("pkc");
    state
        .store
        .passkey_ceremony_create(PasskeyCeremony {
            id: id.clone(),
            purpose: purpose.into(),
            user_id: Some(user_id.into()),
            org_id: org_id.into(),
            session_id: session_id.map(str::to_string),
            challenge_id: challenge_id.map(str::to_string),
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

/// The signature counter in an assertion's authenticator data (bytes 33..37).
fn presented_counter(cred: &PublicKeyCredential) -> Option<u32> {
    let d = cred.response.authenticator_data.get(33..37)?;
    Some(u32::from_be_bytes([d[0], d[1], d[2], d[3]]))
}

/// Verifies an assertion against a taken ceremony of the user's; on success stores the
/// new counter and flags (audited); a counter that went backwards is refused, audited
/// as a clone warning and mailed to the account. Counted before it is checked.
async fn verify_assertion(
    state: &AppState,
    cer: &PasskeyCeremony,
    org_id: &str,
    actor: Actor,
    meta: &ClientMeta,
    cred: &PublicKeyCredential,
) -> Result<(), ApiError> {
    let user_id = cer.user_id.clone().unwrap_or_default();
    let attempt = attempts::begin(state, vec![Key::second_factor(&user_id)]).await?;
    let auth_state: PasskeyAuthentication = from_json(&cer.state_json)?;
    let wa = webauthn(state)?;
    let stored = state.store.passkeys_list(&user_id).await?;
    let used = stored.iter().find(|p| p.credential_id == b64(&cred.raw_id));
    let outcome = wa.finish_passkey_authentication(cred, &auth_state);
    settle_assertion(
        state,
        attempt,
        &cer.purpose,
        org_id,
        actor,
        meta,
        cred,
        used,
        outcome,
    )
    .await
}

/// What follows a verified (or refused) assertion, whichever ceremony it answered: on
/// success the new counter and flags are stored and the use audited; a counter that went
/// backwards is refused, audited as a clone warning and mailed to the account; any other
/// failure is audited and counted (`attempt`, begun before the check).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn settle_assertion(
    state: &AppState,
    attempt: attempts::Attempt,
    purpose: &str,
    org_id: &str,
    actor: Actor,
    meta: &ClientMeta,
    cred: &PublicKeyCredential,
    used: Option<&PasskeyRecord>,
    outcome: Result<webauthn_rs::prelude::AuthenticationResult, WebauthnError>,
) -> Result<(), ApiError> {
    let now = state.now();
    match outcome {
        Ok(result) => {
            let Some(rec) = used else {
                // Verified against a key listed when it started, removed since.
                return Err(ApiError::PasskeyNotAccepted);
            };
            let mut pk: Passkey = from_json(&rec.passkey_json)?;
            pk.update_credential(&result);
            state
                .store
                .passkey_used(PasskeyUse {
                    id: rec.id.clone(),
                    passkey_json: to_json(&pk)?,
                    sign_count: result.counter(),
                    backup_eligible: result.backup_eligible(),
                    backup_state: result.backup_state(),
                    now,
                })
                .await?;
            attempt.succeeded(state).await?;
            let ev = AuditEvent::new(actor, actions::PASSKEY_USED, &meta.audit())
                .target("passkey", &rec.id)
                .details(serde_json::json!({
                    "purpose": purpose,
                    "name": rec.name,
                    "sign_count": result.counter(),
                    "previous_sign_count": rec.sign_count,
                    "backup_eligible": result.backup_eligible(),
                    "backup_state": result.backup_state(),
                    "backup_changed": result.backup_state() != rec.backup_state
                        || result.backup_eligible() != rec.backup_eligible,
                }));
            state.store.append_audit(org_id, ev, now).await?;
            Ok(())
        }
        Err(WebauthnError::CredentialPossibleCompromise) => {
            let presented = presented_counter(cred);
            let ev = AuditEvent::new(actor.clone(), actions::PASSKEY_CLONE_WARNING, &meta.audit())
                .outcome("failure")
                .target("passkey", used.map_or("unknown", |p| p.id.as_str()))
                .details(serde_json::json!({
                    "name": used.map(|p| p.name.clone()),
                    "stored_sign_count": used.map(|p| p.sign_count),
                    "presented_sign_count": presented,
                }));
            state.store.append_audit(org_id, ev, now).await?;
            if let (Some(p), Some(email)) = (used, actor.email.as_deref())
                && let Some(org) = state
                    .store
                    .list_orgs()
                    .await?
                    .into_iter()
                    .find(|o| o.id == org_id)
            {
                let what = format!(
                    "A sign-in with your passkey \"{}\" was refused: its signature counter went backwards ({} after {}), which can mean the passkey was copied. If you did not restore or copy it, remove it on the Security tab",
                    p.name,
                    presented.map_or("?".to_string(), |c| c.to_string()),
                    p.sign_count
                );
                notices::security_notice(state, &org, email, &what, Some(meta)).await?;
            }
            Err(ApiError::PasskeyNotAccepted)
        }
        Err(e) => {
            let ev = AuditEvent::new(actor, actions::MFA_FAILED, &meta.audit())
                .outcome("failure")
                .details(serde_json::json!({ "factor": "passkey", "reason": e.to_string() }));
            state.store.append_audit(org_id, ev, now).await?;
            Err(ApiError::PasskeyNotAccepted)
        }
    }
}

/// The second login step with a passkey: starts an assertion bound to the login's MFA
/// challenge.
pub async fn login_begin(state: &AppState, challenge: &str) -> Result<Started, ApiError> {
    let ch = mfa::live_challenge(state, challenge).await?;
    assertion_begin(
        state,
        PURPOSE_LOGIN,
        &ch.user_id,
        &ch.org_id,
        None,
        Some(&ch.id),
    )
    .await
}

/// Which second factors the account behind a live login challenge has (the MFA page
/// offers those).
pub async fn challenge_factors(
    state: &AppState,
    challenge: &str,
) -> Result<rules::Factors, ApiError> {
    let ch = mfa::live_challenge(state, challenge).await?;
    Ok(state.store.second_factors(&ch.user_id).await?.into())
}

/// Finishes the second login step with a passkey: a session, once per challenge.
pub async fn login_finish(
    state: &AppState,
    meta: &ClientMeta,
    challenge: &str,
    ceremony_id: &str,
    answer: &str,
) -> Result<(IssuedSession, wt_api::ClientKind), ApiError> {
    let ch = mfa::live_challenge(state, challenge).await?;
    let (user, role) = state
        .store
        .member(&ch.org_id, &ch.user_id)
        .await?
        .filter(|(u, _)| !u.disabled && u.mfa_enabled)
        .ok_or(ApiError::ChallengeInvalid)?;
    crate::extract::check_address(state, &user, &ch.org_id, meta, state.now()).await?;
    let cred: PublicKeyCredential = parse_answer(answer)?;
    // Counted on the challenge, as a code is (it dies after its last attempt).
    if !state
        .store
        .challenge_attempt(&ch.id, mfa_rules::CHALLENGE_MAX_FAILURES)
        .await?
    {
        return Err(ApiError::ChallengeInvalid);
    }
    let cer = state
        .store
        .passkey_ceremony_take(ceremony_id, PURPOSE_LOGIN, state.now())
        .await?
        .filter(|c| {
            c.challenge_id.as_deref() == Some(ch.id.as_str())
                && c.user_id.as_deref() == Some(user.id.as_str())
        })
        .ok_or(ApiError::PasskeyNotAccepted)?;
    let actor = Actor::user(&user.id, &user.email);
    verify_assertion(state, &cer, &ch.org_id, actor, meta, &cred).await?;
    mfa::finish_login(state, meta, &ch, &user, role, "passkey").await
}

/// Step-up with a passkey: starts an assertion bound to this session.
pub async fn step_up_begin(state: &AppState, auth: &Auth) -> Result<Started, ApiError> {
    auth.require(Permission::SelfRead)?;
    auth.require_person()?;
    assertion_begin(
        state,
        PURPOSE_STEP_UP,
        &auth.user.id,
        &auth.org.id,
        Some(&auth.session.id),
        None,
    )
    .await
}

/// Finishes a step-up with a passkey: the session counts as freshly confirmed for
/// [`crate::extract::STEP_UP_WINDOW`].
pub async fn step_up_finish(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    ceremony_id: &str,
    answer: &str,
) -> Result<i64, ApiError> {
    auth.require(Permission::SelfRead)?;
    auth.require_person()?;
    let cred: PublicKeyCredential = parse_answer(answer)?;
    let now = state.now();
    let cer = state
        .store
        .passkey_ceremony_take(ceremony_id, PURPOSE_STEP_UP, now)
        .await?
        .filter(|c| {
            c.session_id.as_deref() == Some(auth.session.id.as_str())
                && c.user_id.as_deref() == Some(auth.user.id.as_str())
        })
        .ok_or(ApiError::PasskeyNotAccepted)?;
    verify_assertion(state, &cer, &auth.org.id, auth.actor(), meta, &cred).await?;
    let ev = AuditEvent::new(auth.actor(), actions::STEP_UP, &meta.audit())
        .target("session", &auth.session.id)
        .details(serde_json::json!({ "factor": "passkey" }));
    state
        .store
        .session_step_up(&auth.org.id, &auth.session.id, now, ev)
        .await?;
    Ok(now + crate::extract::STEP_UP_WINDOW)
}

/// Approving a device login (`wt login --web`) with a passkey: an assertion bound to
/// this session, for the device grant's approve screen. A fresh assertion each time:
/// an earlier step-up of the session does not count.
pub async fn device_begin(state: &AppState, auth: &Auth) -> Result<Started, ApiError> {
    auth.require(Permission::SelfRead)?;
    auth.require_person()?;
    assertion_begin(
        state,
        rules::PURPOSE_DEVICE,
        &auth.user.id,
        &auth.org.id,
        Some(&auth.session.id),
        None,
    )
    .await
}

/// Verifies the assertion of [`device_begin`] (once; counted before it is checked).
pub async fn device_verify(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    ceremony_id: &str,
    answer: &str,
) -> Result<(), ApiError> {
    auth.require(Permission::SelfRead)?;
    auth.require_person()?;
    let cred: PublicKeyCredential = parse_answer(answer)?;
    let cer = state
        .store
        .passkey_ceremony_take(ceremony_id, rules::PURPOSE_DEVICE, state.now())
        .await?
        .filter(|c| {
            c.session_id.as_deref() == Some(auth.session.id.as_str())
                && c.user_id.as_deref() == Some(auth.user.id.as_str())
        })
        .ok_or(ApiError::PasskeyNotAccepted)?;
    verify_assertion(state, &cer, &auth.org.id, auth.actor(), meta, &cred).await
}
