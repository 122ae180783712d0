//! `/api/v1/orgs/members` (`wt members`).

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json, Query};
use crate::routes::mfa::Empty;
use crate::service::members;
use crate::state::AppState;
use crate::wire::{member_json, member_review_json};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use wt_api::{Member, MemberListQuery, MemberReview, MemberUpdateRequest, Page};
use wt_core::permissions::Permission;

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<MemberListQuery>,
) -> Result<axum::Json<Page<Member>>, ApiError> {
    Ok(axum::Json(members::list(&state, &auth, q).await?))
}

pub async fn update(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
    Json(req): Json<MemberUpdateRequest>,
) -> Result<axum::Json<Member>, ApiError> {
    let m = members::set_role(&state, &auth, &meta, &id, req.role).await?;
    let factors = state.store.second_factors(&m.user.id).await?;
    Ok(axum::Json(member_json(&m, factors.into())))
}

pub async fn remove(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    members::remove(&state, &auth, &meta, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn revoke_sessions(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    members::revoke_sessions(&state, &auth, &meta, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn send_reset(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
    Json(_): Json<Empty>,
) -> Result<StatusCode, ApiError> {
    members::send_reset(&state, &auth, &meta, &id).await?;
    Ok(StatusCode::ACCEPTED)
}

pub async fn review(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(_): Json<Empty>,
) -> Result<(StatusCode, axum::Json<MemberReview>), ApiError> {
    let r = members::review(&state, &auth, &meta).await?;
    Ok((StatusCode::CREATED, axum::Json(member_review_json(&r)?)))
}

pub async fn reviews(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<Page<MemberReview>>, ApiError> {
    auth.require(Permission::MembersRead)?;
    let items = state
        .store
        .member_reviews(&auth.org.id)
        .await?
        .iter()
        .map(member_review_json)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(axum::Json(Page {
        items,
        next_cursor: None,
    }))
}
