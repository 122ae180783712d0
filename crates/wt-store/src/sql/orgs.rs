//! The SQL of [`OrgStore`], and the org row every other domain reads ([`ORG_COLS`],
//! [`org_from`], [`org_by_id`]).

use super::readiness::readiness_from;
use super::{Backend, Db, Row, SqlStore};
use crate::model::{NewOrg, NewSetupToken, OrgRecord};
use crate::params;
use crate::{OrgStore, Result, StoreError};
use async_trait::async_trait;
use wt_core::audit::AuditEvent;
use wt_core::clock::UnixTime;
use wt_core::permissions::Role;

pub(super) const ORG_COLS: &str = "o.id, o.slug, o.name, o.mfa_required_roles, o.created_at,
    o.browser_ingest, o.readiness_settings, o.phishing_resistant_required_roles, o.passkey_aaguids,
    o.key_rate_limit, o.key_rate_burst, o.leak_policy";

/// How many columns [`ORG_COLS`] selects.
pub(super) const ORG_NCOLS: usize = 12;

pub(super) fn org_from(r: &Row, at: usize) -> Result<OrgRecord> {
    Ok(OrgRecord {
        id: r.get(at)?,
        slug: r.get(at + 1)?,
        name: r.get(at + 2)?,
        mfa_required_roles: parse_roles(&r.get::<String>(at + 3)?),
        created_at: r.get(at + 4)?,
        browser_ingest_allowed: r.get::<String>(at + 5)? == "allow",
        readiness: readiness_from(&r.get::<String>(at + 6)?),
        passkey_policy: wt_core::passkey::PasskeyPolicy {
            phishing_resistant_roles: parse_roles(&r.get::<String>(at + 7)?),
            aaguids: r
                .get::<String>(at + 8)?
                .split(',')
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect(),
        },
        key_rate: super::keys::rate_from(r.get(at + 9)?, r.get(at + 10)?),
        leak_policy: wt_core::leaks::LeakPolicy::parse(&r.get::<String>(at + 11)?)
            .unwrap_or_default(),
    })
}

pub(super) fn org_by_id(conn: &dyn Db, id: &str) -> Result<OrgRecord> {
    conn.query_row(
        &format!("SELECT {ORG_COLS} FROM orgs o WHERE o.id = ?1"),
        params![id],
        |r| org_from(r, 0),
    )
}

/// Runs `update` (an `UPDATE orgs ... WHERE id = ?1` setting `?2` to `value`) inside the
/// caller's transaction and reads the org back: the shape of every org setting.
/// `NotFound` for an unknown org.
pub(super) fn update_org(
    tx: &dyn Db,
    update: &str,
    org_id: &str,
    value: &str,
) -> Result<OrgRecord> {
    if tx.execute(update, params![org_id, value])? == 0 {
        return Err(StoreError::NotFound);
    }
    org_by_id(tx, org_id)
}

fn parse_roles(s: &str) -> Vec<Role> {
    s.split(',').filter_map(|r| Role::parse(r.trim())).collect()
}

#[async_trait]
impl<B: Backend> OrgStore for SqlStore<B> {
    async fn create_org(
        &self,
        org: NewOrg,
        setup: Option<NewSetupToken>,
        audit: AuditEvent,
        now: UnixTime,
    ) -> Result<OrgRecord> {
        self.write_audited(org.id.clone(), now, audit, move |tx| {
            let taken: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM orgs WHERE slug = ?1)",
                params![org.slug],
                |r| r.get(0),
            )?;
            if taken {
                return Err(StoreError::Conflict(format!(
                    "an org with the slug {:?} already exists",
                    org.slug
                )));
            }
            tx.execute(
                "INSERT INTO orgs (id, slug, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![org.id, org.slug, org.name, now],
            )?;
            if let Some(s) = &setup {
                tx.execute(
                    "INSERT INTO setup_tokens (token_hash, org_id, owner_email, created_at, expires_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![s.token_hash, org.id, s.owner_email, now, s.expires_at],
                )?;
            }
            let rec = org_by_id(tx, &org.id)?;
            Ok(rec)
        })
        .await
    }

    async fn list_orgs(&self) -> Result<Vec<OrgRecord>> {
        self.read(|c| {
            c.query_map(
                &format!("SELECT {ORG_COLS} FROM orgs o ORDER BY o.created_at, o.id"),
                params![],
                |r| org_from(r, 0),
            )
        })
        .await
    }

    async fn set_mfa_required_roles(
        &self,
        org_id: &str,
        roles: Vec<Role>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<OrgRecord> {
        let org_id = org_id.to_string();
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let list: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            let update = "UPDATE orgs SET mfa_required_roles = ?2 WHERE id = ?1";
            update_org(tx, update, &org_id, &list.join(","))
        })
        .await
    }

    async fn set_passkey_policy(
        &self,
        org_id: &str,
        policy: wt_core::passkey::PasskeyPolicy,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<OrgRecord> {
        let org_id = org_id.to_string();
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let roles: Vec<&str> = policy
                .phishing_resistant_roles
                .iter()
                .map(|r| r.as_str())
                .collect();
            let update = "UPDATE orgs SET phishing_resistant_required_roles = ?2 WHERE id = ?1";
            update_org(tx, update, &org_id, &roles.join(","))?;
            let update = "UPDATE orgs SET passkey_aaguids = ?2 WHERE id = ?1";
            update_org(tx, update, &org_id, &policy.aaguids.join(","))
        })
        .await
    }

    async fn set_browser_ingest(
        &self,
        org_id: &str,
        allowed: bool,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<OrgRecord> {
        let org_id = org_id.to_string();
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let update = "UPDATE orgs SET browser_ingest = ?2 WHERE id = ?1";
            update_org(
                tx,
                update,
                &org_id,
                if allowed { "allow" } else { "refuse" },
            )
        })
        .await
    }

    async fn set_key_rate(
        &self,
        org_id: &str,
        rate: Option<wt_core::ratelimit::KeyRate>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<OrgRecord> {
        let org_id = org_id.to_string();
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let n = tx.execute(
                "UPDATE orgs SET key_rate_limit = ?2, key_rate_burst = ?3 WHERE id = ?1",
                params![
                    org_id,
                    rate.map(|r| r.rate_str()),
                    rate.map(|r| i64::from(r.burst))
                ],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            org_by_id(tx, &org_id)
        })
        .await
    }

    async fn set_leak_policy(
        &self,
        org_id: &str,
        policy: wt_core::leaks::LeakPolicy,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<OrgRecord> {
        let org_id = org_id.to_string();
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let update = "UPDATE orgs SET leak_policy = ?2 WHERE id = ?1";
            update_org(tx, update, &org_id, policy.as_str())
        })
        .await
    }
}
