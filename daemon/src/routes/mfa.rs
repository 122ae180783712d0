//! `/api/v1/auth/mfa/...`: enrollment, status, step-up changes, and the second login step.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json};
use crate::middleware::check_same_origin;
use crate::routes::auth::session_response;
use crate::service;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use wt_api::{
    MfaStatus, MfaStepUpRequest, MfaVerifyRequest, RecoveryCodesResponse, TotpConfirmRequest,
    TotpEnrollResponse,
};

/// Enrollment takes no input; an empty JSON object is the body.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

pub async fn enroll(
    State(state): State<AppState>,
    auth: Auth,
    Json(_): Json<Empty>,
) -> Result<axum::Json<TotpEnrollResponse>, ApiError> {
    Ok(axum::Json(service::mfa::enroll(&state, &auth).await?))
}

pub async fn confirm(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<TotpConfirmRequest>,
) -> Result<axum::Json<RecoveryCodesResponse>, ApiError> {
    let recovery_codes = service::mfa::confirm(&state, &auth, &meta, &req.code).await?;
    Ok(axum::Json(RecoveryCodesResponse { recovery_codes }))
}

pub async fn status(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<MfaStatus>, ApiError> {
    Ok(axum::Json(service::mfa::status(&state, &auth).await?))
}

pub async fn disable(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<MfaStepUpRequest>,
) -> Result<StatusCode, ApiError> {
    service::mfa::disable(&state, &auth, &meta, req).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn recovery_codes(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<MfaStepUpRequest>,
) -> Result<axum::Json<RecoveryCodesResponse>, ApiError> {
    let recovery_codes = service::mfa::regenerate_recovery_codes(&state, &auth, &meta, req).await?;
    Ok(axum::Json(RecoveryCodesResponse { recovery_codes }))
}

pub async fn verify(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    Json(req): Json<MfaVerifyRequest>,
) -> Result<Response, ApiError> {
    // Before anything is issued: a console challenge answered from another site is refused.
    check_same_origin(&state, &headers)?;
    let (issued, client) = service::mfa::verify_login(&state, &meta, req).await?;
    session_response(&state, client, issued)
}

pub async fn reset_member(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
    Json(_): Json<Empty>,
) -> Result<StatusCode, ApiError> {
    service::mfa::reset_member(&state, &auth, &meta, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
