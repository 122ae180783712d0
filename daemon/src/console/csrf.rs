//! Cross-site request forgery: every form post must come from this server's own pages,
//! and a signed-in form must carry its session's token.

use crate::error::ApiError;
use crate::extract::Auth;
use crate::middleware::check_same_origin;
use crate::state::AppState;
use axum::http::{HeaderMap, header};

/// A form post must come from one of our pages: the browser says so with
/// `Sec-Fetch-Site: same-origin` or an `Origin` of this server (every current browser
/// sends at least one of them on a POST), and it is a form, not a cross-site JSON or
/// multipart request.
///
/// Our pages send `Referrer-Policy: no-referrer`, under which browsers send `Origin: null`
/// on their form posts: then `Sec-Fetch-Site` alone decides; a real `Origin` must still
/// be ours.
pub(super) fn check_form_post(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let site = headers
        .get("sec-fetch-site")
        .map(|v| v.to_str().unwrap_or_default());
    if site.is_some_and(|s| s != "same-origin") {
        return Err(ApiError::Csrf("cross-site form posts are not accepted"));
    }
    let origin = headers
        .get(header::ORIGIN)
        .map(|v| v.to_str().unwrap_or_default())
        .filter(|o| *o != "null");
    if site.is_none() && origin.is_none() {
        return Err(ApiError::Csrf(
            "a form post must come from this server's pages (no Origin or Sec-Fetch-Site header)",
        ));
    }
    if origin.is_some() {
        check_same_origin(state, headers)?;
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(ApiError::UnsupportedMediaType);
    }
    Ok(())
}

/// The CSRF token of a session's forms: a MAC of the session id under a key derived from
/// the master key. Stable for the session, useless for any other one, and unknowable to
/// another site.
pub fn csrf_token(state: &AppState, session_id: &str) -> String {
    hex::encode(
        &state
            .master_key
            .derive(&format!("console-csrf:{session_id}"))[..16],
    )
}

/// Refuses a form whose CSRF token is not this session's.
pub fn check_csrf(state: &AppState, auth: &Auth, presented: &str) -> Result<(), ApiError> {
    let want = csrf_token(state, &auth.session.id);
    if wt_core::token::ct_eq(want.as_bytes(), presented.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::Csrf(
            "this form is stale or did not come from this page: reload it and try again",
        ))
    }
}
