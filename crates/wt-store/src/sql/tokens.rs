//! The SQL of [`TokenStore`], and [`revoke_user_tokens_tx`], which password, MFA and member
//! changes call.

use super::members::parse_role;
use super::orgs::{ORG_COLS, ORG_NCOLS, org_from};
use super::users::{USER_COLS, USER_NCOLS, user_from};
use super::{Backend, Db, OptionalExt, Row, SqlStore};
use crate::model::{AccessTokenRecord, TokenAuth};
use crate::params;
use crate::{Result, StoreError, TokenStore};
use async_trait::async_trait;
use wt_core::audit::AuditEvent;
use wt_core::clock::UnixTime;

const TOKEN_COLS: &str = "t.id, t.org_id, t.name, t.role, t.token_hash, t.created_by, u.email,
    t.created_at, t.expires_at, t.revoked_at, t.last_used_at, t.last_used_ip, t.scopes";

const TOKEN_NCOLS: usize = 13;

const TOKEN_FROM: &str = "access_tokens t JOIN users u ON u.id = t.created_by";

fn token_from(r: &Row) -> Result<AccessTokenRecord> {
    Ok(AccessTokenRecord {
        id: r.get(0)?,
        org_id: r.get(1)?,
        name: r.get(2)?,
        role: parse_role(&r.get::<String>(3)?)?,
        token_hash: r.get(4)?,
        created_by: r.get(5)?,
        created_by_email: r.get(6)?,
        created_at: r.get(7)?,
        expires_at: r.get(8)?,
        revoked_at: r.get(9)?,
        last_used_at: r.get(10)?,
        last_used_ip: r.get(11)?,
        scopes: wt_core::scopes::split(&r.get::<String>(12)?),
    })
}

fn token_by_id(c: &dyn Db, org_id: &str, id: &str) -> Result<Option<AccessTokenRecord>> {
    c.query_row(
        &format!("SELECT {TOKEN_COLS} FROM {TOKEN_FROM} WHERE t.org_id = ?1 AND t.id = ?2"),
        params![org_id, id],
        token_from,
    )
    .optional()
}

/// Revokes the live automation tokens a user created, in one org or (`None`) in every
/// org: what a password reset or change, an MFA reset or disable, "end sessions" and
/// removal do to them (SECURITY.md J.59; demotion re-scopes them instead, at each use).
pub(super) fn revoke_user_tokens_tx(
    tx: &dyn Db,
    org_id: Option<&str>,
    user_id: &str,
    now: UnixTime,
) -> Result<usize> {
    match org_id {
        Some(org_id) => tx.execute(
            "UPDATE access_tokens SET revoked_at = ?3
             WHERE created_by = ?1 AND org_id = ?2 AND revoked_at IS NULL",
            params![user_id, org_id, now],
        ),
        None => tx.execute(
            "UPDATE access_tokens SET revoked_at = ?2 WHERE created_by = ?1 AND revoked_at IS NULL",
            params![user_id, now],
        ),
    }
}

#[async_trait]
impl<B: Backend> TokenStore for SqlStore<B> {
    async fn access_token_create(
        &self,
        t: AccessTokenRecord,
        audit: AuditEvent,
    ) -> Result<AccessTokenRecord> {
        self.write_audited(t.org_id.clone(), t.created_at, audit, move |tx| {
            tx.execute(
                "INSERT INTO access_tokens (id, org_id, name, role, token_hash, created_by,
                    created_at, expires_at, scopes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    t.id,
                    t.org_id,
                    t.name,
                    t.role.as_str(),
                    t.token_hash,
                    t.created_by,
                    t.created_at,
                    t.expires_at,
                    wt_core::scopes::join(&t.scopes)
                ],
            )?;
            token_by_id(tx, &t.org_id, &t.id)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn access_tokens_list(&self, org_id: &str) -> Result<Vec<AccessTokenRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_map(
                &format!(
                    "SELECT {TOKEN_COLS} FROM {TOKEN_FROM} WHERE t.org_id = ?1
                 ORDER BY t.created_at DESC, t.id DESC"
                ),
                params![org_id],
                token_from,
            )
        })
        .await
    }

    async fn access_token_revoke(
        &self,
        org_id: &str,
        id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<AccessTokenRecord> {
        let (org_id, id) = (org_id.to_string(), id.to_string());
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let n = tx.execute(
                "UPDATE access_tokens SET revoked_at = ?3
                 WHERE org_id = ?1 AND id = ?2 AND revoked_at IS NULL",
                params![org_id, id, now],
            )?;
            let t = token_by_id(tx, &org_id, &id)?.ok_or(StoreError::NotFound)?;
            if n == 0 {
                return Err(StoreError::Conflict("the token is already revoked".into()));
            }
            Ok(t)
        })
        .await
    }

    async fn access_token_by_hash(&self, token_hash: &str) -> Result<Option<TokenAuth>> {
        let token_hash = token_hash.to_string();
        self.read(move |c| {
            c.query_row(
                &format!(
                    "SELECT {TOKEN_COLS}, {ORG_COLS}, {USER_COLS}, m.role, m.mfa_grace_until
                     FROM {TOKEN_FROM} JOIN orgs o ON o.id = t.org_id
                     LEFT JOIN memberships m ON m.org_id = t.org_id AND m.user_id = t.created_by
                     WHERE t.token_hash = ?1"
                ),
                params![token_hash],
                |r| {
                    let at = TOKEN_NCOLS + ORG_NCOLS;
                    Ok(TokenAuth {
                        token: token_from(r)?,
                        org: org_from(r, TOKEN_NCOLS)?,
                        creator: user_from(r, at)?,
                        creator_role: r
                            .get::<Option<String>>(at + USER_NCOLS)?
                            .map(|role| parse_role(&role))
                            .transpose()?,
                        creator_mfa_grace_until: r.get(at + USER_NCOLS + 1)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn access_token_touch(&self, id: &str, now: UnixTime, ip: &str) -> Result<()> {
        let (id, ip) = (id.to_string(), ip.to_string());
        self.write(move |c| {
            c.execute(
                "UPDATE access_tokens SET last_used_at = GREATEST(last_used_at, ?2),
                    last_used_ip = ?3 WHERE id = ?1",
                params![id, now, ip],
            )?;
            Ok(())
        })
        .await
    }
}
