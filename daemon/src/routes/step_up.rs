//! `/api/v1/auth/step-up`: signing the current session in again before a sensitive change
//! (the step-up `wt` asks for when the server answers `step_up_required`).

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json};
use crate::service::mfa;
use crate::state::AppState;
use axum::extract::State;
use wt_api::{StepUpRequest, StepUpResponse};
use wt_core::clock::rfc3339;

pub async fn step_up(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<StepUpRequest>,
) -> Result<axum::Json<StepUpResponse>, ApiError> {
    let until = mfa::session_step_up(&state, &auth, &meta, req).await?;
    Ok(axum::Json(StepUpResponse {
        until: rfc3339(until),
    }))
}
