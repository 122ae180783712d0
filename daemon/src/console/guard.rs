//! What protects the console's pages: the response headers every page carries, the CSRF
//! rules for its form posts, the signed-in session (from the cookie only), and how an
//! error becomes a page.

use super::cookies;
use super::csrf::check_form_post;
use super::pages;
use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Via, authenticate_presented};
use crate::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;

/// Only our own script, stylesheet and forms; no inline script or style, no eval, no
/// framing, no plug-ins (the QR code and the charts are inline SVG markup, not images).
/// `console.js` may connect to this origin only (`connect-src 'self'`: the live parts of
/// a page, a rotated key's "still used from" list and the audit log's event stream).
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                       connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                       base-uri 'none'";

/// Headers of every console answer, and the CSRF rules for every form post.
pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let resp = if req.method() == Method::GET || req.method() == Method::HEAD {
        next.run(req).await
    } else {
        match check_form_post(&state, req.headers()) {
            Ok(()) => next.run(req).await,
            Err(e) => ConsoleError(e).into_response(),
        }
    };
    with_headers(&state, resp)
}

/// The headers of every console page (the pages of [`protect`]'s routes and the 404 page
/// of the router's fallback).
pub fn with_headers(state: &AppState, mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if state.settings.tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    resp
}

/// An `ApiError` shown as a page: a sign-in that is missing or has lapsed goes to the
/// login page; anything else is an error page with the error's status and message.
#[derive(Debug)]
pub struct ConsoleError(pub ApiError);

impl From<ApiError> for ConsoleError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl From<wt_store::StoreError> for ConsoleError {
    fn from(e: wt_store::StoreError) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        if matches!(self.0, ApiError::Unauthenticated) {
            return Redirect::to("/login").into_response();
        }
        let msg = message(&self.0);
        (
            self.0.status(),
            Html(pages::error_page(self.0.status(), &msg, None).into_string()),
        )
            .into_response()
    }
}

/// What the person sees for an error; an internal cause is logged, never shown.
pub fn message(e: &ApiError) -> String {
    if let ApiError::Internal(cause) = e {
        tracing::error!(%cause, "internal error");
    }
    match e {
        ApiError::OrgRequired(orgs) => {
            format!("you belong to several orgs: type the slug of one ({orgs})")
        }
        // The API's wording points at `wt`; in a browser, point at the page instead.
        ApiError::ResetTokenInvalid => "this reset link is invalid, used or expired: ask for a \
                                        new one from the sign-in page (Forgot your password?)"
            .into(),
        ApiError::StepUpRequired => "this change needs a recent sign-in: type your password \
                                     (and a code from your authenticator app) in the form and \
                                     send it again"
            .into(),
        ApiError::MfaEnrollmentRequired => "your role requires two-factor authentication: set \
                                            it up on the Security tab first"
            .into(),
        other => other.to_string(),
    }
}

/// A page with a status.
pub fn page(status: StatusCode, markup: maud::Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// A form body (`application/x-www-form-urlencoded`, within the body limit); anything
/// else is a 400 page, never a panic.
#[derive(Debug)]
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = ConsoleError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|axum::Form(v)| Form(v))
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ConsoleError(ApiError::PayloadTooLarge)
                } else {
                    ConsoleError(ApiError::Malformed(
                        "the form is incomplete or malformed: reload the page and try again".into(),
                    ))
                }
            })
    }
}

/// The member signed in to this browser: the session cookie only (a bearer header means
/// nothing here), a live person's session (never an automation token). Without one the
/// page redirects to the login page.
#[derive(Debug)]
pub struct Signed(pub Auth);

impl FromRequestParts<AppState> for Signed {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let meta = ClientMeta::from_request_parts(parts, state).await?;
        signed_in(state, &parts.headers, &meta)
            .await?
            .map(Signed)
            .ok_or(ConsoleError(ApiError::Unauthenticated))
    }
}

/// The signed-in member, if any. An address outside the allowed-IP list is an error, not
/// "signed out".
pub async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    meta: &ClientMeta,
) -> Result<Option<Auth>, ApiError> {
    let Some(tok) = cookies::presented(headers) else {
        return Ok(None);
    };
    match authenticate_presented(state, &tok, Via::Cookie, meta).await {
        Ok(auth) if auth.via == Via::Cookie => Ok(Some(auth)),
        Ok(_) | Err(ApiError::Unauthenticated) | Err(ApiError::WrongCredential(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
