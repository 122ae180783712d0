//! The production readiness checklist (SPEC flow 13): pure rules over a
//! [`Snapshot`] of live state. The daemon gathers the snapshot from the store; these
//! functions decide pass/warn/fail, the evidence and the remedy. No I/O, so every rule is
//! unit-tested here with hand-made snapshots.

use crate::permissions::{self, Permission};
use ipnet::IpNet;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use wt_api::{CheckStatus, Environment, Evidence, ReadinessCheck, ReadinessSettings, Role};

const DAY: i64 = 86_400;
/// Evidence items listed per check (the summary gives the full count).
pub const MAX_EVIDENCE: usize = 50;

/// A member as the checks see them.
#[derive(Debug, Clone)]
pub struct MemberFact {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub mfa_enabled: bool,
    pub joined_at: i64,
    /// Their latest sign-in to the org (a session created), if any.
    pub last_sign_in: Option<i64>,
}

/// The latest member review.
#[derive(Debug, Clone)]
pub struct ReviewFact {
    pub id: String,
    pub reviewed_at: i64,
    /// (member id, role) as reviewed.
    pub members: Vec<(String, Role)>,
}

/// An invite that is neither accepted nor revoked.
#[derive(Debug, Clone)]
pub struct InviteFact {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub expires_at: i64,
}

/// A key that is not revoked.
#[derive(Debug, Clone)]
pub struct KeyFact {
    pub id: String,
    pub name: String,
    pub environment: Environment,
    /// The owner's id and email, and whether they are still an active member.
    pub owner_email: String,
    pub owner_active: bool,
    pub created_at: i64,
    /// Not expired (a revoked key is not in the snapshot at all).
    pub usable: bool,
    pub browser_requests: i64,
    pub browser_origin: Option<String>,
    pub allowed_cidrs: Vec<IpNet>,
    /// Source addresses seen recently.
    pub sources: Vec<IpAddr>,
}

/// An audit entry that no review covers yet.
#[derive(Debug, Clone)]
pub struct EntryFact {
    pub seq: i64,
    pub action: String,
    pub occurred_at: i64,
    pub actor: String,
}

/// What the caller of the checklist may read besides it (SECURITY.md #59):
/// the readiness report is open to every role, but its evidence names members, keys and
/// audit actors. Details of a kind are shown only when the caller's role may read that
/// kind elsewhere (the permission matrix decides); otherwise the report gives counts.
/// The default shows nothing (fail closed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Visibility {
    /// Members, invites and member reviews (`MembersRead`).
    pub members: bool,
    /// Ingestion keys: names, ids, owners, source addresses, origins (`KeysRead`).
    pub keys: bool,
    /// Audit entries and their actors (`AuditRead`).
    pub audit: bool,
}

impl Visibility {
    /// Everything (owners and admins; unit tests).
    pub const ALL: Visibility = Visibility {
        members: true,
        keys: true,
        audit: true,
    };

    /// What a caller with this role may see, from the permission matrix.
    pub fn of(role: Role) -> Self {
        Self::from_permissions(|p| permissions::allows(role, p))
    }

    /// What a caller may see, given whether it holds each permission.
    pub fn from_permissions(has: impl Fn(Permission) -> bool) -> Self {
        Self {
            members: has(Permission::MembersRead),
            keys: has(Permission::KeysRead),
            audit: has(Permission::AuditRead),
        }
    }

    /// Whether evidence of this kind may be shown. Unknown kinds are withheld.
    pub fn shows(&self, kind: &str) -> bool {
        match kind {
            "member" | "invite" | "member_review" => self.members,
            "api_key" | "address" => self.keys,
            "audit_entry" => self.audit,
            _ => false,
        }
    }
}

/// Everything the checklist reads.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// What the caller may see in the report (evidence and the summaries' details).
    pub visible: Visibility,
    pub now: i64,
    pub settings: ReadinessSettings,
    pub mfa_required_roles: Vec<Role>,
    pub members: Vec<MemberFact>,
    pub latest_review: Option<ReviewFact>,
    pub open_invites: Vec<InviteFact>,
    pub keys: Vec<KeyFact>,
    /// When the log was last reviewed, if ever.
    pub last_audit_review_at: Option<i64>,
    /// Sensitive entries after the last review, oldest first (may be capped).
    pub unreviewed_sensitive: Vec<EntryFact>,
}

/// Audit actions that change security state and so must be reviewed (item 6). Reviews
/// themselves, logins and refusals are not.
pub fn is_sensitive(action: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "mfa.enrolled",
        "mfa.disabled",
        "mfa.reset",
        "mfa.recovery_codes.",
        "member.",
        "invite.created",
        "invite.revoked",
        "invite.accepted",
        "password.reset",
        "password.changed",
        "api_key.created",
        "api_key.updated",
        "api_key.rotated",
        "api_key.revoked",
        "api_key.browser_use",
        "allowed_ip.",
        "org.settings.updated",
        "access_token.created",
        "access_token.revoked",
        "setup.completed",
    ];
    PREFIXES.iter().any(|p| action.starts_with(p))
        && action != "password.reset_requested"
        && action != "password.reset_sent"
}

fn ev(kind: &str, id: &str, label: &str, detail: impl Into<String>) -> Evidence {
    Evidence {
        kind: kind.into(),
        id: id.into(),
        label: label.into(),
        detail: detail.into(),
    }
}

/// A finished check. Evidence the caller may not read is dropped and counted in
/// `evidence_withheld`; what is left is capped at [`MAX_EVIDENCE`].
fn check(
    s: &Snapshot,
    id: &str,
    title: &str,
    status: CheckStatus,
    summary: String,
    evidence: Vec<Evidence>,
    remedy: &str,
) -> ReadinessCheck {
    let total = evidence.len();
    let mut evidence: Vec<Evidence> = evidence
        .into_iter()
        .filter(|e| s.visible.shows(&e.kind))
        .collect();
    let evidence_withheld = (total - evidence.len()) as u32;
    evidence.truncate(MAX_EVIDENCE);
    ReadinessCheck {
        id: id.into(),
        title: title.into(),
        status,
        summary,
        evidence,
        evidence_withheld,
        remedy: if status == CheckStatus::Pass {
            String::new()
        } else {
            remedy.into()
        },
    }
}

/// `1 member`, `2 members`; `entry` -> `entries`.
fn count(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else if let Some(stem) = one.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {one}s")
    }
}

fn days(secs: i64) -> i64 {
    secs.max(0) / DAY
}

fn is_privileged(r: Role) -> bool {
    matches!(r, Role::Owner | Role::Admin)
}

/// Item 1: every member of an MFA-required role has MFA.
pub fn mfa(s: &Snapshot) -> ReadinessCheck {
    let missing: Vec<Evidence> = s
        .members
        .iter()
        .filter(|m| s.mfa_required_roles.contains(&m.role) && !m.mfa_enabled)
        .map(|m| ev("member", &m.id, &m.email, format!("{} without MFA", m.role)))
        .collect();
    let roles: Vec<&str> = s.mfa_required_roles.iter().map(|r| r.as_str()).collect();
    let (status, summary) = if missing.is_empty() {
        (
            CheckStatus::Pass,
            format!("every member in {} has MFA", roles.join(", ")),
        )
    } else {
        (
            CheckStatus::Fail,
            format!(
                "{} in MFA-required roles ({}) have no MFA",
                count(missing.len(), "member"),
                roles.join(", ")
            ),
        )
    };
    check(
        s,
        "mfa",
        "Admins and risk leads use MFA",
        status,
        summary,
        missing,
        "each listed member runs `wt mfa enroll` (or an admin runs `wt members remove ID` / `wt members set-role ID R`)",
    )
}

/// Item 2: roles reviewed for least privilege.
pub fn least_privilege(s: &Snapshot) -> ReadinessCheck {
    let st = &s.settings;
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    let mut evidence = Vec::new();
    match &s.latest_review {
        None => {
            fails.push("no member review was ever recorded".to_string());
        }
        Some(r) => {
            let age = days(s.now - r.reviewed_at);
            if age > i64::from(st.review_interval_days) {
                fails.push(format!(
                    "the last member review is {age} days old (interval {} days)",
                    st.review_interval_days
                ));
                evidence.push(ev(
                    "member_review",
                    &r.id,
                    "last review",
                    format!("{age} days old"),
                ));
            }
            let reviewed: BTreeMap<&str, Role> = r
                .members
                .iter()
                .map(|(id, role)| (id.as_str(), *role))
                .collect();
            let unreviewed: Vec<&MemberFact> = s
                .members
                .iter()
                .filter(|m| reviewed.get(m.id.as_str()) != Some(&m.role))
                .collect();
            if !unreviewed.is_empty() {
                fails.push(format!(
                    "{} joined or changed role since the last review",
                    count(unreviewed.len(), "member")
                ));
                for m in unreviewed {
                    evidence.push(ev(
                        "member",
                        &m.id,
                        &m.email,
                        format!("{} not covered by the last review", m.role),
                    ));
                }
            }
        }
    }
    for i in &s.open_invites {
        if is_privileged(i.role) && i.expires_at <= s.now {
            fails.push(if s.visible.members {
                format!("expired {} invite for {} still pending", i.role, i.email)
            } else {
                format!("an expired {} invite is still pending", i.role)
            });
            evidence.push(ev(
                "invite",
                &i.id,
                &i.email,
                format!(
                    "{} invite expired {} days ago",
                    i.role,
                    days(s.now - i.expires_at)
                ),
            ));
        }
    }
    let inactive_after = i64::from(st.inactive_days) * DAY;
    for m in &s.members {
        let last = m.last_sign_in.unwrap_or(m.joined_at);
        if is_privileged(m.role) && s.now - last >= inactive_after {
            let who = if s.visible.members {
                format!("{} ({})", m.email, m.role)
            } else {
                format!("a member ({})", m.role)
            };
            fails.push(format!(
                "{who} has not signed in for {} days",
                days(s.now - last)
            ));
            evidence.push(ev(
                "member",
                &m.id,
                &m.email,
                format!("{} with no sign-in for {} days", m.role, days(s.now - last)),
            ));
        }
    }
    let privileged = s.members.iter().filter(|m| is_privileged(m.role)).count();
    let total = s.members.len();
    if total > 2 && privileged * 100 > total * st.privileged_share_max_percent as usize {
        warns.push(format!(
            "{privileged} of {total} members are owners or admins (more than {}%)",
            st.privileged_share_max_percent
        ));
    }
    let (status, summary) = if !fails.is_empty() {
        (CheckStatus::Fail, fails.join("; "))
    } else if !warns.is_empty() {
        (CheckStatus::Warn, warns.join("; "))
    } else {
        (
            CheckStatus::Pass,
            format!(
                "roles reviewed within {} days, covering all {total} members",
                st.review_interval_days
            ),
        )
    };
    check(
        s,
        "least_privilege",
        "Team roles reviewed for least privilege",
        status,
        summary,
        evidence,
        "review roles (`wt members list`, `wt members set-role ID R`, `wt invite revoke ID`), then record it with `wt members review`",
    )
}

/// Item 3: ingestion keys kept server-side.
pub fn keys_server_side(s: &Snapshot) -> ReadinessCheck {
    let exposed: Vec<Evidence> = s
        .keys
        .iter()
        .filter(|k| k.browser_requests > 0)
        .map(|k| {
            ev(
                "api_key",
                &k.id,
                &k.name,
                match &k.browser_origin {
                    Some(o) => format!(
                        "used from browser code ({} requests, origin {o})",
                        k.browser_requests
                    ),
                    None => format!("used from browser code ({} requests)", k.browser_requests),
                },
            )
        })
        .collect();
    let (status, summary) = if exposed.is_empty() {
        (
            CheckStatus::Pass,
            "no active key was seen used from browser code".to_string(),
        )
    } else {
        (
            CheckStatus::Fail,
            format!(
                "{} were used from browser code",
                count(exposed.len(), "active key")
            ),
        )
    };
    check(
        s,
        "keys_server_side",
        "Ingestion keys stored server-side",
        status,
        summary,
        exposed,
        "move the integration to a server, then replace the key: `wt keys rotate ID --grace 0` (or rotate with a short grace and `wt keys revoke ID`)",
    )
}

/// Item 4: sandbox and production keys kept apart.
pub fn environments_separate(s: &Snapshot) -> ReadinessCheck {
    let mut evidence = Vec::new();
    let mut problems = Vec::new();
    let active: Vec<&KeyFact> = s.keys.iter().filter(|k| k.usable).collect();
    let by_env = |env: Environment| active.iter().filter(move |k| k.environment == env);
    // The same address sending with keys of both environments.
    let mut seen: BTreeMap<IpAddr, BTreeSet<(Environment, &str)>> = BTreeMap::new();
    for k in &active {
        for ip in &k.sources {
            seen.entry(*ip)
                .or_default()
                .insert((k.environment, k.name.as_str()));
        }
    }
    for (ip, users) in &seen {
        let envs: BTreeSet<_> = users.iter().map(|(e, _)| *e).collect();
        if envs.len() > 1 {
            let names: Vec<&str> = users.iter().map(|(_, n)| *n).collect();
            problems.push(if s.visible.keys {
                format!("{ip} sends with both sandbox and production keys")
            } else {
                "an address sends with both sandbox and production keys".to_string()
            });
            evidence.push(ev(
                "address",
                &ip.to_string(),
                &ip.to_string(),
                format!("used keys {}", names.join(", ")),
            ));
        }
    }
    // A key used from inside the other environment's allowlist.
    for k in &active {
        let other = match k.environment {
            Environment::Sandbox => Environment::Production,
            Environment::Production => Environment::Sandbox,
        };
        for o in by_env(other) {
            if let Some(ip) = k
                .sources
                .iter()
                .find(|ip| o.allowed_cidrs.iter().any(|n| n.contains(*ip)))
            {
                problems.push(if s.visible.keys {
                    format!(
                        "{} key {} is used from {ip}, inside {} key {}'s allowlist",
                        k.environment, k.name, other, o.name
                    )
                } else {
                    format!(
                        "a {} key is used from inside a {} key's allowlist",
                        k.environment, other
                    )
                });
                evidence.push(ev(
                    "api_key",
                    &k.id,
                    &k.name,
                    format!("used from {ip}, allowed for {} key {}", other, o.name),
                ));
            }
        }
    }
    let used_any = active.iter().any(|k| !k.sources.is_empty());
    if used_any && by_env(Environment::Production).next().is_none() {
        problems.push("ingestion traffic runs, but the org has no active production key".into());
        for k in active.iter().filter(|k| !k.sources.is_empty()) {
            evidence.push(ev(
                "api_key",
                &k.id,
                &k.name,
                format!("{} key in use", k.environment),
            ));
        }
    }
    let (status, summary) = if problems.is_empty() {
        (
            CheckStatus::Pass,
            "sandbox and production keys are used from separate places".to_string(),
        )
    } else {
        (CheckStatus::Fail, problems.join("; "))
    };
    check(
        s,
        "environments_separate",
        "Sandbox and production keys separate",
        status,
        summary,
        evidence,
        "give production its own keys (`wt keys create --env production ...`) and sandbox its own; restrict each with `wt keys update ID --allow CIDR`",
    )
}

/// Item 5: every active key has an active owner and is within its rotation age.
pub fn key_owners(s: &Snapshot) -> ReadinessCheck {
    let st = &s.settings;
    let age_limit = i64::from(st.rotation_age_days) * DAY;
    let mut fail = Vec::new();
    let mut warn = Vec::new();
    for k in s.keys.iter().filter(|k| k.usable) {
        if !k.owner_active {
            fail.push(ev(
                "api_key",
                &k.id,
                &k.name,
                format!("owner {} is no longer an active member", k.owner_email),
            ));
        }
        let age = s.now - k.created_at;
        if age > 2 * age_limit {
            fail.push(ev(
                "api_key",
                &k.id,
                &k.name,
                format!(
                    "{} days old (rotate every {} days)",
                    days(age),
                    st.rotation_age_days
                ),
            ));
        } else if age > age_limit {
            warn.push(ev(
                "api_key",
                &k.id,
                &k.name,
                format!(
                    "{} days old (rotate every {} days)",
                    days(age),
                    st.rotation_age_days
                ),
            ));
        }
    }
    let (status, summary, evidence) = if !fail.is_empty() {
        (
            CheckStatus::Fail,
            format!(
                "{} with key owners or key age",
                count(fail.len() + warn.len(), "problem")
            ),
            fail.into_iter().chain(warn).collect(),
        )
    } else if !warn.is_empty() {
        (
            CheckStatus::Warn,
            format!(
                "{} older than {} days",
                count(warn.len(), "key"),
                st.rotation_age_days
            ),
            warn,
        )
    } else {
        (
            CheckStatus::Pass,
            format!(
                "every active key has an active owner and is younger than {} days",
                st.rotation_age_days
            ),
            Vec::new(),
        )
    };
    check(
        s,
        "key_owners",
        "Key rotation owners known",
        status,
        summary,
        evidence,
        "hand each key to an active member (`wt keys update ID --owner EMAIL`) and rotate old keys (`wt keys rotate ID --grace 24h`)",
    )
}

/// Item 6: sensitive audit entries reviewed within the window.
pub fn audit_reviewed(s: &Snapshot) -> ReadinessCheck {
    let window = i64::from(s.settings.audit_review_window_days) * DAY;
    let pending = &s.unreviewed_sensitive;
    let evidence: Vec<Evidence> = pending
        .iter()
        .map(|e| {
            ev(
                "audit_entry",
                &e.seq.to_string(),
                &e.action,
                format!("by {} {} days ago", e.actor, days(s.now - e.occurred_at)),
            )
        })
        .collect();
    let oldest = pending.first().map(|e| e.occurred_at);
    let (status, summary) = match (oldest, s.last_audit_review_at) {
        (None, _) => (
            CheckStatus::Pass,
            "every sensitive change is covered by a review".to_string(),
        ),
        (Some(_), None) => (
            CheckStatus::Fail,
            format!(
                "the audit log was never reviewed; {} await review",
                count(pending.len(), "sensitive entry")
            ),
        ),
        (Some(o), Some(_)) if s.now - o > window => (
            CheckStatus::Fail,
            format!(
                "{} unreviewed, the oldest {} days old (window {} days)",
                count(pending.len(), "sensitive entry"),
                days(s.now - o),
                s.settings.audit_review_window_days
            ),
        ),
        (Some(_), Some(_)) => (
            CheckStatus::Warn,
            format!(
                "{} since the last review, within the {}-day window",
                count(pending.len(), "sensitive entry"),
                s.settings.audit_review_window_days
            ),
        ),
    };
    check(
        s,
        "audit_reviewed",
        "Audit logs reviewed after sensitive changes",
        status,
        summary,
        evidence,
        "read them (`wt audit list --unreviewed`), then record the review: `wt audit review`",
    )
}

/// The whole checklist, in its fixed order.
pub fn evaluate(s: &Snapshot) -> Vec<ReadinessCheck> {
    vec![
        mfa(s),
        least_privilege(s),
        keys_server_side(s),
        environments_separate(s),
        key_owners(s),
        audit_reviewed(s),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_900_000_000;

    fn member(id: &str, role: Role, mfa: bool) -> MemberFact {
        MemberFact {
            id: id.into(),
            email: format!("{id}@acme.test"),
            role,
            mfa_enabled: mfa,
            joined_at: NOW - DAY,
            last_sign_in: Some(NOW - DAY),
        }
    }

    fn key(id: &str, env: Environment) -> KeyFact {
        KeyFact {
            id: id.into(),
            name: id.into(),
            environment: env,
            owner_email: "o@acme.test".into(),
            owner_active: true,
            created_at: NOW - DAY,
            usable: true,
            browser_requests: 0,
            browser_origin: None,
            allowed_cidrs: vec![],
            sources: vec![],
        }
    }

    fn snap() -> Snapshot {
        Snapshot {
            visible: Visibility::ALL,
            now: NOW,
            settings: ReadinessSettings::default(),
            mfa_required_roles: vec![Role::Owner, Role::Admin, Role::RiskLead],
            ..Default::default()
        }
    }

    #[test]
    fn mfa_fails_naming_members_of_required_roles_only() {
        let mut s = snap();
        s.members = vec![
            member("a", Role::Owner, false),
            member("b", Role::Analyst, false),
            member("c", Role::RiskLead, true),
        ];
        let c = mfa(&s);
        assert_eq!(c.status, CheckStatus::Fail);
        assert_eq!(c.evidence.len(), 1);
        assert_eq!(c.evidence[0].label, "a@acme.test");
        assert!(c.remedy.contains("wt mfa enroll"));
        s.members[0].mfa_enabled = true;
        let c = mfa(&s);
        assert_eq!(c.status, CheckStatus::Pass);
        assert!(c.remedy.is_empty());
    }

    #[test]
    fn least_privilege_needs_a_recent_review_covering_current_roles() {
        let mut s = snap();
        s.members = vec![
            member("a", Role::Owner, true),
            member("b", Role::Analyst, true),
        ];
        assert_eq!(
            least_privilege(&s).status,
            CheckStatus::Fail,
            "never reviewed"
        );
        s.latest_review = Some(ReviewFact {
            id: "rev".into(),
            reviewed_at: NOW - DAY,
            members: vec![("a".into(), Role::Owner), ("b".into(), Role::Analyst)],
        });
        assert_eq!(least_privilege(&s).status, CheckStatus::Pass);
        // A role change after the review is not covered.
        s.members[1].role = Role::Admin;
        let c = least_privilege(&s);
        assert_eq!(c.status, CheckStatus::Fail);
        assert_eq!(c.evidence[0].label, "b@acme.test");
        s.members[1].role = Role::Analyst;
        // Too old.
        s.now = NOW + 91 * DAY;
        s.members
            .iter_mut()
            .for_each(|m| m.last_sign_in = Some(s.now));
        assert_eq!(least_privilege(&s).status, CheckStatus::Fail);
    }

    #[test]
    fn least_privilege_fails_stale_privileged_invites_and_inactive_admins_and_warns_on_share() {
        let mut s = snap();
        s.members = vec![
            member("a", Role::Owner, true),
            member("b", Role::Admin, true),
            member("c", Role::Viewer, true),
        ];
        s.latest_review = Some(ReviewFact {
            id: "rev".into(),
            reviewed_at: NOW,
            members: s.members.iter().map(|m| (m.id.clone(), m.role)).collect(),
        });
        let c = least_privilege(&s);
        assert_eq!(
            c.status,
            CheckStatus::Warn,
            "2 of 3 privileged > 50%: {}",
            c.summary
        );
        s.settings.privileged_share_max_percent = 70;
        assert_eq!(least_privilege(&s).status, CheckStatus::Pass);
        s.open_invites.push(InviteFact {
            id: "inv".into(),
            email: "x@acme.test".into(),
            role: Role::Admin,
            expires_at: NOW - 1,
        });
        let c = least_privilege(&s);
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(c.evidence.iter().any(|e| e.kind == "invite"));
        s.open_invites.clear();
        s.members[1].last_sign_in = Some(NOW - 90 * DAY);
        let c = least_privilege(&s);
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(c.summary.contains("b@acme.test"));
    }

    #[test]
    fn a_key_used_from_a_browser_fails_item_three_until_it_is_gone() {
        let mut s = snap();
        let mut k = key("k1", Environment::Production);
        k.browser_requests = 1;
        k.browser_origin = Some("https://app.example".into());
        s.keys = vec![k];
        let c = keys_server_side(&s);
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(c.evidence[0].detail.contains("https://app.example"));
        s.keys.clear();
        assert_eq!(keys_server_side(&s).status, CheckStatus::Pass);
    }

    #[test]
    fn environments_must_not_share_addresses_or_allowlists() {
        let mut s = snap();
        let ip: IpAddr = "10.0.0.5".parse().unwrap_or(IpAddr::from([0; 4]));
        let mut p = key("prod", Environment::Production);
        let mut t = key("test", Environment::Sandbox);
        p.sources = vec![ip];
        t.sources = vec!["192.0.2.1".parse().unwrap_or(ip)];
        s.keys = vec![p.clone(), t.clone()];
        assert_eq!(environments_separate(&s).status, CheckStatus::Pass);
        // Same address with both.
        t.sources.push(ip);
        s.keys = vec![p.clone(), t.clone()];
        assert_eq!(environments_separate(&s).status, CheckStatus::Fail);
        // Sandbox used from inside production's allowlist.
        t.sources = vec!["10.9.9.9".parse().unwrap_or(ip)];
        p.allowed_cidrs = vec!["10.0.0.0/8".parse().unwrap_or_default()];
        s.keys = vec![p, t.clone()];
        let c = environments_separate(&s);
        assert_eq!(c.status, CheckStatus::Fail, "{}", c.summary);
        // Traffic but no production key.
        s.keys = vec![t];
        let c = environments_separate(&s);
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(c.summary.contains("no active production key"));
        s.keys.clear();
        assert_eq!(environments_separate(&s).status, CheckStatus::Pass);
    }

    #[test]
    fn key_owners_and_age() {
        let mut s = snap();
        let mut k = key("k", Environment::Production);
        s.keys = vec![k.clone()];
        assert_eq!(key_owners(&s).status, CheckStatus::Pass);
        k.created_at = NOW - 91 * DAY;
        s.keys = vec![k.clone()];
        assert_eq!(key_owners(&s).status, CheckStatus::Warn);
        k.created_at = NOW - 181 * DAY;
        s.keys = vec![k.clone()];
        assert_eq!(key_owners(&s).status, CheckStatus::Fail);
        k.created_at = NOW;
        k.owner_active = false;
        s.keys = vec![k.clone()];
        let c = key_owners(&s);
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(c.evidence[0].detail.contains("o@acme.test"));
        // Expired keys do not count.
        k.usable = false;
        s.keys = vec![k];
        assert_eq!(key_owners(&s).status, CheckStatus::Pass);
    }

    #[test]
    fn audit_review_fails_when_never_reviewed_or_outside_the_window() {
        let mut s = snap();
        let e = |seq, at| EntryFact {
            seq,
            action: "member.role_changed".into(),
            occurred_at: at,
            actor: "o@acme.test".into(),
        };
        assert_eq!(audit_reviewed(&s).status, CheckStatus::Pass);
        s.unreviewed_sensitive = vec![e(3, NOW - 60)];
        assert_eq!(
            audit_reviewed(&s).status,
            CheckStatus::Fail,
            "never reviewed"
        );
        s.last_audit_review_at = Some(NOW - 120);
        assert_eq!(
            audit_reviewed(&s).status,
            CheckStatus::Warn,
            "within the window"
        );
        s.unreviewed_sensitive = vec![e(3, NOW - 8 * DAY), e(4, NOW)];
        let c = audit_reviewed(&s);
        assert_eq!(c.status, CheckStatus::Fail);
        assert_eq!(c.evidence[0].id, "3");
        assert!(c.remedy.contains("wt audit review"));
    }

    /// A snapshot where every check fails with evidence of every kind.
    fn everything_wrong() -> Snapshot {
        let mut s = snap();
        let mut stale = member("stale", Role::Admin, false);
        stale.last_sign_in = Some(NOW - 400 * DAY);
        s.members = vec![member("ann", Role::Owner, false), stale];
        s.latest_review = Some(ReviewFact {
            id: "rev_1".into(),
            reviewed_at: NOW - 400 * DAY,
            members: vec![],
        });
        s.open_invites.push(InviteFact {
            id: "inv_1".into(),
            email: "invitee@acme.test".into(),
            role: Role::Admin,
            expires_at: NOW - DAY,
        });
        let ip: IpAddr = "203.0.113.9".parse().unwrap_or(IpAddr::from([0; 4]));
        let mut p = key("prodkey", Environment::Production);
        p.sources = vec![ip];
        p.browser_requests = 2;
        p.browser_origin = Some("https://leaky.example".into());
        p.owner_active = false;
        p.allowed_cidrs = vec!["203.0.113.0/24".parse().unwrap_or_default()];
        let mut t = key("testkey", Environment::Sandbox);
        t.sources = vec![ip];
        s.keys = vec![p, t];
        s.unreviewed_sensitive = vec![EntryFact {
            seq: 9,
            action: "member.role_changed".into(),
            occurred_at: NOW - 30 * DAY,
            actor: "actor@acme.test".into(),
        }];
        s
    }

    #[test]
    fn evidence_follows_the_callers_read_permissions() {
        let secrets = [
            "acme.test",
            "203.0.113",
            "prodkey",
            "testkey",
            "leaky.example",
            "rev_1",
            "inv_1",
        ];
        // Owners see it all.
        let mut s = everything_wrong();
        s.visible = Visibility::of(Role::Owner);
        let all = evaluate(&s);
        let text = serde_json::to_string(&all).unwrap_or_default();
        for x in secrets {
            assert!(text.contains(x), "an owner sees {x}: {text}");
        }
        assert!(all.iter().all(|c| c.evidence_withheld == 0));
        // Viewers may read none of members, keys or the audit log: statuses and counts
        // only, nothing that names a member, a key, an address or an actor.
        s.visible = Visibility::of(Role::Viewer);
        assert_eq!(s.visible, Visibility::default());
        let viewer = evaluate(&s);
        let text = serde_json::to_string(&viewer).unwrap_or_default();
        for x in secrets {
            assert!(!text.contains(x), "a viewer must not see {x}: {text}");
        }
        for (a, v) in all.iter().zip(&viewer) {
            assert_eq!(a.status, v.status, "{}", a.id);
            assert!(v.evidence.is_empty(), "{}", v.id);
            assert_eq!(v.evidence_withheld as usize, a.evidence.len(), "{}", a.id);
        }
        assert!(
            viewer.iter().all(|c| c.status == CheckStatus::Fail),
            "{viewer:?}"
        );
        // Analysts read members and keys but not the audit log.
        s.visible = Visibility::of(Role::Analyst);
        let analyst = evaluate(&s);
        let audit = analyst.iter().find(|c| c.id == "audit_reviewed");
        assert!(audit.is_some_and(|c| c.evidence.is_empty() && c.evidence_withheld == 1));
        let text = serde_json::to_string(&analyst).unwrap_or_default();
        assert!(!text.contains("actor@acme.test") && text.contains("ann@acme.test"));
    }

    #[test]
    fn counts_read_naturally() {
        assert_eq!(count(1, "member"), "1 member");
        assert_eq!(count(2, "member"), "2 members");
        assert_eq!(count(3, "sensitive entry"), "3 sensitive entries");
    }

    #[test]
    fn sensitivity_of_actions() {
        for a in [
            "member.role_changed",
            "mfa.disabled",
            "api_key.rotated",
            "allowed_ip.added",
            "org.settings.updated",
            "password.reset",
        ] {
            assert!(is_sensitive(a), "{a}");
        }
        for a in [
            "auth.login.succeeded",
            "audit.reviewed",
            "members.reviewed",
            "api_key.denied",
            "password.reset_requested",
            "password.reset_sent",
        ] {
            assert!(!is_sensitive(a), "{a}");
        }
    }
}
