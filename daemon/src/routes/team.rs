//! `/api/v1/orgs/invites`, `/api/v1/invites/...` and `/api/v1/orgs/members`.

use crate::error::ApiError;
use crate::extract::Query;
use crate::extract::{Auth, ClientMeta, Json, authenticate};
use crate::routes::mfa::Empty;
use crate::routes::{org_json, user_json};
use crate::service::team;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use wt_api::{
    Invite, InviteAcceptRequest, InviteAcceptResponse, InviteCreateRequest, InviteStatus,
    InviteVerifyResponse, Member, MemberReview, MemberUpdateRequest, Page, TokenRequest,
};
use wt_core::clock::rfc3339;
use wt_core::permissions::Permission;
use wt_store::{InviteRecord, MemberRecord, ReviewRecord};

fn invite_json(i: &InviteRecord, now: i64) -> Invite {
    let status = if i.accepted_at.is_some() {
        InviteStatus::Accepted
    } else if i.revoked_at.is_some() {
        InviteStatus::Revoked
    } else if now >= i.expires_at {
        InviteStatus::Expired
    } else {
        InviteStatus::Pending
    };
    Invite {
        id: i.id.clone(),
        email: i.email.clone(),
        role: i.role,
        status,
        invited_by: i.invited_by.clone(),
        created_at: rfc3339(i.created_at),
        expires_at: rfc3339(i.expires_at),
    }
}

fn member_json(m: &MemberRecord) -> Member {
    Member {
        id: m.user.id.clone(),
        email: m.user.email.clone(),
        name: m.user.name.clone(),
        role: m.role,
        mfa_enabled: m.user.mfa_enabled,
        joined_at: rfc3339(m.joined_at),
    }
}

fn review_json(r: &ReviewRecord) -> Result<MemberReview, ApiError> {
    Ok(MemberReview {
        id: r.id.clone(),
        reviewed_by: r.reviewed_by.clone(),
        reviewed_at: rfc3339(r.reviewed_at),
        members: serde_json::from_str(&r.members_json)
            .map_err(|e| ApiError::Internal(e.to_string()))?,
    })
}

pub async fn create_invite(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<InviteCreateRequest>,
) -> Result<(StatusCode, axum::Json<Invite>), ApiError> {
    let rec = team::invite_create(&state, &auth, &meta, req).await?;
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

pub async fn list_invites(
    State(state): State<AppState>,
    auth: Auth,
    Query(filter): Query<InviteFilter>,
) -> Result<axum::Json<Page<Invite>>, ApiError> {
    auth.require(Permission::MembersRead)?;
    let now = state.now();
    let items = state
        .store
        .invites_list(&auth.org.id)
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

pub async fn resend_invite(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
    Json(_): Json<Empty>,
) -> Result<axum::Json<Invite>, ApiError> {
    let rec = team::invite_resend(&state, &auth, &meta, &id).await?;
    Ok(axum::Json(invite_json(&rec, state.now())))
}

pub async fn revoke_invite(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    team::invite_revoke(&state, &auth, &meta, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn verify_invite(
    State(state): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<TokenRequest>,
) -> Result<axum::Json<InviteVerifyResponse>, ApiError> {
    let (invite, org) = team::pending_invite(&state, &meta, &req.token).await?;
    Ok(axum::Json(InviteVerifyResponse {
        org: org_json(&org),
        account_exists: team::account_exists(&state, &invite.email).await?,
        email: invite.email,
        role: invite.role,
        expires_at: rfc3339(invite.expires_at),
    }))
}

pub async fn accept_invite(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    Json(req): Json<InviteAcceptRequest>,
) -> Result<(StatusCode, axum::Json<InviteAcceptResponse>), ApiError> {
    // Optional: only an existing account's own session can accept for it.
    let caller = authenticate(&state, &headers, &meta).await.ok();
    let (user, org, role) = team::invite_accept(&state, &meta, caller, req).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(InviteAcceptResponse {
            user: user_json(&user),
            org: org_json(&org),
            role,
        }),
    ))
}

pub async fn list_members(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<Page<Member>>, ApiError> {
    auth.require(Permission::MembersRead)?;
    let items = state
        .store
        .members_list(&auth.org.id)
        .await?
        .iter()
        .map(member_json)
        .collect();
    Ok(axum::Json(Page {
        items,
        next_cursor: None,
    }))
}

pub async fn update_member(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
    Json(req): Json<MemberUpdateRequest>,
) -> Result<axum::Json<Member>, ApiError> {
    let m = team::set_role(&state, &auth, &meta, &id, req.role).await?;
    Ok(axum::Json(member_json(&m)))
}

pub async fn remove_member(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    team::remove(&state, &auth, &meta, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn revoke_member_sessions(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    team::revoke_member_sessions(&state, &auth, &meta, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn send_member_reset(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
    Json(_): Json<Empty>,
) -> Result<StatusCode, ApiError> {
    team::send_member_reset(&state, &auth, &meta, &id).await?;
    Ok(StatusCode::ACCEPTED)
}

pub async fn create_review(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(_): Json<Empty>,
) -> Result<(StatusCode, axum::Json<MemberReview>), ApiError> {
    let r = team::review(&state, &auth, &meta).await?;
    Ok((StatusCode::CREATED, axum::Json(review_json(&r)?)))
}

pub async fn list_reviews(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<Page<MemberReview>>, ApiError> {
    auth.require(Permission::MembersRead)?;
    let items = state
        .store
        .member_reviews(&auth.org.id)
        .await?
        .iter()
        .map(review_json)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(axum::Json(Page {
        items,
        next_cursor: None,
    }))
}
