//! Org settings: which roles must use MFA (and which a passkey), the passkey models
//! accepted, whether browsers may ingest, and the readiness thresholds. Each change is
//! audited with its previous value.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::state::AppState;
use wt_api::{BrowserIngest, OrgSettingsPatch};
use wt_core::audit::{AuditEvent, actions};
use wt_core::permissions::{Permission, rank};
use wt_store::OrgRecord;

/// The audit entry of one settings change (`details` names the new and previous value).
fn settings_changed(
    auth: &Auth,
    meta: &ClientMeta,
    org_id: &str,
    details: serde_json::Value,
) -> AuditEvent {
    AuditEvent::new(auth.actor(), actions::ORG_SETTINGS_UPDATED, &meta.audit())
        .target("org", org_id)
        .details(details)
}

/// Applies `patch` to the caller's org and returns the org as it now is.
pub async fn update_settings(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    patch: OrgSettingsPatch,
) -> Result<OrgRecord, ApiError> {
    auth.require(Permission::OrgManage)?;
    // Security settings need a fresh sign-in or step-up (SECURITY.md J.65).
    auth.require_step_up(state.now())?;
    // Checked before anything changes, so a bad value changes nothing.
    if let Some(s) = patch.event_retention_seconds.filter(|s| *s != 0) {
        wt_core::events::check_retention(s).map_err(|e| ApiError::Validation(e.to_string()))?;
    }
    let mut org = auth.org.clone();
    if let Some(mut roles) = patch.mfa_required_roles {
        roles.sort_by_key(|r| std::cmp::Reverse(rank(*r)));
        roles.dedup();
        let ev = settings_changed(
            auth,
            meta,
            &org.id,
            serde_json::json!({
                "mfa_required_roles": roles,
                "previous_mfa_required_roles": org.mfa_required_roles,
            }),
        );
        org = state
            .store
            .set_mfa_required_roles(&org.id, roles, state.now(), ev)
            .await?;
    }
    if patch.phishing_resistant_required_roles.is_some() || patch.passkey_aaguids.is_some() {
        let mut policy = org.passkey_policy.clone();
        if let Some(mut roles) = patch.phishing_resistant_required_roles {
            roles.sort_by_key(|r| std::cmp::Reverse(rank(*r)));
            roles.dedup();
            policy.phishing_resistant_roles = roles;
        }
        if let Some(list) = patch.passkey_aaguids {
            policy.aaguids =
                wt_core::passkey::parse_aaguids(&list.join(",")).map_err(ApiError::Validation)?;
        }
        let ev = settings_changed(
            auth,
            meta,
            &org.id,
            serde_json::json!({
                "phishing_resistant_required_roles": policy.phishing_resistant_roles,
                "passkey_aaguids": policy.aaguids,
                "previous_phishing_resistant_required_roles": org.passkey_policy.phishing_resistant_roles,
                "previous_passkey_aaguids": org.passkey_policy.aaguids,
            }),
        );
        org = state
            .store
            .set_passkey_policy(&org.id, policy, state.now(), ev)
            .await?;
    }
    if let Some(policy) = patch.browser_ingest {
        let _serial = state.cache_writes.lock().await;
        let allow = policy == BrowserIngest::Allow;
        let ev = settings_changed(
            auth,
            meta,
            &org.id,
            serde_json::json!({
                "browser_ingest": policy,
                "previous_browser_ingest": if org.browser_ingest_allowed { "allow" } else { "refuse" },
            }),
        );
        org = state
            .store
            .set_browser_ingest(&org.id, allow, state.now(), ev)
            .await?;
        let list = state.store.allowed_ips_list(&org.id).await?;
        state.caches.put_org(&org, list.iter());
    }
    if patch.key_rate.is_some() || patch.key_burst.is_some() {
        let rate =
            crate::service::keys::parse_rate(patch.key_rate.as_deref(), patch.key_burst)?.flatten();
        let _serial = state.cache_writes.lock().await;
        let ev = settings_changed(
            auth,
            meta,
            &org.id,
            serde_json::json!({
                "key_rate": rate.map(|r| r.rate_str()),
                "key_burst": rate.map(|r| r.burst),
                "previous_key_rate": org.key_rate.map(|r| r.rate_str()),
                "previous_key_burst": org.key_rate.map(|r| r.burst),
            }),
        );
        org = state
            .store
            .set_key_rate(&org.id, rate, state.now(), ev)
            .await?;
        let list = state.store.allowed_ips_list(&org.id).await?;
        state.caches.put_org(&org, list.iter());
    }
    if let Some(policy) = patch.leak_policy {
        let ev = settings_changed(
            auth,
            meta,
            &org.id,
            serde_json::json!({
                "leak_policy": policy,
                "previous_leak_policy": org.leak_policy,
            }),
        );
        org = state
            .store
            .set_leak_policy(&org.id, policy, state.now(), ev)
            .await?;
    }
    if let Some(p) = patch.readiness {
        let mut r = org.readiness;
        for (v, slot, max) in [
            (p.review_interval_days, &mut r.review_interval_days, 3650),
            (
                p.privileged_share_max_percent,
                &mut r.privileged_share_max_percent,
                100,
            ),
            (p.inactive_days, &mut r.inactive_days, 3650),
            (p.rotation_age_days, &mut r.rotation_age_days, 3650),
            (
                p.audit_review_window_days,
                &mut r.audit_review_window_days,
                3650,
            ),
            (p.sink_lag_max_minutes, &mut r.sink_lag_max_minutes, 10_080),
            (
                p.sink_failing_max_minutes,
                &mut r.sink_failing_max_minutes,
                10_080,
            ),
        ] {
            if let Some(v) = v {
                if v == 0 || v > max {
                    return Err(ApiError::Validation(format!(
                        "readiness thresholds are between 1 and {max}"
                    )));
                }
                *slot = v;
            }
        }
        let ev = settings_changed(
            auth,
            meta,
            &org.id,
            serde_json::json!({
                "readiness": r,
                "previous_readiness": org.readiness,
            }),
        );
        org = state
            .store
            .set_readiness_settings(&org.id, r, state.now(), ev)
            .await?;
    }
    if let Some(secs) = patch.event_retention_seconds {
        // 0: back to the installation's retention.
        let own = (secs != 0).then_some(secs);
        crate::service::events::set_retention(state, auth, meta, own).await?;
    }
    Ok(org)
}
