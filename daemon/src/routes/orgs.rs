//! `/api/v1/orgs/...`: org settings, and member actions that belong to MFA.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json};
use crate::routes::org_json;
use crate::state::AppState;
use axum::extract::State;
use wt_api::{BrowserIngest, OrgSettings, OrgSettingsPatch};
use wt_store::OrgRecord;

fn settings_json(org: &OrgRecord) -> OrgSettings {
    OrgSettings {
        org: org_json(org),
        mfa_required_roles: org.mfa_required_roles.clone(),
        browser_ingest: if org.browser_ingest_allowed {
            BrowserIngest::Allow
        } else {
            BrowserIngest::Refuse
        },
    }
}
use wt_core::audit::{AuditEvent, actions};
use wt_core::permissions::{Permission, rank};

pub async fn settings(auth: Auth) -> Result<axum::Json<OrgSettings>, ApiError> {
    auth.require(Permission::OrgRead)?;
    Ok(axum::Json(settings_json(&auth.org)))
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
    if let Some(policy) = patch.browser_ingest {
        let allow = policy == BrowserIngest::Allow;
        let ev = AuditEvent::new(auth.actor(), actions::ORG_SETTINGS_UPDATED, &meta.audit())
            .target("org", &org.id)
            .details(serde_json::json!({
                "browser_ingest": policy,
                "previous_browser_ingest": if org.browser_ingest_allowed { "allow" } else { "refuse" },
            }));
        org = state
            .store
            .set_browser_ingest(&org.id, allow, state.now(), ev)
            .await?;
        let list = state.store.allowed_ips_list(&org.id).await?;
        state.caches.put_org(&org, list.iter());
    }
    Ok(axum::Json(settings_json(&org)))
}
