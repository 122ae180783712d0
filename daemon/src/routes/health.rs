//! `/healthz` (the process answers), `/readyz` (the database answers), `/metrics`, and the
//! OpenAPI document.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
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

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

/// The OpenAPI 3.1 description of the routes (kept in step by a test).
pub const OPENAPI: &str = include_str!("../../openapi.json");

pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}
