//! The SQL of [`SessionStore`], the session row other domains read ([`SESSION_COLS`],
//! [`session_from`]) and [`revoke_user_sessions_tx`], which password and MFA changes call.

use super::members::parse_role;
use super::orgs::{ORG_COLS, ORG_NCOLS, org_from};
use super::users::{USER_COLS, USER_NCOLS, user_from};
use super::{Backend, Db, OptionalExt, Row, SqlStore};
use crate::model::{NewSession, OrgSessionRecord, SessionAuth, SessionRecord, SignInDevice};
use crate::params;
use crate::{Result, SessionStore, StoreError};
use async_trait::async_trait;
use wt_core::audit::AuditEvent;
use wt_core::clock::UnixTime;
use wt_core::sessions::ClientKind;

const SESSION_COLS: &str = "s.id, s.org_id, s.user_id, s.client, s.created_at,
    s.last_seen_at, s.expires_at, s.idle_timeout, s.ip, s.user_agent, s.step_up_at, s.last_ip";

/// How many columns [`SESSION_COLS`] selects.
const SESSION_NCOLS: usize = 12;

fn session_from(r: &Row, at: usize) -> Result<SessionRecord> {
    Ok(SessionRecord {
        id: r.get(at)?,
        org_id: r.get(at + 1)?,
        user_id: r.get(at + 2)?,
        client: parse_client(&r.get::<String>(at + 3)?),
        created_at: r.get(at + 4)?,
        last_seen_at: r.get(at + 5)?,
        expires_at: r.get(at + 6)?,
        idle_timeout: r.get(at + 7)?,
        ip: r.get(at + 8)?,
        user_agent: r.get(at + 9)?,
        step_up_at: r.get(at + 10)?,
        last_ip: r.get(at + 11)?,
    })
}

pub(super) fn parse_client(s: &str) -> ClientKind {
    if s == "console" {
        ClientKind::Console
    } else {
        ClientKind::Cli
    }
}

/// Revokes every live session of a user (in every org) except `keep`.
pub(super) fn revoke_user_sessions_tx(
    tx: &dyn Db,
    user_id: &str,
    keep: Option<&str>,
    now: UnixTime,
) -> Result<usize> {
    // A pending MFA login (the password was right) is a session in the making.
    tx.execute(
        "UPDATE mfa_challenges SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
        params![user_id, now],
    )?;
    tx.execute(
        "UPDATE sessions SET revoked_at = ?3
         WHERE user_id = ?1 AND revoked_at IS NULL AND id IS DISTINCT FROM ?2",
        params![user_id, keep, now],
    )
}

#[async_trait]
impl<B: Backend> SessionStore for SqlStore<B> {
    async fn create_session(&self, s: NewSession, audit: AuditEvent) -> Result<()> {
        self.write_audited(s.org_id.clone(), s.created_at, audit, move |tx| {
            tx.execute(
                "INSERT INTO sessions (id, token_hash, org_id, user_id, client, created_at, last_seen_at,
                    expires_at, idle_timeout, ip, user_agent)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10)",
                params![
                    s.id,
                    s.token_hash,
                    s.org_id,
                    s.user_id,
                    s.client.as_str(),
                    s.created_at,
                    s.expires_at,
                    s.idle_timeout,
                    s.ip,
                    s.user_agent
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<SessionAuth>> {
        let token_hash = token_hash.to_string();
        self.read(move |c| {
            c.query_row(
                &format!(
                    "SELECT {SESSION_COLS}, {USER_COLS}, {ORG_COLS}, m.role, m.mfa_grace_until
                     FROM sessions s
                     JOIN users u ON u.id = s.user_id
                     JOIN orgs o ON o.id = s.org_id
                     JOIN memberships m ON m.org_id = s.org_id AND m.user_id = s.user_id
                     WHERE s.token_hash = ?1 AND s.revoked_at IS NULL"
                ),
                params![token_hash],
                |r| {
                    Ok(SessionAuth {
                        session: session_from(r, 0)?,
                        user: user_from(r, SESSION_NCOLS)?,
                        org: org_from(r, SESSION_NCOLS + USER_NCOLS)?,
                        role: parse_role(
                            &r.get::<String>(SESSION_NCOLS + USER_NCOLS + ORG_NCOLS)?,
                        )?,
                        mfa_grace_until: r.get(SESSION_NCOLS + USER_NCOLS + ORG_NCOLS + 1)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn touch_session(&self, session_id: &str, now: UnixTime, ip: &str) -> Result<()> {
        let (id, ip) = (session_id.to_string(), ip.to_string());
        self.write(move |c| {
            c.execute(
                "UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, ?2), last_ip = ?3 WHERE id = ?1",
                params![id, now, ip],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_step_up(
        &self,
        org_id: &str,
        session_id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()> {
        let id = session_id.to_string();
        self.write_audited(org_id.to_string(), now, audit, move |tx| {
            let n = tx.execute(
                "UPDATE sessions SET step_up_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, now],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
        .await
    }

    async fn org_sessions(&self, org_id: &str, now: UnixTime) -> Result<Vec<OrgSessionRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_map(
                &format!(
                "SELECT {SESSION_COLS}, u.email FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.org_id = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2
                   AND s.last_seen_at + s.idle_timeout > ?2
                 ORDER BY s.last_seen_at DESC"
            ),
                params![org_id, now],
                |r| {
                    Ok(OrgSessionRecord {
                        session: session_from(r, 0)?,
                        email: r.get(SESSION_NCOLS)?,
                    })
                },
            )
        })
        .await
    }

    async fn revoke_session(
        &self,
        org_id: &str,
        user_id: &str,
        session_id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()> {
        let (org_id, user_id, id) = (
            org_id.to_string(),
            user_id.to_string(),
            session_id.to_string(),
        );
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let n = tx.execute(
                "UPDATE sessions SET revoked_at = ?4
                 WHERE id = ?1 AND org_id = ?2 AND user_id = ?3 AND revoked_at IS NULL",
                params![id, org_id, user_id, now],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
        .await
    }

    async fn list_sessions(
        &self,
        org_id: &str,
        user_id: &str,
        now: UnixTime,
    ) -> Result<Vec<SessionRecord>> {
        let (org_id, user_id) = (org_id.to_string(), user_id.to_string());
        self.read(move |c| {
            c.query_map(
                &format!(
                    "SELECT {SESSION_COLS} FROM sessions s
                 WHERE s.org_id = ?1 AND s.user_id = ?2 AND s.revoked_at IS NULL
                   AND s.expires_at > ?3 AND s.last_seen_at + s.idle_timeout > ?3
                 ORDER BY s.created_at DESC, s.id"
                ),
                params![org_id, user_id, now],
                |r| session_from(r, 0),
            )
        })
        .await
    }

    async fn revoke_other_sessions(
        &self,
        org_id: &str,
        user_id: &str,
        keep_session: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<usize> {
        let (org_id, user_id, keep) = (
            org_id.to_string(),
            user_id.to_string(),
            keep_session.to_string(),
        );
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            // A pending MFA login in the org (the password was right) is a session in the
            // making: it ends too.
            tx.execute(
                "UPDATE mfa_challenges SET used_at = ?3
                 WHERE org_id = ?1 AND user_id = ?2 AND used_at IS NULL",
                params![org_id, user_id, now],
            )?;
            tx.execute(
                "UPDATE sessions SET revoked_at = ?4
                 WHERE org_id = ?1 AND user_id = ?2 AND id <> ?3 AND revoked_at IS NULL",
                params![org_id, user_id, keep, now],
            )
        })
        .await
    }

    async fn sign_in_devices_since(
        &self,
        user_id: &str,
        since: UnixTime,
    ) -> Result<Vec<SignInDevice>> {
        let user_id = user_id.to_string();
        self.read(move |c| {
            c.query_map(
                "SELECT DISTINCT client, user_agent, ip FROM sessions
                 WHERE user_id = ?1 AND created_at >= ?2",
                params![user_id, since],
                |r| {
                    Ok(SignInDevice {
                        client: parse_client(&r.get::<String>(0)?),
                        user_agent: r.get(1)?,
                        ip: r.get(2)?,
                    })
                },
            )
        })
        .await
    }

    async fn signed_in_before(&self, user_id: &str) -> Result<bool> {
        let user_id = user_id.to_string();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT id FROM sessions WHERE user_id = ?1 LIMIT 1",
                params![user_id],
                |r| r.get::<String>(0),
            )
            .optional()?
            .is_some())
        })
        .await
    }
}
