//! The SQL of [`PasskeyStore`]: registered passkeys and their ceremonies.

use super::sessions::revoke_user_sessions_tx;
use super::{Backend, Db, OptionalExt, Row, SqlStore, ToValue, Value};
use crate::model::{NewPasskey, PasskeyCeremony, PasskeyRecord, PasskeyUse, SecondFactors};
use crate::params;
use crate::{PasskeyStore, Result, StoreError};
use async_trait::async_trait;
use std::collections::HashMap;
use wt_core::audit::AuditEvent;
use wt_core::clock::UnixTime;
use wt_core::passkey::{self, Factor};

const PASSKEY_COLS: &str = "id, user_id, credential_id, name, passkey_json, aaguid, attestation, \
     sign_count, backup_eligible, backup_state, created_at, last_used_at, \
     authenticator_attachment";

fn passkey_from(r: &Row) -> Result<PasskeyRecord> {
    Ok(PasskeyRecord {
        id: r.get(0)?,
        user_id: r.get(1)?,
        credential_id: r.get(2)?,
        name: r.get(3)?,
        passkey_json: r.get(4)?,
        aaguid: r.get(5)?,
        attestation: r.get(6)?,
        sign_count: r.get(7)?,
        backup_eligible: r.get::<i64>(8)? != 0,
        backup_state: r.get::<i64>(9)? != 0,
        created_at: r.get(10)?,
        last_used_at: r.get(11)?,
        authenticator_attachment: r.get(12)?,
    })
}

const CEREMONY_COLS: &str = "id, purpose, user_id, org_id, session_id, challenge_id, name, \
     state_json, created_at, expires_at";
/// [`CEREMONY_COLS`] as read: a passwordless sign-in's ceremony has no org yet (NULL).
const CEREMONY_READ_COLS: &str = "id, purpose, user_id, COALESCE(org_id, ''), session_id, \
     challenge_id, name, state_json, created_at, expires_at";

fn ceremony_from(r: &Row) -> Result<PasskeyCeremony> {
    Ok(PasskeyCeremony {
        id: r.get(0)?,
        purpose: r.get(1)?,
        user_id: r.get(2)?,
        org_id: r.get(3)?,
        session_id: r.get(4)?,
        challenge_id: r.get(5)?,
        name: r.get(6)?,
        state_json: r.get(7)?,
        created_at: r.get(8)?,
        expires_at: r.get(9)?,
    })
}

/// The user's second factors, read inside the caller's transaction.
pub(super) fn second_factors_tx(tx: &dyn Db, user_id: &str) -> Result<SecondFactors> {
    let totp: i64 = tx.query_row(
        "SELECT COUNT(*) FROM totp_credentials WHERE user_id = ?1 AND confirmed_at IS NOT NULL",
        params![user_id],
        |r| r.get(0),
    )?;
    let passkeys: i64 = tx.query_row(
        "SELECT COUNT(*) FROM passkeys WHERE user_id = ?1",
        params![user_id],
        |r| r.get(0),
    )?;
    Ok(SecondFactors {
        totp: totp > 0,
        passkeys: u32::try_from(passkeys).unwrap_or(u32::MAX),
    })
}

/// Sets `users.mfa_enabled` to what the account has (any second factor); when none is
/// left, its recovery codes go too. Inside the caller's transaction.
pub(super) fn sync_mfa_enabled_tx(tx: &dyn Db, user_id: &str) -> Result<bool> {
    let any = wt_core::passkey::Factors::from(second_factors_tx(tx, user_id)?).any();
    tx.execute(
        "UPDATE users SET mfa_enabled = ?2 WHERE id = ?1",
        params![user_id, i64::from(any)],
    )?;
    if !any {
        tx.execute(
            "DELETE FROM recovery_codes WHERE user_id = ?1",
            params![user_id],
        )?;
    }
    Ok(any)
}

#[async_trait]
impl<B: Backend> PasskeyStore for SqlStore<B> {
    async fn passkeys_list(&self, user_id: &str) -> Result<Vec<PasskeyRecord>> {
        let user_id = user_id.to_string();
        self.read(move |c| {
            c.query_map(
                &format!(
                    "SELECT {PASSKEY_COLS} FROM passkeys WHERE user_id = ?1 ORDER BY created_at, id"
                ),
                params![user_id],
                passkey_from,
            )
        })
        .await
    }

    async fn passkey_by_credential(&self, credential_id: &str) -> Result<Option<PasskeyRecord>> {
        let credential_id = credential_id.to_string();
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {PASSKEY_COLS} FROM passkeys WHERE credential_id = ?1"),
                params![credential_id],
                passkey_from,
            )
            .optional()
        })
        .await
    }

    async fn passkey_add(&self, p: NewPasskey, audit: AuditEvent) -> Result<()> {
        let org_id = p.org_id.clone();
        let now = p.now;
        self.write_audited(org_id, now, audit, move |tx| {
            let taken: i64 = tx.query_row(
                "SELECT COUNT(*) FROM passkeys WHERE credential_id = ?1",
                params![p.credential_id],
                |r| r.get(0),
            )?;
            if taken > 0 {
                return Err(StoreError::Conflict(
                    "this passkey is already registered".into(),
                ));
            }
            let before = second_factors_tx(tx, &p.user_id)?;
            if before.passkeys as usize >= passkey::MAX_PER_USER {
                return Err(StoreError::Conflict(format!(
                    "an account can have at most {} passkeys: remove one first",
                    passkey::MAX_PER_USER
                )));
            }
            tx.execute(
                "INSERT INTO passkeys (id, user_id, credential_id, name, passkey_json, aaguid,
                     attestation, sign_count, backup_eligible, backup_state, created_at,
                     authenticator_attachment)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?11, ?7, ?8, ?9, ?10, ?12)",
                params![
                    p.id,
                    p.user_id,
                    p.credential_id,
                    p.name,
                    p.passkey_json,
                    p.aaguid,
                    p.sign_count,
                    p.backup_eligible,
                    p.backup_state,
                    p.now,
                    p.attestation_format,
                    p.authenticator_attachment
                ],
            )?;
            let first = !wt_core::passkey::Factors::from(before).any();
            if first {
                // The account's first second factor: recovery codes, and the sessions
                // that began without MFA end (this one stays), as after a TOTP setup.
                tx.execute(
                    "DELETE FROM recovery_codes WHERE user_id = ?1",
                    params![p.user_id],
                )?;
                for h in &p.recovery_hashes {
                    tx.execute(
                        "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?1, ?2, ?3)",
                        params![p.user_id, h, p.now],
                    )?;
                }
                revoke_user_sessions_tx(tx, &p.user_id, Some(&p.keep_session), p.now)?;
            }
            tx.execute(
                "UPDATE users SET mfa_enabled = 1 WHERE id = ?1",
                params![p.user_id],
            )?;
            Ok(())
        })
        .await
    }

    async fn passkey_rename(
        &self,
        org_id: &str,
        user_id: &str,
        id: &str,
        name: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()> {
        let (org_id, user_id, id, name) = (
            org_id.to_string(),
            user_id.to_string(),
            id.to_string(),
            name.to_string(),
        );
        self.write_audited(org_id, now, audit, move |tx| {
            let n = tx.execute(
                "UPDATE passkeys SET name = ?3 WHERE id = ?1 AND user_id = ?2",
                params![id, user_id, name],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
        .await
    }

    async fn passkey_remove(
        &self,
        org_id: &str,
        user_id: &str,
        id: &str,
        need: passkey::Requirement,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()> {
        let (org_id, user_id, id) = (org_id.to_string(), user_id.to_string(), id.to_string());
        self.write_audited(org_id, now, audit, move |tx| {
            // The user's row first: two removals at once take turns here (PostgreSQL
            // locks the row; SQLite has one writer), so the count below is current.
            tx.execute(
                "UPDATE users SET mfa_enabled = mfa_enabled WHERE id = ?1",
                params![user_id],
            )?;
            let mine: i64 = tx.query_row(
                "SELECT COUNT(*) FROM passkeys WHERE id = ?1 AND user_id = ?2",
                params![id, user_id],
                |r| r.get(0),
            )?;
            if mine == 0 {
                return Err(StoreError::NotFound);
            }
            let before = second_factors_tx(tx, &user_id)?.into();
            passkey::may_remove_under(need, before, Factor::Passkey)
                .map_err(|m| StoreError::Conflict(m.into()))?;
            tx.execute(
                "DELETE FROM passkeys WHERE id = ?1 AND user_id = ?2",
                params![id, user_id],
            )?;
            // Ceremonies it could have answered are gone with it: an assertion started
            // before the removal verifies against the removed key no more (they list
            // the user's keys as they were), so end the user's open ones.
            tx.execute(
                "UPDATE passkey_ceremonies SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
                params![user_id, now],
            )?;
            sync_mfa_enabled_tx(tx, &user_id)?;
            Ok(())
        })
        .await
    }

    async fn passkey_used(&self, u: PasskeyUse) -> Result<()> {
        self.write(move |c| {
            c.execute(
                "UPDATE passkeys SET passkey_json = ?2, sign_count = ?3, backup_eligible = ?4,
                     backup_state = ?5, last_used_at = ?6
                 WHERE id = ?1",
                params![
                    u.id,
                    u.passkey_json,
                    u.sign_count,
                    u.backup_eligible,
                    u.backup_state,
                    u.now
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn org_second_factors(&self, org_id: &str) -> Result<HashMap<String, SecondFactors>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            let mut out: HashMap<String, SecondFactors> = HashMap::new();
            for (user, totp) in c.query_map(
                "SELECT t.user_id, COUNT(*) FROM totp_credentials t
                 JOIN memberships m ON m.user_id = t.user_id AND m.org_id = ?1
                 WHERE t.confirmed_at IS NOT NULL GROUP BY t.user_id",
                params![org_id],
                |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?)),
            )? {
                out.entry(user).or_default().totp = totp > 0;
            }
            for (user, n) in c.query_map(
                "SELECT p.user_id, COUNT(*) FROM passkeys p
                 JOIN memberships m ON m.user_id = p.user_id AND m.org_id = ?1
                 GROUP BY p.user_id",
                params![org_id],
                |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?)),
            )? {
                out.entry(user).or_default().passkeys = u32::try_from(n).unwrap_or(u32::MAX);
            }
            Ok(out)
        })
        .await
    }

    async fn users_second_factors(
        &self,
        user_ids: &[String],
    ) -> Result<HashMap<String, SecondFactors>> {
        if user_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<Value> = user_ids.iter().map(|id| id.to_value()).collect();
        self.read(move |c| {
            let marks = vec!["?"; ids.len()].join(", ");
            let mut out: HashMap<String, SecondFactors> = HashMap::new();
            for (user, totp) in c.query_map(
                &format!(
                    "SELECT user_id, COUNT(*) FROM totp_credentials
                     WHERE confirmed_at IS NOT NULL AND user_id IN ({marks}) GROUP BY user_id"
                ),
                &ids,
                |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?)),
            )? {
                out.entry(user).or_default().totp = totp > 0;
            }
            for (user, n) in c.query_map(
                &format!(
                    "SELECT user_id, COUNT(*) FROM passkeys WHERE user_id IN ({marks})
                     GROUP BY user_id"
                ),
                &ids,
                |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?)),
            )? {
                out.entry(user).or_default().passkeys = u32::try_from(n).unwrap_or(u32::MAX);
            }
            Ok(out)
        })
        .await
    }

    async fn second_factors(&self, user_id: &str) -> Result<SecondFactors> {
        let user_id = user_id.to_string();
        self.read(move |c| second_factors_tx(c, &user_id)).await
    }

    async fn passkey_ceremony_create(&self, cer: PasskeyCeremony) -> Result<()> {
        self.write(move |c| {
            // Lapsed ceremonies are of no use to anyone: purged as new ones start. The
            // login page starts a passwordless one per view (no account known): those go
            // as soon as they lapse, so views add at most 5 minutes' worth of rows.
            c.execute(
                "DELETE FROM passkey_ceremonies WHERE expires_at < ?1
                    OR (purpose = 'passwordless' AND expires_at < ?2)",
                params![cer.created_at - 24 * 60 * 60, cer.created_at],
            )?;
            c.execute(
                &format!(
                    "INSERT INTO passkey_ceremonies ({CEREMONY_COLS}) VALUES (?1, ?2, ?3, NULLIF(?4, ''), ?5, ?6, ?7, ?8, ?9, ?10)"
                ),
                params![
                    cer.id,
                    cer.purpose,
                    cer.user_id,
                    cer.org_id,
                    cer.session_id,
                    cer.challenge_id,
                    cer.name,
                    cer.state_json,
                    cer.created_at,
                    cer.expires_at
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn passkey_ceremony_take(
        &self,
        id: &str,
        purpose: &str,
        now: UnixTime,
    ) -> Result<Option<PasskeyCeremony>> {
        let (id, purpose) = (id.to_string(), purpose.to_string());
        self.write(move |c| {
            // The conditional update is the single use: of any number of concurrent
            // takes, one changes the row.
            let n = c.execute(
                "UPDATE passkey_ceremonies SET used_at = ?3
                 WHERE id = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3",
                params![id, purpose, now],
            )?;
            if n == 0 {
                return Ok(None);
            }
            c.query_row(
                &format!("SELECT {CEREMONY_READ_COLS} FROM passkey_ceremonies WHERE id = ?1"),
                params![id],
                ceremony_from,
            )
            .optional()
        })
        .await
    }
}
