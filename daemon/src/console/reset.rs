//! Forgotten passwords: ask for a reset mail, follow its link, set a new password.

use super::guard::Form;
use super::pages::{self, TokenKind};
use super::{PageResult, TokenForm, field_error, form_error, nonempty, ok};
use crate::error::ApiError;
use crate::extract::ClientMeta;
use crate::service;
use crate::state::AppState;
use axum::extract::State;
use serde::Deserialize;
use wt_api::ResetPasswordRequest;

pub(super) async fn forgot_page() -> PageResult {
    ok(pages::forgot(None, "", false))
}

#[derive(Debug, Deserialize)]
pub(super) struct EmailForm {
    email: String,
}

pub(super) async fn forgot(
    State(state): State<AppState>,
    meta: ClientMeta,
    Form(f): Form<EmailForm>,
) -> PageResult {
    match service::passwords::forgot(&state, &meta, &f.email).await {
        Ok(()) => ok(pages::forgot(None, "", true)),
        Err(e) => field_error(
            e,
            |e| matches!(e, ApiError::Validation(_)).then_some("email"),
            |p| pages::forgot(Some(p), &f.email, false),
        ),
    }
}

pub(super) async fn reset_page() -> PageResult {
    ok(pages::token_entry(TokenKind::Reset, None))
}

pub(super) async fn reset_verify(
    State(state): State<AppState>,
    meta: ClientMeta,
    Form(f): Form<TokenForm>,
) -> PageResult {
    reset_form(&state, &meta, f.token.trim(), None).await
}

/// The new-password form for a live reset token (verifying does not consume it, D.30).
pub(super) async fn reset_form(
    state: &AppState,
    meta: &ClientMeta,
    token: &str,
    error: Option<(ApiError, Option<&'static str>)>,
) -> PageResult {
    let v = match service::passwords::reset_verify(state, meta, token).await {
        Ok(v) => v,
        Err(e) => return form_error(e, |m| pages::token_entry(TokenKind::Reset, Some(m))),
    };
    let view = pages::ResetView {
        token,
        email_hint: &v.email_hint,
        mfa_required: v.mfa_required,
    };
    match error {
        None => ok(pages::reset_form(None, &view)),
        Some((e, at)) => field_error(e, |_| at, |p| pages::reset_form(Some(p), &view)),
    }
}

/// The reset form's input an error is about; `second` is the factor that was sent.
fn reset_field(e: &ApiError, second: &'static str) -> Option<&'static str> {
    match e {
        ApiError::PasswordPolicy(_) => Some("new_password"),
        ApiError::Validation(m) if m.contains("password") => Some("new_password"),
        ApiError::InvalidCode | ApiError::MfaCodeRequired | ApiError::Validation(_) => Some(second),
        _ => None,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ResetForm {
    token: String,
    new_password: String,
    new_password_confirm: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    recovery_code: String,
}

pub(super) async fn reset_complete(
    State(state): State<AppState>,
    meta: ClientMeta,
    Form(f): Form<ResetForm>,
) -> PageResult {
    let token = f.token.trim().to_string();
    if f.new_password != f.new_password_confirm {
        let e = ApiError::Validation("the two passwords are not the same".into());
        return reset_form(
            &state,
            &meta,
            &token,
            Some((e, Some("new_password_confirm"))),
        )
        .await;
    }
    let second = if f.code.trim().is_empty() && !f.recovery_code.trim().is_empty() {
        "recovery_code"
    } else {
        "code"
    };
    let req = ResetPasswordRequest {
        token: token.clone(),
        new_password: f.new_password,
        code: nonempty(f.code),
        recovery_code: nonempty(f.recovery_code),
    };
    match service::passwords::reset(&state, &meta, req).await {
        Ok(()) => ok(pages::message(
            "Password changed",
            "Your new password is set and every session of your account has ended.",
            ("/login", "Sign in"),
            None,
        )),
        Err(e) => {
            let at = reset_field(&e, second);
            reset_form(&state, &meta, &token, Some((e, at))).await
        }
    }
}
