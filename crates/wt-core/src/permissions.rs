//! The one permission matrix: which role may do what.
//!
//! Every route names the [`Permission`] it needs and calls [`allows`]; no handler compares
//! role strings. New resources add a permission here and a row in the table test below.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Roles inside an org, highest first. What each may do is decided by the permission
/// matrix in `wt-core`, never by comparing these strings in handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    RiskLead,
    Analyst,
    Viewer,
}

impl Role {
    /// Every role, highest first.
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::RiskLead,
        Role::Analyst,
        Role::Viewer,
    ];

    /// The stable wire name (`risk_lead`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::RiskLead => "risk_lead",
            Role::Analyst => "analyst",
            Role::Viewer => "viewer",
        }
    }

    /// Parses the wire name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a member may be allowed to do inside their org.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See who they are, their own sessions; every member has it.
    SelfRead,
    /// Manage their own sessions, password and MFA; every member has it.
    SelfManage,
    /// Read the member list and pending invites.
    MembersRead,
    /// Invite, change roles, remove members, revoke their sessions.
    MembersManage,
    /// Read org settings.
    OrgRead,
    /// Change org settings (MFA-required roles, review intervals).
    OrgManage,
    /// Read ingestion keys (never their secrets).
    KeysRead,
    /// Create, rotate and revoke ingestion keys.
    KeysManage,
    /// Read the allowed-IP list.
    AllowedIpsRead,
    /// Edit the allowed-IP list.
    AllowedIpsManage,
    /// Read and verify the audit log.
    AuditRead,
    /// Record reviews of the audit log.
    AuditReview,
    /// Add, pause, resume, test and remove audit sinks (`wt audit sinks`): where the log
    /// is streamed to leaves the installation, so owners and admins only.
    AuditSinksManage,
    /// Read the production readiness checklist.
    ReadinessRead,
    /// Create and revoke automation tokens.
    TokensManage,
    /// Read ingested events (the consumer API, `wt events`): their payloads are the
    /// org's data, so viewers, who see configuration only, do not.
    EventsRead,
    /// Manage detection rules and controls.
    RulesManage,
    /// Start and confirm their own MFA enrollment; every member has it, and it is the one
    /// thing (with [`Permission::SelfRead`]) a session may do before required MFA is on.
    MfaEnroll,
}

impl Permission {
    /// Every permission, for exhaustive tests.
    pub const ALL: [Permission; 18] = [
        Permission::SelfRead,
        Permission::SelfManage,
        Permission::MembersRead,
        Permission::MembersManage,
        Permission::OrgRead,
        Permission::OrgManage,
        Permission::KeysRead,
        Permission::KeysManage,
        Permission::AllowedIpsRead,
        Permission::AllowedIpsManage,
        Permission::AuditRead,
        Permission::AuditReview,
        Permission::AuditSinksManage,
        Permission::ReadinessRead,
        Permission::TokensManage,
        Permission::EventsRead,
        Permission::RulesManage,
        Permission::MfaEnroll,
    ];
}

/// Rank of a role: higher outranks lower. Used for "nobody grants above their own role".
pub fn rank(role: Role) -> u8 {
    match role {
        Role::Owner => 5,
        Role::Admin => 4,
        Role::RiskLead => 3,
        Role::Analyst => 2,
        Role::Viewer => 1,
    }
}

/// The lower of two roles: what a credential acts as when it carries a role of its own
/// and stands for a member whose role may have changed since (SECURITY.md J.59).
pub fn lower(a: Role, b: Role) -> Role {
    if rank(a) <= rank(b) { a } else { b }
}

/// The matrix. Owners and admins manage team access, keys, allowed IPs and settings; risk
/// leads manage rules and read and review the audit log; analysts and viewers read.
pub fn allows(role: Role, perm: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Owner | Role::Admin => true,
        Role::RiskLead => matches!(
            perm,
            SelfRead
                | SelfManage
                | MfaEnroll
                | MembersRead
                | OrgRead
                | KeysRead
                | EventsRead
                | AllowedIpsRead
                | AuditRead
                | AuditReview
                | ReadinessRead
                | RulesManage
        ),
        Role::Analyst => matches!(
            perm,
            SelfRead
                | SelfManage
                | MfaEnroll
                | MembersRead
                | OrgRead
                | KeysRead
                | EventsRead
                | ReadinessRead
        ),
        Role::Viewer => matches!(
            perm,
            SelfRead | SelfManage | MfaEnroll | OrgRead | ReadinessRead
        ),
    }
}

/// What a session may do while its role requires MFA and none is enrolled (SECURITY.md
/// E.46): see who it is and enroll. Everything else answers `mfa_enrollment_required`.
pub fn allowed_before_mfa(perm: Permission) -> bool {
    matches!(perm, Permission::SelfRead | Permission::MfaEnroll)
}

/// Whether a member with `role` in an org that requires MFA for `required_roles` must
/// enroll before doing anything else.
pub fn mfa_enrollment_required(role: Role, required_roles: &[Role], mfa_enabled: bool) -> bool {
    !mfa_enabled && required_roles.contains(&role)
}

/// Whether a member who owes MFA is restricted to enrollment at `now`: at once, unless a
/// bounded grace was granted (only to the owner who claims a new org) and still runs.
pub fn mfa_restricted(owed: bool, grace_until: Option<i64>, now: i64) -> bool {
    owed && grace_until.is_none_or(|g| now >= g)
}

/// Why a role change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleChangeError {
    #[error("you cannot change your own role")]
    SelfChange,
    #[error("you cannot grant a role above your own")]
    AboveOwn,
    #[error("only an owner can change or remove an owner")]
    OwnerProtected,
    #[error("you are not allowed to manage members")]
    NotAllowed,
}

/// Guard rails for granting `new_role` to `target` (currently `target_role`, `None` for an
/// invite). The last-owner rule needs the count of owners and is checked by the store
/// inside the transaction.
pub fn check_role_grant(
    actor_role: Role,
    actor_is_target: bool,
    target_role: Option<Role>,
    new_role: Role,
) -> Result<(), RoleChangeError> {
    if !allows(actor_role, Permission::MembersManage) {
        return Err(RoleChangeError::NotAllowed);
    }
    if actor_is_target {
        return Err(RoleChangeError::SelfChange);
    }
    if rank(new_role) > rank(actor_role) {
        return Err(RoleChangeError::AboveOwn);
    }
    if target_role == Some(Role::Owner) && actor_role != Role::Owner {
        return Err(RoleChangeError::OwnerProtected);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_rows_match_the_spec() {
        use Permission::*;
        // (permission, owner, admin, risk_lead, analyst, viewer)
        let table: [(Permission, [bool; 5]); 18] = [
            (SelfRead, [true, true, true, true, true]),
            (SelfManage, [true, true, true, true, true]),
            (MembersRead, [true, true, true, true, false]),
            (MembersManage, [true, true, false, false, false]),
            (OrgRead, [true, true, true, true, true]),
            (OrgManage, [true, true, false, false, false]),
            (KeysRead, [true, true, true, true, false]),
            (KeysManage, [true, true, false, false, false]),
            (AllowedIpsRead, [true, true, true, false, false]),
            (AllowedIpsManage, [true, true, false, false, false]),
            (AuditRead, [true, true, true, false, false]),
            (AuditReview, [true, true, true, false, false]),
            (AuditSinksManage, [true, true, false, false, false]),
            (ReadinessRead, [true, true, true, true, true]),
            (TokensManage, [true, true, false, false, false]),
            (EventsRead, [true, true, true, true, false]),
            (RulesManage, [true, true, true, false, false]),
            (MfaEnroll, [true, true, true, true, true]),
        ];
        assert_eq!(table.len(), Permission::ALL.len());
        for (perm, row) in table {
            for (role, want) in Role::ALL.into_iter().zip(row) {
                assert_eq!(allows(role, perm), want, "{role} / {perm:?}");
            }
        }
    }

    #[test]
    fn before_required_mfa_only_enrollment_and_self_read_are_allowed() {
        let allowed: Vec<_> = Permission::ALL
            .into_iter()
            .filter(|p| allowed_before_mfa(*p))
            .collect();
        assert_eq!(allowed, vec![Permission::SelfRead, Permission::MfaEnroll]);
        let req = [Role::Owner, Role::Admin, Role::RiskLead];
        assert!(mfa_enrollment_required(Role::Admin, &req, false));
        assert!(!mfa_enrollment_required(Role::Admin, &req, true));
        assert!(!mfa_enrollment_required(Role::Viewer, &req, false));
        assert!(
            mfa_restricted(true, None, 100),
            "no grace: restricted at once"
        );
        assert!(!mfa_restricted(true, Some(200), 100), "within the grace");
        assert!(mfa_restricted(true, Some(200), 200), "the grace is over");
        assert!(!mfa_restricted(false, None, 100));
    }

    #[test]
    fn nobody_grants_above_their_own_role() {
        assert_eq!(
            check_role_grant(Role::Admin, false, Some(Role::Viewer), Role::Owner),
            Err(RoleChangeError::AboveOwn)
        );
        assert!(check_role_grant(Role::Admin, false, Some(Role::Viewer), Role::Admin).is_ok());
    }

    #[test]
    fn own_role_change_is_refused() {
        assert_eq!(
            check_role_grant(Role::Owner, true, Some(Role::Owner), Role::Admin),
            Err(RoleChangeError::SelfChange)
        );
    }

    #[test]
    fn admins_cannot_touch_owners() {
        assert_eq!(
            check_role_grant(Role::Admin, false, Some(Role::Owner), Role::Viewer),
            Err(RoleChangeError::OwnerProtected)
        );
        assert!(check_role_grant(Role::Owner, false, Some(Role::Owner), Role::Admin).is_ok());
    }

    #[test]
    fn readers_cannot_manage_members() {
        for r in [Role::RiskLead, Role::Analyst, Role::Viewer] {
            assert_eq!(
                check_role_grant(r, false, None, Role::Viewer),
                Err(RoleChangeError::NotAllowed)
            );
        }
    }
}
