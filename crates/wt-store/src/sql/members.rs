//! The SQL of [`MemberStore`], and [`parse_role`], the reading of a stored role.

use super::tokens::revoke_user_tokens_tx;
use super::users::{USER_COLS, USER_NCOLS, user_from};
use super::{Backend, Db, OptionalExt, SqlStore, ToValue, internal};
use crate::model::{MemberRecord, NewMember, ReviewRecord, UserRecord};
use crate::params;
use crate::{MemberStore, Result, StoreError};
use async_trait::async_trait;
use wt_core::audit::AuditEvent;
use wt_core::clock::UnixTime;
use wt_core::paging::MemberAfter;
use wt_core::permissions::Role;
use wt_core::permissions::{self, rank};

/// Owners of an org, counted inside the caller's transaction.
fn owners(tx: &dyn Db, org_id: &str) -> Result<i64> {
    tx.query_row(
        "SELECT COUNT(*) FROM memberships WHERE org_id = ?1 AND role = 'owner'",
        params![org_id],
        |r| r.get(0),
    )
}

pub(super) fn parse_role(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| internal(format!("unknown role {s:?} in the database")))
}

#[async_trait]
impl<B: Backend> MemberStore for SqlStore<B> {
    async fn create_member(&self, m: NewMember, audit: AuditEvent) -> Result<UserRecord> {
        self.write_audited(m.org_id.clone(), m.now, audit, move |tx| {
            let exists: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM users WHERE email = ?1)",
                params![m.email],
                |r| r.get(0),
            )?;
            if exists {
                return Err(StoreError::Conflict("an account with this email already exists".into()));
            }
            tx.execute(
                "INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![m.user_id, m.email, m.name, m.password_hash, m.now],
            )?;
            tx.execute(
                "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![m.org_id, m.user_id, m.role.as_str(), m.now],
            )?;
            Ok(UserRecord {
                id: m.user_id,
                email: m.email,
                name: m.name,
                mfa_enabled: false,
                disabled: false,
            })
        })
        .await
    }

    async fn member(&self, org_id: &str, user_id: &str) -> Result<Option<(UserRecord, Role)>> {
        let (org_id, user_id) = (org_id.to_string(), user_id.to_string());
        self.read(move |c| {
            c.query_row(
                &format!(
                    "SELECT {USER_COLS}, m.role FROM memberships m JOIN users u ON u.id = m.user_id
                     WHERE m.org_id = ?1 AND m.user_id = ?2"
                ),
                params![org_id, user_id],
                |r| Ok((user_from(r, 0)?, parse_role(&r.get::<String>(USER_NCOLS)?)?)),
            )
            .optional()
        })
        .await
    }

    async fn member_record(&self, org_id: &str, user_id: &str) -> Result<Option<MemberRecord>> {
        let (org_id, user_id) = (org_id.to_string(), user_id.to_string());
        self.read(move |c| {
            c.query_row(
                &format!(
                    "SELECT {USER_COLS}, m.role, m.created_at FROM memberships m
                     JOIN users u ON u.id = m.user_id WHERE m.org_id = ?1 AND m.user_id = ?2"
                ),
                params![org_id, user_id],
                |r| {
                    Ok(MemberRecord {
                        user: user_from(r, 0)?,
                        role: parse_role(&r.get::<String>(USER_NCOLS)?)?,
                        joined_at: r.get(USER_NCOLS + 1)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn members_list(&self, org_id: &str) -> Result<Vec<MemberRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_map(&format!(
                "SELECT {USER_COLS}, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
                 WHERE m.org_id = ?1 ORDER BY m.created_at, u.email"
            ), params![org_id], |r| {
                Ok(MemberRecord {
                    user: user_from(r, 0)?,
                    role: parse_role(&r.get::<String>(USER_NCOLS)?)?,
                    joined_at: r.get(6)?,
                })
            })
        })
        .await
    }

    async fn members_page(
        &self,
        org_id: &str,
        after: Option<MemberAfter>,
        limit: u32,
    ) -> Result<Vec<MemberRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            let mut sql = format!(
                "SELECT {USER_COLS}, m.role, m.created_at FROM memberships m
                 JOIN users u ON u.id = m.user_id WHERE m.org_id = ?"
            );
            let mut args = vec![org_id.to_value()];
            if let Some(a) = &after {
                // Row values compare as the ORDER BY sorts (on both backends), so the
                // index on (org_id, created_at, user_id) is read from the cursor onwards.
                sql.push_str(" AND (m.created_at, m.user_id) > (?, ?)");
                args.extend([a.joined_at.to_value(), a.user_id.to_value()]);
            }
            sql.push_str(" ORDER BY m.created_at, m.user_id LIMIT ?");
            args.push(limit.to_value());
            c.query_map(&sql, &args, |r| {
                Ok(MemberRecord {
                    user: user_from(r, 0)?,
                    role: parse_role(&r.get::<String>(USER_NCOLS)?)?,
                    joined_at: r.get(USER_NCOLS + 1)?,
                })
            })
        })
        .await
    }

    async fn member_set_role(
        &self,
        org_id: &str,
        user_id: &str,
        role: Role,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()> {
        let (org_id, user_id) = (org_id.to_string(), user_id.to_string());
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let current: Option<String> = tx
                .query_row(
                    "SELECT role FROM memberships WHERE org_id = ?1 AND user_id = ?2",
                    params![org_id, user_id],
                    |r| r.get(0),
                )
                .optional()?;
            let current = current.ok_or(StoreError::NotFound)?;
            if current == "owner" && role != Role::Owner && owners(tx, &org_id)? <= 1 {
                return Err(StoreError::LastOwner);
            }
            tx.execute(
                "UPDATE memberships SET role = ?3 WHERE org_id = ?1 AND user_id = ?2",
                params![org_id, user_id, role.as_str()],
            )?;
            // Pending invites this member sent that their new role could not send (all of
            // them once they may not invite) die with the standing that granted them (J.59).
            let email: String = tx.query_row(
                "SELECT email FROM users WHERE id = ?1",
                params![user_id],
                |r| r.get(0),
            )?;
            let can_invite = permissions::allows(role, permissions::Permission::MembersManage);
            for above in Role::ALL
                .iter()
                .filter(|r| !can_invite || rank(**r) > rank(role))
            {
                tx.execute(
                    "UPDATE invites SET revoked_at = ?4 WHERE org_id = ?1 AND invited_by = ?2
                     AND role = ?3 AND accepted_at IS NULL AND revoked_at IS NULL",
                    params![org_id, email, above.as_str(), now],
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn member_remove(
        &self,
        org_id: &str,
        user_id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()> {
        let (org_id, user_id) = (org_id.to_string(), user_id.to_string());
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let current: Option<(String, String)> = tx
                .query_row(
                    "SELECT m.role, u.email FROM memberships m JOIN users u ON u.id = m.user_id
                     WHERE m.org_id = ?1 AND m.user_id = ?2",
                    params![org_id, user_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (role, email) = current.ok_or(StoreError::NotFound)?;
            if role == "owner" && owners(tx, &org_id)? <= 1 {
                return Err(StoreError::LastOwner);
            }
            // Sessions in this org go with the membership (ON DELETE CASCADE); the
            // tokens they made stay listed, revoked.
            revoke_user_tokens_tx(tx, Some(&org_id), &user_id, now)?;
            tx.execute(
                "DELETE FROM memberships WHERE org_id = ?1 AND user_id = ?2",
                params![org_id, user_id],
            )?;
            // Pending invites to them, and the ones they sent (J.59).
            tx.execute(
                "UPDATE invites SET revoked_at = ?3 WHERE org_id = ?1 AND (email = ?2 OR invited_by = ?2)
                 AND accepted_at IS NULL AND revoked_at IS NULL",
                params![org_id, email, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn member_sessions_revoke(
        &self,
        org_id: &str,
        user_id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<usize> {
        let (org_id, user_id) = (org_id.to_string(), user_id.to_string());
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let n = tx.execute(
                "UPDATE sessions SET revoked_at = ?3 WHERE org_id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
                params![org_id, user_id, now],
            )?;
            revoke_user_tokens_tx(tx, Some(&org_id), &user_id, now)?;
            tx.execute(
                "UPDATE mfa_challenges SET used_at = ?3 WHERE org_id = ?1 AND user_id = ?2 AND used_at IS NULL",
                params![org_id, user_id, now],
            )?;
            Ok(n)
        })
        .await
    }

    async fn member_review_create(
        &self,
        org_id: &str,
        review: ReviewRecord,
        audit: AuditEvent,
    ) -> Result<()> {
        let org_id = org_id.to_string();
        self.write_audited(org_id.clone(), review.reviewed_at, audit, move |tx| {
            tx.execute(
                "INSERT INTO member_reviews (id, org_id, reviewed_by, reviewed_at, members) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![review.id, org_id, review.reviewed_by, review.reviewed_at, review.members_json],
            )?;
            Ok(())
        })
        .await
    }

    async fn member_reviews(&self, org_id: &str) -> Result<Vec<ReviewRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_map(
                "SELECT id, reviewed_by, reviewed_at, members FROM member_reviews
                 WHERE org_id = ?1 ORDER BY reviewed_at DESC, id",
                params![org_id],
                |r| {
                    Ok(ReviewRecord {
                        id: r.get(0)?,
                        reviewed_by: r.get(1)?,
                        reviewed_at: r.get(2)?,
                        members_json: r.get(3)?,
                    })
                },
            )
        })
        .await
    }
}
