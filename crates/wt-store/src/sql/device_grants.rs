//! The SQL of [`DeviceGrantStore`]: the device authorization grants of `wt login --web`.
//! Every change of state is one conditional `UPDATE` (`WHERE status = ...`): of any
//! number of simultaneous polls or answers, one changes the row.

use super::audit::append_audit_tx;
use super::members::parse_role;
use super::{Backend, Db, OptionalExt, Row, SqlStore, internal};
use crate::model::{DeviceGrantAnswer, DeviceGrantRecord, DeviceRedeem, NewDeviceGrant};
use crate::params;
use crate::{DeviceGrantStore, Result, StoreError};
use async_trait::async_trait;
use wt_core::audit::AuditEvent;
use wt_core::clock::UnixTime;
use wt_core::device::Status;

const COLS: &str = "id, status, requested_org, org_id, request_ip, client_version, client_os, \
     created_at, expires_at, poll_interval, last_polled_at, user_id, approver_role, \
     approver_session, approver_ip, answered_at, redeemed_at";

fn grant_from(r: &Row) -> Result<DeviceGrantRecord> {
    let status: String = r.get(1)?;
    let role: Option<String> = r.get(12)?;
    Ok(DeviceGrantRecord {
        id: r.get(0)?,
        status: Status::parse(&status)
            .ok_or_else(|| internal(format!("unknown device grant status {status:?}")))?,
        requested_org: r.get(2)?,
        org_id: r.get(3)?,
        request_ip: r.get(4)?,
        client_version: r.get(5)?,
        client_os: r.get(6)?,
        created_at: r.get(7)?,
        expires_at: r.get(8)?,
        poll_interval: r.get(9)?,
        last_polled_at: r.get(10)?,
        user_id: r.get(11)?,
        approver_role: role.as_deref().map(parse_role).transpose()?,
        approver_session: r.get(13)?,
        approver_ip: r.get(14)?,
        answered_at: r.get(15)?,
        redeemed_at: r.get(16)?,
    })
}

fn grant_where(c: &dyn Db, column: &str, value: &str) -> Result<Option<DeviceGrantRecord>> {
    c.query_row(
        &format!("SELECT {COLS} FROM device_grants WHERE {column} = ?1"),
        params![value],
        grant_from,
    )
    .optional()
}

/// The org of a grant (read before any lock: an org is bound once and never changes).
fn org_of(c: &dyn Db, id: &str) -> Result<Option<String>> {
    Ok(c.query_row(
        "SELECT org_id FROM device_grants WHERE id = ?1",
        params![id],
        |r| r.get::<Option<String>>(0),
    )
    .optional()?
    .flatten())
}

#[async_trait]
impl<B: Backend> DeviceGrantStore for SqlStore<B> {
    async fn device_grant_create(
        &self,
        g: NewDeviceGrant,
        audit: Option<AuditEvent>,
    ) -> Result<()> {
        self.write(move |c| {
            if let (Some(org), Some(_)) = (&g.org_id, &audit) {
                c.lock(&format!("audit:{org}"))?;
            }
            // Lapsed grants are of no use to anyone: purged as new ones arrive.
            c.execute(
                "DELETE FROM device_grants WHERE expires_at < ?1",
                params![g.created_at - 24 * 60 * 60],
            )?;
            c.execute(
                "INSERT INTO device_grants (id, device_code_hash, user_code_hash, status,
                    requested_org, org_id, request_ip, client_version, client_os, created_at,
                    expires_at, poll_interval)
                 VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    g.id,
                    g.device_code_hash,
                    g.user_code_hash,
                    g.requested_org,
                    g.org_id,
                    g.request_ip,
                    g.client_version,
                    g.client_os,
                    g.created_at,
                    g.expires_at,
                    g.poll_interval
                ],
            )?;
            if let (Some(org), Some(ev)) = (&g.org_id, &audit) {
                append_audit_tx(c, org, ev, g.created_at)?;
            }
            Ok(())
        })
        .await
    }

    async fn device_grant_by_device_code(&self, hash: &str) -> Result<Option<DeviceGrantRecord>> {
        let hash = hash.to_string();
        self.read(move |c| grant_where(c, "device_code_hash", &hash))
            .await
    }

    async fn device_grant_by_user_code(&self, hash: &str) -> Result<Option<DeviceGrantRecord>> {
        let hash = hash.to_string();
        self.read(move |c| grant_where(c, "user_code_hash", &hash))
            .await
    }

    async fn device_grant_get(&self, id: &str) -> Result<Option<DeviceGrantRecord>> {
        let id = id.to_string();
        self.read(move |c| grant_where(c, "id", &id)).await
    }

    async fn device_grant_polled(
        &self,
        id: &str,
        now: UnixTime,
        slow_interval: i64,
    ) -> Result<bool> {
        let id = id.to_string();
        self.write(move |c| {
            let on_time = c.execute(
                "UPDATE device_grants SET last_polled_at = ?2
                 WHERE id = ?1 AND status = 'pending'
                   AND (last_polled_at IS NULL OR last_polled_at + poll_interval <= ?2)",
                params![id, now],
            )?;
            if on_time == 1 {
                return Ok(true);
            }
            c.execute(
                "UPDATE device_grants SET last_polled_at = ?2,
                    poll_interval = GREATEST(poll_interval, ?3)
                 WHERE id = ?1 AND status = 'pending'",
                params![id, now, slow_interval],
            )?;
            Ok(false)
        })
        .await
    }

    async fn device_grant_answer(
        &self,
        a: DeviceGrantAnswer,
        requested: Option<AuditEvent>,
        audit: AuditEvent,
    ) -> Result<()> {
        self.write(move |c| {
            c.lock(&format!("audit:{}", a.org_id))?;
            let status = if a.approve { "approved" } else { "denied" };
            // Bound to the answerer's org; a grant that named another org keeps it (the
            // service refuses that before, this is the last word).
            let n = c.execute(
                "UPDATE device_grants SET status = ?2, org_id = ?3, user_id = ?4,
                    approver_role = ?5, approver_session = ?6, approver_ip = ?7,
                    answered_at = ?8
                 WHERE id = ?1 AND status = 'pending' AND expires_at > ?8
                   AND (org_id IS NULL OR org_id = ?3)",
                params![
                    a.id,
                    status,
                    a.org_id,
                    a.user_id,
                    a.role.as_str(),
                    a.session_id,
                    a.ip,
                    a.now
                ],
            )?;
            if n == 0 {
                return Err(StoreError::Conflict(
                    "this login was answered already or has lapsed: run `wt login --web` again"
                        .into(),
                ));
            }
            if let Some(ev) = &requested {
                append_audit_tx(c, &a.org_id, ev, a.now)?;
            }
            append_audit_tx(c, &a.org_id, &audit, a.now)?;
            Ok(())
        })
        .await
    }

    async fn device_grant_expire(
        &self,
        id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<bool> {
        let id = id.to_string();
        self.write(move |c| {
            let org = org_of(c, &id)?;
            if let Some(org) = &org {
                c.lock(&format!("audit:{org}"))?;
            }
            let n = c.execute(
                "UPDATE device_grants SET status = 'expired'
                 WHERE id = ?1 AND status IN ('pending', 'approved') AND expires_at <= ?2",
                params![id, now],
            )?;
            if n == 1
                && let Some(org) = &org
            {
                append_audit_tx(c, org, &audit, now)?;
            }
            Ok(n == 1)
        })
        .await
    }

    async fn device_grant_redeem(
        &self,
        id: &str,
        now: UnixTime,
        redeemed: AuditEvent,
        withdrawn: AuditEvent,
    ) -> Result<DeviceRedeem> {
        let id = id.to_string();
        self.write(move |c| {
            let Some(org) = org_of(c, &id)? else {
                return Ok(DeviceRedeem::Gone);
            };
            c.lock(&format!("audit:{org}"))?;
            let n = c.execute(
                "UPDATE device_grants SET status = 'redeemed', redeemed_at = ?2
                 WHERE id = ?1 AND status = 'approved' AND expires_at > ?2",
                params![id, now],
            )?;
            if n == 0 {
                return Ok(DeviceRedeem::Gone);
            }
            let Some(g) = grant_where(c, "id", &id)? else {
                return Ok(DeviceRedeem::Gone);
            };
            let user_id = g.user_id.clone().unwrap_or_default();
            // The approver as they are now: still a member with the role they approved
            // with, not disabled, and the session they approved from not ended.
            let role: Option<String> = c
                .query_row(
                    "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id
                     WHERE m.org_id = ?1 AND m.user_id = ?2 AND u.disabled_at IS NULL",
                    params![org, user_id],
                    |r| r.get(0),
                )
                .optional()?;
            let session_live = c
                .query_row(
                    "SELECT 1 FROM sessions
                     WHERE id = ?1 AND org_id = ?2 AND user_id = ?3 AND revoked_at IS NULL
                       AND expires_at > ?4",
                    params![
                        g.approver_session.clone().unwrap_or_default(),
                        org,
                        user_id,
                        now
                    ],
                    |r| r.get::<i64>(0),
                )
                .optional()?
                .is_some();
            let same_role = role.as_deref().map(parse_role).transpose()? == g.approver_role;
            if role.is_none() || !same_role || !session_live {
                c.execute(
                    "UPDATE device_grants SET status = 'denied' WHERE id = ?1",
                    params![id],
                )?;
                append_audit_tx(c, &org, &withdrawn, now)?;
                return Ok(DeviceRedeem::Withdrawn);
            }
            append_audit_tx(c, &org, &redeemed, now)?;
            Ok(DeviceRedeem::Redeemed(Box::new(DeviceGrantRecord {
                status: Status::Redeemed,
                redeemed_at: Some(now),
                ..g
            })))
        })
        .await
    }

    async fn device_grant_session(&self, id: &str, session_id: &str) -> Result<()> {
        let (id, session_id) = (id.to_string(), session_id.to_string());
        self.write(move |c| {
            c.execute(
                "UPDATE device_grants SET session_id = ?2 WHERE id = ?1",
                params![id, session_id],
            )?;
            Ok(())
        })
        .await
    }
}
