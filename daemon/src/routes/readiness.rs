//! `/api/v1/orgs/readiness` and `/api/v1/orgs/access-tokens`.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json};
use crate::service::{readiness, tokens};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use wt_api::{AccessToken, AccessTokenCreateRequest, AccessTokenCreated, Page, Readiness};

pub async fn readiness(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<Readiness>, ApiError> {
    Ok(axum::Json(readiness::evaluate(&state, &auth).await?))
}

pub async fn create_token(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<AccessTokenCreateRequest>,
) -> Result<(StatusCode, axum::Json<AccessTokenCreated>), ApiError> {
    let created = tokens::create(&state, &auth, &meta, req).await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

pub async fn list_tokens(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<Page<AccessToken>>, ApiError> {
    Ok(axum::Json(Page {
        items: tokens::list(&state, &auth).await?,
        next_cursor: None,
    }))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    tokens::revoke(&state, &auth, &meta, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
