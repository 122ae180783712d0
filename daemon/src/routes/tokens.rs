//! `/api/v1/orgs/access-tokens` (`wt token`).

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json};
use crate::service::tokens;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use wt_api::{AccessToken, AccessTokenCreateRequest, AccessTokenCreated, Page};

pub async fn create(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<AccessTokenCreateRequest>,
) -> Result<(StatusCode, axum::Json<AccessTokenCreated>), ApiError> {
    let created = tokens::create(&state, &auth, &meta, req).await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<Page<AccessToken>>, ApiError> {
    Ok(axum::Json(Page {
        items: tokens::list(&state, &auth).await?,
        next_cursor: None,
    }))
}

pub async fn revoke(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    tokens::revoke(&state, &auth, &meta, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
