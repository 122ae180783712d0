//! The SQL of [`SetupStore`]: claiming an org's first owner account with its setup token
//! (the token itself is stored by [`crate::OrgStore::create_org`]).

use super::audit::append_audit_tx;
use super::orgs::org_by_id;
use super::{Backend, OptionalExt, SqlStore};
use crate::model::{OrgRecord, SetupClaim, UserRecord};
use crate::params;
use crate::{Result, SetupStore, StoreError};
use async_trait::async_trait;
use wt_core::audit::AuditEvent;
use wt_core::clock::UnixTime;

#[async_trait]
impl<B: Backend> SetupStore for SqlStore<B> {
    async fn claim_setup(
        &self,
        claim: SetupClaim,
        audit: AuditEvent,
    ) -> Result<(UserRecord, OrgRecord)> {
        self.write(move |c| {
            let tx = c;
            // The org's audit lock before any row lock (lock order: see `Db::lock`).
            if let Some(org) = tx
                .query_row(
                    "SELECT org_id FROM setup_tokens WHERE token_hash = ?1",
                    params![claim.token_hash],
                    |r| r.get::<String>(0),
                )
                .optional()?
            {
                tx.lock(&format!("audit:{org}"))?;
            }
            // Burn the token first: of two parallel claims only one changes a row.
            let row: Option<(String, String)> = tx
                .query_row(
                    "UPDATE setup_tokens SET used_at = ?2
                     WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2
                     RETURNING org_id, owner_email",
                    params![claim.token_hash, claim.now],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((org_id, email)) = row else {
                return Err(StoreError::SetupTokenInvalid);
            };
            let exists: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM users WHERE email = ?1)",
                params![email],
                |r| r.get(0),
            )?;
            if exists {
                return Err(StoreError::Conflict(
                    "an account with this email already exists".into(),
                ));
            }
            tx.execute(
                "INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![claim.user_id, email, claim.name, claim.password_hash, claim.now],
            )?;
            tx.execute(
                "INSERT INTO memberships (org_id, user_id, role, created_at, mfa_grace_until)
                 VALUES (?1, ?2, 'owner', ?3, ?4)",
                params![org_id, claim.user_id, claim.now, claim.mfa_grace_until],
            )?;
            append_audit_tx(tx, &org_id, &audit, claim.now)?;
            let org = org_by_id(tx, &org_id)?;
            Ok((
                UserRecord {
                    id: claim.user_id,
                    email,
                    name: claim.name,
                    mfa_enabled: false,
                    disabled: false,
                },
                org,
            ))
        })
        .await
    }

    async fn setup_token_email(
        &self,
        token_hash: &str,
        now: UnixTime,
    ) -> Result<(String, OrgRecord)> {
        let token_hash = token_hash.to_string();
        self.read(move |c| {
            let row: Option<(String, String)> = c
                .query_row(
                    "SELECT owner_email, org_id FROM setup_tokens
                     WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
                    params![token_hash, now],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (email, org_id) = row.ok_or(StoreError::SetupTokenInvalid)?;
            Ok((email, org_by_id(c, &org_id)?))
        })
        .await
    }
}
