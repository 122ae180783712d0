//! The SQL of [`AllowedIpStore`].

use super::{Backend, OptionalExt, Row, SqlStore};
use crate::model::AllowedIpRecord;
use crate::params;
use crate::{AllowedIpStore, Result, StoreError};
use async_trait::async_trait;
use wt_core::audit::AuditEvent;
use wt_core::clock::UnixTime;

pub(super) const ALLOWED_COLS: &str =
    "id, org_id, cidr, note, created_by, created_at, hit_count, last_hit_at";

pub(super) fn allowed_ip_from(r: &Row) -> Result<AllowedIpRecord> {
    Ok(AllowedIpRecord {
        id: r.get(0)?,
        org_id: r.get(1)?,
        cidr: r.get(2)?,
        note: r.get(3)?,
        created_by: r.get(4)?,
        created_at: r.get(5)?,
        hit_count: r.get(6)?,
        last_hit_at: r.get(7)?,
    })
}

#[async_trait]
impl<B: Backend> AllowedIpStore for SqlStore<B> {
    async fn allowed_ips_all(&self) -> Result<Vec<AllowedIpRecord>> {
        self.read(move |c| {
            c.query_map(
                &format!("SELECT {ALLOWED_COLS} FROM allowed_ips ORDER BY org_id, created_at, id"),
                params![],
                allowed_ip_from,
            )
        })
        .await
    }

    async fn allowed_ips_list(&self, org_id: &str) -> Result<Vec<AllowedIpRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_map(&format!(
                "SELECT {ALLOWED_COLS} FROM allowed_ips WHERE org_id = ?1 ORDER BY created_at, id"
            ), params![org_id], allowed_ip_from)
        })
        .await
    }

    async fn allowed_ip_add(
        &self,
        e: AllowedIpRecord,
        audit: AuditEvent,
    ) -> Result<AllowedIpRecord> {
        self.write_audited(e.org_id.clone(), e.created_at, audit, move |tx| {
            let dup = tx
                .query_row(
                    "SELECT 1 FROM allowed_ips WHERE org_id = ?1 AND cidr = ?2",
                    params![e.org_id, e.cidr],
                    |_| Ok(()),
                )
                .optional()?;
            if dup.is_some() {
                return Err(StoreError::Conflict(format!(
                    "{} is already in the allowed-IP list",
                    e.cidr
                )));
            }
            tx.execute(
                &format!(
                    "INSERT INTO allowed_ips ({ALLOWED_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, NULL)"
                ),
                params![e.id, e.org_id, e.cidr, e.note, e.created_by, e.created_at],
            )?;
            Ok(e)
        })
        .await
    }

    async fn allowed_ip_remove(
        &self,
        org_id: &str,
        id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<AllowedIpRecord> {
        let (org_id, id) = (org_id.to_string(), id.to_string());
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let e = tx
                .query_row(
                    &format!(
                        "SELECT {ALLOWED_COLS} FROM allowed_ips WHERE org_id = ?1 AND id = ?2"
                    ),
                    params![org_id, id],
                    allowed_ip_from,
                )
                .optional()?
                .ok_or(StoreError::NotFound)?;
            tx.execute(
                "DELETE FROM allowed_ips WHERE org_id = ?1 AND id = ?2",
                params![org_id, id],
            )?;
            Ok(e)
        })
        .await
    }

    async fn allowed_ip_hits_flush(&self, hits: Vec<(String, i64, i64)>) -> Result<()> {
        if hits.is_empty() {
            return Ok(());
        }
        self.write(move |c| {
            let tx = c;
            {
                for (id, n, last) in &hits {
                    tx.execute(
                        "UPDATE allowed_ips SET hit_count = hit_count + ?2,
                            last_hit_at = GREATEST(last_hit_at, ?3) WHERE id = ?1",
                        params![id, n, last],
                    )?;
                }
            }
            Ok(())
        })
        .await
    }
}
