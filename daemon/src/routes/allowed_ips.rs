//! `/api/v1/orgs/allowed-ips` (`wt allowed-ips`).

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json, Query};
use crate::service::allowed_ips;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use wt_api::{
    AllowedIp, AllowedIpCheckRequest, AllowedIpCheckResponse, AllowedIpCreateRequest, Page,
};

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<Page<AllowedIp>>, ApiError> {
    Ok(axum::Json(Page {
        items: allowed_ips::list(&state, &auth).await?,
        next_cursor: None,
    }))
}

pub async fn add(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<AllowedIpCreateRequest>,
) -> Result<(StatusCode, axum::Json<AllowedIp>), ApiError> {
    let entry = allowed_ips::add(&state, &auth, &meta, req).await?;
    Ok((StatusCode::CREATED, axum::Json(entry)))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveQuery {
    #[serde(default)]
    force: bool,
}

pub async fn remove(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
    Query(q): Query<RemoveQuery>,
) -> Result<StatusCode, ApiError> {
    allowed_ips::remove(&state, &auth, &meta, &id, q.force).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn check(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<AllowedIpCheckRequest>,
) -> Result<axum::Json<AllowedIpCheckResponse>, ApiError> {
    Ok(axum::Json(
        allowed_ips::check(&state, &auth, &meta, req).await?,
    ))
}
