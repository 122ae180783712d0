//! Cross-cutting request handling: CSRF rules for cookie requests, timeouts, metrics and
//! logs, and response headers.

use crate::error::ApiError;
use crate::extract::{Via, is_json_content_type, presented_token};
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::{Duration, Instant};

/// True for methods that may change state.
fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The origin a browser on our own pages sends: the configured public URL, else the
/// scheme and `Host` of this request.
fn expected_origin(state: &AppState, headers: &HeaderMap) -> Option<String> {
    if let Some(u) = &state.settings.public_url {
        return Some(u.clone());
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let scheme = if state.settings.tls { "https" } else { "http" };
    Some(format!("{scheme}://{host}"))
}

/// Refuses a state-changing browser request that comes from another site (SECURITY.md
/// B.18): `Sec-Fetch-Site` other than `same-origin`/`none`, or an `Origin` that is not
/// ours. Used for every cookie-authenticated request and for console login.
pub fn check_same_origin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(ApiError::Csrf("cross-site requests are not accepted"));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let ok = origin
            .to_str()
            .ok()
            .zip(expected_origin(state, headers))
            .is_some_and(|(got, want)| got.eq_ignore_ascii_case(&want));
        if !ok {
            return Err(ApiError::Csrf("the request's Origin is not this server"));
        }
    }
    Ok(())
}

/// CSRF rules for cookie-authenticated, state-changing requests: same origin, and a JSON
/// content type whenever a content type is sent (HTML forms cannot send JSON).
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cookie_auth = matches!(presented_token(req.headers()), Some((_, Via::Cookie)));
    if cookie_auth && is_unsafe(req.method()) {
        if let Err(e) = check_same_origin(&state, req.headers()) {
            return e.into_response();
        }
        if req.headers().contains_key(header::CONTENT_TYPE) && !is_json_content_type(req.headers())
        {
            return ApiError::UnsupportedMediaType.into_response();
        }
    }
    next.run(req).await
}

/// The ingest route (see [`observe`] and `app::router`).
pub const INGEST_ROUTE: &str = "/api/v1/ingest/events";

/// Bounds every request in time, counts it, logs it (method, route template, status,
/// latency: never the path's ids, a query string or a header value) and sets the
/// response headers every answer carries.
pub async fn observe(
    State(state): State<AppState>,
    timeout: axum::Extension<RequestTimeout>,
    req: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    // Event streams live as long as the client listens (they end on shutdown instead).
    let streaming = route.ends_with("/stream");
    let mut resp = if streaming {
        next.run(req).await
    } else {
        match tokio::time::timeout(timeout.0.0, next.run(req)).await {
            Ok(r) => r,
            Err(_) => ApiError::Timeout.into_response(),
        }
    };
    let status = resp.status().as_u16();
    let elapsed = start.elapsed();
    state
        .metrics
        .requests
        .get_or_create(&crate::metrics::RequestLabels {
            method: method.to_string(),
            route: route.clone(),
            status,
        })
        .inc();
    state
        .metrics
        .latency
        .get_or_create(&crate::metrics::RouteLabels {
            route: route.clone(),
        })
        .observe(elapsed.as_secs_f64());
    // Accepted ingestion is the hot path: counted in metrics, logged only at debug level
    // (one log line per event batch would dominate its cost). Everything else, and every
    // refused ingestion, is logged at info.
    if status < 400 && route == INGEST_ROUTE {
        tracing::debug!(%method, %route, status, latency_ms = elapsed.as_millis() as u64, "request");
    } else {
        tracing::info!(%method, %route, status, latency_ms = elapsed.as_millis() as u64, "request");
    }

    let h = resp.headers_mut();
    // API answers may carry secrets or set cookies: never cache them (SECURITY.md B.17).
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

/// The configured request timeout, as a request extension for [`observe`].
#[derive(Debug, Clone, Copy)]
pub struct RequestTimeout(pub Duration);
