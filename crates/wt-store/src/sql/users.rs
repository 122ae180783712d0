//! The SQL of [`UserStore`], and the user row other domains read ([`USER_COLS`],
//! [`user_from`]).

use super::members::parse_role;
use super::orgs::{ORG_COLS, ORG_NCOLS, org_from};
use super::{Backend, Db, OptionalExt, Row, SqlStore};
use crate::model::{LoginCandidate, UserRecord};
use crate::params;
use crate::{Result, UserStore};
use async_trait::async_trait;

pub(super) const USER_COLS: &str = "u.id, u.email, u.name, u.mfa_enabled, u.disabled_at";

/// How many columns [`USER_COLS`] selects.
pub(super) const USER_NCOLS: usize = 5;

pub(super) fn user_from(r: &Row, at: usize) -> Result<UserRecord> {
    Ok(UserRecord {
        id: r.get(at)?,
        email: r.get(at + 1)?,
        name: r.get(at + 2)?,
        mfa_enabled: r.get::<i64>(at + 3)? != 0,
        disabled: r.get::<Option<i64>>(at + 4)?.is_some(),
    })
}

/// A user matching `cond` (one `?1` parameter) with password hash and memberships.
fn candidate(c: &dyn Db, cond: &str, arg: &str) -> Result<Option<LoginCandidate>> {
    let found = c
        .query_row(
            &format!("SELECT {USER_COLS}, u.password_hash FROM users u WHERE {cond}"),
            params![arg],
            |r| Ok((user_from(r, 0)?, r.get::<String>(USER_NCOLS)?)),
        )
        .optional()?;
    let Some((user, password_hash)) = found else {
        return Ok(None);
    };
    let memberships = c.query_map(
        &format!(
            "SELECT {ORG_COLS}, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
             WHERE m.user_id = ?1 ORDER BY o.created_at, o.id"
        ),
        params![user.id],
        |r| Ok((org_from(r, 0)?, parse_role(&r.get::<String>(ORG_NCOLS)?)?)),
    )?;
    Ok(Some(LoginCandidate {
        user,
        password_hash,
        memberships,
    }))
}

#[async_trait]
impl<B: Backend> UserStore for SqlStore<B> {
    async fn user_for_login(&self, email: &str) -> Result<Option<LoginCandidate>> {
        let email = email.to_string();
        self.read(move |c| candidate(c, "u.email = ?1", &email))
            .await
    }

    async fn user_by_id(&self, user_id: &str) -> Result<Option<LoginCandidate>> {
        let user_id = user_id.to_string();
        self.read(move |c| candidate(c, "u.id = ?1", &user_id))
            .await
    }
}
