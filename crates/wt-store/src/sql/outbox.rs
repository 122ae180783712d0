//! The SQL of [`OutboxStore`]: queued mail, claimed by one mailer at a time.

use super::{Backend, SqlStore, ToValue, Value};
use crate::model::{MailBacklog, MailRecord, NewMail, PendingMail};
use crate::params;
use crate::{OutboxStore, Result};
use async_trait::async_trait;
use wt_core::clock::UnixTime;

/// How long [`Store::due_mail`] claims a mail for the daemon that is sending it.
const MAIL_LEASE: i64 = 300;

#[async_trait]
impl<B: Backend> OutboxStore for SqlStore<B> {
    async fn enqueue_mail(&self, m: NewMail) -> Result<()> {
        self.write(move |c| {
            c.execute(
                "INSERT INTO mail_outbox (id, org_id, to_addr, subject, body, created_at, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![m.id, m.org_id, m.to, m.subject, m.body, m.now],
            )?;
            Ok(())
        })
        .await
    }

    async fn due_mail(&self, now: UnixTime, limit: u32) -> Result<Vec<MailRecord>> {
        self.write(move |c| {
            // Claimed for MAIL_LEASE seconds: another daemon's mailer skips them meanwhile
            // (the outer conditions are re-checked on rows another claim changed first).
            c.query_map(
                "UPDATE mail_outbox SET next_attempt_at = ?1 + ?3
                 WHERE id IN (SELECT id FROM mail_outbox
                              WHERE sent_at IS NULL AND next_attempt_at <= ?1
                              ORDER BY created_at, id LIMIT ?2)
                   AND sent_at IS NULL AND next_attempt_at <= ?1
                 RETURNING id, to_addr, subject, body, attempts",
                params![now, limit, MAIL_LEASE],
                |r| {
                    Ok(MailRecord {
                        id: r.get(0)?,
                        to: r.get(1)?,
                        subject: r.get(2)?,
                        body: r.get(3)?,
                        attempts: r.get(4)?,
                    })
                },
            )
        })
        .await
    }

    async fn mail_sent(&self, id: &str, now: UnixTime) -> Result<()> {
        let id = id.to_string();
        self.write(move |c| {
            c.execute(
                "UPDATE mail_outbox SET sent_at = ?2, attempts = attempts + 1, last_error = NULL, body = '' WHERE id = ?1",
                params![id, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn mail_failed(&self, id: &str, error: &str, next_attempt_at: UnixTime) -> Result<()> {
        let (id, error) = (id.to_string(), error.chars().take(500).collect::<String>());
        self.write(move |c| {
            c.execute(
                "UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 WHERE id = ?1",
                params![id, error, next_attempt_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn mail_backlog(
        &self,
        org_id: Option<&str>,
        queued_by: UnixTime,
        limit: u32,
    ) -> Result<MailBacklog> {
        let org_id = org_id.map(str::to_string);
        self.read(move |c| {
            // Two texts rather than `?2 IS NULL OR ...`: PostgreSQL cannot type a parameter
            // that is only compared with NULL.
            let mut args: Vec<Value> = vec![queued_by.to_value()];
            let mut scope = "";
            if let Some(o) = &org_id {
                args.push(o.to_value());
                scope = " AND org_id = ?2";
            }
            let unsent =
                format!("FROM mail_outbox WHERE sent_at IS NULL AND created_at <= ?1{scope}");
            let count = c.query_row(&format!("SELECT COUNT(*) {unsent}"), &args, |r| r.get(0))?;
            let oldest = c.query_map(
                &format!(
                    "SELECT id, to_addr, created_at, attempts, last_error {unsent}
                     ORDER BY created_at, id LIMIT {limit}"
                ),
                &args,
                |r| {
                    Ok(PendingMail {
                        id: r.get(0)?,
                        to: r.get(1)?,
                        created_at: r.get(2)?,
                        attempts: r.get(3)?,
                        last_error: r.get(4)?,
                    })
                },
            )?;
            Ok(MailBacklog { count, oldest })
        })
        .await
    }
}
