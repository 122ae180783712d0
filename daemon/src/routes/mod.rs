//! Thin handlers, one module per resource: parse, authorize, call a service, map.

pub mod allowed_ips;
pub mod audit;
pub mod auth;
pub mod health;
pub mod invites;
pub mod keys;
pub mod members;
pub mod mfa;
pub mod orgs;
pub mod passwords;
pub mod readiness;
pub mod setup;
pub mod step_up;
pub mod tokens;

use wt_core::clock::rfc3339;
use wt_store::{OrgRecord, SessionRecord, UserRecord};

pub fn user_json(u: &UserRecord) -> wt_api::User {
    wt_api::User {
        id: u.id.clone(),
        email: u.email.clone(),
        name: u.name.clone(),
    }
}

pub fn org_json(o: &OrgRecord) -> wt_api::Org {
    wt_api::Org {
        id: o.id.clone(),
        slug: o.slug.clone(),
        name: o.name.clone(),
    }
}

pub fn session_json(s: &SessionRecord, current_id: &str) -> wt_api::SessionInfo {
    wt_api::SessionInfo {
        id: s.id.clone(),
        client: s.client,
        created_at: rfc3339(s.created_at),
        last_seen_at: rfc3339(s.last_seen_at),
        expires_at: rfc3339(s.expires_at),
        idle_expires_at: rfc3339(s.idle_expires_at()),
        ip: s.ip.clone(),
        user_agent: s.user_agent.clone(),
        current: s.id == current_id,
    }
}
