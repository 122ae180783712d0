//! Signing in and out: the login page, the MFA step of a login, logout.

use super::csrf::check_csrf;
use super::guard::{Form, Signed, signed_in};
use super::pages::{self};
use super::{CsrfForm, PageResult, form_error, nonempty, ok, with_session};
use crate::error::ApiError;
use crate::extract::ClientMeta;
use crate::service;
use crate::service::auth::LoginOutcome;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use wt_api::{ClientKind, LoginRequest, MfaVerifyRequest};

#[derive(Debug, Deserialize)]
pub(super) struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    org: String,
}

pub(super) async fn login_page(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
) -> PageResult {
    if signed_in(&state, &headers, &meta).await?.is_some() {
        return Ok(Redirect::to("/security").into_response());
    }
    ok(pages::login(None, "", false))
}

pub(super) async fn login(
    State(state): State<AppState>,
    meta: ClientMeta,
    Form(f): Form<LoginForm>,
) -> PageResult {
    let req = LoginRequest {
        email: f.email.clone(),
        password: f.password,
        client: ClientKind::Console,
        org: nonempty(f.org),
    };
    match service::auth::login(&state, req, &meta).await {
        Ok(LoginOutcome::Session(issued)) => with_session(&state, &issued, "/security"),
        Ok(LoginOutcome::Challenge(ch)) => {
            let passkey = offer_passkey(&state, ch.expose()).await;
            ok(pages::login_mfa(None, ch.expose(), passkey))
        }
        Err(e) => {
            let ask_org = matches!(e, ApiError::OrgRequired(_));
            form_error(e, |m| pages::login(Some(m), &f.email, ask_org))
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct MfaForm {
    challenge: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    recovery_code: String,
}

pub(super) async fn login_mfa(
    State(state): State<AppState>,
    meta: ClientMeta,
    Form(f): Form<MfaForm>,
) -> PageResult {
    let req = MfaVerifyRequest {
        challenge: f.challenge.clone(),
        code: nonempty(f.code),
        recovery_code: nonempty(f.recovery_code),
    };
    match service::mfa::verify_login(&state, &meta, req).await {
        Ok((issued, _)) => with_session(&state, &issued, "/security"),
        Err(e @ ApiError::ChallengeInvalid) => form_error(e, |m| pages::login(Some(m), "", false)),
        Err(e) => {
            let passkey = offer_passkey(&state, &f.challenge).await;
            form_error(e, |m| pages::login_mfa(Some(m), &f.challenge, passkey))
        }
    }
}

/// Whether the MFA step offers "Use a passkey": the account has one and this
/// installation can use passkeys.
async fn offer_passkey(state: &AppState, challenge: &str) -> bool {
    service::passkeys::availability(state).is_ok()
        && service::passkeys::challenge_factors(state, challenge)
            .await
            .is_ok_and(|f| f.passkeys > 0)
}

pub(super) async fn logout(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    service::sessions::logout(&state, &auth, &meta).await?;
    let mut resp = Redirect::to("/login").into_response();
    if let Some(c) = super::cookies::cleared() {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}
