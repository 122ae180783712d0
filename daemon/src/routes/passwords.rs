//! `/api/v1/auth/password/...`: forgot, reset (verify and complete), change.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json};
use crate::service::passwords;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use wt_api::{
    ChangePasswordRequest, ForgotPasswordRequest, ResetPasswordRequest, ResetVerifyResponse,
    TokenRequest,
};

pub async fn forgot(
    State(state): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<ForgotPasswordRequest>,
) -> Result<StatusCode, ApiError> {
    passwords::forgot(&state, &meta, &req.email).await?;
    Ok(StatusCode::ACCEPTED)
}

pub async fn reset_verify(
    State(state): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<TokenRequest>,
) -> Result<axum::Json<ResetVerifyResponse>, ApiError> {
    Ok(axum::Json(
        passwords::reset_verify(&state, &meta, &req.token).await?,
    ))
}

pub async fn reset(
    State(state): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<ResetPasswordRequest>,
) -> Result<StatusCode, ApiError> {
    passwords::reset(&state, &meta, req).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn change(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    passwords::change(&state, &auth, &meta, req).await?;
    Ok(StatusCode::NO_CONTENT)
}
