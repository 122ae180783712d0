//! The console's session cookie: the one place that writes it and reads it back.

use crate::error::ApiError;
use crate::service::sessions::IssuedSession;
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue, header};
use wt_api::SESSION_COOKIE;

/// The console cookie (SECURITY.md B.10): `__Host-` prefix, Secure, HttpOnly,
/// SameSite=Strict, Path=/, no Domain.
fn set_cookie(value: &str, max_age: i64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; Secure; HttpOnly; SameSite=Strict"
    ))
    .ok()
}

/// The cookie that carries a console session just issued; refused where browsers would
/// not keep a `Secure` cookie (plain HTTP off loopback).
pub fn for_session(state: &AppState, issued: &IssuedSession) -> Result<HeaderValue, ApiError> {
    if !state.settings.cookies_allowed {
        return Err(ApiError::Validation(
            "console sessions need HTTPS: serve with --tls-cert/--tls-key or on loopback".into(),
        ));
    }
    let max_age = issued.session.expires_at - issued.session.created_at;
    set_cookie(issued.token.expose(), max_age)
        .ok_or_else(|| ApiError::Internal("cookie encoding".into()))
}

/// The header that makes the browser forget its session cookie.
pub fn cleared() -> Option<HeaderValue> {
    set_cookie("", 0)
}

/// The value of the `__Host-wt_session` cookie, if sent.
pub fn presented(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_string())
}
