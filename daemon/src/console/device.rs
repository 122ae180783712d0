//! The device login flow in the console (`wt login --web`, RFC 8628): `/device` (the
//! verification page, also reached with `?user_code=` from the QR code), the approve/deny
//! screen, approval with a fresh TOTP code or passkey assertion, and denial. Thin, over
//! `service::device_grants`; the pages are `pages::device`.

use super::csrf::{check_csrf, csrf_token};
use super::guard::{Form, Signed, signed_in};
use super::pages::passkeys::{self as pk_pages, Ceremony, CeremonyView};
use super::pages::{self, ApproveView};
use super::{PageResult, form_error, ok};
use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::service;
use crate::service::device_grants as grants;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use wt_core::clock::rfc3339;
use wt_store::DeviceGrantRecord;

#[derive(Debug, Deserialize)]
pub(super) struct EntryQuery {
    #[serde(default)]
    user_code: String,
}

/// The code as it may be shown back in a form: bounded, letters and dashes only.
fn echo(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphabetic() || *c == '-')
        .take(16)
        .collect()
}

/// `GET /device`: the code entry (filled in from the link), or "sign in first".
pub(super) async fn entry_page(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    Query(q): Query<EntryQuery>,
) -> PageResult {
    let code = echo(&q.user_code);
    let Some(auth) = signed_in(&state, &headers, &meta).await? else {
        return ok(pages::device_signed_out(&code));
    };
    let csrf = csrf_token(&state, &auth.session.id);
    let viewer = super::viewer(&auth, &csrf, None);
    ok(pages::device_entry(&viewer, &code, None))
}

/// The approve/deny screen of `g` for this member.
async fn approve_screen(
    state: &AppState,
    auth: &Auth,
    g: &DeviceGrantRecord,
    user_code: &str,
    error: Option<&str>,
) -> Result<maud::Markup, ApiError> {
    let factors = state.store.second_factors(&auth.user.id).await?;
    let csrf = csrf_token(state, &auth.session.id);
    let viewer = super::viewer(auth, &csrf, None);
    Ok(pages::device_approve(&ApproveView {
        viewer: &viewer,
        grant_id: &g.id,
        user_code,
        request_ip: &g.request_ip,
        client_version: g.client_version.as_deref(),
        os: g.client_os.as_deref(),
        requested_at: &rfc3339(g.created_at),
        role: auth.role.as_str(),
        totp: factors.totp,
        passkey: factors.passkeys > 0 && service::passkeys::availability(state).is_ok(),
        error,
    }))
}

#[derive(Debug, Deserialize)]
pub(super) struct CodeForm {
    csrf: String,
    #[serde(default)]
    user_code: String,
}

/// `POST /device`: the typed code; its login's approve screen.
pub(super) async fn lookup(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<CodeForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let shown = echo(&f.user_code);
    match grants::lookup(&state, &auth, &meta, &f.user_code).await {
        Ok(g) => {
            let code = wt_core::device::normalize_user_code(&f.user_code)
                .map(|c| wt_core::device::display_user_code(&c))
                .unwrap_or_default();
            ok(approve_screen(&state, &auth, &g, &code, None).await?)
        }
        Err(e) => {
            let csrf = csrf_token(&state, &auth.session.id);
            form_error(e, |m| {
                pages::device_entry(&super::viewer(&auth, &csrf, None), &shown, Some(m))
            })
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ApproveForm {
    csrf: String,
    grant: String,
    #[serde(default)]
    code: String,
    /// The role the approve screen showed (refused if it changed since).
    #[serde(default)]
    role: String,
}

/// The role the approve screen showed, when the form carries it.
fn shown(role: &str) -> Option<&str> {
    (!role.is_empty()).then_some(role)
}

/// After a refused approval: the approve screen again with the reason, while the login
/// can still be answered; else the error on its own.
async fn again(state: &AppState, auth: &Auth, grant: &str, e: ApiError) -> PageResult {
    if matches!(e, ApiError::Unauthenticated | ApiError::NotFound) {
        return Err(e.into());
    }
    let msg = super::guard::message(&e);
    match grants::answerable(state, auth, grant).await {
        Ok(g) => Ok(super::guard::page(
            e.status(),
            approve_screen(state, auth, &g, "", Some(&msg)).await?,
        )),
        Err(_) => {
            let csrf = csrf_token(state, &auth.session.id);
            form_error(e, |m| {
                pages::device_entry(&super::viewer(auth, &csrf, None), "", Some(m))
            })
        }
    }
}

fn done(state: &AppState, auth: &Auth, approved: bool) -> PageResult {
    let csrf = csrf_token(state, &auth.session.id);
    ok(pages::device_done(
        &super::viewer(auth, &csrf, None),
        approved,
    ))
}

/// `POST /device/approve`: approval with a code from the authenticator app.
pub(super) async fn approve(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<ApproveForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    match grants::approve_with_totp(&state, &auth, &meta, &f.grant, &f.code, shown(&f.role)).await {
        Ok(()) => done(&state, &auth, true),
        Err(e) => again(&state, &auth, &f.grant, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct GrantForm {
    csrf: String,
    grant: String,
    #[serde(default)]
    role: String,
}

/// `POST /device/passkey`: the ceremony page of a passkey approval.
pub(super) async fn passkey_page(
    State(state): State<AppState>,
    Signed(auth): Signed,
    Form(f): Form<GrantForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let started = async {
        grants::answerable(&state, &auth, &f.grant).await?;
        grants::same_role(&auth, shown(&f.role))?;
        service::passkeys::device_begin(&state, &auth).await
    }
    .await;
    let started = match started {
        Ok(s) => s,
        Err(e) => return again(&state, &auth, &f.grant, e).await,
    };
    let csrf = csrf_token(&state, &auth.session.id);
    let viewer = super::viewer(&auth, &csrf, None);
    ok(pk_pages::ceremony(&CeremonyView {
        viewer: Some(&viewer),
        title: "Approve with a passkey",
        intro: "Use one of your passkeys to approve the device login. This page lapses in 5 minutes.",
        kind: Ceremony::Get,
        options_json: &started.options_json,
        action: "/device/passkey/finish",
        hidden: vec![
            ("csrf", &csrf),
            ("ceremony", &started.id),
            ("grant", &f.grant),
            ("role", &f.role),
        ],
        button: "Use a passkey",
        back: ("/device", "Cancel"),
        error: None,
    }))
}

#[derive(Debug, Deserialize)]
pub(super) struct PasskeyAnswerForm {
    csrf: String,
    grant: String,
    ceremony: String,
    #[serde(default)]
    credential: String,
    #[serde(default)]
    role: String,
}

/// `POST /device/passkey/finish`: the assertion; approved when it verifies.
pub(super) async fn passkey_finish(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<PasskeyAnswerForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    match grants::approve_with_passkey(
        &state,
        &auth,
        &meta,
        &f.grant,
        &f.ceremony,
        &f.credential,
        shown(&f.role),
    )
    .await
    {
        Ok(()) => done(&state, &auth, true),
        Err(e) => again(&state, &auth, &f.grant, e).await,
    }
}

/// `POST /device/deny`.
pub(super) async fn deny(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<GrantForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    match grants::deny(&state, &auth, &meta, &f.grant).await {
        Ok(()) => done(&state, &auth, false),
        Err(e) => again(&state, &auth, &f.grant, e).await,
    }
}
