//! `/api/v1/orgs/settings`: read and change the org's settings.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json};
use crate::service;
use crate::state::AppState;
use crate::wire::org_settings_json;
use axum::extract::State;
use wt_api::{OrgSettings, OrgSettingsPatch};
use wt_core::permissions::Permission;

pub async fn settings(auth: Auth) -> Result<axum::Json<OrgSettings>, ApiError> {
    auth.require(Permission::OrgRead)?;
    Ok(axum::Json(org_settings_json(&auth.org)))
}

pub async fn update_settings(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(patch): Json<OrgSettingsPatch>,
) -> Result<axum::Json<OrgSettings>, ApiError> {
    let org = service::orgs::update_settings(&state, &auth, &meta, patch).await?;
    Ok(axum::Json(org_settings_json(&org)))
}
