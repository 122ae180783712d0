//! Audit entries and the per-org hash chain (SECURITY.md I.56-57).
//!
//! Each entry's `hash` is SHA-256 over the previous entry's hash and a canonical encoding
//! of the entry's own fields (fixed field order, `details` as the exact JSON text that is
//! stored). Editing, inserting or deleting any entry breaks every later link, which
//! [`verify_chain`] reports as the first bad sequence number. The store appends entries in
//! the same transaction as the change they record; this module only computes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `prev_hash` of the first entry of an org.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Stable, dotted action names. Scripts filter on these.
pub mod actions {
    pub const ORG_CREATED: &str = "org.created";
    pub const SETUP_COMPLETED: &str = "setup.completed";
    pub const LOGIN_SUCCEEDED: &str = "auth.login.succeeded";
    pub const LOGIN_FAILED: &str = "auth.login.failed";
    pub const LOGIN_THROTTLED: &str = "auth.login.throttled";
    pub const LOGOUT: &str = "auth.logout";
    pub const SESSION_REVOKED: &str = "auth.session.revoked";
    /// The user ended every other session of theirs in the org ("sign out all other sessions").
    pub const OTHER_SESSIONS_REVOKED: &str = "auth.sessions.others_revoked";
    pub const MFA_ENROLLED: &str = "mfa.enrolled";
    pub const MFA_DISABLED: &str = "mfa.disabled";
    pub const MFA_RESET: &str = "mfa.reset";
    pub const MFA_RECOVERY_CODES_REGENERATED: &str = "mfa.recovery_codes.regenerated";
    pub const MFA_RECOVERY_CODE_USED: &str = "mfa.recovery_code.used";
    /// A wrong TOTP or recovery code (login, confirm or step-up).
    pub const MFA_FAILED: &str = "mfa.verification.failed";
    /// A correct code of a step already used.
    pub const MFA_REPLAYED: &str = "mfa.code.replayed";
    pub const ORG_SETTINGS_UPDATED: &str = "org.settings.updated";
    pub const AUDIT_REVIEWED: &str = "audit.reviewed";
    pub const MEMBER_ADDED: &str = "member.added";
    pub const MEMBER_ROLE_CHANGED: &str = "member.role_changed";
    pub const MEMBER_REMOVED: &str = "member.removed";
    pub const MEMBERS_REVIEWED: &str = "members.reviewed";
    pub const MEMBER_SESSIONS_REVOKED: &str = "member.sessions_revoked";
    /// An owner or admin sent a member a password reset mail (they never see the link).
    pub const PASSWORD_RESET_SENT: &str = "password.reset_sent";
    pub const INVITE_CREATED: &str = "invite.created";
    /// An invite refused by the permission rules (inviting above one's role).
    pub const INVITE_DENIED: &str = "invite.denied";
    pub const INVITE_RESENT: &str = "invite.resent";
    pub const INVITE_REVOKED: &str = "invite.revoked";
    pub const INVITE_ACCEPTED: &str = "invite.accepted";
    pub const PASSWORD_RESET_REQUESTED: &str = "password.reset_requested";
    pub const PASSWORD_RESET: &str = "password.reset";
    pub const PASSWORD_CHANGED: &str = "password.changed";
    /// A wrong current password at change (counts toward the login throttle).
    pub const PASSWORD_CHANGE_FAILED: &str = "password.change_failed";
    /// A session re-authenticated for sensitive changes.
    pub const STEP_UP: &str = "auth.step_up";
    pub const API_KEY_CREATED: &str = "api_key.created";
    pub const API_KEY_UPDATED: &str = "api_key.updated";
    /// Details name both ids (`previous_id`) and when the old key stops working.
    pub const API_KEY_ROTATED: &str = "api_key.rotated";
    pub const API_KEY_REVOKED: &str = "api_key.revoked";
    /// A request with a known key was refused (revoked, expired, address, environment,
    /// browser); rate-limited per key and reason.
    pub const API_KEY_DENIED: &str = "api_key.denied";
    /// A key was used from browser code (an `Origin` header or browser agent): exposed.
    pub const API_KEY_BROWSER_USE: &str = "api_key.browser_use";
    /// A live key was reported as leaked (secret scanning, a self-report, `wt keys
    /// leaked`) and revoked or quarantined; details name the source and the action.
    pub const API_KEY_LEAKED: &str = "api_key.leaked";
    pub const ALLOWED_IP_ADDED: &str = "allowed_ip.added";
    pub const ALLOWED_IP_REMOVED: &str = "allowed_ip.removed";
    /// A session's request came from an address outside the org's list; rate-limited.
    pub const ACCESS_DENIED_IP: &str = "access.denied_ip";
    pub const ACCESS_TOKEN_CREATED: &str = "access_token.created";
    pub const ACCESS_TOKEN_REVOKED: &str = "access_token.revoked";
    pub const PASSKEY_REGISTERED: &str = "passkey.registered";
    pub const PASSKEY_RENAMED: &str = "passkey.renamed";
    pub const PASSKEY_REMOVED: &str = "passkey.removed";
    /// An accepted assertion: its counter and backup flags.
    pub const PASSKEY_USED: &str = "passkey.used";
    /// A signature counter that did not move forward: two copies of the key may exist.
    pub const PASSKEY_CLONE_WARNING: &str = "passkey.clone_warning";
    /// `wt login --web` asked for a device code (RFC 8628); the org's entry is written
    /// once the org is known (named with `--org`, or the approver's).
    pub const DEVICE_LOGIN_REQUESTED: &str = "device_login.requested";
    /// A member approved a device login with a fresh second factor.
    pub const DEVICE_LOGIN_APPROVED: &str = "device_login.approved";
    /// A member denied a device login.
    pub const DEVICE_LOGIN_DENIED: &str = "device_login.denied";
    /// A device code lapsed before it was redeemed (seen by a poll).
    pub const DEVICE_LOGIN_EXPIRED: &str = "device_login.expired";
    /// The CLI redeemed an approved device code for a session.
    pub const DEVICE_LOGIN_REDEEMED: &str = "device_login.redeemed";
}

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// `user`, `operator` (on the daemon host), `anonymous` (before authentication),
    /// later `api_key` and `token`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Option<String>,
    pub email: Option<String>,
}

impl Actor {
    pub fn user(id: &str, email: &str) -> Self {
        Self {
            kind: "user".into(),
            id: Some(id.into()),
            email: Some(email.into()),
        }
    }
    /// An automation token (its id and name).
    pub fn token(id: &str, name: &str) -> Self {
        Self {
            kind: "token".into(),
            id: Some(id.into()),
            email: Some(format!("token:{name}")),
        }
    }

    /// An ingestion key (its id; keys have no email).
    pub fn api_key(id: &str) -> Self {
        Self {
            kind: "api_key".into(),
            id: Some(id.into()),
            email: None,
        }
    }

    /// Whoever reported a leaked key: `github` (a signed partner report) or
    /// `self_report` (the public endpoint).
    pub fn reporter(who: &str) -> Self {
        Self {
            kind: "reporter".into(),
            id: Some(who.into()),
            email: None,
        }
    }

    pub fn operator() -> Self {
        Self {
            kind: "operator".into(),
            id: None,
            email: None,
        }
    }
}

/// What it was done to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

impl Target {
    pub fn new(kind: &str, id: &str) -> Self {
        Self {
            kind: kind.into(),
            id: id.into(),
        }
    }
}

/// An event to record, before the store gives it a sequence number and hash.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub actor: Actor,
    pub action: &'static str,
    pub target: Option<Target>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: &'static str,
    /// Extra facts; never a password, code, secret or raw token.
    pub details: serde_json::Value,
}

/// Where a request came from, copied into every event it causes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl AuditEvent {
    /// A successful action by `actor` from the request described by `meta`.
    pub fn new(actor: Actor, action: &'static str, meta: &RequestMeta) -> Self {
        Self {
            actor,
            action,
            target: None,
            ip: meta.ip.clone(),
            user_agent: meta.user_agent.clone(),
            outcome: "success",
            details: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn target(mut self, kind: &str, id: &str) -> Self {
        self.target = Some(Target::new(kind, id));
        self
    }

    pub fn outcome(mut self, outcome: &'static str) -> Self {
        self.outcome = outcome;
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// A stored entry, as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub occurred_at: String,
    pub actor: Actor,
    pub action: String,
    pub target: Option<Target>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub outcome: String,
    /// The stored JSON text of the details, parsed.
    pub details: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields that are hashed, in a fixed order.
#[derive(Serialize)]
struct HashInput<'a> {
    org_id: &'a str,
    seq: i64,
    occurred_at: &'a str,
    actor: &'a Actor,
    action: &'a str,
    target: &'a Option<Target>,
    ip: &'a Option<String>,
    user_agent: &'a Option<String>,
    outcome: &'a str,
    details: &'a str,
}

/// Fields of an entry as stored, borrowed, for hashing.
#[derive(Debug, Clone, Copy)]
pub struct EntryFields<'a> {
    pub org_id: &'a str,
    pub seq: i64,
    pub occurred_at: &'a str,
    pub actor: &'a Actor,
    pub action: &'a str,
    pub target: &'a Option<Target>,
    pub ip: &'a Option<String>,
    pub user_agent: &'a Option<String>,
    pub outcome: &'a str,
    /// The exact JSON text stored.
    pub details_json: &'a str,
}

/// The chain hash of an entry given its predecessor's hash.
pub fn entry_hash(prev_hash: &str, e: &EntryFields<'_>) -> String {
    let input = HashInput {
        org_id: e.org_id,
        seq: e.seq,
        occurred_at: e.occurred_at,
        actor: e.actor,
        action: e.action,
        target: e.target,
        ip: e.ip,
        user_agent: e.user_agent,
        outcome: e.outcome,
        details: e.details_json,
    };
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(serde_json::to_vec(&input).unwrap_or_default());
    hex::encode(h.finalize())
}

/// Result of verifying one org's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    pub ok: bool,
    pub entries: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bad_seq: Option<i64>,
}

/// One stored entry as the verifier sees it: fields, stored prev_hash and hash.
#[derive(Debug, Clone, Copy)]
pub struct StoredEntry<'a> {
    pub fields: EntryFields<'a>,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

/// Threads [`ChainVerifier::push_all`] hashes with at most.
pub const MAX_VERIFY_JOBS: usize = 64;

/// Incremental chain verifier: feed entries in `seq` order.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_prev: String,
    expected_seq: i64,
    entries: u64,
    first_bad: Option<i64>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_prev: GENESIS_HASH.to_string(),
            expected_seq: 1,
            entries: 0,
            first_bad: None,
        }
    }
}

impl ChainVerifier {
    /// Checks the next entry: sequence continuity (deletions), link to the previous hash
    /// (reordering), and its own hash (edits).
    pub fn push(&mut self, e: &StoredEntry<'_>) {
        self.entries += 1;
        if self.first_bad.is_some() {
            return;
        }
        let good = e.fields.seq == self.expected_seq
            && e.prev_hash == self.expected_prev
            && entry_hash(e.prev_hash, &e.fields) == e.hash;
        if !good {
            self.first_bad = Some(e.fields.seq.min(self.expected_seq));
        }
        self.expected_prev = e.hash.to_string();
        self.expected_seq = e.fields.seq + 1;
    }

    /// Checks the next entries, as many [`ChainVerifier::push`]es would, with their hashes
    /// computed by up to `jobs` threads (each hash depends only on the entry and its stored
    /// `prev_hash`; the links and the sequence are then checked in order). The report is
    /// the same for any `jobs`. Once the chain is broken nothing more is hashed.
    pub fn push_all(&mut self, entries: &[StoredEntry<'_>], jobs: usize) {
        if self.first_bad.is_some() {
            self.entries += entries.len() as u64;
            return;
        }
        let hash_ok = |e: &StoredEntry<'_>| entry_hash(e.prev_hash, &e.fields) == e.hash;
        let jobs = jobs.clamp(1, MAX_VERIFY_JOBS).min(entries.len().max(1));
        let ok: Vec<bool> = if jobs == 1 {
            entries.iter().map(hash_ok).collect()
        } else {
            let size = entries.len().div_ceil(jobs);
            std::thread::scope(|s| {
                let parts: Vec<_> = entries
                    .chunks(size)
                    .map(|part| (part, s.spawn(move || part.iter().map(hash_ok).collect())))
                    .collect();
                parts
                    .into_iter()
                    .flat_map(|(part, h)| {
                        h.join()
                            .unwrap_or_else(|_| part.iter().map(hash_ok).collect::<Vec<bool>>())
                    })
                    .collect()
            })
        };
        for (e, hashed) in entries.iter().zip(ok) {
            self.entries += 1;
            if self.first_bad.is_none() {
                let good = e.fields.seq == self.expected_seq
                    && e.prev_hash == self.expected_prev
                    && hashed;
                if !good {
                    self.first_bad = Some(e.fields.seq.min(self.expected_seq));
                }
            }
            self.expected_prev = e.hash.to_string();
            self.expected_seq = e.fields.seq + 1;
        }
    }

    pub fn finish(self) -> ChainReport {
        ChainReport {
            ok: self.first_bad.is_none(),
            entries: self.entries,
            first_bad_seq: self.first_bad,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row {
        seq: i64,
        action: String,
        details: String,
        prev: String,
        hash: String,
    }

    fn chain(n: i64) -> Vec<Row> {
        let actor = Actor::operator();
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let action = format!("test.{seq}");
                let details = "{}".to_string();
                let hash = entry_hash(&prev, &fields(seq, &action, &details, &actor));
                let row = Row {
                    seq,
                    action,
                    details,
                    prev: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                row
            })
            .collect()
    }

    const NONE: Option<String> = None;
    const NO_TARGET: Option<Target> = None;

    fn fields<'a>(
        seq: i64,
        action: &'a str,
        details: &'a str,
        actor: &'a Actor,
    ) -> EntryFields<'a> {
        EntryFields {
            org_id: "org_1",
            seq,
            occurred_at: "2026-11-29T00:00:00Z",
            actor,
            action,
            target: &NO_TARGET,
            ip: &NONE,
            user_agent: &NONE,
            outcome: "success",
            details_json: details,
        }
    }

    fn verify_jobs(rows: &[Row], jobs: usize, chunk: usize) -> ChainReport {
        let actor = Actor::operator();
        let mut v = ChainVerifier::default();
        let entries: Vec<StoredEntry<'_>> = rows
            .iter()
            .map(|r| StoredEntry {
                fields: fields(r.seq, &r.action, &r.details, &actor),
                prev_hash: &r.prev,
                hash: &r.hash,
            })
            .collect();
        for part in entries.chunks(chunk) {
            v.push_all(part, jobs);
        }
        v.finish()
    }

    #[test]
    fn parallel_verification_gives_the_same_verdict_and_names_the_broken_entry() {
        let intact = chain(300);
        let mut edited = chain(300);
        edited[136].details = r#"{"x":1}"#.into();
        let mut deleted = chain(300);
        deleted.remove(200);
        let mut relinked = chain(300);
        relinked[250].prev = relinked[10].hash.clone();
        let mut last = chain(300);
        last[299].hash = "0".repeat(64);
        for (rows, bad) in [
            (&intact, None),
            (&edited, Some(137)),
            (&deleted, Some(201)),
            (&relinked, Some(251)),
            (&last, Some(300)),
        ] {
            let one = verify(rows);
            assert_eq!(one.first_bad_seq, bad);
            assert_eq!(one.ok, bad.is_none());
            for (jobs, chunk) in [(1, 1000), (4, 1000), (4, 64), (3, 7), (64, 300), (0, 50)] {
                assert_eq!(
                    verify_jobs(rows, jobs, chunk),
                    one,
                    "jobs {jobs}, chunk {chunk}"
                );
            }
        }
    }

    fn verify(rows: &[Row]) -> ChainReport {
        let actor = Actor::operator();
        let mut v = ChainVerifier::default();
        for r in rows {
            v.push(&StoredEntry {
                fields: fields(r.seq, &r.action, &r.details, &actor),
                prev_hash: &r.prev,
                hash: &r.hash,
            });
        }
        v.finish()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let r = verify(&chain(5));
        assert_eq!(
            r,
            ChainReport {
                ok: true,
                entries: 5,
                first_bad_seq: None
            }
        );
    }

    #[test]
    fn an_edited_entry_is_found() {
        let mut rows = chain(5);
        rows[2].details = r#"{"x":1}"#.into();
        assert_eq!(verify(&rows).first_bad_seq, Some(3));
    }

    #[test]
    fn a_deleted_entry_is_found() {
        let mut rows = chain(5);
        rows.remove(3);
        assert_eq!(verify(&rows).first_bad_seq, Some(4));
    }

    #[test]
    fn reordered_entries_are_found() {
        let mut rows = chain(5);
        rows.swap(1, 2);
        assert_eq!(verify(&rows).first_bad_seq, Some(2));
    }

    #[test]
    fn a_forged_entry_with_a_recomputed_hash_breaks_the_next_link() {
        let mut rows = chain(4);
        rows[1].action = "test.forged".into();
        let actor = Actor::operator();
        rows[1].hash = entry_hash(
            &rows[1].prev,
            &fields(2, &rows[1].action, &rows[1].details, &actor),
        );
        assert_eq!(verify(&rows).first_bad_seq, Some(3));
    }

    #[test]
    fn a_deleted_first_entry_is_found() {
        // Removing the first entry shifts everything: detected at seq 1.
        let mut rows = chain(3);
        rows.remove(0);
        assert_eq!(verify(&rows).first_bad_seq, Some(1));
    }
}
