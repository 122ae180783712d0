//! `/api/v1/orgs/api-keys` and `/api/v1/ingest/events`.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json, RawBody};
use crate::service::{ingest, keys};
use crate::state::AppState;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::StatusCode;
use wt_api::{
    ApiKey, ApiKeyCreateRequest, ApiKeyCreated, ApiKeyDetail, ApiKeyRotateRequest, ApiKeyRotated,
    ApiKeyUpdateRequest, IngestResponse, Page,
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
) -> Result<axum::Json<Page<ApiKey>>, ApiError> {
    Ok(axum::Json(Page {
        items: keys::list(&state, &auth).await?,
        next_cursor: None,
    }))
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

/// `POST /api/v1/ingest/events`: the hot path. The body is taken raw (bounded by the body
/// limit) and parsed only after the key passed. The request is split rather than taken
/// through a `HeaderMap` extractor, which would copy every header.
pub async fn ingest_events(
    State(state): State<AppState>,
    meta: ClientMeta,
    req: Request,
) -> Result<(StatusCode, axum::Json<IngestResponse>), ApiError> {
    let (mut parts, body) = req.into_parts();
    // The body limit travels in the extensions.
    let mut body = Request::new(body);
    *body.extensions_mut() = std::mem::take(&mut parts.extensions);
    let RawBody(body) = RawBody::from_request(body, &state).await?;
    let accepted = ingest::ingest(&state, &parts.headers, &meta, &body).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(IngestResponse { accepted }),
    ))
}
