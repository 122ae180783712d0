//! Automation-token scopes: a closed list of rights a token carries beside its role.
//!
//! Scopes *restrict to* the endpoints made for services, they never extend a role: an
//! endpoint that names a scope (`POST /api/v1/keys/verify` needs `keys:verify`) answers
//! only automation tokens holding it, and only while the token's effective role (the lower
//! of its own and its creator's current role, SECURITY.md J.59) still has the scope's
//! [`Permission`]. Every other route keeps the role rules alone, so a token made before
//! scopes existed (none stored) works exactly as before.

use crate::permissions::Permission;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One scope. The wire name is `noun:verb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    /// Verify ingestion keys in code (`POST /api/v1/keys/verify`).
    #[serde(rename = "keys:verify")]
    KeysVerify,
    /// Read ingested events (the consumer API: `GET /api/v1/orgs/events`, its stream).
    #[serde(rename = "events:read")]
    EventsRead,
    /// Read the audit log as a service.
    #[serde(rename = "audit:read")]
    AuditRead,
    /// Read the readiness checklist as a service.
    #[serde(rename = "readiness:read")]
    ReadinessRead,
}

impl Scope {
    /// Every scope, in wire order.
    pub const ALL: [Scope; 4] = [
        Scope::KeysVerify,
        Scope::EventsRead,
        Scope::AuditRead,
        Scope::ReadinessRead,
    ];

    /// The stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::KeysVerify => "keys:verify",
            Scope::EventsRead => "events:read",
            Scope::AuditRead => "audit:read",
            Scope::ReadinessRead => "readiness:read",
        }
    }

    /// Parses the wire name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// What the token's effective role must allow for the scope to count, at creation and
    /// at every use.
    pub fn permission(self) -> Permission {
        match self {
            Scope::KeysVerify => Permission::KeysRead,
            Scope::EventsRead => Permission::EventsRead,
            Scope::AuditRead => Permission::AuditRead,
            Scope::ReadinessRead => Permission::ReadinessRead,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stored form: wire names separated by one space, sorted, no duplicates ("" = none).
pub fn join(scopes: &[Scope]) -> String {
    let mut v = scopes.to_vec();
    v.sort();
    v.dedup();
    v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
}

/// Reads the stored form; an unknown name (a newer daemon's scope) is dropped, never
/// widened into something else.
pub fn split(stored: &str) -> Vec<Scope> {
    stored
        .split_ascii_whitespace()
        .filter_map(Scope::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
        assert_eq!(Scope::parse("keys:write"), None);
        assert_eq!(Scope::parse("KEYS:VERIFY"), None);
    }

    #[test]
    fn stored_form_is_sorted_and_deduplicated() {
        let s = join(&[Scope::ReadinessRead, Scope::KeysVerify, Scope::KeysVerify]);
        assert_eq!(s, "keys:verify readiness:read");
        assert_eq!(split(&s), vec![Scope::KeysVerify, Scope::ReadinessRead]);
        assert_eq!(split(""), Vec::<Scope>::new());
        assert_eq!(split("keys:verify future:thing"), vec![Scope::KeysVerify]);
    }
}
