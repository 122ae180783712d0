//! The web console: server-rendered pages for the links in invitation and reset mails,
//! login, and the Security tab (MFA, recovery codes, password, sessions).
//!
//! Handlers are as thin as the API's: read the form, call the same `service` functions
//! the JSON API calls, render a page (`pages`). Plain HTML forms, no JavaScript except
//! `console.js`, which moves an emailed token from the URL fragment into a form post.
//! `guard` holds the browser-security rules: CSP and related headers, CSRF checks on every
//! form post (same origin, plus a per-session token on signed-in forms), the session
//! cookie, and error pages.

mod guard;
pub mod pages;

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Via, authenticate_presented};
use crate::routes::auth::console_cookie;
use crate::service;
use crate::service::auth::LoginOutcome;
use crate::service::sessions::IssuedSession;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guard::{ConsoleError, Form, Signed, check_csrf, csrf_token, page, signed_in};
use pages::{TokenKind, Viewer};
use serde::Deserialize;
use wt_api::{
    ChangePasswordRequest, ClientKind, InviteAcceptRequest, LoginRequest, MfaStepUpRequest,
    MfaVerifyRequest, ResetPasswordRequest, TotpEnrollResponse,
};
use wt_core::clock::rfc3339;

pub use guard::CSP;

const CSS: &str = include_str!("../../assets/console.css");
const JS: &str = include_str!("../../assets/console.js");

/// The console's routes, each answered with HTML and the headers of [`guard::protect`].
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/security") }))
        .route(
            "/console.css",
            get(|| asset("text/css; charset=utf-8", CSS)),
        )
        .route(
            "/console.js",
            get(|| asset("text/javascript; charset=utf-8", JS)),
        )
        .route("/login", get(login_page).post(login))
        .route("/login/mfa", post(login_mfa))
        .route("/logout", post(logout))
        .route("/forgot", get(forgot_page).post(forgot))
        .route("/invite", get(invite_page).post(invite_verify))
        .route("/invite/accept", post(invite_accept))
        .route("/reset", get(reset_page).post(reset_verify))
        .route("/reset/complete", post(reset_complete))
        .route("/security", get(security))
        .route("/security/mfa/enroll", post(mfa_enroll))
        .route("/security/mfa/confirm", post(mfa_confirm))
        .route("/security/mfa/disable", post(mfa_disable))
        .route("/security/mfa/recovery-codes", post(recovery_codes))
        .route("/security/password", post(change_password))
        .route("/security/sessions/{id}/revoke", post(revoke_session))
        .layer(axum::middleware::from_fn_with_state(state, guard::protect))
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

type PageResult = Result<Response, ConsoleError>;

fn ok(markup: maud::Markup) -> PageResult {
    Ok(page(StatusCode::OK, markup))
}

/// An error shown on the form it came from (with the error's status); a lapsed sign-in
/// goes to the login page instead.
fn form_error(e: ApiError, render: impl FnOnce(&str) -> maud::Markup) -> PageResult {
    if matches!(e, ApiError::Unauthenticated) {
        return Err(ConsoleError(e));
    }
    Ok(page(e.status(), render(&guard::message(&e))))
}

/// Signs the browser in: the session cookie, then on to `location`.
fn with_session(state: &AppState, issued: &IssuedSession, location: &str) -> PageResult {
    let mut resp = Redirect::to(location).into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, console_cookie(state, issued)?);
    Ok(resp)
}

fn nonempty(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

// ---- login, logout, forgot -------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    org: String,
}

async fn login_page(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
) -> PageResult {
    if signed_in(&state, &headers, &meta).await?.is_some() {
        return Ok(Redirect::to("/security").into_response());
    }
    ok(pages::login(None, "", false))
}

async fn login(
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
        Ok(LoginOutcome::Challenge(ch)) => ok(pages::login_mfa(None, ch.expose())),
        Err(e) => {
            let ask_org = matches!(e, ApiError::OrgRequired(_));
            form_error(e, |m| pages::login(Some(m), &f.email, ask_org))
        }
    }
}

#[derive(Debug, Deserialize)]
struct MfaForm {
    challenge: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    recovery_code: String,
}

async fn login_mfa(
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
        Err(e) => form_error(e, |m| pages::login_mfa(Some(m), &f.challenge)),
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    service::sessions::logout(&state, &auth, &meta).await?;
    let mut resp = Redirect::to("/login").into_response();
    if let Some(c) = crate::routes::auth::cleared_cookie() {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}

async fn forgot_page() -> PageResult {
    ok(pages::forgot(None, false))
}

#[derive(Debug, Deserialize)]
struct EmailForm {
    email: String,
}

async fn forgot(
    State(state): State<AppState>,
    meta: ClientMeta,
    Form(f): Form<EmailForm>,
) -> PageResult {
    match service::passwords::forgot(&state, &meta, &f.email).await {
        Ok(()) => ok(pages::forgot(None, true)),
        Err(e) => form_error(e, |m| pages::forgot(Some(m), false)),
    }
}

// ---- invitation -------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct TokenForm {
    token: String,
}

async fn invite_page() -> PageResult {
    ok(pages::token_entry(TokenKind::Invite, None))
}

async fn invite_verify(
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
async fn invite_form(
    state: &AppState,
    meta: &ClientMeta,
    headers: &HeaderMap,
    token: &str,
    error: Option<(StatusCode, &str)>,
    name: &str,
) -> Result<Response, ApiError> {
    let (invite, org) = service::invites::pending_invite(state, meta, token).await?;
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
struct AcceptForm {
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

async fn invite_accept(
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
    let (user, org, _role) = match service::invites::invite_accept(&state, &meta, caller, req).await
    {
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
    resp.headers_mut()
        .insert(header::SET_COOKIE, console_cookie(&state, &issued)?);
    Ok(resp)
}

/// After a failed acceptance: the form again with the reason, or, when the token itself
/// is no good (any more), the token page with it.
async fn invite_form_or_entry(
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
    let msg = guard::message(&e);
    match invite_form(state, meta, headers, token, Some((e.status(), &msg)), name).await {
        Ok(resp) => Ok(resp),
        Err(e) => form_error(e, |m| pages::token_entry(TokenKind::Invite, Some(m))),
    }
}

// ---- password reset ---------------------------------------------------------------------

async fn reset_page() -> PageResult {
    ok(pages::token_entry(TokenKind::Reset, None))
}

async fn reset_verify(
    State(state): State<AppState>,
    meta: ClientMeta,
    Form(f): Form<TokenForm>,
) -> PageResult {
    reset_form(&state, &meta, f.token.trim(), None).await
}

/// The new-password form for a live reset token (verifying does not consume it, D.30).
async fn reset_form(
    state: &AppState,
    meta: &ClientMeta,
    token: &str,
    error: Option<ApiError>,
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
        Some(e) => form_error(e, |m| pages::reset_form(Some(m), &view)),
    }
}

#[derive(Debug, Deserialize)]
struct ResetForm {
    token: String,
    new_password: String,
    new_password_confirm: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    recovery_code: String,
}

async fn reset_complete(
    State(state): State<AppState>,
    meta: ClientMeta,
    Form(f): Form<ResetForm>,
) -> PageResult {
    let token = f.token.trim().to_string();
    if f.new_password != f.new_password_confirm {
        let e = ApiError::Validation("the two passwords are not the same".into());
        return reset_form(&state, &meta, &token, Some(e)).await;
    }
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
        Err(e) => reset_form(&state, &meta, &token, Some(e)).await,
    }
}

// ---- the Security tab -------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct SecurityQuery {
    #[serde(default)]
    done: Option<String>,
}

/// Fixed messages for `?done=` (never text from the URL itself).
fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "password" => Some("Your password is changed; your other sessions have ended."),
        "mfa-off" => Some("Two-factor authentication is off."),
        "session" => Some("The session is revoked."),
        _ => None,
    }
}

async fn security(
    State(state): State<AppState>,
    Signed(auth): Signed,
    crate::extract::Query(q): crate::extract::Query<SecurityQuery>,
) -> PageResult {
    security_page(&state, &auth, notice(q.done.as_deref()), None).await
}

/// The Security tab, with a notice or an error (and its status) above it.
async fn security_page(
    state: &AppState,
    auth: &Auth,
    notice: Option<&str>,
    error: Option<ApiError>,
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
                device: device_label(s.user_agent.as_deref()),
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
    let role = auth.role.to_string();
    let msg = error.as_ref().map(guard::message);
    let view = pages::SecurityView {
        viewer: viewer(auth, &csrf),
        name: &auth.user.name,
        role: &role,
        mfa_enabled: status.enabled,
        mfa_required: auth.mfa_enrollment_required,
        restricted: auth.mfa_restricted,
        recovery_codes_remaining: status.recovery_codes_remaining,
        sessions,
        notice,
        error: msg.as_deref(),
    };
    let code = error.as_ref().map_or(StatusCode::OK, ApiError::status);
    Ok(page(code, pages::security(&view)))
}

fn viewer<'a>(auth: &'a Auth, csrf: &'a str) -> Viewer<'a> {
    Viewer {
        email: &auth.user.email,
        org: &auth.org.name,
        csrf,
    }
}

/// The Security tab again with `e` shown, unless the sign-in itself has lapsed.
async fn security_error(state: &AppState, auth: &Auth, e: ApiError) -> PageResult {
    if matches!(e, ApiError::Unauthenticated) {
        return Err(ConsoleError(e));
    }
    security_page(state, auth, None, Some(e)).await
}

/// The enrollment page: the QR code (inline SVG, drawn here: the secret never leaves the
/// server for a QR service), the secret for manual entry, and the confirming form.
fn enroll_page(state: &AppState, auth: &Auth, e: &TotpEnrollResponse) -> PageResult {
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

async fn mfa_enroll(
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
struct CodeForm {
    csrf: String,
    code: String,
}

async fn mfa_confirm(
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
            let msg = guard::message(&e);
            Ok(page(
                e.status(),
                pages::confirm_code(&viewer(&auth, &csrf), &msg),
            ))
        }
    }
}

#[derive(Debug, Deserialize)]
struct StepUpForm {
    csrf: String,
    password: String,
    code: String,
}

impl StepUpForm {
    /// The password and code the service checks (the CSRF token is checked before).
    fn request(self) -> MfaStepUpRequest {
        MfaStepUpRequest {
            password: self.password,
            code: self.code.trim().to_string(),
        }
    }
}

async fn mfa_disable(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<StepUpForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let req = f.request();
    match service::mfa::disable(&state, &auth, &meta, req).await {
        Ok(()) => Ok(Redirect::to("/security?done=mfa-off").into_response()),
        Err(e) => security_error(&state, &auth, e).await,
    }
}

async fn recovery_codes(
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
        Err(e) => security_error(&state, &auth, e).await,
    }
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
    new_password_confirm: String,
    #[serde(default)]
    code: String,
}

async fn change_password(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    if f.new_password != f.new_password_confirm {
        let e = ApiError::Validation("the two new passwords are not the same".into());
        return security_error(&state, &auth, e).await;
    }
    let req = ChangePasswordRequest {
        current_password: f.current_password,
        new_password: f.new_password,
        code: nonempty(f.code),
    };
    match service::passwords::change(&state, &auth, &meta, req).await {
        Ok(()) => Ok(Redirect::to("/security?done=password").into_response()),
        Err(e) => security_error(&state, &auth, e).await,
    }
}

async fn revoke_session(
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

/// A short, readable name for a session's user agent ("Chrome on Linux", "wt CLI").
fn device_label(ua: Option<&str>) -> String {
    let Some(ua) = ua else {
        return "Unknown device".into();
    };
    if ua.starts_with("wt/") {
        return "wt CLI".into();
    }
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    let os = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} on {o}"),
        (Some(b), None) => b.to_string(),
        _ => ua.chars().take(40).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_labels() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36";
        assert_eq!(device_label(Some(chrome)), "Chrome on Linux");
        assert_eq!(device_label(Some("wt/0.1.0")), "wt CLI");
        assert_eq!(device_label(None), "Unknown device");
        assert_eq!(device_label(Some("x".repeat(100).as_str())).len(), 40);
    }

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
