//! `/api/v1/orgs/invites` and `/api/v1/invites/...` (`wt invite`).

use crate::error::ApiError;
use crate::extract::Query;
use crate::extract::{Auth, ClientMeta, Json, authenticate};
use crate::routes::mfa::Empty;
use crate::service::invites;
use crate::state::AppState;
use crate::wire::{invite_json, org_json, user_json};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use wt_api::{
    Invite, InviteAcceptRequest, InviteAcceptResponse, InviteCreateRequest, InviteStatus,
    InviteVerifyResponse, Page, TokenRequest,
};
use wt_core::clock::rfc3339;

pub async fn create(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<InviteCreateRequest>,
) -> Result<(StatusCode, axum::Json<Invite>), ApiError> {
    let rec = invites::create(&state, &auth, &meta, req).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(invite_json(&rec, state.now())),
    ))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteFilter {
    status: Option<InviteStatus>,
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(filter): Query<InviteFilter>,
) -> Result<axum::Json<Page<Invite>>, ApiError> {
    let now = state.now();
    let items = invites::list(&state, &auth)
        .await?
        .iter()
        .map(|i| invite_json(i, now))
        .filter(|i| filter.status.is_none_or(|s| s == i.status))
        .collect();
    Ok(axum::Json(Page {
        items,
        next_cursor: None,
    }))
}

pub async fn resend(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
    Json(_): Json<Empty>,
) -> Result<axum::Json<Invite>, ApiError> {
    let rec = invites::resend(&state, &auth, &meta, &id).await?;
    Ok(axum::Json(invite_json(&rec, state.now())))
}

pub async fn revoke(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    invites::revoke(&state, &auth, &meta, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn verify(
    State(state): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<TokenRequest>,
) -> Result<axum::Json<InviteVerifyResponse>, ApiError> {
    let (invite, org) = invites::pending(&state, &meta, &req.token).await?;
    Ok(axum::Json(InviteVerifyResponse {
        org: org_json(&org),
        account_exists: invites::account_exists(&state, &invite.email).await?,
        email: invite.email,
        role: invite.role,
        expires_at: rfc3339(invite.expires_at),
    }))
}

pub async fn accept(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    Json(req): Json<InviteAcceptRequest>,
) -> Result<(StatusCode, axum::Json<InviteAcceptResponse>), ApiError> {
    // Optional: only an existing account's own session can accept for it.
    let caller = authenticate(&state, &headers, &meta).await.ok();
    let (user, org, role) = invites::accept(&state, &meta, caller, req).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(InviteAcceptResponse {
            user: user_json(&user),
            org: org_json(&org),
            role,
        }),
    ))
}
