//! The SQL of [`PasswordStore`]: reset tokens and password changes.

use super::audit::append_audit_tx;
use super::sessions::revoke_user_sessions_tx;
use super::tokens::revoke_user_tokens_tx;
use super::{Backend, OptionalExt, SqlStore};
use crate::model::ResetRecord;
use crate::params;
use crate::{PasswordStore, Result};
use async_trait::async_trait;
use wt_core::audit::AuditEvent;
use wt_core::clock::UnixTime;

#[async_trait]
impl<B: Backend> PasswordStore for SqlStore<B> {
    async fn reset_create(
        &self,
        id: &str,
        token_hash: &str,
        user_id: &str,
        now: UnixTime,
        expires_at: UnixTime,
        fresh_since: UnixTime,
    ) -> Result<bool> {
        let (id, token_hash, user_id) =
            (id.to_string(), token_hash.to_string(), user_id.to_string());
        self.write(move |c| {
            let tx = c;
            tx.lock(&format!("reset:{user_id}"))?;
            let fresh: Option<i64> = tx
                .query_row(
                    "SELECT created_at FROM password_resets WHERE user_id = ?1 AND used_at IS NULL
                     AND expires_at > ?2 AND created_at > ?3",
                    params![user_id, now, fresh_since],
                    |r| r.get(0),
                )
                .optional()?;
            if fresh.is_some() {
                return Ok(false);
            }
            tx.execute(
                "UPDATE password_resets SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
                params![user_id, now],
            )?;
            tx.execute(
                "INSERT INTO password_resets (id, token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, token_hash, user_id, now, expires_at],
            )?;
            Ok(true)
        })
        .await
    }

    async fn reset_get(&self, token_hash: &str) -> Result<Option<ResetRecord>> {
        let token_hash = token_hash.to_string();
        self.read(move |c| {
            c.query_row(
                "SELECT id, user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?1",
                params![token_hash],
                |r| {
                    Ok(ResetRecord {
                        id: r.get(0)?,
                        user_id: r.get(1)?,
                        expires_at: r.get(2)?,
                        used: r.get::<Option<i64>>(3)?.is_some(),
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn reset_complete(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: UnixTime,
        audit_org: Option<&str>,
        audit: AuditEvent,
    ) -> Result<bool> {
        let (token_hash, password_hash) = (token_hash.to_string(), password_hash.to_string());
        let audit_org = audit_org.map(str::to_string);
        self.write(move |c| {
            let tx = c;
            if let Some(org) = &audit_org {
                tx.lock(&format!("audit:{org}"))?;
            }
            let user_id: Option<String> = tx
                .query_row(
                    "UPDATE password_resets SET used_at = ?2
                     WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2 RETURNING user_id",
                    params![token_hash, now],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(user_id) = user_id else { return Ok(false) };
            tx.execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![user_id, password_hash])?;
            tx.execute(
                "UPDATE password_resets SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
                params![user_id, now],
            )?;
            revoke_user_sessions_tx(tx, &user_id, None, now)?;
            revoke_user_tokens_tx(tx, None, &user_id, now)?;
            if let Some(org_id) = &audit_org {
                append_audit_tx(tx, org_id, &audit, now)?;
            }
            Ok(true)
        })
        .await
    }

    async fn password_set(
        &self,
        user_id: &str,
        password_hash: &str,
        keep_session: Option<&str>,
        now: UnixTime,
        audit_org: &str,
        audit: AuditEvent,
    ) -> Result<()> {
        let (user_id, password_hash, audit_org) = (
            user_id.to_string(),
            password_hash.to_string(),
            audit_org.to_string(),
        );
        let keep = keep_session.map(str::to_string);
        self.write_audited(audit_org.clone(), now, audit, move |tx| {
            tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                params![user_id, password_hash],
            )?;
            tx.execute(
                "UPDATE password_resets SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
                params![user_id, now],
            )?;
            revoke_user_sessions_tx(tx, &user_id, keep.as_deref(), now)?;
            revoke_user_tokens_tx(tx, None, &user_id, now)?;
            Ok(())
        })
        .await
    }
}
