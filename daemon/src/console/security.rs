//! The Security tab: MFA enrollment and removal, recovery codes, password change and
//! the member's sessions.

use super::csrf::{check_csrf, csrf_token};
use super::guard::{ConsoleError, Form, Signed, page};
use super::pages::{self, Tab, Viewer};
use super::{CsrfForm, PageResult, nonempty, ok};
use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::service;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use wt_api::{ChangePasswordRequest, ClientKind, MfaStepUpRequest, TotpEnrollResponse};
use wt_core::clock::rfc3339;

#[derive(Debug, Deserialize)]
pub(super) struct SecurityQuery {
    #[serde(default)]
    done: Option<String>,
}

/// Fixed messages for `?done=` (never text from the URL itself).
fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "password" => Some("Your password is changed; your other sessions have ended."),
        "mfa-off" => Some("Two-factor authentication is off."),
        "session" => Some("The session is revoked."),
        "others" => Some("Your other sessions are signed out; this browser stays signed in."),
        "passkey-added" => Some("The passkey is added."),
        "passkey-renamed" => Some("The passkey is renamed."),
        "passkey-removed" => Some("The passkey is removed."),
        "stepped-up" => Some("Confirmed: changes here need no password for the next 10 minutes."),
        _ => None,
    }
}

pub(super) async fn security(
    State(state): State<AppState>,
    Signed(auth): Signed,
    crate::extract::Query(q): crate::extract::Query<SecurityQuery>,
) -> PageResult {
    security_page(&state, &auth, notice(q.done.as_deref()), None, None).await
}

/// Which form of the Security tab failed, and the input (its id) the error is about.
pub(super) type Failed = (pages::SecurityForm, Option<&'static str>);

/// The Security tab, with a notice or an error (and its status) above it; the section
/// of the form that `failed` stays open, its error next to the input.
pub(super) async fn security_page(
    state: &AppState,
    auth: &Auth,
    notice: Option<&str>,
    error: Option<ApiError>,
    failed: Option<Failed>,
) -> PageResult {
    let status = service::mfa::status(state, auth).await?;
    let sessions = if auth.mfa_restricted {
        Vec::new()
    } else {
        state
            .store
            .list_sessions(&auth.org.id, &auth.user.id, state.now())
            .await?
            .into_iter()
            .map(|s| pages::SessionRow {
                current: s.id == auth.session.id,
                device: wt_core::sessions::agent_family(s.user_agent.as_deref()),
                client: match s.client {
                    ClientKind::Cli => "cli".into(),
                    ClientKind::Console => "browser".into(),
                },
                ip: s.last_ip.or(s.ip).unwrap_or_else(|| "-".into()),
                last_seen: rfc3339(s.last_seen_at),
                id: s.id,
            })
            .collect()
    };
    let csrf = csrf_token(state, &auth.session.id);
    let passkeys = super::passkeys::section(state, auth, &csrf).await?;
    let role = auth.role.to_string();
    let msg = error.as_ref().map(super::guard::message);
    let view = pages::SecurityView {
        viewer: viewer(auth, &csrf),
        name: &auth.user.name,
        role: &role,
        // On with passkeys alone too (the status is the authenticator app's).
        mfa_enabled: status.enabled || auth.user.mfa_enabled,
        totp: state.store.second_factors(&auth.user.id).await?.totp,
        mfa_required: auth.mfa_enrollment_required,
        restricted: auth.mfa_restricted,
        recovery_codes_remaining: status.recovery_codes_remaining,
        sessions,
        passkeys,
        notice,
        error: msg.as_deref(),
        failed: failed.map(|(form, _)| form),
        field: failed.and_then(|(_, field)| field),
    };
    let code = error.as_ref().map_or(StatusCode::OK, ApiError::status);
    Ok(page(code, pages::security(&view)))
}

fn viewer<'a>(auth: &'a Auth, csrf: &'a str) -> Viewer<'a> {
    super::viewer(auth, csrf, Some(Tab::Security))
}

/// The Security tab again with `e` shown, unless the sign-in itself has lapsed.
pub(super) async fn security_error(state: &AppState, auth: &Auth, e: ApiError) -> PageResult {
    if matches!(e, ApiError::Unauthenticated) {
        return Err(ConsoleError(e));
    }
    security_page(state, auth, None, Some(e), None).await
}

/// [`security_error`] for a failed post of `form`: its section open, the error next to
/// the input it is about (by [`step_up_field`] and friends). Nothing typed is shown again:
/// every field of these forms is a secret.
pub(super) async fn security_form_error(
    state: &AppState,
    auth: &Auth,
    e: ApiError,
    form: pages::SecurityForm,
    field: Option<&'static str>,
) -> PageResult {
    if matches!(e, ApiError::Unauthenticated) {
        return Err(ConsoleError(e));
    }
    security_page(state, auth, None, Some(e), Some((form, field))).await
}

/// The input of a step-up form (`<prefix>_password`, `<prefix>_code`) an error is about.
fn step_up_field(e: &ApiError, password: &'static str, code: &'static str) -> Option<&'static str> {
    match e {
        ApiError::InvalidCredentials => Some(password),
        ApiError::Validation(m) if m.contains("password") => Some(password),
        ApiError::InvalidCode | ApiError::MfaCodeRequired | ApiError::Validation(_) => Some(code),
        _ => None,
    }
}

/// The enrollment page: the QR code (inline SVG, drawn here: the secret never leaves the
/// server for a QR service), the secret for manual entry, and the confirming form.
pub(super) fn enroll_page(state: &AppState, auth: &Auth, e: &TotpEnrollResponse) -> PageResult {
    let csrf = csrf_token(state, &auth.session.id);
    let svg = qr_svg(&e.otpauth_uri)?;
    ok(pages::enroll(&pages::EnrollView {
        viewer: viewer(auth, &csrf),
        secret: &e.secret,
        otpauth_uri: &e.otpauth_uri,
        qr_svg: &svg,
        expires_at: &e.expires_at,
    }))
}

/// `data` as an SVG QR code (without the XML declaration, for inline use).
fn qr_svg(data: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::new(data.as_bytes())
        .map_err(|e| ApiError::Internal(format!("QR encoding: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build();
    Ok(svg
        .find("<svg")
        .map_or(svg.as_str(), |i| &svg[i..])
        .to_string())
}

pub(super) async fn mfa_enroll(
    State(state): State<AppState>,
    Signed(auth): Signed,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    match service::mfa::enroll(&state, &auth).await {
        Ok(e) => enroll_page(&state, &auth, &e),
        Err(e) => security_error(&state, &auth, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct CodeForm {
    csrf: String,
    code: String,
}

pub(super) async fn mfa_confirm(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<CodeForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let csrf = csrf_token(&state, &auth.session.id);
    match service::mfa::confirm(&state, &auth, &meta, f.code.trim()).await {
        Ok(codes) => ok(pages::recovery_codes(&viewer(&auth, &csrf), &codes, true)),
        // A wrong code: ask for the code again while the enrollment lasts (the app has the
        // secret already). The secret is never shown twice: another session of the same
        // member could otherwise read it with a wrong code.
        Err(e) => {
            let pending = service::mfa::status(&state, &auth)
                .await?
                .pending_expires_at
                .is_some();
            if !pending {
                return security_error(&state, &auth, e).await;
            }
            let msg = super::guard::message(&e);
            Ok(page(
                e.status(),
                pages::confirm_code(&viewer(&auth, &csrf), &msg),
            ))
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct StepUpForm {
    csrf: String,
    password: String,
    code: String,
}

impl StepUpForm {
    /// The password and code the service checks (the CSRF token is checked before).
    fn request(self) -> MfaStepUpRequest {
        MfaStepUpRequest {
            passkey: None,
            password: self.password,
            code: self.code.trim().to_string(),
        }
    }
}

pub(super) async fn mfa_disable(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<StepUpForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let req = f.request();
    match service::mfa::disable(&state, &auth, &meta, req).await {
        Ok(()) => Ok(Redirect::to("/security?done=mfa-off").into_response()),
        Err(e) => {
            let at = step_up_field(&e, "disable_password", "disable_code");
            security_form_error(&state, &auth, e, pages::SecurityForm::DisableMfa, at).await
        }
    }
}

pub(super) async fn recovery_codes(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<StepUpForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let req = f.request();
    let csrf = csrf_token(&state, &auth.session.id);
    match service::mfa::regenerate_recovery_codes(&state, &auth, &meta, req).await {
        Ok(codes) => ok(pages::recovery_codes(&viewer(&auth, &csrf), &codes, false)),
        Err(e) => {
            let at = step_up_field(&e, "recovery_password", "recovery_code");
            security_form_error(&state, &auth, e, pages::SecurityForm::RecoveryCodes, at).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
    new_password_confirm: String,
    #[serde(default)]
    code: String,
}

pub(super) async fn change_password(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let form = pages::SecurityForm::Password;
    if f.new_password != f.new_password_confirm {
        let e = ApiError::Validation("the two new passwords are not the same".into());
        return security_form_error(&state, &auth, e, form, Some("new_password_confirm")).await;
    }
    let req = ChangePasswordRequest {
        current_password: f.current_password,
        new_password: f.new_password,
        code: nonempty(f.code),
    };
    match service::passwords::change(&state, &auth, &meta, req).await {
        Ok(()) => Ok(Redirect::to("/security?done=password").into_response()),
        // The person is signed in: "invalid email or password" would point at the wrong
        // field. (The API keeps its uniform answer.)
        Err(ApiError::InvalidCredentials) => {
            let e = ApiError::Validation(
                "your current password is not right: type the password you signed in with".into(),
            );
            security_form_error(&state, &auth, e, form, Some("current_password")).await
        }
        Err(e) => {
            let at = match &e {
                ApiError::PasswordPolicy(_) => Some("new_password"),
                ApiError::Validation(m) if m.contains("password") => Some("new_password"),
                ApiError::InvalidCode | ApiError::MfaCodeRequired => Some("password_code"),
                _ => None,
            };
            security_form_error(&state, &auth, e, form, at).await
        }
    }
}

/// "Sign out all other sessions": every other session of the member's in this org ends;
/// this one stays.
pub(super) async fn revoke_other_sessions(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    match service::sessions::revoke_other_sessions(&state, &auth, &meta).await {
        Ok(_) => Ok(Redirect::to("/security?done=others").into_response()),
        Err(e) => {
            let form = pages::SecurityForm::Sessions;
            security_form_error(&state, &auth, e, form, Some("revoke-others")).await
        }
    }
}

pub(super) async fn revoke_session(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    match service::sessions::revoke_own_session(&state, &auth, &meta, &id).await {
        Ok(()) => Ok(Redirect::to("/security?done=session").into_response()),
        Err(e) => security_error(&state, &auth, e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_fixed_text() {
        assert_eq!(notice(Some("<b>hi</b>")), None);
        assert!(notice(Some("password")).is_some());
    }

    #[test]
    fn qr_is_inline_svg() {
        let svg = qr_svg("otpauth://totp/WatchTower:a%40b.test?secret=ABC").unwrap_or_default();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.ends_with("</svg>"));
    }
}
