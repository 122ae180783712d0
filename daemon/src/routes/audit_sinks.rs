//! `/api/v1/orgs/audit-sinks` (`wt audit sinks`): where the org's audit log is streamed.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json};
use crate::service::audit_sinks;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use wt_api::{
    AuditSink, AuditSinkCreateRequest, AuditSinkCreated, AuditSinkRotateRequest, AuditSinkSecret,
    AuditSinkTestResult, Page,
};

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<Page<AuditSink>>, ApiError> {
    Ok(axum::Json(Page {
        items: audit_sinks::list(&state, &auth).await?,
        next_cursor: None,
    }))
}

pub async fn add(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<AuditSinkCreateRequest>,
) -> Result<(StatusCode, axum::Json<AuditSinkCreated>), ApiError> {
    let created = audit_sinks::add(&state, &auth, &meta, req).await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

pub async fn remove(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    audit_sinks::remove(&state, &auth, &meta, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn pause(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<AuditSink>, ApiError> {
    Ok(axum::Json(
        audit_sinks::set_paused(&state, &auth, &meta, &id, true).await?,
    ))
}

pub async fn resume(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<AuditSink>, ApiError> {
    Ok(axum::Json(
        audit_sinks::set_paused(&state, &auth, &meta, &id, false).await?,
    ))
}

pub async fn test(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<AuditSinkTestResult>, ApiError> {
    Ok(axum::Json(
        audit_sinks::test(&state, &auth, &meta, &id).await?,
    ))
}

pub async fn rotate_secret(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
    Json(req): Json<AuditSinkRotateRequest>,
) -> Result<axum::Json<AuditSinkSecret>, ApiError> {
    Ok(axum::Json(
        audit_sinks::rotate_secret(&state, &auth, &meta, &id, req).await?,
    ))
}
