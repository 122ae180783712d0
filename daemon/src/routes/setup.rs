//! `POST /api/v1/setup`: claim the owner account with the token from `wtd init`.

use crate::error::ApiError;
use crate::extract::{ClientMeta, Json};
use crate::service;
use crate::state::AppState;
use crate::wire::{org_json, user_json};
use axum::extract::State;
use axum::http::StatusCode;
use wt_api::{Role, SetupRequest, SetupResponse};

pub async fn setup(
    State(state): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<SetupRequest>,
) -> Result<(StatusCode, axum::Json<SetupResponse>), ApiError> {
    let (user, org) = service::auth::setup(&state, req, &meta).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(SetupResponse {
            user: user_json(&user),
            org: org_json(&org),
            role: Role::Owner,
        }),
    ))
}
