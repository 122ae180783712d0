//! Cross-cutting request handling: CSRF rules for cookie requests, timeouts, metrics and
//! logs, and response headers.

use crate::error::ApiError;
use crate::extract::{Via, is_json_content_type, presented_token};
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashSet;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::RwLock;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// True for methods that may change state.
fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Paths answered whatever the `Host`: probes (load balancers and orchestrators address
/// them by the pod's or machine's IP). They show no org data. `/metrics` is not among them:
/// a rebinding page in a local browser would reach it as a loopback peer.
const ANY_HOST_PATHS: [&str; 2] = ["/healthz", "/readyz"];

/// The host a request names: its URI's authority (HTTP/2, absolute-form), else `Host`.
fn request_host<B>(req: &axum::http::Request<B>) -> Option<&str> {
    match req.uri().authority() {
        Some(a) => Some(a.as_str()),
        None => req.headers().get(header::HOST)?.to_str().ok(),
    }
}

/// Refuses a request for a host this daemon does not serve (SECURITY.md #63, DNS
/// rebinding) with 421. Runs before everything else, the ingest hot path included
/// (`app::App`); the probe paths are exempt. A request that names no host at all (an
/// HTTP/1.0 client, an in-process call) is served: browsers always send `Host`, so
/// rebinding cannot produce one, and without a `Host` no expected `Origin` is derived
/// from it (cookie requests with an `Origin` are then refused by [`check_same_origin`]).
pub fn check_host<B>(state: &AppState, req: &axum::http::Request<B>) -> Result<(), ApiError> {
    if ANY_HOST_PATHS.contains(&req.uri().path()) {
        return Ok(());
    }
    let policy = &state.settings.hosts;
    match request_host(req) {
        None => Ok(()),
        Some(h) if policy.allows(h) => Ok(()),
        Some(_) => Err(ApiError::MisdirectedRequest(format!(
            "this server does not answer for that host name; it serves {} (an operator \
             sets the public name with wtd serve --public-url)",
            policy.describe()
        ))),
    }
}

/// The origin a browser on our own pages sends: the configured public URL, else the
/// scheme and `Host` of this request, but only a `Host` the host policy serves (loopback,
/// or the listener's own IP), never one a request made up.
fn expected_origin(state: &AppState, headers: &HeaderMap) -> Option<String> {
    if let Some(u) = &state.settings.public_url {
        return Some(u.clone());
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    if !state.settings.hosts.allows(host) {
        return None;
    }
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

/// The ingest route, answered by `app::App` before the router (see [`finish`]).
pub const INGEST_ROUTE: &str = "/api/v1/ingest/events";

/// The metrics label of a method: the standard ones by name, any other as `other` (a client
/// must not be able to mint label values).
pub fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The metrics label of a route: its template (`/api/v1/orgs/api-keys/{id}`), interned so
/// that counting a request allocates nothing. Templates come only from the router, so the
/// set is bounded by the routes the daemon declares; a request no route matched is
/// `unmatched`.
fn route_label(m: Option<&MatchedPath>) -> &'static str {
    static ROUTES: std::sync::LazyLock<RwLock<HashSet<&'static str>>> =
        std::sync::LazyLock::new(Default::default);
    let Some(path) = m.map(MatchedPath::as_str) else {
        return "unmatched";
    };
    if let Some(r) = ROUTES.read().ok().and_then(|set| set.get(path).copied()) {
        return r;
    }
    let mut set = ROUTES.write().unwrap_or_else(|e| e.into_inner());
    if let Some(r) = set.get(path) {
        return r;
    }
    let r: &'static str = Box::leak(path.into());
    set.insert(r);
    r
}

/// [`Observe`] for every route of a router.
#[derive(Clone)]
pub struct ObserveLayer {
    pub state: AppState,
    /// Longest a request may run; slower gets 408 and its future is dropped.
    pub timeout: Duration,
}

impl<S> tower::Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe {
            inner,
            state: self.state.clone(),
            timeout: self.timeout,
        }
    }
}

/// Bounds every request in time, counts it, logs it (method, route template, status,
/// latency: never the path's ids, a query string or a header value) and sets the
/// response headers every answer carries.
///
/// A plain tower service rather than `axum::middleware::from_fn`, and labels that borrow
/// interned strings: when ingestion still went through it, the `from_fn` version had cost a
/// sixth of the ingest throughput (BENCHMARKS.md).
#[derive(Clone)]
pub struct Observe<S> {
    inner: S,
    state: AppState,
    timeout: Duration,
}

impl<S> tower::Service<Request> for Observe<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let start = Instant::now();
        let method = method_label(req.method());
        let route = route_label(req.extensions().get::<MatchedPath>());
        // Event streams live as long as the client listens (they end on shutdown instead).
        let streaming = route.ends_with("/stream");
        let answer = self.inner.call(req);
        let (state, timeout) = (self.state.clone(), self.timeout);
        Box::pin(async move {
            let mut resp = if streaming {
                answer.await?
            } else {
                match tokio::time::timeout(timeout, answer).await {
                    Ok(r) => r?,
                    Err(_) => ApiError::Timeout.into_response(),
                }
            };
            finish(&state, method, route, start, &mut resp);
            Ok(resp)
        })
    }
}

/// What every answer goes through last: counted in metrics, logged (method, route template,
/// status, latency: never the path's ids, a query string or a header value), and given the
/// headers every answer carries. Used by [`Observe`] and by the ingest hot path
/// (`crate::app::App`).
pub fn finish(
    state: &AppState,
    method: &'static str,
    route: &'static str,
    start: Instant,
    resp: &mut Response,
) {
    let status = resp.status().as_u16();
    let elapsed = start.elapsed();
    state
        .metrics
        .requests
        .get_or_create(&crate::metrics::RequestLabels {
            method,
            route,
            status,
        })
        .inc();
    state
        .metrics
        .latency
        .get_or_create(&crate::metrics::RouteLabels { route })
        .observe(elapsed.as_secs_f64());
    // Accepted ingestion is the hot path: counted in metrics, logged only at debug level
    // (one log line per event batch would dominate its cost). Everything else, and every
    // refused ingestion, is logged at info.
    let latency_ms = elapsed.as_millis() as u64;
    if status < 400 && route == INGEST_ROUTE {
        tracing::debug!(method, route, status, latency_ms, "request");
    } else {
        tracing::info!(method, route, status, latency_ms, "request");
    }

    let h = resp.headers_mut();
    // API answers may carry secrets or set cookies: never cache them (B.17). A handler
    // that chose its own caching keeps it: only the console's favicon does (a public,
    // immutable asset).
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}
