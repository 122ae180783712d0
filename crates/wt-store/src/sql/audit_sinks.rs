//! The SQL of [`AuditSinkStore`]: audit sinks, their durable cursor and their lease.
//!
//! The lease follows the mailer's claim (`outbox.rs`): a conditional `UPDATE ...
//! RETURNING` takes the due sinks whose lease is free, expired or the caller's own, so of
//! several daemons exactly one delivers a sink at a time; every later update of the task
//! re-checks `lease_holder`, so a daemon that lost its lease (paused for longer than it)
//! changes nothing.

use super::{Backend, OptionalExt, Row, SqlStore};
use crate::model::AuditSinkRecord;
use crate::params;
use crate::{AuditSinkStore, Result, StoreError};
use async_trait::async_trait;
use wt_core::audit::AuditEvent;
use wt_core::clock::UnixTime;

const SINK_COLS: &str = "id, org_id, kind, name, config, secret, previous_secret, \
    previous_secret_until, paused, delivered_seq, created_at, created_by, last_success_at, \
    last_error, last_error_at, failing_since, failures, next_attempt_at, lease_holder, lease_until";

fn sink_from(r: &Row) -> Result<AuditSinkRecord> {
    Ok(AuditSinkRecord {
        id: r.get(0)?,
        org_id: r.get(1)?,
        kind: r.get(2)?,
        name: r.get(3)?,
        config: r.get(4)?,
        secret: r.get(5)?,
        previous_secret: r.get(6)?,
        previous_secret_until: r.get(7)?,
        paused: r.get(8)?,
        delivered_seq: r.get(9)?,
        created_at: r.get(10)?,
        created_by: r.get(11)?,
        last_success_at: r.get(12)?,
        last_error: r.get(13)?,
        last_error_at: r.get(14)?,
        failing_since: r.get(15)?,
        failures: r.get(16)?,
        next_attempt_at: r.get(17)?,
        lease_holder: r.get(18)?,
        lease_until: r.get(19)?,
    })
}

fn get_tx(tx: &dyn super::Db, org_id: &str, id: &str) -> Result<Option<AuditSinkRecord>> {
    tx.query_row(
        &format!("SELECT {SINK_COLS} FROM audit_sinks WHERE org_id = ?1 AND id = ?2"),
        params![org_id, id],
        sink_from,
    )
    .optional()
}

#[async_trait]
impl<B: Backend> AuditSinkStore for SqlStore<B> {
    async fn audit_sink_create(&self, s: AuditSinkRecord, audit: AuditEvent) -> Result<()> {
        self.write_audited(s.org_id.clone(), s.created_at, audit, move |tx| {
            let dup = tx
                .query_row(
                    "SELECT 1 FROM audit_sinks WHERE org_id = ?1 AND name = ?2",
                    params![s.org_id, s.name],
                    |_| Ok(()),
                )
                .optional()?;
            if dup.is_some() {
                return Err(StoreError::Conflict(format!(
                    "the org already has a sink named {}",
                    s.name
                )));
            }
            tx.execute(
                "INSERT INTO audit_sinks (id, org_id, kind, name, config, secret, paused,
                     delivered_seq, created_at, created_by, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?9)",
                params![
                    s.id,
                    s.org_id,
                    s.kind,
                    s.name,
                    s.config,
                    s.secret,
                    s.paused,
                    s.delivered_seq,
                    s.created_at,
                    s.created_by
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn audit_sinks_list(&self, org_id: &str) -> Result<Vec<AuditSinkRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_map(
                &format!("SELECT {SINK_COLS} FROM audit_sinks WHERE org_id = ?1 ORDER BY name, id"),
                params![org_id],
                sink_from,
            )
        })
        .await
    }

    async fn audit_sink_get(&self, org_id: &str, id: &str) -> Result<Option<AuditSinkRecord>> {
        let (org_id, id) = (org_id.to_string(), id.to_string());
        self.read(move |c| get_tx(c, &org_id, &id)).await
    }

    async fn audit_sink_set_paused(
        &self,
        org_id: &str,
        id: &str,
        paused: bool,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<AuditSinkRecord> {
        let (org_id, id) = (org_id.to_string(), id.to_string());
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            // Resuming makes the sink due now and forgets the backoff: someone just fixed
            // the receiver, most likely.
            let n = if paused {
                tx.execute(
                    "UPDATE audit_sinks SET paused = 1 WHERE org_id = ?1 AND id = ?2",
                    params![org_id, id],
                )?
            } else {
                tx.execute(
                    "UPDATE audit_sinks SET paused = 0, next_attempt_at = ?3, failures = 0
                     WHERE org_id = ?1 AND id = ?2",
                    params![org_id, id, now],
                )?
            };
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            get_tx(tx, &org_id, &id)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn audit_sink_rotate_secret(
        &self,
        org_id: &str,
        id: &str,
        secret: String,
        previous_until: UnixTime,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<AuditSinkRecord> {
        let (org_id, id) = (org_id.to_string(), id.to_string());
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let n = tx.execute(
                "UPDATE audit_sinks SET previous_secret = secret, previous_secret_until = ?4,
                     secret = ?3
                 WHERE org_id = ?1 AND id = ?2 AND secret IS NOT NULL",
                params![org_id, id, secret, previous_until],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            get_tx(tx, &org_id, &id)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn audit_sink_remove(
        &self,
        org_id: &str,
        id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<AuditSinkRecord> {
        let (org_id, id) = (org_id.to_string(), id.to_string());
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let s = get_tx(tx, &org_id, &id)?.ok_or(StoreError::NotFound)?;
            tx.execute(
                "DELETE FROM audit_sinks WHERE org_id = ?1 AND id = ?2",
                params![org_id, id],
            )?;
            Ok(s)
        })
        .await
    }

    async fn audit_sinks_claim(
        &self,
        holder: &str,
        now: UnixTime,
        lease: i64,
        limit: u32,
    ) -> Result<Vec<AuditSinkRecord>> {
        let holder = holder.to_string();
        self.write(move |c| {
            // The outer conditions are re-checked on rows another claim changed first
            // (PostgreSQL's READ COMMITTED re-evaluates them on the new row version).
            let free = "paused = 0 AND next_attempt_at <= ?1
                AND (lease_holder IS NULL OR lease_until <= ?1 OR lease_holder = ?2)";
            c.query_map(
                &format!(
                    "UPDATE audit_sinks SET lease_holder = ?2, lease_until = ?3
                     WHERE id IN (SELECT id FROM audit_sinks WHERE {free}
                                  ORDER BY next_attempt_at, id LIMIT ?4)
                       AND {free}
                     RETURNING {SINK_COLS}"
                ),
                params![now, holder, now + lease, limit],
                sink_from,
            )
        })
        .await
    }

    async fn audit_sink_delivered(
        &self,
        id: &str,
        holder: &str,
        seq: i64,
        now: UnixTime,
        lease: i64,
    ) -> Result<bool> {
        let (id, holder) = (id.to_string(), holder.to_string());
        self.write(move |c| {
            let n = c.execute(
                "UPDATE audit_sinks SET delivered_seq = GREATEST(delivered_seq, ?3),
                     last_success_at = ?4, last_error = NULL, failing_since = NULL,
                     failures = 0, lease_until = ?5
                 WHERE id = ?1 AND lease_holder = ?2",
                params![id, holder, seq, now, now + lease],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn audit_sink_failed(
        &self,
        id: &str,
        holder: &str,
        error: &str,
        now: UnixTime,
        next_attempt_at: UnixTime,
    ) -> Result<bool> {
        let (id, holder) = (id.to_string(), holder.to_string());
        let error: String = error.chars().take(500).collect();
        self.write(move |c| {
            let n = c.execute(
                "UPDATE audit_sinks SET last_error = ?3, last_error_at = ?4,
                     failing_since = COALESCE(failing_since, ?4), failures = failures + 1,
                     next_attempt_at = ?5, lease_holder = NULL, lease_until = NULL
                 WHERE id = ?1 AND lease_holder = ?2",
                params![id, holder, error, now, next_attempt_at],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn audit_sink_release(&self, id: &str, holder: &str) -> Result<()> {
        let (id, holder) = (id.to_string(), holder.to_string());
        self.write(move |c| {
            c.execute(
                "UPDATE audit_sinks SET lease_holder = NULL, lease_until = NULL
                 WHERE id = ?1 AND lease_holder = ?2",
                params![id, holder],
            )?;
            Ok(())
        })
        .await
    }
}
