//! `/api/v1/orgs/...`: org settings, and member actions that belong to MFA.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json};
use crate::routes::org_json;
use crate::state::AppState;
use axum::extract::State;
use wt_api::{OrgSettings, OrgSettingsPatch};
use wt_core::audit::{AuditEvent, actions};
use wt_core::permissions::{Permission, rank};

pub async fn settings(auth: Auth) -> Result<axum::Json<OrgSettings>, ApiError> {
    auth.require(Permission::OrgRead)?;
    Ok(axum::Json(OrgSettings {
        org: org_json(&auth.org),
        mfa_required_roles: auth.org.mfa_required_roles.clone(),
    }))
}

pub async fn update_settings(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(patch): Json<OrgSettingsPatch>,
) -> Result<axum::Json<OrgSettings>, ApiError> {
    auth.require(Permission::OrgManage)?;
    let mut org = auth.org.clone();
    if let Some(mut roles) = patch.mfa_required_roles {
        roles.sort_by_key(|r| std::cmp::Reverse(rank(*r)));
        roles.dedup();
        let ev = AuditEvent::new(auth.actor(), actions::ORG_SETTINGS_UPDATED, &meta.audit())
            .target("org", &org.id)
            .details(serde_json::json!({
                "mfa_required_roles": roles,
                "previous_mfa_required_roles": org.mfa_required_roles,
            }));
        org = state
            .store
            .set_mfa_required_roles(&org.id, roles, state.now(), ev)
            .await?;
    }
    Ok(axum::Json(OrgSettings {
        org: org_json(&org),
        mfa_required_roles: org.mfa_required_roles,
    }))
}
