//! The production readiness checklist (SPEC flow 13): pure rules over a
//! [`Snapshot`] of live state. The daemon gathers the snapshot from the store; these
//! functions decide pass/warn/fail, the evidence and the remedy. No I/O, so every rule is
//! unit-tested here with hand-made snapshots.

mod audit;
mod keys;
mod mail;
mod people;
mod sinks;
#[cfg(test)]
mod tests;

pub use audit::audit_reviewed;
pub use keys::{environments_separate, key_owners, keys_server_side};
pub use mail::{MAIL_LATE_AFTER, mail_delivery};
pub use people::{least_privilege, mfa, phishing_resistant};
pub use sinks::audit_sinks;

use crate::apikey::Environment;
use crate::mail::DeliveryFailure;
use crate::permissions::{self, Permission, Role};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// Outcome of one check. `warn` does not make the org "not ready" unless the caller asks
/// for it (`wt check --fail-on warn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "fail",
        }
    }
}

/// One thing a check found: a member, key, invite, audit entry or review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// `member`, `invite`, `api_key`, `audit_entry`, `member_review`, `address`, `mail`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The object's id (member or key id, audit sequence number, address).
    pub id: String,
    /// What a person recognises it by (an email, a key name, an action).
    pub label: String,
    /// Why it is evidence (e.g. "no MFA", "used from https://app.example").
    pub detail: String,
}

/// One item of the checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadinessCheck {
    /// Stable id: `mfa`, `least_privilege`, `keys_server_side`, `environments_separate`,
    /// `key_owners`, `audit_reviewed`, `mail_delivery`, `audit_sinks`.
    pub id: String,
    pub title: String,
    pub status: CheckStatus,
    /// One line.
    pub summary: String,
    pub evidence: Vec<Evidence>,
    /// Evidence items not shown because the caller's role cannot read their kind
    /// (members and invites, keys, or the audit log); the summary then gives counts only.
    #[serde(default)]
    pub evidence_withheld: u32,
    /// What to do, naming the `wt` command (empty when the check passes).
    pub remedy: String,
}

/// Thresholds of the checklist (org settings). Absent fields take their default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReadinessSettings {
    /// A member review must be at most this old (default 90).
    pub review_interval_days: u32,
    /// Warn when more than this share of members are owners or admins (default 50).
    pub privileged_share_max_percent: u32,
    /// Privileged members without a sign-in for this long fail (default 90).
    pub inactive_days: u32,
    /// Warn when a key is older than this; fail past twice it (default 90).
    pub rotation_age_days: u32,
    /// Sensitive audit entries must be reviewed within this many days (default 7).
    pub audit_review_window_days: u32,
    /// Warn when an audit sink is more than this many minutes behind (default 15).
    pub sink_lag_max_minutes: u32,
    /// Fail when an audit sink has failed for longer than this many minutes (default 60).
    pub sink_failing_max_minutes: u32,
}

impl Default for ReadinessSettings {
    fn default() -> Self {
        Self {
            review_interval_days: 90,
            privileged_share_max_percent: 50,
            inactive_days: 90,
            rotation_age_days: 90,
            audit_review_window_days: 7,
            sink_lag_max_minutes: 15,
            sink_failing_max_minutes: 60,
        }
    }
}

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
    /// They have at least one passkey (phishing-resistant).
    pub passkey: bool,
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
    /// Reported as leaked (secret scanning, a self-report, `wt keys leaked`) and not
    /// quarantined: with `usable`, a leaked key that still works.
    pub leaked: Option<String>,
}

/// An audit entry that no review covers yet.
#[derive(Debug, Clone)]
pub struct EntryFact {
    pub seq: i64,
    pub action: String,
    pub occurred_at: i64,
    pub actor: String,
}

/// A mail of the org not delivered [`MAIL_LATE_AFTER`] after it was queued.
#[derive(Debug, Clone)]
pub struct LateMail {
    pub id: String,
    /// The recipient: member data (shown with `MembersRead` only).
    pub to: String,
    pub queued_at: i64,
    pub attempts: i64,
    /// The class of its last failure; `None` when not tried yet or stored without one.
    pub failure: Option<DeliveryFailure>,
}

/// The org's mail that waits too long.
#[derive(Debug, Clone, Default)]
pub struct MailFact {
    /// How many mails are late (the list below may be capped).
    pub late: u64,
    /// The oldest late mails, oldest first.
    pub oldest: Vec<LateMail>,
}

/// An audit sink as the checks see it (`wt audit sinks`).
#[derive(Debug, Clone)]
pub struct SinkFact {
    pub id: String,
    pub name: String,
    pub paused: bool,
    /// Entries not yet accepted by the receiver.
    pub lag_entries: i64,
    /// Age in seconds of the oldest entry not yet accepted (0 when caught up).
    pub lag_seconds: i64,
    /// Since when every attempt has failed.
    pub failing_since: Option<i64>,
    pub last_error: Option<String>,
}

/// What the caller of the checklist may read besides it (SECURITY.md #59):
/// the readiness report is open to every role, but its evidence names members, keys and
/// audit actors. Details of a kind are shown only when the caller's role may read that
/// kind elsewhere (the permission matrix decides); otherwise the report gives counts.
/// The default shows nothing (fail closed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Visibility {
    /// Members, invites, member reviews and mail recipients (`MembersRead`).
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
            "member" | "invite" | "member_review" | "mail" => self.members,
            "api_key" | "address" => self.keys,
            "audit_entry" | "audit_sink" => self.audit,
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
    /// Roles whose members must have a passkey (empty: the item is not listed).
    pub phishing_resistant_required_roles: Vec<Role>,
    pub members: Vec<MemberFact>,
    pub latest_review: Option<ReviewFact>,
    pub open_invites: Vec<InviteFact>,
    pub keys: Vec<KeyFact>,
    /// When the log was last reviewed, if ever.
    pub last_audit_review_at: Option<i64>,
    /// Sensitive entries after the last review, oldest first (may be capped).
    pub unreviewed_sensitive: Vec<EntryFact>,
    /// Mail of the org that waits too long for delivery.
    pub mail: MailFact,
    /// The org's audit sinks (the item is listed only when there is one).
    pub sinks: Vec<SinkFact>,
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
        "api_key.leaked",
        "allowed_ip.",
        "audit_sink.created",
        "audit_sink.paused",
        "audit_sink.removed",
        "audit_sink.secret_rotated",
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

/// `1 member`, `2 members`; `entry` -> `entries`, `day` -> `days`.
fn count(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else if let Some(stem) = one.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'o', 'u'])
    {
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

/// The whole checklist, in its fixed order.
pub fn evaluate(s: &Snapshot) -> Vec<ReadinessCheck> {
    let mut checks = vec![
        mfa(s),
        least_privilege(s),
        keys_server_side(s),
        environments_separate(s),
        key_owners(s),
        audit_reviewed(s),
        mail_delivery(s),
    ];
    // Listed only for an org that asks for it (after MFA, whose stronger form it is).
    if !s.phishing_resistant_required_roles.is_empty() {
        checks.insert(1, phishing_resistant(s));
    }
    if !s.sinks.is_empty() {
        checks.push(audit_sinks(s));
    }
    checks
}
