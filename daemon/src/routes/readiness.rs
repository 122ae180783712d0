//! `/api/v1/orgs/readiness` (`wt check`).

use crate::error::ApiError;
use crate::extract::Auth;
use crate::service::readiness;
use crate::state::AppState;
use axum::extract::State;
use wt_api::Readiness;

pub async fn readiness(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<Readiness>, ApiError> {
    Ok(axum::Json(readiness::evaluate(&state, &auth).await?))
}
