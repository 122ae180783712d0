//! The web console: server-rendered pages for the links in invitation and reset mails,
//! login, the Security tab (MFA, recovery codes, password, sessions), and for those whose
//! role allows it the Members, Invites, Ingestion keys, Allowed IPs, Readiness and Audit
//! log tabs; unknown paths get an HTML 404 page.
//!
//! Handlers are as thin as the API's: read the form, call the same `service` functions
//! the JSON API calls, render a page ([`pages`]). Plain HTML forms, no JavaScript except
//! `console.js`, which moves an emailed token from the URL fragment into a form post,
//! filters long tables and follows the audit log live.
//!
//! One file per browser flow: `login` (sign in, the MFA step, sign out), `invite` (the
//! invitation link), `reset` (forgotten password), `security` (the Security tab),
//! `passkeys` (its Passkeys section, and a passkey as the second login step),
//! `device` (approving or denying a `wt login --web`),
//! `passwordless` (signing in with a passkey alone, from the login page),
//! `members` (the Members tab), `invites` (the Invites tab: an admin's side), `keys`
//! (the Ingestion keys tab: usage charts, create, rotate with a grace period, revoke),
//! `allowed_ips` (the Allowed IPs tab, each edit after its dry run), `readiness` (the
//! checklist of `wt check`), `audit` (the Audit log tab: filters, activity chart, live
//! view, reviews, the chain check). Beside
//! them, the browser-security rules: `guard` (headers of every page, the signed-in
//! session, errors as pages), `csrf` (same-origin form posts and per-session tokens) and
//! [`cookies`] (the session cookie, written and read in one place).

mod allowed_ips;
mod audit;
pub mod cookies;
mod csrf;
mod device;
mod guard;
mod invite;
mod invites;
mod keys;
mod login;
mod members;
pub mod pages;
mod passkeys;
mod passwordless;
mod readiness;
mod reset;
mod security;

use crate::error::ApiError;
use crate::extract::Auth;
use crate::service::sessions::IssuedSession;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guard::{ConsoleError, page};
use pages::{Tab, Viewer};
use serde::Deserialize;
use wt_core::permissions::Permission;

pub use guard::CSP;

const CSS: &str = include_str!("../../assets/console.css");
const JS: &str = include_str!("../../assets/console.js");
const FAVICON: &str = include_str!("../../assets/favicon.svg");

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
        .route("/favicon.svg", get(favicon))
        .route("/login", get(login::login_page).post(login::login))
        .route("/login/mfa", post(login::login_mfa))
        .route("/login/passkey", post(passkeys::login_page))
        .route("/login/passkey/finish", post(passkeys::login_finish))
        .route("/login/passkey/start", post(passwordless::start))
        .route("/login/passkey/signin", post(passwordless::finish))
        .route("/logout", post(login::logout))
        .route("/device", get(device::entry_page).post(device::lookup))
        .route("/device/approve", post(device::approve))
        .route("/device/passkey", post(device::passkey_page))
        .route("/device/passkey/finish", post(device::passkey_finish))
        .route("/device/deny", post(device::deny))
        .route("/forgot", get(reset::forgot_page).post(reset::forgot))
        .route(
            "/invite",
            get(invite::invite_page).post(invite::invite_verify),
        )
        .route("/invite/accept", post(invite::invite_accept))
        .route("/reset", get(reset::reset_page).post(reset::reset_verify))
        .route("/reset/complete", post(reset::reset_complete))
        .route("/security", get(security::security))
        .route("/security/mfa/enroll", post(security::mfa_enroll))
        .route("/security/mfa/confirm", post(security::mfa_confirm))
        .route("/security/mfa/disable", post(security::mfa_disable))
        .route(
            "/security/mfa/recovery-codes",
            post(security::recovery_codes),
        )
        .route("/security/passkeys/register", post(passkeys::register))
        .route(
            "/security/passkeys/register/finish",
            post(passkeys::register_finish),
        )
        .route("/security/passkeys/step-up", post(passkeys::step_up_page))
        .route(
            "/security/mfa/recovery-codes/passkey",
            post(passkeys::recovery_codes_page),
        )
        .route(
            "/security/mfa/recovery-codes/passkey/finish",
            post(passkeys::recovery_codes_finish),
        )
        .route(
            "/security/passkeys/step-up/finish",
            post(passkeys::step_up_finish),
        )
        .route("/security/passkeys/{id}/rename", post(passkeys::rename))
        .route("/security/passkeys/{id}/remove", post(passkeys::remove))
        .route("/security/password", post(security::change_password))
        .route(
            "/security/sessions/{id}/revoke",
            post(security::revoke_session),
        )
        .route(
            "/security/sessions/revoke-others",
            post(security::revoke_other_sessions),
        )
        .route("/members", get(members::members))
        .route("/members/{id}", get(members::member))
        .route("/members/{id}/role", post(members::change_role))
        .route("/members/{id}/sessions/end", post(members::end_sessions))
        .route("/members/{id}/mfa/reset", post(members::reset_mfa))
        .route("/members/{id}/remove", post(members::remove))
        .route("/invites", get(invites::invites).post(invites::create))
        .route("/invites/csv", post(invites::create_csv))
        .route("/invites/{id}/resend", post(invites::resend))
        .route("/invites/{id}/revoke", post(invites::revoke))
        .route("/keys", get(keys::keys).post(keys::create))
        .route("/keys/{id}", get(keys::key))
        .route("/keys/{id}/sources", get(keys::sources))
        .route("/keys/{id}/rotate", post(keys::rotate))
        .route("/keys/{id}/revoke", post(keys::revoke))
        .route(
            "/allowed-ips",
            get(allowed_ips::allowed_ips).post(allowed_ips::add),
        )
        .route("/allowed-ips/check", post(allowed_ips::check_add))
        .route("/allowed-ips/{id}/check", post(allowed_ips::check_remove))
        .route("/allowed-ips/{id}/remove", post(allowed_ips::remove))
        .route("/readiness", get(readiness::readiness))
        .route("/audit", get(audit::audit))
        .route("/audit/stream", get(audit::stream))
        .route("/audit/review", post(audit::review))
        .route("/audit/verify", post(audit::verify))
        .layer(axum::middleware::from_fn_with_state(state, guard::protect))
}

/// Answers a path no route serves: the API's JSON problem under the API prefix, an HTML
/// page with the console's headers anywhere else, so a mistyped console address is a
/// page, not JSON.
pub async fn not_found(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path();
    let api = wt_api::API_PREFIX;
    if path == api
        || path
            .strip_prefix(api)
            .is_some_and(|rest| rest.starts_with('/'))
    {
        return ApiError::NotFound.into_response();
    }
    let markup = pages::error_page(
        StatusCode::NOT_FOUND,
        "There is no page at this address: check it, or start again from the console.",
        None,
    );
    guard::with_headers(&state, page(StatusCode::NOT_FOUND, markup))
}

/// The console's icon: a small SVG, the same for every version (a long cache).
async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        FAVICON,
    )
        .into_response()
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

/// [`form_error`] about one input: `field` picks the input's id from the error (or none,
/// for a problem with the whole form).
fn field_error(
    e: ApiError,
    field: impl FnOnce(&ApiError) -> Option<&'static str>,
    render: impl FnOnce(pages::Problem<'_>) -> maud::Markup,
) -> PageResult {
    let at = field(&e);
    form_error(e, |m| {
        render(pages::Problem {
            message: m,
            field: at,
        })
    })
}

/// Where a sign-in goes on to: the page that sent the person to sign in (`next`, only a
/// path of this site: `wt_core::redirect::safe_next`), else the Security tab.
fn after_sign_in(next: &str) -> &str {
    wt_core::redirect::safe_next(next).unwrap_or("/security")
}

/// `next` as a sign-in form carries it on: kept when safe, else dropped.
fn next_of(raw: &str) -> &str {
    wt_core::redirect::safe_next(raw).unwrap_or("")
}

/// The login page that comes back to `next` afterwards (`/login?next=...`).
pub(crate) fn login_link(next: &str, extra: &str) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if !extra.is_empty() {
        q.append_pair("method", extra);
    }
    if !next_of(next).is_empty() {
        q.append_pair("next", next);
    }
    let q = q.finish();
    if q.is_empty() {
        "/login".into()
    } else {
        format!("/login?{q}")
    }
}

/// Signs the browser in: the session cookie, then on to `location`.
fn with_session(state: &AppState, issued: &IssuedSession, location: &str) -> PageResult {
    let mut resp = Redirect::to(location).into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, cookies::for_session(state, issued)?);
    Ok(resp)
}

/// The signed-in member as the page header and navigation show them.
fn viewer<'a>(auth: &'a Auth, csrf: &'a str, current: Option<Tab>) -> Viewer<'a> {
    Viewer {
        email: &auth.user.email,
        org: &auth.org.name,
        csrf,
        members: auth.can(Permission::MembersRead),
        keys: auth.can(Permission::KeysRead),
        allowed_ips: auth.can(Permission::AllowedIpsRead),
        readiness: auth.can(Permission::ReadinessRead),
        audit: auth.can(Permission::AuditRead),
        current,
    }
}

/// A form that carries only an emailed token (invite or reset link).
#[derive(Debug, Deserialize)]
struct TokenForm {
    token: String,
}

/// A signed-in form with nothing but its CSRF token.
#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

fn nonempty(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}
