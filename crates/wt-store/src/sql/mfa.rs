//! The SQL of [`MfaStore`]: TOTP credentials, recovery codes, login challenges.

use super::audit::append_audit_tx;
use super::sessions::{parse_client, revoke_user_sessions_tx};
use super::tokens::revoke_user_tokens_tx;
use super::{Backend, Db, OptionalExt, Row, SqlStore};
use crate::model::{ChallengeRecord, NewChallenge, TotpConfirm, TotpRecord};
use crate::params;
use crate::{MfaStore, Result, StoreError};
use async_trait::async_trait;
use wt_core::audit::AuditEvent;
use wt_core::clock::UnixTime;

/// Replaces a user's recovery codes (the old set dies) inside the caller's transaction.
fn replace_recovery_codes_tx(
    tx: &dyn Db,
    user_id: &str,
    hashes: &[String],
    now: UnixTime,
) -> Result<()> {
    tx.execute(
        "DELETE FROM recovery_codes WHERE user_id = ?1",
        params![user_id],
    )?;
    for h in hashes {
        tx.execute(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?1, ?2, ?3)",
            params![user_id, h, now],
        )?;
    }
    Ok(())
}

fn challenge_from(r: &Row) -> Result<ChallengeRecord> {
    Ok(ChallengeRecord {
        id: r.get(0)?,
        user_id: r.get(1)?,
        org_id: r.get(2)?,
        client: parse_client(&r.get::<String>(3)?),
        failures: r.get(4)?,
        expires_at: r.get(5)?,
        used: r.get::<Option<i64>>(6)?.is_some(),
    })
}

#[async_trait]
impl<B: Backend> MfaStore for SqlStore<B> {
    async fn totp_get(&self, user_id: &str) -> Result<Option<TotpRecord>> {
        let user_id = user_id.to_string();
        self.read(move |c| {
            c.query_row(
                "SELECT secret_sealed, last_step, pending_expires_at, confirmed_at
                 FROM totp_credentials WHERE user_id = ?1",
                params![user_id],
                |r| {
                    Ok(TotpRecord {
                        secret_sealed: r.get(0)?,
                        last_step: r.get::<Option<i64>>(1)?.map(|s| s as u64),
                        pending_expires_at: r.get(2)?,
                        confirmed_at: r.get(3)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn totp_begin(
        &self,
        user_id: &str,
        secret_sealed: &str,
        pending_expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<()> {
        let (user_id, sealed) = (user_id.to_string(), secret_sealed.to_string());
        self.write(move |c| {
            let tx = c;
            let confirmed: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM totp_credentials WHERE user_id = ?1 AND confirmed_at IS NOT NULL)",
                params![user_id],
                |r| r.get(0),
            )?;
            if confirmed {
                return Err(StoreError::Conflict(
                    "MFA is already on: disable it first (`wt mfa disable`, needs your password and a code)".into(),
                ));
            }
            let n = tx.execute(
                "INSERT INTO totp_credentials (user_id, secret_sealed, last_step, created_at, pending_expires_at)
                 VALUES (?1, ?2, NULL, ?3, ?4)
                 ON CONFLICT (user_id) DO UPDATE SET secret_sealed = ?2, last_step = NULL,
                     created_at = ?3, pending_expires_at = ?4, confirmed_at = NULL
                 WHERE totp_credentials.confirmed_at IS NULL",
                params![user_id, sealed, now, pending_expires_at],
            )?;
            if n == 0 {
                // Confirmed by another request since the check above (several daemons).
                return Err(StoreError::Conflict(
                    "MFA is already on: disable it first (`wt mfa disable`, needs your password and a code)".into(),
                ));
            }
            Ok(())
        })
        .await
    }

    async fn totp_confirm(&self, t: TotpConfirm, audit: AuditEvent) -> Result<bool> {
        self.write(move |c| {
            let tx = c;
            tx.lock(&format!("audit:{}", t.org_id))?;
            let n = tx.execute(
                "UPDATE totp_credentials SET confirmed_at = ?2, last_step = ?3, pending_expires_at = NULL
                 WHERE user_id = ?1 AND confirmed_at IS NULL AND pending_expires_at > ?2",
                params![t.user_id, t.now, t.step as i64],
            )?;
            if n == 0 {
                return Ok(false);
            }
            replace_recovery_codes_tx(tx, &t.user_id, &t.recovery_hashes, t.now)?;
            tx.execute("UPDATE users SET mfa_enabled = 1 WHERE id = ?1", params![t.user_id])?;
            revoke_user_sessions_tx(tx, &t.user_id, Some(&t.keep_session), t.now)?;
            append_audit_tx(tx, &t.org_id, &audit, t.now)?;
            Ok(true)
        })
        .await
    }

    async fn totp_accept_step(&self, user_id: &str, step: u64) -> Result<bool> {
        let user_id = user_id.to_string();
        self.write(move |c| {
            let n = c.execute(
                "UPDATE totp_credentials SET last_step = ?2
                 WHERE user_id = ?1 AND confirmed_at IS NOT NULL AND (last_step IS NULL OR last_step < ?2)",
                params![user_id, step as i64],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn recovery_code_use(
        &self,
        user_id: &str,
        code_hash: &str,
        now: UnixTime,
    ) -> Result<bool> {
        let (user_id, code_hash) = (user_id.to_string(), code_hash.to_string());
        self.write(move |c| {
            let n = c.execute(
                "UPDATE recovery_codes SET used_at = ?3 WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
                params![user_id, code_hash, now],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn recovery_codes_remaining(&self, user_id: &str) -> Result<u32> {
        let user_id = user_id.to_string();
        self.read(move |c| {
            c.query_row(
                "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL",
                params![user_id],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn recovery_codes_replace(
        &self,
        org_id: &str,
        user_id: &str,
        hashes: Vec<String>,
        keep_session: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()> {
        let (org_id, user_id, keep) = (
            org_id.to_string(),
            user_id.to_string(),
            keep_session.to_string(),
        );
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            replace_recovery_codes_tx(tx, &user_id, &hashes, now)?;
            revoke_user_sessions_tx(tx, &user_id, Some(&keep), now)?;
            Ok(())
        })
        .await
    }

    async fn mfa_disable(
        &self,
        org_id: &str,
        user_id: &str,
        keep_session: Option<&str>,
        need: Option<wt_core::passkey::Requirement>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()> {
        let (org_id, user_id) = (org_id.to_string(), user_id.to_string());
        let keep = keep_session.map(str::to_string);
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            if let Some(need) = need {
                // The user's row first: a TOTP removal and a passkey removal at once
                // take turns here, so the factors counted below are current.
                tx.execute(
                    "UPDATE users SET mfa_enabled = mfa_enabled WHERE id = ?1",
                    params![user_id],
                )?;
                let before = super::passkeys::second_factors_tx(tx, &user_id)?.into();
                wt_core::passkey::may_remove_under(need, before, wt_core::passkey::Factor::Totp)
                    .map_err(|m| StoreError::Conflict(m.into()))?;
            }
            tx.execute(
                "DELETE FROM totp_credentials WHERE user_id = ?1",
                params![user_id],
            )?;
            if keep.is_none() {
                // An admin's reset forces a new enrollment: every second factor goes,
                // passkeys too. The member's own TOTP removal keeps their passkeys.
                tx.execute("DELETE FROM passkeys WHERE user_id = ?1", params![user_id])?;
            }
            tx.execute(
                "UPDATE mfa_challenges SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
                params![user_id, now],
            )?;
            // MFA stays on while a passkey remains (and its recovery codes with it).
            super::passkeys::sync_mfa_enabled_tx(tx, &user_id)?;
            revoke_user_sessions_tx(tx, &user_id, keep.as_deref(), now)?;
            revoke_user_tokens_tx(tx, None, &user_id, now)?;
            Ok(())
        })
        .await
    }

    async fn challenge_create(&self, ch: NewChallenge) -> Result<()> {
        self.write(move |c| {
            c.execute(
                "INSERT INTO mfa_challenges (id, token_hash, user_id, org_id, client, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![ch.id, ch.token_hash, ch.user_id, ch.org_id, ch.client.as_str(), ch.created_at, ch.expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn challenge_get(&self, token_hash: &str) -> Result<Option<ChallengeRecord>> {
        let token_hash = token_hash.to_string();
        self.read(move |c| {
            c.query_row(
                "SELECT id, user_id, org_id, client, failures, expires_at, used_at
                 FROM mfa_challenges WHERE token_hash = ?1",
                params![token_hash],
                challenge_from,
            )
            .optional()
        })
        .await
    }

    async fn challenge_attempt(&self, id: &str, max: i64) -> Result<bool> {
        let id = id.to_string();
        self.write(move |c| {
            let n = c.execute(
                "UPDATE mfa_challenges SET failures = failures + 1 WHERE id = ?1 AND failures < ?2",
                params![id, max],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn challenge_consume(&self, id: &str, now: UnixTime) -> Result<bool> {
        let id = id.to_string();
        self.write(move |c| {
            let n = c.execute(
                "UPDATE mfa_challenges SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL",
                params![id, now],
            )?;
            Ok(n == 1)
        })
        .await
    }
}
