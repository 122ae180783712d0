//! Passkeys in the console: the Security tab's section (add, rename, remove, confirm with
//! a passkey) and the passkey as the second login step. Thin, over
//! `service::passkeys`; the ceremony pages are `pages::passkeys`.

use super::csrf::{check_csrf, csrf_token};
use super::guard::{Form, Signed};
use super::pages::passkeys::{self as pk_pages, Ceremony, CeremonyView, PasskeyRow};
use super::pages::{self, Tab};
use super::security::security_error;
use super::{
    PageResult, after_sign_in, form_error, login_link, next_of, nonempty, ok, with_session,
};
use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::service;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use wt_api::StepUpRequest;
use wt_core::clock::rfc3339;

/// The Security tab's Passkeys section for this member.
pub(super) async fn section(
    state: &AppState,
    auth: &Auth,
    csrf: &str,
) -> Result<maud::Markup, ApiError> {
    let rows = service::passkeys::list(state, auth)
        .await?
        .into_iter()
        .map(|p| PasskeyRow {
            kind: wt_core::passkey::kind(p.backup_eligible),
            created: rfc3339(p.created_at),
            last_used: p.last_used_at.map(rfc3339),
            id: p.id,
            name: p.name,
            aaguid: p.aaguid,
            attachment: wt_core::passkey::attachment_label(p.authenticator_attachment.as_deref()),
            attestation: p.attestation,
            backup_eligible: p.backup_eligible,
            backup_state: p.backup_state,
        })
        .collect();
    let totp = state.store.second_factors(&auth.user.id).await?.totp;
    Ok(pk_pages::section(&pk_pages::PasskeysView {
        csrf,
        rows,
        unavailable: service::passkeys::availability(state).err(),
        fresh: auth.require_step_up(state.now()).is_ok(),
        totp,
    }))
}

/// A change to the account's factors needs a step-up: a password (and code) typed in the
/// form renews it; otherwise the session must have signed in or confirmed recently.
async fn step_up(
    state: &AppState,
    auth: &mut Auth,
    meta: &ClientMeta,
    password: String,
    code: String,
) -> Result<(), ApiError> {
    if !password.is_empty() {
        let req = StepUpRequest {
            password,
            code: nonempty(code),
        };
        service::mfa::session_step_up(state, auth, meta, req).await?;
        // The store has the step-up; this request's copy of the session gets it too.
        auth.session.step_up_at = Some(state.now());
    }
    auth.require_step_up(state.now())
}

#[derive(Debug, Deserialize)]
pub(super) struct AddForm {
    csrf: String,
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

/// Step-up, then the ceremony page that asks the browser to create the passkey.
pub(super) async fn register(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(mut auth): Signed,
    Form(f): Form<AddForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let started = async {
        step_up(&state, &mut auth, &meta, f.password, f.code).await?;
        service::passkeys::register_begin(&state, &auth, &f.name).await
    }
    .await;
    let started = match started {
        Ok(s) => s,
        Err(e) => return security_error(&state, &auth, e).await,
    };
    let csrf = csrf_token(&state, &auth.session.id);
    let viewer = super::viewer(&auth, &csrf, Some(Tab::Security));
    ok(pk_pages::ceremony(&CeremonyView {
        viewer: Some(&viewer),
        title: "Add a passkey",
        intro: "Your browser will ask you to create a passkey with your device's screen lock or a security key. This page lapses in 5 minutes.",
        kind: Ceremony::Create,
        options_json: &started.options_json,
        action: "/security/passkeys/register/finish",
        hidden: vec![("csrf", &csrf), ("ceremony", &started.id)],
        button: "Create the passkey",
        back: ("/security", "Cancel"),
        error: None,
    }))
}

#[derive(Debug, Deserialize)]
pub(super) struct AnswerForm {
    csrf: String,
    ceremony: String,
    #[serde(default)]
    credential: String,
}

pub(super) async fn register_finish(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<AnswerForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    match service::passkeys::register_finish(&state, &auth, &meta, &f.ceremony, &f.credential).await
    {
        Ok(codes) if codes.is_empty() => {
            Ok(Redirect::to("/security?done=passkey-added").into_response())
        }
        Ok(codes) => {
            let csrf = csrf_token(&state, &auth.session.id);
            let viewer = super::viewer(&auth, &csrf, Some(Tab::Security));
            ok(pages::recovery_codes(&viewer, &codes, true))
        }
        Err(e) => security_error(&state, &auth, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct RenameForm {
    csrf: String,
    name: String,
}

pub(super) async fn rename(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Path(id): Path<String>,
    Form(f): Form<RenameForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    match service::passkeys::rename(&state, &auth, &meta, &id, &f.name).await {
        Ok(()) => Ok(Redirect::to("/security?done=passkey-renamed").into_response()),
        Err(ApiError::NotFound) => Err(ApiError::NotFound.into()),
        Err(e) => security_error(&state, &auth, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct RemoveForm {
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

pub(super) async fn remove(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(mut auth): Signed,
    Path(id): Path<String>,
    Form(f): Form<RemoveForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    // Someone else's (or no) passkey: 404 before any step-up.
    if !service::passkeys::list(&state, &auth)
        .await?
        .iter()
        .any(|p| p.id == id)
    {
        return Err(ApiError::NotFound.into());
    }
    let result = async {
        step_up(&state, &mut auth, &meta, f.password, f.code).await?;
        service::passkeys::remove(&state, &auth, &meta, &id).await
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/security?done=passkey-removed").into_response()),
        Err(e) => security_error(&state, &auth, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct StepUpStart {
    csrf: String,
    /// The console page to return to (an admin tab's), else the Security tab.
    #[serde(default)]
    back: String,
}

/// The session confirmed it is the member (a step-up: a passkey's, or a password typed
/// in another form) within [`crate::extract::STEP_UP_WINDOW`]. Admin forms then take an
/// empty password; a sign-in alone does not count for them (they always asked).
pub(super) fn confirmed_recently(auth: &Auth, now: i64) -> bool {
    auth.session
        .step_up_at
        .is_some_and(|t| now - t < crate::extract::STEP_UP_WINDOW)
        && auth.require_step_up(now).is_ok()
}

/// Where a passkey step-up returns: a console path of our own (`/members/usr_…`,
/// `/allowed-ips`), never another site (`//host`, `https:`), else the Security tab.
fn back_to(back: &str) -> Option<&str> {
    let ok = back.starts_with('/')
        && !back.starts_with("//")
        && back.len() <= 200
        && back
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-'));
    ok.then_some(back)
}

/// The page that confirms the member with a passkey (a step-up).
pub(super) async fn step_up_page(
    State(state): State<AppState>,
    Signed(auth): Signed,
    Form(f): Form<StepUpStart>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let back = back_to(&f.back);
    let started = match service::passkeys::step_up_begin(&state, &auth).await {
        Ok(s) => s,
        Err(e) => return security_error(&state, &auth, e).await,
    };
    let csrf = csrf_token(&state, &auth.session.id);
    let viewer = super::viewer(&auth, &csrf, Some(Tab::Security));
    ok(pk_pages::ceremony(&CeremonyView {
        viewer: Some(&viewer),
        title: "Confirm it is you",
        intro: "Use one of your passkeys. For the next 10 minutes, security changes and admin actions need no password.",
        kind: Ceremony::Get,
        options_json: &started.options_json,
        action: "/security/passkeys/step-up/finish",
        hidden: vec![
            ("csrf", &csrf),
            ("ceremony", &started.id),
            ("back", back.unwrap_or("")),
        ],
        button: "Use a passkey",
        back: (back.unwrap_or("/security"), "Cancel"),
        error: None,
    }))
}

#[derive(Debug, Deserialize)]
pub(super) struct StepUpAnswer {
    csrf: String,
    ceremony: String,
    #[serde(default)]
    credential: String,
    #[serde(default)]
    back: String,
}

pub(super) async fn step_up_finish(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<StepUpAnswer>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    match service::passkeys::step_up_finish(&state, &auth, &meta, &f.ceremony, &f.credential).await
    {
        Ok(_) => Ok(
            Redirect::to(back_to(&f.back).unwrap_or("/security?done=stepped-up")).into_response(),
        ),
        Err(e) => security_error(&state, &auth, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ChallengeForm {
    challenge: String,
    #[serde(default)]
    next: String,
}

/// The MFA step's "Use a passkey": the ceremony page bound to the login's challenge.
pub(super) async fn login_page(
    State(state): State<AppState>,
    Form(f): Form<ChallengeForm>,
) -> PageResult {
    let next = next_of(&f.next);
    let started = match service::passkeys::login_begin(&state, &f.challenge).await {
        Ok(s) => s,
        Err(e @ ApiError::ChallengeInvalid) => {
            return form_error(e, |m| {
                pages::login(Some(pages::Problem::form(m)), "", "", false, next)
            });
        }
        Err(e) => {
            let passkey = false;
            return form_error(e, |m| {
                pages::login_mfa(Some(pages::Problem::form(m)), &f.challenge, passkey, next)
            });
        }
    };
    ok(login_ceremony(&f.challenge, &started, None, next))
}

fn login_ceremony(
    challenge: &str,
    started: &service::passkeys::Started,
    error: Option<&str>,
    next: &str,
) -> maud::Markup {
    let back = login_link(next, "");
    pk_pages::ceremony(&CeremonyView {
        viewer: None,
        title: "Sign in with a passkey",
        intro: "Use one of your passkeys to finish signing in.",
        kind: Ceremony::Get,
        options_json: &started.options_json,
        action: "/login/passkey/finish",
        hidden: vec![
            ("challenge", challenge),
            ("ceremony", &started.id),
            ("next", next),
        ],
        button: "Use a passkey",
        back: (&back, "Start again"),
        error,
    })
}

#[derive(Debug, Deserialize)]
pub(super) struct LoginAnswerForm {
    challenge: String,
    ceremony: String,
    #[serde(default)]
    credential: String,
    #[serde(default)]
    next: String,
}

pub(super) async fn login_finish(
    State(state): State<AppState>,
    meta: ClientMeta,
    Form(f): Form<LoginAnswerForm>,
) -> PageResult {
    let next = next_of(&f.next);
    match service::passkeys::login_finish(&state, &meta, &f.challenge, &f.ceremony, &f.credential)
        .await
    {
        Ok((issued, _)) => with_session(&state, &issued, after_sign_in(next)),
        Err(e @ ApiError::ChallengeInvalid) => form_error(e, |m| {
            pages::login(Some(pages::Problem::form(m)), "", "", false, next)
        }),
        // Another go: a fresh ceremony on the same challenge (it counts the attempts).
        Err(e) => {
            let msg = super::guard::message(&e);
            match service::passkeys::login_begin(&state, &f.challenge).await {
                Ok(started) => Ok(super::guard::page(
                    e.status(),
                    login_ceremony(&f.challenge, &started, Some(&msg), next),
                )),
                Err(e2) => form_error(e2, |m| {
                    pages::login(Some(pages::Problem::form(m)), "", "", false, next)
                }),
            }
        }
    }
}

/// "New recovery codes" for a member whose second factor is a passkey: the ceremony
/// page of a step-up assertion (no TOTP code to type).
pub(super) async fn recovery_codes_page(
    State(state): State<AppState>,
    Signed(auth): Signed,
    Form(f): Form<super::CsrfForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let started = match service::passkeys::step_up_begin(&state, &auth).await {
        Ok(s) => s,
        Err(e) => return security_error(&state, &auth, e).await,
    };
    let csrf = csrf_token(&state, &auth.session.id);
    let viewer = super::viewer(&auth, &csrf, Some(Tab::Security));
    ok(pk_pages::ceremony(&CeremonyView {
        viewer: Some(&viewer),
        title: "New recovery codes",
        intro: "Confirm it is you with one of your passkeys. The codes you have now stop working. This page lapses in 5 minutes.",
        kind: Ceremony::Get,
        options_json: &started.options_json,
        action: "/security/mfa/recovery-codes/passkey/finish",
        hidden: vec![("csrf", &csrf), ("ceremony", &started.id)],
        button: "Use a passkey",
        back: ("/security", "Cancel"),
        error: None,
    }))
}

/// The assertion of [`recovery_codes_page`]: new codes, shown once.
pub(super) async fn recovery_codes_finish(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<AnswerForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let credential = if f.credential.trim().is_empty() {
        serde_json::Value::String(String::new())
    } else {
        serde_json::from_str(&f.credential).unwrap_or(serde_json::Value::Null)
    };
    let req = wt_api::MfaStepUpRequest {
        passkey: Some(wt_api::PasskeyAnswer {
            ceremony: f.ceremony,
            credential,
        }),
        ..Default::default()
    };
    match service::mfa::regenerate_recovery_codes(&state, &auth, &meta, req).await {
        Ok(codes) => {
            let csrf = csrf_token(&state, &auth.session.id);
            let viewer = super::viewer(&auth, &csrf, Some(Tab::Security));
            ok(pages::recovery_codes(&viewer, &codes, false))
        }
        Err(e) => security_error(&state, &auth, e).await,
    }
}
