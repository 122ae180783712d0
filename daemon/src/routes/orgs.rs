//! `/api/v1/orgs/settings`: read and change the org's settings.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json};
use crate::service;
use crate::state::AppState;
use crate::wire::{event_settings_json, org_settings_json};
use axum::extract::State;
use wt_api::{OrgSettings, OrgSettingsPatch};
use wt_core::permissions::Permission;

pub async fn settings(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<OrgSettings>, ApiError> {
    auth.require(Permission::OrgRead)?;
    let mut s = org_settings_json(&auth.org);
    s.events = Some(event_settings_json(
        &service::events::org_events(&state, &auth.org.id).await?,
    ));
    Ok(axum::Json(s))
}

pub async fn update_settings(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(patch): Json<OrgSettingsPatch>,
) -> Result<axum::Json<OrgSettings>, ApiError> {
    let org = service::orgs::update_settings(&state, &auth, &meta, patch).await?;
    let mut s = org_settings_json(&org);
    s.events = Some(event_settings_json(
        &service::events::org_events(&state, &org.id).await?,
    ));
    Ok(axum::Json(s))
}
