//! The daemon's HTTP service ([`App`]): the ingest hot path (and the gateway's authorize)
//! answered directly, every other
//! request by the router and its layers, built from an [`AppState`] (tests call this).

use crate::error::ApiError;
use crate::extract::ClientMeta;
use crate::middleware;
use crate::routes::{
    allowed_ips, audit, audit_checkpoints, audit_sinks, auth, events, health, invites, keys, leaks,
    members, mfa, orgs, passwords, readiness, setup, step_up, tokens,
};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::{delete, get, patch, post};
use futures_util::FutureExt;
use http_body_util::BodyExt;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Limits of one request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest body read; larger gets 413 (`DefaultBodyLimit` stops reading there).
    pub body_limit: usize,
    /// Longest a request may run; slower gets 408 and its future is dropped.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_limit: crate::config::DEFAULT_BODY_LIMIT,
            request_timeout: Duration::from_secs(crate::config::DEFAULT_REQUEST_TIMEOUT),
        }
    }
}

/// Answers a panic with a generic 500 problem (no message, no backtrace).
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    ApiError::Internal("a handler panicked".into()).into_response()
}

/// Every route but ingestion (see [`App`]).
pub fn router(state: AppState, limits: Limits) -> Router {
    let api = Router::new()
        .route("/setup", post(setup::setup))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/session", get(auth::whoami))
        .route("/auth/sessions", get(auth::list_sessions))
        .route("/auth/sessions/{id}", delete(auth::revoke_session))
        .route("/auth/mfa", get(mfa::status))
        .route("/auth/mfa/verify", post(mfa::verify))
        .route("/auth/mfa/totp/enroll", post(mfa::enroll))
        .route("/auth/mfa/totp/confirm", post(mfa::confirm))
        .route("/auth/mfa/totp/disable", post(mfa::disable))
        .route("/auth/mfa/recovery-codes", post(mfa::recovery_codes))
        .route(
            "/orgs/settings",
            get(orgs::settings).patch(orgs::update_settings),
        )
        .route("/orgs/members/{id}/mfa/reset", post(mfa::reset_member))
        .route("/orgs/invites", get(invites::list).post(invites::create))
        .route("/orgs/invites/{id}", delete(invites::revoke))
        .route("/orgs/invites/{id}/resend", post(invites::resend))
        .route("/invites/verify", post(invites::verify))
        .route("/invites/accept", post(invites::accept))
        .route("/orgs/members", get(members::list))
        .route(
            "/orgs/members/{id}",
            patch(members::update).delete(members::remove),
        )
        .route(
            "/orgs/members/reviews",
            get(members::reviews).post(members::review),
        )
        .route(
            "/orgs/members/{id}/sessions",
            delete(members::revoke_sessions),
        )
        .route(
            "/orgs/members/{id}/password-reset",
            post(members::send_reset),
        )
        .route("/orgs/audit-logs", get(audit::list))
        .route("/orgs/audit-logs/stream", get(audit::stream))
        .route("/orgs/events", get(events::list))
        .route("/orgs/events/stream", get(events::stream))
        .route("/orgs/audit-logs/verify", get(audit::verify))
        .route(
            "/orgs/audit-sinks",
            get(audit_sinks::list).post(audit_sinks::add),
        )
        .route("/orgs/audit-sinks/{id}", delete(audit_sinks::remove))
        .route("/orgs/audit-sinks/{id}/pause", post(audit_sinks::pause))
        .route("/orgs/audit-sinks/{id}/resume", post(audit_sinks::resume))
        .route("/orgs/audit-sinks/{id}/test", post(audit_sinks::test))
        .route(
            "/orgs/audit-sinks/{id}/rotate-secret",
            post(audit_sinks::rotate_secret),
        )
        .route(
            "/orgs/audit-logs/reviews",
            get(audit::reviews).post(audit::review),
        )
        .route(
            "/orgs/audit-logs/checkpoints",
            post(audit_checkpoints::create),
        )
        .route(
            "/orgs/audit-logs/checkpoints/latest",
            get(audit_checkpoints::latest),
        )
        .route(
            "/orgs/audit-logs/checkpoints/{size}",
            get(audit_checkpoints::at),
        )
        .route(
            "/orgs/audit-logs/proofs/inclusion",
            get(audit_checkpoints::inclusion),
        )
        .route(
            "/orgs/audit-logs/proofs/consistency",
            get(audit_checkpoints::consistency),
        )
        .route(
            "/orgs/audit-logs/signing-keys",
            get(audit_checkpoints::keys),
        )
        .route(
            "/orgs/audit-logs/signing-keys/rotate",
            post(audit_checkpoints::rotate),
        )
        .route("/auth/password/forgot", post(passwords::forgot))
        .route("/auth/password/reset/verify", post(passwords::reset_verify))
        .route("/auth/password/reset", post(passwords::reset))
        .route("/auth/password/change", post(passwords::change))
        .route("/auth/step-up", post(step_up::step_up))
        .route(
            "/auth/step-up/passkey",
            post(crate::routes::passkeys::step_up_begin),
        )
        .route("/auth/passkeys", get(crate::routes::passkeys::list))
        .route("/auth/device", post(crate::routes::device::start))
        .route("/auth/device/token", post(crate::routes::device::token))
        .route("/orgs/api-keys", get(keys::list).post(keys::create))
        .route(
            "/orgs/api-keys/{id}",
            get(keys::show).patch(keys::update).delete(keys::revoke),
        )
        .route("/orgs/api-keys/{id}/rotate", post(keys::rotate))
        .route("/keys/verify", post(keys::verify))
        .route("/orgs/api-keys/leaked", post(leaks::leaked))
        .route("/leaks/github", post(leaks::github))
        .route("/leaks/report", post(leaks::report))
        .route(
            "/orgs/allowed-ips",
            get(allowed_ips::list).post(allowed_ips::add),
        )
        .route("/orgs/allowed-ips/{id}", delete(allowed_ips::remove))
        .route("/orgs/allowed-ips/check", post(allowed_ips::check))
        .route("/orgs/readiness", get(readiness::readiness))
        .route(
            "/orgs/access-tokens",
            get(tokens::list).post(tokens::create),
        )
        .route("/orgs/access-tokens/{id}", delete(tokens::revoke))
        .route("/openapi.json", get(health::openapi))
        // The API's CSRF rules for cookie requests (the console has its own, for forms).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::csrf,
        ));

    Router::new()
        .nest(wt_api::API_PREFIX, api)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .merge(crate::console::router(state.clone()))
        .fallback(crate::console::not_found)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(limits.body_limit))
        .layer(middleware::ObserveLayer {
            state: state.clone(),
            timeout: limits.request_timeout,
        })
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        .with_state(state)
}

/// The daemon's HTTP service. First it refuses hosts it does not serve
/// ([`middleware::check_host`], every route). `POST /api/v1/ingest/events`, the hot path, is answered here
/// with what the router's layers would do and nothing more: the request timeout, the body
/// limit, the panic guard, the client's address, metrics, the log line and the common
/// headers (one request, no routing table, no boxing of the body, no extractors). Every
/// other request goes to [`router`]. Answering ingestion here took a seventh off the
/// daemon's CPU per ingest request (BENCHMARKS.md). `/api/v1/ingest/authorize`, the same
/// key check for a gateway, is answered here the same way.
#[derive(Clone)]
pub struct App {
    router: Router,
    state: AppState,
    limits: Limits,
    /// The socket's peer, when serving a connection (a request's `ConnectInfo` wins: tests).
    peer: Option<SocketAddr>,
}

impl App {
    pub fn new(state: AppState, limits: Limits) -> Self {
        Self {
            router: router(state.clone(), limits),
            state,
            limits,
            peer: None,
        }
    }

    /// This service for one connection from `peer`.
    pub fn for_peer(&self, peer: SocketAddr) -> Self {
        Self {
            peer: Some(peer),
            ..self.clone()
        }
    }
}

impl<B> tower::Service<Request<B>> for App
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = futures_util::future::Either<
        axum::routing::future::RouteFuture<Infallible>,
        Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>,
    >;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        use futures_util::future::Either;
        // Hosts first, for every route the hot path included (a header compare).
        if let Err(e) = middleware::check_host(&self.state, &req) {
            let (state, method) = (self.state.clone(), middleware::method_label(req.method()));
            return Either::Right(Box::pin(async move {
                let mut resp = e.into_response();
                middleware::finish(&state, method, "host_refused", Instant::now(), &mut resp);
                Ok(resp)
            }));
        }
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
            .or(self.peer);
        match req.uri().path() {
            middleware::INGEST_ROUTE => {
                Either::Right(Box::pin(ingest(self.state.clone(), self.limits, peer, req)))
            }
            middleware::AUTHORIZE_ROUTE => Either::Right(Box::pin(authorize(
                self.state.clone(),
                self.limits,
                peer,
                req,
            ))),
            _ => {
                if let Some(peer) = peer {
                    req.extensions_mut().insert(ConnectInfo(peer));
                }
                Either::Left(self.router.call(req))
            }
        }
    }
}

/// `POST /api/v1/ingest/events`: reads the body (bounded), checks the key and stores the
/// events (`service::ingest`), then finishes the answer as every answer is finished.
async fn ingest<B>(
    state: AppState,
    limits: Limits,
    peer: Option<SocketAddr>,
    req: Request<B>,
) -> Result<Response, Infallible>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let start = Instant::now();
    let method = req.method().clone();
    let answer = async {
        if method != Method::POST {
            let mut resp = ApiError::MethodNotAllowed.into_response();
            resp.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return resp;
        }
        let (parts, body) = req.into_parts();
        let meta = ClientMeta::of(peer, &parts.headers, &state.settings.trusted_proxies);
        let body = match http_body_util::Limited::new(body, limits.body_limit)
            .collect()
            .await
        {
            Ok(b) => b.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                return ApiError::PayloadTooLarge.into_response();
            }
            Err(_) => {
                return ApiError::Malformed("the request body could not be read".into())
                    .into_response();
            }
        };
        match crate::service::ingest::ingest(&state, &parts.headers, &meta, &body).await {
            Ok(accepted) => {
                let mut resp = (
                    StatusCode::ACCEPTED,
                    axum::Json(wt_api::IngestResponse {
                        accepted: accepted.count,
                    }),
                )
                    .into_response();
                if accepted.replayed {
                    resp.headers_mut().insert(
                        "idempotent-replayed",
                        axum::http::HeaderValue::from_static("true"),
                    );
                }
                if let Some((rate, remaining)) = accepted.budget {
                    crate::error::rate_limit_headers(resp.headers_mut(), rate, remaining);
                }
                resp
            }
            Err(e) => e.into_response(),
        }
    };
    Ok(guard(
        &state,
        limits,
        &method,
        middleware::INGEST_ROUTE,
        start,
        answer,
    )
    .await)
}

/// What the router's layers do, for an answer of the hot path: the request timeout, the
/// panic guard, then metrics, the log line and the common headers.
async fn guard(
    state: &AppState,
    limits: Limits,
    method: &Method,
    route: &'static str,
    start: Instant,
    answer: impl Future<Output = Response>,
) -> Response {
    let guarded = std::panic::AssertUnwindSafe(answer).catch_unwind();
    let mut resp = match tokio::time::timeout(limits.request_timeout, guarded).await {
        Ok(Ok(resp)) => resp,
        Ok(Err(panic)) => panic_response(panic),
        Err(_) => ApiError::Timeout.into_response(),
    };
    middleware::finish(
        state,
        middleware::method_label(method),
        route,
        start,
        &mut resp,
    );
    resp
}

/// `GET /api/v1/ingest/authorize` (any method: gateways forward the client's): the key
/// check of ingestion for a gateway in front of another pipeline (nginx `auth_request`,
/// Envoy `ext_authz` in HTTP mode, Traefik `forwardAuth`). 204 with `X-WT-Org`,
/// `X-WT-Environment` and `X-WT-Key-Id`, or ingestion's 401/403 problem. The body, if
/// any, is never read.
async fn authorize<B>(
    state: AppState,
    limits: Limits,
    peer: Option<SocketAddr>,
    req: Request<B>,
) -> Result<Response, Infallible> {
    let start = Instant::now();
    let method = req.method().clone();
    let (parts, _unread) = req.into_parts();
    let answer = async {
        let meta = ClientMeta::of(peer, &parts.headers, &state.settings.trusted_proxies);
        match crate::service::ingest::authorize(&state, &parts.headers, &meta).await {
            Ok(who) => {
                let mut resp = StatusCode::NO_CONTENT.into_response();
                let h = resp.headers_mut();
                for (name, value) in [
                    (wt_api::HEADER_ORG, who.org_slug.as_str()),
                    (wt_api::HEADER_ENVIRONMENT, who.environment.as_str()),
                    (wt_api::HEADER_KEY_ID, who.key_id.as_str()),
                ] {
                    match HeaderValue::from_str(value) {
                        Ok(v) => {
                            h.insert(name, v);
                        }
                        Err(_) => {
                            return ApiError::Internal(format!("{name} is not a header value"))
                                .into_response();
                        }
                    }
                }
                if let Some((rate, remaining)) = who.budget {
                    crate::error::rate_limit_headers(h, rate, remaining);
                }
                resp
            }
            Err(e) => e.into_response(),
        }
    };
    Ok(guard(
        &state,
        limits,
        &method,
        middleware::AUTHORIZE_ROUTE,
        start,
        answer,
    )
    .await)
}
