//! The invitation link: enter or follow the token, then accept (new account or existing
//! member).

use super::csrf::{check_csrf, csrf_token};
use super::guard::{Form, page, signed_in};
use super::pages::{self, TokenKind};
use super::security::enroll_page;
use super::{PageResult, TokenForm, form_error, ok, with_session};
use crate::error::ApiError;
use crate::extract::{ClientMeta, Via, authenticate_presented};
use crate::service;
use crate::service::auth::LoginOutcome;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wt_api::{ClientKind, InviteAcceptRequest, LoginRequest};

pub(super) async fn invite_page() -> PageResult {
    ok(pages::token_entry(TokenKind::Invite, None))
}

pub(super) async fn invite_verify(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    Form(f): Form<TokenForm>,
) -> PageResult {
    let token = f.token.trim();
    match invite_form(&state, &meta, &headers, token, None, "").await {
        Ok(resp) => Ok(resp),
        Err(e) => form_error(e, |m| pages::token_entry(TokenKind::Invite, Some(m))),
    }
}

/// The acceptance form for a live invite token, with `error` shown above it.
pub(super) async fn invite_form(
    state: &AppState,
    meta: &ClientMeta,
    headers: &HeaderMap,
    token: &str,
    error: Option<(StatusCode, pages::Problem<'_>)>,
    name: &str,
) -> Result<Response, ApiError> {
    let (invite, org) = service::invites::pending(state, meta, token).await?;
    let account_exists = service::invites::account_exists(state, &invite.email).await?;
    let csrf = signed_in(state, headers, meta)
        .await?
        .filter(|a| a.user.email == invite.email)
        .map(|a| csrf_token(state, &a.session.id));
    let role = invite.role.to_string();
    let view = pages::InviteView {
        token,
        org: &org.name,
        email: &invite.email,
        role: &role,
        min_len: wt_core::password::min_len(org.mfa_required_roles.contains(&invite.role)),
        account_exists,
        signed_in_as_invitee: csrf.as_deref(),
    };
    let status = error.map_or(StatusCode::OK, |(s, _)| s);
    Ok(page(
        status,
        pages::invite_accept(error.map(|(_, m)| m), &view, name),
    ))
}

#[derive(Debug, Deserialize)]
pub(super) struct AcceptForm {
    token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    csrf: String,
}

pub(super) async fn invite_accept(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    Form(f): Form<AcceptForm>,
) -> PageResult {
    let token = f.token.trim().to_string();
    // An existing account joins from its own signed-in browser, with that session's token.
    let caller = match signed_in(&state, &headers, &meta).await? {
        Some(a) if !f.csrf.is_empty() => {
            check_csrf(&state, &a, &f.csrf)?;
            Some(a)
        }
        _ => None,
    };
    let joining_existing = caller.is_some();
    if !joining_existing && f.password != f.password_confirm {
        return invite_form_or_entry(
            &state,
            &meta,
            &headers,
            &token,
            &f.name,
            ApiError::Validation("the two passwords are not the same".into()),
        )
        .await;
    }
    let req = InviteAcceptRequest {
        token: token.clone(),
        name: (!joining_existing).then(|| f.name.clone()),
        password: (!joining_existing).then(|| f.password.clone()),
    };
    let (user, org, _role) = match service::invites::accept(&state, &meta, caller, req).await {
        Ok(v) => v,
        Err(e) => return invite_form_or_entry(&state, &meta, &headers, &token, &f.name, e).await,
    };
    if joining_existing {
        return ok(pages::message(
            "Invitation accepted",
            &format!(
                "You are now a member of {}. Sign out and sign in to it to work there.",
                org.name
            ),
            ("/security", "Back to the console"),
            None,
        ));
    }
    // The new member signs in at once with the password just set; when the role requires
    // MFA, enrollment starts on the same page.
    let login = LoginRequest {
        email: user.email.clone(),
        password: f.password,
        client: ClientKind::Console,
        org: Some(org.slug.clone()),
    };
    let LoginOutcome::Session(issued) = service::auth::login(&state, login, &meta).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    if !issued.mfa_enrollment_required {
        return with_session(&state, &issued, "/security");
    }
    let auth = authenticate_presented(&state, issued.token.expose(), Via::Cookie, &meta).await?;
    let enrollment = service::mfa::enroll(&state, &auth).await?;
    let mut resp = enroll_page(&state, &auth, &enrollment)?;
    resp.headers_mut().insert(
        header::SET_COOKIE,
        super::cookies::for_session(&state, &issued)?,
    );
    Ok(resp)
}

/// After a failed acceptance: the form again with the reason, or, when the token itself
/// is no good (any more), the token page with it.
pub(super) async fn invite_form_or_entry(
    state: &AppState,
    meta: &ClientMeta,
    headers: &HeaderMap,
    token: &str,
    name: &str,
    e: ApiError,
) -> PageResult {
    if matches!(e, ApiError::InviteInvalid | ApiError::RateLimited { .. }) {
        return form_error(e, |m| pages::token_entry(TokenKind::Invite, Some(m)));
    }
    let msg = super::guard::message(&e);
    let problem = pages::Problem {
        message: &msg,
        field: invite_field(&e),
    };
    match invite_form(
        state,
        meta,
        headers,
        token,
        Some((e.status(), problem)),
        name,
    )
    .await
    {
        Ok(resp) => Ok(resp),
        Err(e) => form_error(e, |m| pages::token_entry(TokenKind::Invite, Some(m))),
    }
}

/// The acceptance form's input an error is about.
fn invite_field(e: &ApiError) -> Option<&'static str> {
    match e {
        ApiError::Validation(m) if m.starts_with("name") => Some("name"),
        ApiError::Validation(m) if m.contains("not the same") => Some("password_confirm"),
        ApiError::Validation(m) if m.contains("password") => Some("password"),
        ApiError::PasswordPolicy(_) => Some("password"),
        _ => None,
    }
}
