//! The SQL of [`InviteStore`].

use super::audit::append_audit_tx;
use super::members::parse_role;
use super::orgs::org_by_id;
use super::users::{USER_COLS, user_from};
use super::{Backend, Db, OptionalExt, Row, SqlStore, internal};
use crate::model::{InviteRecord, NewInvite, NewMember, OrgRecord, UserRecord};
use crate::params;
use crate::{InviteStore, Result, StoreError};
use async_trait::async_trait;
use wt_core::audit::AuditEvent;
use wt_core::clock::UnixTime;
use wt_core::permissions::Role;

const INVITE_COLS: &str =
    "id, org_id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at";

fn invite_from(r: &Row) -> Result<InviteRecord> {
    Ok(InviteRecord {
        id: r.get(0)?,
        org_id: r.get(1)?,
        email: r.get(2)?,
        role: parse_role(&r.get::<String>(3)?)?,
        invited_by: r.get(4)?,
        created_at: r.get(5)?,
        expires_at: r.get(6)?,
        accepted_at: r.get(7)?,
        revoked_at: r.get(8)?,
    })
}

fn invite_by_id(conn: &dyn Db, org_id: &str, id: &str) -> Result<InviteRecord> {
    conn.query_row(
        &format!("SELECT {INVITE_COLS} FROM invites WHERE org_id = ?1 AND id = ?2"),
        params![org_id, id],
        invite_from,
    )
}

/// `Conflict` unless the org's invite `id` is still pending (neither accepted nor revoked);
/// `NotFound` for other orgs' ids.
fn still_pending(tx: &dyn Db, org_id: &str, id: &str) -> Result<()> {
    let current = invite_by_id(tx, org_id, id)?;
    if current.accepted_at.is_some() || current.revoked_at.is_some() {
        return Err(StoreError::Conflict(
            "the invite was already accepted or revoked".into(),
        ));
    }
    Ok(())
}

#[async_trait]
impl<B: Backend> InviteStore for SqlStore<B> {
    async fn invite_create(&self, inv: NewInvite, audit: AuditEvent) -> Result<InviteRecord> {
        self.write_audited(inv.org_id.clone(), inv.now, audit, move |tx| {
            let member: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                 WHERE m.org_id = ?1 AND u.email = ?2)",
                params![inv.org_id, inv.email],
                |r| r.get(0),
            )?;
            if member {
                return Err(StoreError::Conflict(format!("{} is already a member of this org", inv.email)));
            }
            let pending: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM invites WHERE org_id = ?1 AND email = ?2
                 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?3)",
                params![inv.org_id, inv.email, inv.now],
                |r| r.get(0),
            )?;
            if pending {
                return Err(StoreError::Conflict(format!(
                    "{} already has a pending invite: resend it (`wt invite resend ID`) or revoke it",
                    inv.email
                )));
            }
            tx.execute(
                "INSERT INTO invites (id, org_id, email, role, token_hash, invited_by, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![inv.id, inv.org_id, inv.email, inv.role.as_str(), inv.token_hash, inv.invited_by, inv.now, inv.expires_at],
            )?;
            let rec = invite_by_id(tx, &inv.org_id, &inv.id)?;
            Ok(rec)
        })
        .await
    }

    async fn invites_list(&self, org_id: &str) -> Result<Vec<InviteRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_map(&format!(
                "SELECT {INVITE_COLS} FROM invites WHERE org_id = ?1 ORDER BY created_at DESC, id"
            ), params![org_id], invite_from)
        })
        .await
    }

    async fn invite_resend(
        &self,
        org_id: &str,
        id: &str,
        token_hash: &str,
        expires_at: UnixTime,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<InviteRecord> {
        let (org_id, id, token_hash) = (org_id.to_string(), id.to_string(), token_hash.to_string());
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            still_pending(tx, &org_id, &id)?;
            tx.execute(
                "UPDATE invites SET token_hash = ?3, expires_at = ?4 WHERE org_id = ?1 AND id = ?2",
                params![org_id, id, token_hash, expires_at],
            )?;
            let rec = invite_by_id(tx, &org_id, &id)?;
            Ok(rec)
        })
        .await
    }

    async fn invite_revoke(
        &self,
        org_id: &str,
        id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()> {
        let (org_id, id) = (org_id.to_string(), id.to_string());
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            still_pending(tx, &org_id, &id)?;
            tx.execute(
                "UPDATE invites SET revoked_at = ?3 WHERE org_id = ?1 AND id = ?2",
                params![org_id, id, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn invite_by_token(&self, token_hash: &str) -> Result<Option<(InviteRecord, OrgRecord)>> {
        let token_hash = token_hash.to_string();
        self.read(move |c| {
            let inv = c
                .query_row(
                    &format!("SELECT {INVITE_COLS} FROM invites WHERE token_hash = ?1"),
                    params![token_hash],
                    invite_from,
                )
                .optional()?;
            match inv {
                Some(inv) => {
                    let org = org_by_id(c, &inv.org_id)?;
                    Ok(Some((inv, org)))
                }
                None => Ok(None),
            }
        })
        .await
    }

    async fn invite_accept(
        &self,
        token_hash: &str,
        new_account: Option<NewMember>,
        existing_user_id: Option<&str>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<(UserRecord, OrgRecord, Role)> {
        let token_hash = token_hash.to_string();
        let existing = existing_user_id.map(str::to_string);
        self.write(move |c| {
            let tx = c;
            // The org's audit lock before any row lock (lock order: see `Db::lock`).
            if let Some(org) = tx
                .query_row(
                    "SELECT org_id FROM invites WHERE token_hash = ?1",
                    params![token_hash],
                    |r| r.get::<String>(0),
                )
                .optional()?
            {
                tx.lock(&format!("audit:{org}"))?;
            }
            let row: Option<(String, String, String, String)> = tx
                .query_row(
                    "UPDATE invites SET accepted_at = ?2
                     WHERE token_hash = ?1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?2
                     RETURNING id, org_id, email, role",
                    params![token_hash, now],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((invite_id, org_id, email, role)) = row else {
                return Err(StoreError::InviteInvalid);
            };
            let role = Role::parse(&role).ok_or_else(|| internal("bad role in invites"))?;
            let user = match (new_account, existing) {
                (Some(m), None) => {
                    let taken: bool = tx.query_row(
                        "SELECT EXISTS(SELECT 1 FROM users WHERE email = ?1)",
                        params![email],
                        |r| r.get(0),
                    )?;
                    if taken {
                        return Err(StoreError::Conflict("an account with this email already exists".into()));
                    }
                    // Email, org and role come from the invite, never from the request.
                    tx.execute(
                        "INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![m.user_id, email, m.name, m.password_hash, now],
                    )?;
                    UserRecord { id: m.user_id, email: email.clone(), name: m.name, mfa_enabled: false, disabled: false }
                }
                (None, Some(user_id)) => {
                    let user = tx.query_row(
                        &format!("SELECT {USER_COLS} FROM users u WHERE u.id = ?1"),
                        params![user_id],
                        |r| user_from(r, 0),
                    )?;
                    if user.email != email {
                        return Err(StoreError::InviteInvalid);
                    }
                    user
                }
                _ => return Err(internal("invite_accept needs exactly one of a new account or a user")),
            };
            let already: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM memberships WHERE org_id = ?1 AND user_id = ?2)",
                params![org_id, user.id],
                |r| r.get(0),
            )?;
            if already {
                return Err(StoreError::Conflict("you are already a member of this org".into()));
            }
            tx.execute(
                "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![org_id, user.id, role.as_str(), now],
            )?;
            tx.execute(
                "UPDATE invites SET accepted_user_id = ?2 WHERE id = ?1",
                params![invite_id, user.id],
            )?;
            append_audit_tx(tx, &org_id, &audit, now)?;
            let org = org_by_id(tx, &org_id)?;
            Ok((user, org, role))
        })
        .await
    }
}
