//! `/api/v1/orgs/api-keys` (`wt keys`). The ingest route is answered by `app::App`
//! before the router (`service::ingest`).

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json, Query};
use crate::service::keys;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use wt_api::{
    ApiKey, ApiKeyCreateRequest, ApiKeyCreated, ApiKeyDetail, ApiKeyListQuery, ApiKeyRotateRequest,
    ApiKeyRotated, ApiKeyUpdateRequest, KeyVerifyRequest, KeyVerifyResponse, Page,
};

pub async fn create(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<ApiKeyCreateRequest>,
) -> Result<(StatusCode, axum::Json<ApiKeyCreated>), ApiError> {
    let created = keys::create(&state, &auth, &meta, req).await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ApiKeyListQuery>,
) -> Result<axum::Json<Page<ApiKey>>, ApiError> {
    Ok(axum::Json(keys::list(&state, &auth, q).await?))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<ApiKeyDetail>, ApiError> {
    Ok(axum::Json(keys::show(&state, &auth, &id).await?))
}

pub async fn update(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
    Json(req): Json<ApiKeyUpdateRequest>,
) -> Result<axum::Json<ApiKey>, ApiError> {
    Ok(axum::Json(
        keys::update(&state, &auth, &meta, &id, req).await?,
    ))
}

pub async fn revoke(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    keys::revoke(&state, &auth, &meta, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn rotate(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
    Json(req): Json<ApiKeyRotateRequest>,
) -> Result<(StatusCode, axum::Json<ApiKeyRotated>), ApiError> {
    let rotated = keys::rotate(&state, &auth, &meta, &id, req).await?;
    Ok((StatusCode::CREATED, axum::Json(rotated)))
}

/// `POST /api/v1/keys/verify`: an automation token with the `keys:verify` scope asks
/// whether an ingestion key may be used (200 either way; see `service::keys::verify`).
pub async fn verify(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<KeyVerifyRequest>,
) -> Result<axum::Json<KeyVerifyResponse>, ApiError> {
    Ok(axum::Json(keys::verify(&state, &auth, &meta, req).await?))
}
