//! Signing in and out: the login page, the MFA step of a login, logout.

use super::csrf::check_csrf;
use super::guard::{Form, Signed, signed_in};
use super::pages::{self};
use super::{
    CsrfForm, PageResult, after_sign_in, field_error, form_error, next_of, nonempty, ok,
    with_session,
};
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
    /// Where to go afterwards (`?next=` of the login page; checked again here).
    #[serde(default)]
    next: String,
}

pub(super) async fn login_page(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> PageResult {
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    // `?next=/device?user_code=...`: where to come back to (a path of this site only).
    let next = params
        .iter()
        .find(|(k, _)| k == "next")
        .map(|(_, v)| next_of(v))
        .unwrap_or("");
    if signed_in(&state, &headers, &meta).await?.is_some() {
        return Ok(Redirect::to(after_sign_in(next)).into_response());
    }
    // `?method=password`: the password form without the browser's passkey autofill
    // (conditional UI), for someone who chose "sign in with a password instead".
    let conditional = !params.iter().any(|(k, v)| k == "method" && v == "password");
    ok(super::passwordless::login_page(&state, conditional, next).await)
}

pub(super) async fn login(
    State(state): State<AppState>,
    meta: ClientMeta,
    Form(f): Form<LoginForm>,
) -> PageResult {
    let next = next_of(&f.next);
    let req = LoginRequest {
        email: f.email.clone(),
        password: f.password,
        client: ClientKind::Console,
        org: nonempty(f.org.clone()),
    };
    match service::auth::login(&state, req, &meta).await {
        Ok(LoginOutcome::Session(issued)) => with_session(&state, &issued, after_sign_in(next)),
        Ok(LoginOutcome::Challenge(ch)) => {
            let passkey = offer_passkey(&state, ch.expose()).await;
            ok(pages::login_mfa(None, ch.expose(), passkey, next))
        }
        Err(e) => {
            // The org is asked for once it is needed, and again while it is wrong.
            let ask_org = matches!(e, ApiError::OrgRequired(_)) || !f.org.trim().is_empty();
            field_error(e, login_field, |p| {
                pages::login(Some(p), &f.email, &f.org, ask_org, next)
            })
        }
    }
}

/// The login form's input an error is about. A wrong password and an unknown address
/// answer alike (the password field: the address is kept as typed).
fn login_field(e: &ApiError) -> Option<&'static str> {
    match e {
        ApiError::InvalidCredentials => Some("password"),
        ApiError::OrgRequired(_) => Some("org"),
        ApiError::Validation(m) if m.contains("password") => Some("password"),
        ApiError::Validation(_) => Some("email"),
        _ => None,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct MfaForm {
    challenge: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    recovery_code: String,
    #[serde(default)]
    next: String,
}

pub(super) async fn login_mfa(
    State(state): State<AppState>,
    meta: ClientMeta,
    Form(f): Form<MfaForm>,
) -> PageResult {
    let field = if f.code.trim().is_empty() && !f.recovery_code.trim().is_empty() {
        "recovery_code"
    } else {
        "code"
    };
    let next = next_of(&f.next);
    let req = MfaVerifyRequest {
        challenge: f.challenge.clone(),
        code: nonempty(f.code),
        recovery_code: nonempty(f.recovery_code),
    };
    match service::mfa::verify_login(&state, &meta, req).await {
        Ok((issued, _)) => with_session(&state, &issued, after_sign_in(next)),
        Err(e @ ApiError::ChallengeInvalid) => form_error(e, |m| {
            pages::login(Some(pages::Problem::form(m)), "", "", false, next)
        }),
        Err(e) => {
            let passkey = offer_passkey(&state, &f.challenge).await;
            field_error(
                e,
                |e| {
                    matches!(
                        e,
                        ApiError::InvalidCode | ApiError::Validation(_) | ApiError::MfaCodeRequired
                    )
                    .then_some(field)
                },
                |p| pages::login_mfa(Some(p), &f.challenge, passkey, next),
            )
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
