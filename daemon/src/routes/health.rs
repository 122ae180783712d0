//! `/healthz` (the process answers), `/readyz` (the database answers), `/metrics`, and the
//! OpenAPI document.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use std::net::SocketAddr;
use wt_api::Health;

fn health(status: &str) -> Json<Health> {
    Json(Health {
        status: status.into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

pub async fn healthz() -> Json<Health> {
    health("ok")
}

pub async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "not ready");
        ApiError::Unavailable("the database is not answering or cannot be written")
    })?;
    Ok(health("ready"))
}

/// Whether this request may read `/metrics` (they count across every org):
/// with `--metrics-token-file`, only with that bearer token; without, only from a
/// loopback peer (the socket's, never `X-Forwarded-For`).
fn may_read_metrics(
    state: &AppState,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    match &state.settings.metrics_token {
        Some(want) => {
            let got = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default();
            if wt_core::token::ct_eq(got.as_bytes(), want.expose().as_bytes()) {
                Ok(())
            } else {
                Err(ApiError::MetricsTokenRequired)
            }
        }
        // A loopback peer is this machine, unless it is a proxy passing on someone else's
        // request (a trusted proxy, or any request carrying forwarding headers).
        None if peer.is_some_and(|p| {
            let ip = p.ip().to_canonical();
            ip.is_loopback()
                && !state
                    .settings
                    .trusted_proxies
                    .iter()
                    .any(|n| n.contains(&ip))
                && !headers.contains_key("x-forwarded-for")
                && !headers.contains_key(header::FORWARDED)
        }) =>
        {
            Ok(())
        }
        None => Err(ApiError::Forbidden(
            "/metrics answers clients on this machine only: scrape it from loopback, or \
             start wtd with --metrics-token-file and send that token"
                .into(),
        )),
    }
}

pub async fn metrics(
    State(state): State<AppState>,
    req: axum::extract::Request,
) -> Result<impl IntoResponse, ApiError> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    may_read_metrics(&state, peer, req.headers())?;
    crate::mailer::observe_backlog(&state).await;
    match crate::service::events::storage_by_slug(&state).await {
        Ok(orgs) => state
            .metrics
            .event_storage(orgs.into_iter().map(|(slug, s)| (slug, s.events, s.bytes))),
        Err(e) => tracing::warn!(error = ?e, "could not read event storage for /metrics"),
    }
    state.metrics.database_pool(state.store.pool_stats());
    let (loads, rows) = state.caches.refresh_work();
    state.metrics.key_cache(state.caches.len(), loads, rows);
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    ))
}

/// The OpenAPI 3.1 description of the routes (kept in step by a test).
pub const OPENAPI: &str = include_str!("../../openapi.json");

pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}
