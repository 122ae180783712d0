//! The SQL of [`ReadinessStore`], and [`readiness_from`], the reading of an org's stored
//! thresholds.

use super::orgs::update_org;
use super::{Backend, SqlStore};
use crate::model::OrgRecord;
use crate::params;
use crate::{ReadinessStore, Result, StoreError};
use async_trait::async_trait;
use wt_core::audit::AuditEvent;
use wt_core::clock::UnixTime;
use wt_core::readiness::ReadinessSettings;

/// Stored thresholds over the defaults (absent fields take the default, and an unreadable
/// value all of them).
pub(super) fn readiness_from(json: &str) -> ReadinessSettings {
    serde_json::from_str(json).unwrap_or_default()
}

#[async_trait]
impl<B: Backend> ReadinessStore for SqlStore<B> {
    async fn set_readiness_settings(
        &self,
        org_id: &str,
        settings: ReadinessSettings,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<OrgRecord> {
        let org_id = org_id.to_string();
        let json =
            serde_json::to_string(&settings).map_err(|e| StoreError::Internal(e.to_string()))?;
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let update = "UPDATE orgs SET readiness_settings = ?2 WHERE id = ?1";
            update_org(tx, update, &org_id, &json)
        })
        .await
    }

    async fn member_last_sign_ins(&self, org_id: &str) -> Result<Vec<(String, i64)>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_map(
                "SELECT user_id, MAX(created_at) FROM sessions WHERE org_id = ?1 GROUP BY user_id",
                params![org_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await
    }
}
