//! The [`Store`] trait: everything the daemon persists, one sub-trait per noun of the
//! product (orgs, setup, users, throttles, sessions, audit, MFA, invites, members,
//! passwords, the mail outbox, ingestion keys, ingested events, allowed IPs, automation
//! tokens, readiness, passkeys, device grants), each implemented by the SQL in the file of the same name under
//! `sql/`.
//!
//! Callers hold `Arc<dyn Store>` (or a generic `S: Store`) and call any method without
//! importing the sub-traits; code that holds a concrete store (`SqliteStore`, `PgStore`)
//! imports the sub-traits it calls.

use crate::Result;
use crate::model::*;
use async_trait::async_trait;
use wt_core::audit::{AuditEvent, ChainReport};
use wt_core::clock::UnixTime;
use wt_core::paging::MemberAfter;
use wt_core::permissions::Role;
use wt_core::throttle;

/// Everything the daemon persists. Implementations must be safe to share across tasks and
/// must never block the async executor. Implemented for every type that implements all
/// the sub-traits.
pub trait Store:
    HealthStore
    + OrgStore
    + SetupStore
    + UserStore
    + ThrottleStore
    + SessionStore
    + AuditStore
    + AuditCheckpointStore
    + AuditSinkStore
    + MfaStore
    + InviteStore
    + MemberStore
    + PasswordStore
    + OutboxStore
    + KeyStore
    + IngestStore
    + EventStore
    + AllowedIpStore
    + TokenStore
    + ReadinessStore
    + PasskeyStore
    + DeviceGrantStore
    + std::fmt::Debug
    + 'static
{
}

impl<T> Store for T where
    T: HealthStore
        + OrgStore
        + SetupStore
        + UserStore
        + ThrottleStore
        + SessionStore
        + AuditStore
        + AuditCheckpointStore
        + AuditSinkStore
        + MfaStore
        + InviteStore
        + MemberStore
        + PasswordStore
        + OutboxStore
        + KeyStore
        + IngestStore
        + EventStore
        + AllowedIpStore
        + TokenStore
        + ReadinessStore
        + PasskeyStore
        + DeviceGrantStore
        + std::fmt::Debug
        + 'static
{
}

/// The database itself: liveness, the cache version daemons compare, the installation's
/// master key fingerprint.
#[async_trait]
pub trait HealthStore: Send + Sync {
    /// Cheap liveness check of the database (for `/readyz`). While the last write failed
    /// with [`StoreError::Unavailable`](crate::StoreError::Unavailable), it also tries a tiny write, so readiness recovers
    /// by itself once the disk has room again.
    async fn ping(&self) -> Result<()>;

    /// A counter that moves whenever ingestion keys, allowed IPs or an org's ingest policy
    /// change, through any daemon. Daemons sharing a database compare it with the version
    /// their in-memory caches were loaded at before trusting them.
    async fn cache_version(&self) -> Result<i64>;

    /// The cache version, at least as new as the database's when this call began: what
    /// [`HealthStore::cache_version`] reads, but learnt, where the backend can, from a
    /// change feed at the cost of one round trip that is not a statement (PostgreSQL with
    /// a direct session: `LISTEN`; see ARCHITECTURE.md). Falls back to the read whenever
    /// the feed cannot vouch for its answer; SQLite always reads.
    async fn cache_version_synced(&self) -> Result<i64>;

    /// Records `fingerprint` (of the master key) if the database has none yet, and says
    /// whether the recorded one is this one. Every daemon of a database needs the same key.
    async fn master_key_matches(&self, fingerprint: &str, now: UnixTime) -> Result<bool>;

    /// The connection pool's numbers, for `/metrics` (`None`: the backend has no pool).
    fn pool_stats(&self) -> Option<crate::postgres::PoolStats> {
        None
    }
}

/// Orgs and their settings (the roles that must use MFA, browser-side ingestion).
#[async_trait]
pub trait OrgStore: Send + Sync {
    /// Creates an org, optionally with a one-time setup token for its first owner.
    async fn create_org(
        &self,
        org: NewOrg,
        setup: Option<NewSetupToken>,
        audit: AuditEvent,
        now: UnixTime,
    ) -> Result<OrgRecord>;

    /// All orgs, oldest first.
    async fn list_orgs(&self) -> Result<Vec<OrgRecord>>;

    /// Sets the roles that must use MFA, with its audit entry.
    async fn set_mfa_required_roles(
        &self,
        org_id: &str,
        roles: Vec<Role>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<OrgRecord>;

    /// Sets the org's passkey policy (phishing-resistant roles, AAGUID allow-list), with
    /// its audit entry.
    async fn set_passkey_policy(
        &self,
        org_id: &str,
        policy: wt_core::passkey::PasskeyPolicy,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<OrgRecord>;

    /// Sets whether browser-side ingestion is accepted, with its audit entry.
    async fn set_browser_ingest(
        &self,
        org_id: &str,
        allowed: bool,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<OrgRecord>;

    /// Sets (or clears) the default rate limit of the org's keys, with its audit entry.
    async fn set_key_rate(
        &self,
        org_id: &str,
        rate: Option<wt_core::ratelimit::KeyRate>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<OrgRecord>;

    /// Sets what a leak report does to the org's keys, with its audit entry.
    async fn set_leak_policy(
        &self,
        org_id: &str,
        policy: wt_core::leaks::LeakPolicy,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<OrgRecord>;
}

/// The one-time setup token that makes an org's first owner.
#[async_trait]
pub trait SetupStore: Send + Sync {
    /// Claims the owner account with a setup token: creates the user and the owner
    /// membership and burns the token, atomically. Unknown, used and expired tokens all
    /// answer [`StoreError::SetupTokenInvalid`](crate::StoreError::SetupTokenInvalid).
    async fn claim_setup(
        &self,
        claim: SetupClaim,
        audit: AuditEvent,
    ) -> Result<(UserRecord, OrgRecord)>;

    /// Looks up the email of a setup token that is still claimable (for policy context).
    async fn setup_token_email(
        &self,
        token_hash: &str,
        now: UnixTime,
    ) -> Result<(String, OrgRecord)>;
}

/// Accounts as a login sees them: the password hash and every membership.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// A user by normalised email, with their password hash and memberships.
    async fn user_for_login(&self, email: &str) -> Result<Option<LoginCandidate>>;

    /// The same by user id.
    async fn user_by_id(&self, user_id: &str) -> Result<Option<LoginCandidate>>;
}

/// Failure counters of logins and other guessable secrets (SECURITY.md J.60).
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Current throttle state of a key (default when none).
    async fn throttle_get(&self, key: &str) -> Result<throttle::State>;

    /// Records a failure atomically and returns the new state.
    async fn throttle_fail(
        &self,
        key: &str,
        policy: throttle::Policy,
        now: UnixTime,
    ) -> Result<throttle::State>;

    /// Forgets the failures of a key (after a successful login).
    async fn throttle_clear(&self, key: &str) -> Result<()>;

    /// Counts one attempt on every key, in one transaction and before the attempt is
    /// checked (SECURITY.md J.60): `Taken::Counted` when no key is locked, else
    /// `Taken::Locked` and nothing is counted. Keys are locked in sorted order.
    async fn throttle_take(
        &self,
        keys: Vec<(String, throttle::Policy)>,
        now: UnixTime,
    ) -> Result<throttle::Taken>;

    /// Gives back, in one transaction, an attempt [`ThrottleStore::throttle_take`] counted that
    /// turned out right: each key is cleared or gets `throttle::refund`.
    async fn throttle_settle(&self, settles: Vec<throttle::Settle>) -> Result<()>;
}

/// Login sessions: creation, lookup by token, idle bookkeeping, step-up and revocation.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session together with its audit entry.
    async fn create_session(&self, session: NewSession, audit: AuditEvent) -> Result<()>;

    /// The live (unrevoked) session with this token hash, with its user, org and role.
    /// Expiry is the caller's rule to apply.
    async fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<SessionAuth>>;

    /// Moves a session's `last_seen_at` forward (idle timeout bookkeeping) and records the
    /// address of its latest request.
    async fn touch_session(&self, session_id: &str, now: UnixTime, ip: &str) -> Result<()>;

    /// Records that the session re-authenticated (step-up) at `now`, with its audit entry.
    async fn session_step_up(
        &self,
        org_id: &str,
        session_id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()>;

    /// Every live session of the org's members, with their emails.
    async fn org_sessions(&self, org_id: &str, now: UnixTime) -> Result<Vec<OrgSessionRecord>>;

    /// Revokes one of the user's sessions in the org; `NotFound` when it is not theirs or
    /// already revoked.
    async fn revoke_session(
        &self,
        org_id: &str,
        user_id: &str,
        session_id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()>;

    /// The user's sessions in the org that are neither revoked nor past `now`'s expiry.
    async fn list_sessions(
        &self,
        org_id: &str,
        user_id: &str,
        now: UnixTime,
    ) -> Result<Vec<SessionRecord>>;

    /// Revokes every live session the user has in the org except `keep_session` (and
    /// their pending MFA logins there), with its audit entry; returns how many sessions.
    async fn revoke_other_sessions(
        &self,
        org_id: &str,
        user_id: &str,
        keep_session: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<usize>;

    /// The user's sign-in history since `since`: the distinct (client, user agent,
    /// address) of every session created then or later, in every org, revoked and
    /// expired ones included.
    async fn sign_in_devices_since(
        &self,
        user_id: &str,
        since: UnixTime,
    ) -> Result<Vec<SignInDevice>>;

    /// Whether the user ever had a session (in any org).
    async fn signed_in_before(&self, user_id: &str) -> Result<bool>;
}

/// The org's audit log: appends, verification of the hash chain, filtered reads, reviews.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry that records something with no other state change (a failed
    /// login, a throttled attempt).
    async fn append_audit(&self, org_id: &str, audit: AuditEvent, now: UnixTime) -> Result<()>;

    /// Verifies an org's audit hash chain from the first entry to the last.
    async fn verify_audit(&self, org_id: &str) -> Result<ChainReport>;

    /// [`AuditStore::verify_audit`] with the hashes computed by up to `jobs` threads, in
    /// chunks read one after the other (memory stays flat); the same report for any `jobs`.
    async fn verify_audit_jobs(&self, org_id: &str, jobs: usize) -> Result<ChainReport>;

    /// The plan of every statement [`AuditStore::audit_query`] runs for `q` (SQLite's
    /// `EXPLAIN QUERY PLAN` details, PostgreSQL's `EXPLAIN` lines with sequential scans
    /// disabled: what the indexes can serve), for tests that a filter is read through an
    /// index.
    #[doc(hidden)]
    async fn audit_query_plan(&self, org_id: &str, q: AuditQuery) -> Result<Vec<String>>;

    /// A filtered page of an org's audit log.
    async fn audit_query(
        &self,
        org_id: &str,
        query: AuditQuery,
    ) -> Result<Vec<wt_core::audit::AuditRecord>>;

    /// How many entries `query` selects (its order and limit are ignored; its action may
    /// be a prefix ending in `.*`; its sequence bounds count) per time bucket and outcome,
    /// oldest bucket first, buckets without entries absent (the console's activity
    /// chart). The whole hours of the range are summed from the per-hour counts the append
    /// keeps; only partial hours, or a filter those counts do not keep (actor, target, a
    /// sequence bound), count the entries.
    async fn audit_activity(
        &self,
        org_id: &str,
        query: AuditQuery,
        bucket: AuditBucket,
    ) -> Result<Vec<AuditActivity>>;

    /// The org's latest sequence number (0 when empty).
    async fn audit_last_seq(&self, org_id: &str) -> Result<i64>;

    /// Records a review of the log through a sequence number, with its own audit entry.
    async fn audit_review_create(
        &self,
        org_id: &str,
        review: AuditReviewRecord,
        audit: AuditEvent,
    ) -> Result<()>;

    /// The org's audit reviews, newest first.
    async fn audit_reviews(&self, org_id: &str) -> Result<Vec<AuditReviewRecord>>;

    /// Each member's latest successful sign-in to the org: `(user id, occurred_at)` of
    /// the newest `auth.login.succeeded` entry per user, kept by the append (the console's
    /// member list shows it for every member at once). Users who never signed in are
    /// absent.
    async fn audit_last_sign_ins(&self, org_id: &str) -> Result<Vec<(String, String)>>;

    /// One user's latest successful sign-in to the org (`occurred_at`), as
    /// [`Self::audit_last_sign_ins`] has it.
    async fn audit_last_sign_in(&self, org_id: &str, user_id: &str) -> Result<Option<String>>;

    /// An org's audit entries with `seq` greater than `after`, oldest first.
    async fn audit_entries(
        &self,
        org_id: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<wt_core::audit::AuditRecord>>;
}

/// The audit log's Merkle tree, its signing keys and signed checkpoints (issue 28;
/// `sql/audit_checkpoints.rs`, migration 0025). The tree's nodes are written by every
/// append; these read them (a listed set in one query: proofs are O(log n)), build the
/// tree of a log older than the table, and keep keys and checkpoints.
#[async_trait]
pub trait AuditCheckpointStore: Send + Sync {
    /// How many entries the org's stored tree covers (its leaves).
    async fn audit_tree_size(&self, org_id: &str) -> Result<u64>;

    /// The stored hashes of `ids` in one query (absent ones are missing from the map).
    async fn audit_tree_nodes(
        &self,
        org_id: &str,
        ids: Vec<wt_core::merkle::NodeId>,
    ) -> Result<std::collections::HashMap<wt_core::merkle::NodeId, wt_core::merkle::Hash>>;

    /// Adds up to `batch` of the org's entries that the tree does not cover yet (a log
    /// older than the tree's table), in one transaction under the org's audit lock;
    /// returns how many (0: the tree covers the log). Idempotent.
    async fn audit_tree_backfill(&self, org_id: &str, batch: u32) -> Result<u64>;

    /// Every signing key an org's checkpoints may be signed with: the installation's
    /// (`org_id` NULL) and the org's own, oldest first.
    async fn audit_signing_keys(&self, org_id: &str) -> Result<Vec<SigningKeyRecord>>;

    /// Adds a signing key. An installation key (`org_id` None) is added only when no
    /// unretired one exists (`Ok(false)` otherwise: another daemon made it first). An
    /// org's key retires the org's previous keys and is audited (`audit` Some).
    async fn audit_signing_key_add(
        &self,
        key: SigningKeyRecord,
        audit: Option<AuditEvent>,
    ) -> Result<bool>;

    /// Stores a signed checkpoint (a second one of the same size is ignored: `Ok(false)`),
    /// with its audit entry when signed on demand.
    async fn audit_checkpoint_add(
        &self,
        checkpoint: CheckpointRecord,
        audit: Option<AuditEvent>,
    ) -> Result<bool>;

    /// The org's newest checkpoint.
    async fn audit_checkpoint_latest(&self, org_id: &str) -> Result<Option<CheckpointRecord>>;

    /// The org's checkpoint of `size` entries.
    async fn audit_checkpoint_at(
        &self,
        org_id: &str,
        size: u64,
    ) -> Result<Option<CheckpointRecord>>;
}

/// Audit sinks (`wt audit sinks`): their settings, and the durable cursor and lease of
/// the delivery task (`daemon/src/sinks`). A sink is delivered by the daemon holding its
/// lease; every update by the task names the holder and changes nothing once another
/// daemon took the lease over.
#[async_trait]
pub trait AuditSinkStore: Send + Sync {
    /// Adds a sink, with its audit entry. A name already used in the org is a conflict.
    async fn audit_sink_create(&self, sink: AuditSinkRecord, audit: AuditEvent) -> Result<()>;

    /// The org's sinks, by name.
    async fn audit_sinks_list(&self, org_id: &str) -> Result<Vec<AuditSinkRecord>>;

    /// One sink of the org; `None` when absent (or another org's).
    async fn audit_sink_get(&self, org_id: &str, id: &str) -> Result<Option<AuditSinkRecord>>;

    /// Pauses or resumes a sink, with its audit entry; `NotFound` when absent. Resuming
    /// makes it due at once.
    async fn audit_sink_set_paused(
        &self,
        org_id: &str,
        id: &str,
        paused: bool,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<AuditSinkRecord>;

    /// Replaces the signing secret (sealed); the old one stays as the previous secret
    /// until `previous_until`. With its audit entry; `NotFound` when absent.
    async fn audit_sink_rotate_secret(
        &self,
        org_id: &str,
        id: &str,
        secret: String,
        previous_until: UnixTime,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<AuditSinkRecord>;

    /// Removes a sink, with its audit entry; `NotFound` when absent.
    async fn audit_sink_remove(
        &self,
        org_id: &str,
        id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<AuditSinkRecord>;

    /// Claims up to `limit` sinks that are due (not paused, `next_attempt_at <= now`)
    /// and whose lease is free, expired or already `holder`'s, for `lease` seconds.
    async fn audit_sinks_claim(
        &self,
        holder: &str,
        now: UnixTime,
        lease: i64,
        limit: u32,
    ) -> Result<Vec<AuditSinkRecord>>;

    /// Records that the receiver accepted everything through `seq`, and extends the
    /// lease. `false` (nothing changed) when `holder` no longer holds the lease.
    async fn audit_sink_delivered(
        &self,
        id: &str,
        holder: &str,
        seq: i64,
        now: UnixTime,
        lease: i64,
    ) -> Result<bool>;

    /// Records a failed attempt (the error, since when it fails, one more failure) and
    /// when to try again; the lease is released. `false` when `holder` had lost it.
    async fn audit_sink_failed(
        &self,
        id: &str,
        holder: &str,
        error: &str,
        now: UnixTime,
        next_attempt_at: UnixTime,
    ) -> Result<bool>;

    /// Gives the lease back (a daemon shutting down), so another daemon need not wait for
    /// it to expire.
    async fn audit_sink_release(&self, id: &str, holder: &str) -> Result<()>;
}

/// MFA (SECURITY.md E): TOTP credentials, recovery codes and pre-MFA login challenges.
#[async_trait]
pub trait MfaStore: Send + Sync {
    /// The user's TOTP credential, pending or confirmed.
    async fn totp_get(&self, user_id: &str) -> Result<Option<TotpRecord>>;

    /// Starts (or restarts) a pending enrollment. `Conflict` when MFA is already on.
    async fn totp_begin(
        &self,
        user_id: &str,
        secret_sealed: &str,
        pending_expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<()>;

    /// Confirms a pending enrollment: records the step, stores the recovery codes, turns MFA
    /// on and revokes the user's other sessions, with its audit entry. `Ok(false)` when the
    /// enrollment is no longer pending (expired, or confirmed by a parallel request).
    async fn totp_confirm(&self, confirm: TotpConfirm, audit: AuditEvent) -> Result<bool>;

    /// Records `step` as accepted if it is later than the last one (compare-and-set).
    /// `Ok(false)` means the step was already used: a replay.
    async fn totp_accept_step(&self, user_id: &str, step: u64) -> Result<bool>;

    /// Burns an unused recovery code. `Ok(false)` when unknown or already used.
    async fn recovery_code_use(
        &self,
        user_id: &str,
        code_hash: &str,
        now: UnixTime,
    ) -> Result<bool>;

    /// Unused recovery codes left.
    async fn recovery_codes_remaining(&self, user_id: &str) -> Result<u32>;

    /// Replaces the user's recovery codes (the old set dies) and revokes their other
    /// sessions, with its audit entry.
    async fn recovery_codes_replace(
        &self,
        org_id: &str,
        user_id: &str,
        hashes: Vec<String>,
        keep_session: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()>;

    /// Removes the TOTP credential and revokes the user's sessions except
    /// `keep_session`, with its audit entry. Used by the user (keeping their session: their
    /// passkeys stay, and with one left MFA stays on with its recovery codes) and by an
    /// admin's reset (keeping none: passkeys and recovery codes go too, MFA is off).
    /// With `need` (the user's own removal), refused (`Conflict`) when it is their last
    /// second factor and their role requires one (`wt_core::passkey::may_remove_under`,
    /// decided in the transaction); an admin's reset passes `None` (it forces re-enrollment).
    async fn mfa_disable(
        &self,
        org_id: &str,
        user_id: &str,
        keep_session: Option<&str>,
        need: Option<wt_core::passkey::Requirement>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()>;

    /// Stores a pre-MFA login challenge.
    async fn challenge_create(&self, challenge: NewChallenge) -> Result<()>;

    /// A challenge by token hash (any state; the caller applies the rules).
    async fn challenge_get(&self, token_hash: &str) -> Result<Option<ChallengeRecord>>;

    /// Counts an attempt at a challenge before its code is checked (SECURITY.md J.60):
    /// `false`, and nothing counted, once `max` attempts were made.
    async fn challenge_attempt(&self, id: &str, max: i64) -> Result<bool>;

    /// Marks a challenge used, atomically. `Ok(false)` when it already was.
    async fn challenge_consume(&self, id: &str, now: UnixTime) -> Result<bool>;
}

/// Invites into an org, from creation to acceptance.
#[async_trait]
pub trait InviteStore: Send + Sync {
    /// Creates an invite. `Conflict` when the email already has a pending invite or is
    /// already a member of the org.
    async fn invite_create(&self, invite: NewInvite, audit: AuditEvent) -> Result<InviteRecord>;

    /// The org's invites, newest first.
    async fn invites_list(&self, org_id: &str) -> Result<Vec<InviteRecord>>;

    /// Gives a pending invite a new token and expiry (the old token dies). `NotFound` for
    /// other orgs' ids; `Conflict` when it is no longer pending.
    async fn invite_resend(
        &self,
        org_id: &str,
        id: &str,
        token_hash: &str,
        expires_at: UnixTime,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<InviteRecord>;

    /// Revokes a pending invite.
    async fn invite_revoke(
        &self,
        org_id: &str,
        id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()>;

    /// The invite with this token hash and its org (any state; the caller applies rules).
    async fn invite_by_token(&self, token_hash: &str) -> Result<Option<(InviteRecord, OrgRecord)>>;

    /// Accepts a pending invite, atomically: burns it and creates the account and the
    /// membership (`existing_user_id = None`, the password already hashed in `member`), or
    /// adds the membership to the existing account whose email the invite names.
    /// `InviteInvalid` when it is no longer pending (of two parallel accepts one wins);
    /// `Conflict` when a new account's email already exists.
    async fn invite_accept(
        &self,
        token_hash: &str,
        new_account: Option<NewMember>,
        existing_user_id: Option<&str>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<(UserRecord, OrgRecord, Role)>;
}

/// An org's members: accounts with a membership, their roles, removal, and reviews of the
/// member list.
#[async_trait]
pub trait MemberStore: Send + Sync {
    /// Creates an account with a membership, with its audit entry. `Conflict` when the
    /// email already has an account (an invite never overwrites a password).
    async fn create_member(&self, member: NewMember, audit: AuditEvent) -> Result<UserRecord>;

    /// A member of the org and their role; `None` for non-members (and other orgs' users).
    async fn member(&self, org_id: &str, user_id: &str) -> Result<Option<(UserRecord, Role)>>;

    /// The member with when they joined, as [`Self::members_list`] has them; `None` for
    /// non-members.
    async fn member_record(&self, org_id: &str, user_id: &str) -> Result<Option<MemberRecord>>;

    /// The org's members, oldest first (ties by email).
    async fn members_list(&self, org_id: &str) -> Result<Vec<MemberRecord>>;

    /// At most `limit` of the org's members after `after` (from the first without it),
    /// oldest first with ties by user id: a total order, so that pages neither repeat nor
    /// skip a member (keyset pagination; the index `memberships_by_org_joined`, 0029,
    /// makes a page cost its own rows, not the org's). `after` need not be a member any
    /// more: the page starts at its place in the order.
    async fn members_page(
        &self,
        org_id: &str,
        after: Option<MemberAfter>,
        limit: u32,
    ) -> Result<Vec<MemberRecord>>;

    /// Changes a member's role. `LastOwner` when it would leave no owner (checked in the
    /// transaction, so parallel demotions cannot race past it).
    async fn member_set_role(
        &self,
        org_id: &str,
        user_id: &str,
        role: Role,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()>;

    /// Removes a member: their sessions in the org end (cascade) and pending invites for
    /// their email die. `LastOwner` when they are the last owner.
    async fn member_remove(
        &self,
        org_id: &str,
        user_id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()>;

    /// Revokes every live session a member has in the org (an admin's action, B.16);
    /// returns how many.
    async fn member_sessions_revoke(
        &self,
        org_id: &str,
        user_id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<usize>;

    /// Records a review of the member list.
    async fn member_review_create(
        &self,
        org_id: &str,
        review: ReviewRecord,
        audit: AuditEvent,
    ) -> Result<()>;

    /// The org's member reviews, newest first.
    async fn member_reviews(&self, org_id: &str) -> Result<Vec<ReviewRecord>>;
}

/// Passwords: reset tokens and password changes.
#[async_trait]
pub trait PasswordStore: Send + Sync {
    /// Stores a reset token for a user; their older unused tokens die. Unless one of them
    /// is live and was made after `fresh_since`: then nothing changes and the answer
    /// is `false` (the link already mailed keeps working, SECURITY.md J.67).
    async fn reset_create(
        &self,
        id: &str,
        token_hash: &str,
        user_id: &str,
        now: UnixTime,
        expires_at: UnixTime,
        fresh_since: UnixTime,
    ) -> Result<bool>;

    /// A reset token by hash (any state).
    async fn reset_get(&self, token_hash: &str) -> Result<Option<ResetRecord>>;

    /// Completes a reset atomically: burns the token (of two parallel completions one
    /// wins), sets the password, revokes every session and every other reset token.
    /// `Ok(false)` when the token is no longer usable.
    async fn reset_complete(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: UnixTime,
        audit_org: Option<&str>,
        audit: AuditEvent,
    ) -> Result<bool>;

    /// Sets a new password and revokes the user's sessions except `keep_session`.
    async fn password_set(
        &self,
        user_id: &str,
        password_hash: &str,
        keep_session: Option<&str>,
        now: UnixTime,
        audit_org: &str,
        audit: AuditEvent,
    ) -> Result<()>;
}

/// The mail outbox the mailer sends from.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Queues a mail for the mailer.
    async fn enqueue_mail(&self, mail: NewMail) -> Result<()>;

    /// Claims unsent mail whose next attempt is due at `now` (oldest first) for a few
    /// minutes, so that of several daemons only one sends it; `mail_sent` or `mail_failed`
    /// settles it, and a daemon that dies mid-send leaves it to be claimed again later.
    async fn due_mail(&self, now: UnixTime, limit: u32) -> Result<Vec<MailRecord>>;

    /// Marks a mail delivered and forgets its body.
    async fn mail_sent(&self, id: &str, now: UnixTime) -> Result<()>;

    /// Records a failed attempt and when to try again.
    async fn mail_failed(&self, id: &str, error: &str, next_attempt_at: UnixTime) -> Result<()>;

    /// Undelivered mail queued at or before `queued_by`: its count and the `limit` oldest.
    /// Of one org with `Some`, of every org (and of none) with `None`.
    async fn mail_backlog(
        &self,
        org_id: Option<&str>,
        queued_by: UnixTime,
        limit: u32,
    ) -> Result<MailBacklog>;
}

/// Ingestion keys (SECURITY.md G): creation, rotation, revocation, usage and sources.
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Stores a new key, with its audit entry. `Conflict` when the owner is not a member.
    async fn api_key_create(&self, key: NewApiKey, audit: AuditEvent) -> Result<ApiKeyRecord>;

    /// The org's keys, newest first.
    async fn api_keys_list(&self, org_id: &str) -> Result<Vec<ApiKeyRecord>>;

    /// A page of the org's keys, newest first: those of `q.environment` (all when `None`)
    /// after the key `q.after` (the previous page's last), at most `q.limit`.
    async fn api_keys_page(&self, org_id: &str, q: KeyListQuery) -> Result<Vec<ApiKeyRecord>>;

    /// The keys of every org that were not revoked before `revoked_since`, in id order,
    /// after the key `after`, at most `limit`: the daemon's key cache loads them a page at a
    /// time, so a load never holds the whole key set as records beside the cache.
    async fn api_keys_for_cache(
        &self,
        revoked_since: UnixTime,
        after: Option<String>,
        limit: u32,
    ) -> Result<Vec<ApiKeyRecord>>;

    /// The keys and org policies changed after cache version `since` (their `cache_seq`
    /// is newer), revoked keys included: a reload reads what changed, not everything.
    async fn cache_changes(&self, since: i64) -> Result<CacheChanges>;

    /// One key of the org.
    async fn api_key_get(&self, org_id: &str, id: &str) -> Result<Option<ApiKeyRecord>>;

    /// Where a key was used from, most recent first.
    async fn api_key_sources(&self, key_id: &str) -> Result<Vec<KeySourceRecord>>;

    /// Every key source of the org seen at or after `since` (for the allowed-IP dry run).
    async fn org_key_sources(
        &self,
        org_id: &str,
        since: UnixTime,
    ) -> Result<Vec<(KeySourceRecord, String)>>;

    /// Changes name, owner or allowlist, with its audit entry. `Conflict` when the new owner
    /// is not a member or the key is revoked.
    async fn api_key_update(
        &self,
        org_id: &str,
        id: &str,
        patch: ApiKeyPatch,
        audit: AuditEvent,
        now: UnixTime,
    ) -> Result<ApiKeyRecord>;

    /// Revokes a key, with its audit entry. `Conflict` when it already is.
    async fn api_key_revoke(
        &self,
        org_id: &str,
        id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<ApiKeyRecord>;

    /// Rotates `old_id` into `successor`, atomically: the old key gets `grace_until` (and is
    /// revoked when that is `now`), and points at its successor. `Conflict` when the old
    /// key is revoked, expired or already rotated (one pending rotation per key). The
    /// successor keeps the old key's own rate limit and address allowlist as they are in
    /// this transaction (`successor.allowed_cidrs` is replaced). Returns (successor, old key).
    async fn api_key_rotate(
        &self,
        org_id: &str,
        old_id: &str,
        successor: NewApiKey,
        grace_until: UnixTime,
        audit: AuditEvent,
    ) -> Result<(ApiKeyRecord, ApiKeyRecord)>;

    /// A leak report: marks a key that still works as leaked and revokes (or quarantines)
    /// it, with its audit entry, in one transaction. `Conflict` when the key no longer
    /// works (so of many reports of one key exactly one changes it).
    async fn api_key_report_leak(
        &self,
        org_id: &str,
        id: &str,
        leak: KeyLeak,
        audit: AuditEvent,
    ) -> Result<ApiKeyRecord>;

    /// Marks a key as leaked (first report wins), without changing whether it works
    /// (`wt keys leaked` rotates it first).
    async fn api_key_mark_leaked(
        &self,
        org_id: &str,
        id: &str,
        at: UnixTime,
        source: &str,
    ) -> Result<ApiKeyRecord>;

    /// Adds coalesced usage to keys (one transaction for the whole batch), its hourly
    /// counts included.
    async fn api_key_usage_flush(&self, usage: Vec<KeyUsage>) -> Result<()>;

    /// Requests per hour of the org's keys `key_ids` (every key of the org when empty;
    /// other orgs' ids count nothing) in the hours starting at or after `since`, by key
    /// then hour.
    async fn api_key_usage_hours(
        &self,
        org_id: &str,
        key_ids: &[String],
        since: UnixTime,
    ) -> Result<Vec<KeyHourRecord>>;

    /// Where the org's unrevoked keys `key_ids` were used from (every such key of the org
    /// when empty; other orgs' ids have none), by key, most recent first.
    async fn api_keys_sources(
        &self,
        org_id: &str,
        key_ids: &[String],
    ) -> Result<Vec<KeySourceRecord>>;

    /// Deletes hourly counts of hours that started before `before`; returns how many.
    async fn api_key_usage_prune(&self, before: UnixTime) -> Result<u64>;
}

/// Ingested events.
#[async_trait]
pub trait IngestStore: Send + Sync {
    /// Appends ingested events durably (one transaction for the whole group).
    async fn ingest_append(&self, batches: Vec<IngestBatch>) -> Result<u64>;

    /// Stores one ingest request's events durably, grouped into one transaction with the
    /// other requests' events waiting at that moment (group commit); returns how many were
    /// stored once they are committed. The ingest hot path.
    async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome>;

    /// Forgets idempotency keys first used before `before`; returns how many.
    async fn ingest_idempotency_purge(&self, before: UnixTime) -> Result<u64>;

    /// Events stored for a key (for tests and readiness).
    async fn ingest_count(&self, org_id: &str) -> Result<u64>;
}

/// Ingested events as consumers read them, their retention and what they take
/// (`sql/events.rs`; migration 0023).
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Up to `limit` of the org's events with `after < seq <= through` (no upper bound
    /// when `through` is `None`), oldest first, with the org's pruned horizon.
    async fn events_after(
        &self,
        org_id: &str,
        after: i64,
        through: Option<i64>,
        limit: u32,
    ) -> Result<EventSlice>;

    /// The org's newest `limit` events at or below `through`, oldest first (a tail's
    /// start), with its pruned horizon.
    async fn events_latest(
        &self,
        org_id: &str,
        through: Option<i64>,
        limit: u32,
    ) -> Result<EventSlice>;

    /// The org's newest event's seq at or below `through` (0 when none).
    async fn events_last_seq(&self, org_id: &str, through: Option<i64>) -> Result<i64>;

    /// The highest committed seq with the snapshot's transaction bounds, for the read
    /// watermark (`wt_core::events::Watermark`); `None` on SQLite, which needs none.
    async fn events_probe(&self) -> Result<Option<EventProbeRecord>>;

    /// The org's own retention in seconds (`None`: the installation's).
    async fn event_retention(&self, org_id: &str) -> Result<Option<i64>>;

    /// Every org's own retention, `(org_id, seconds)`.
    async fn event_retentions(&self) -> Result<Vec<(String, i64)>>;

    /// Sets (or with `None` clears) the org's own retention, audited.
    async fn event_retention_set(
        &self,
        org_id: &str,
        seconds: Option<i64>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()>;

    /// What the org's events take (zeros before the first count).
    async fn event_storage(&self, org_id: &str) -> Result<EventStorageRecord>;

    /// Every org's storage (orgs with a row only).
    async fn event_storages(&self) -> Result<Vec<EventStorageRecord>>;

    /// Counts up to `limit` more of the org's events (after the counted horizon, at or
    /// below `through`) into its storage row, in one short write; returns how many.
    async fn events_count_more(&self, org_id: &str, through: i64, limit: u32) -> Result<u64>;

    /// Deletes up to `limit` of the org's oldest counted events received before `before`,
    /// moving its pruned horizon first, in one short write; returns how many. Never the
    /// newest event of the installation on SQLite (its seq would be reused).
    async fn events_prune(&self, org_id: &str, before: UnixTime, limit: u32) -> Result<u64>;
}

/// The org's allowed-IP list (SECURITY.md H).
#[async_trait]
pub trait AllowedIpStore: Send + Sync {
    /// Every org's list (to load the daemon's cache).
    async fn allowed_ips_all(&self) -> Result<Vec<AllowedIpRecord>>;

    /// The org's list, oldest first.
    async fn allowed_ips_list(&self, org_id: &str) -> Result<Vec<AllowedIpRecord>>;

    /// Adds an entry, with its audit entry. `Conflict` when the CIDR is already listed.
    async fn allowed_ip_add(
        &self,
        entry: AllowedIpRecord,
        audit: AuditEvent,
    ) -> Result<AllowedIpRecord>;

    /// Removes an entry, with its audit entry.
    async fn allowed_ip_remove(
        &self,
        org_id: &str,
        id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<AllowedIpRecord>;

    /// Adds coalesced hits: (entry id, hits, last hit).
    async fn allowed_ip_hits_flush(&self, hits: Vec<(String, i64, i64)>) -> Result<()>;
}

/// Automation tokens (SPEC flow 14).
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Stores a new token (`created_by_email` is filled in), with its audit entry.
    async fn access_token_create(
        &self,
        token: AccessTokenRecord,
        audit: AuditEvent,
    ) -> Result<AccessTokenRecord>;

    /// The org's tokens, newest first.
    async fn access_tokens_list(&self, org_id: &str) -> Result<Vec<AccessTokenRecord>>;

    /// Revokes a token, with its audit entry. `Conflict` when it already is.
    async fn access_token_revoke(
        &self,
        org_id: &str,
        id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<AccessTokenRecord>;

    /// The token with this hash (any state), its org, and its creator as they stand now.
    async fn access_token_by_hash(&self, token_hash: &str) -> Result<Option<TokenAuth>>;

    /// Records a use of the token.
    async fn access_token_touch(&self, id: &str, now: UnixTime, ip: &str) -> Result<()>;
}

/// What the readiness report reads and the thresholds it applies.
#[async_trait]
pub trait ReadinessStore: Send + Sync {
    /// Sets the readiness thresholds, with its audit entry.
    async fn set_readiness_settings(
        &self,
        org_id: &str,
        settings: wt_core::readiness::ReadinessSettings,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<OrgRecord>;

    /// Each member's latest sign-in to the org (the newest session they created).
    async fn member_last_sign_ins(&self, org_id: &str) -> Result<Vec<(String, i64)>>;
}

/// Passkeys (WebAuthn credentials) and their ceremonies.
#[async_trait]
pub trait PasskeyStore: Send + Sync {
    /// A user's passkeys, oldest first.
    async fn passkeys_list(&self, user_id: &str) -> Result<Vec<PasskeyRecord>>;
    /// The passkey with this credential id (base64url), whoever's it is: a passwordless
    /// sign-in learns the account from it.
    async fn passkey_by_credential(&self, credential_id: &str) -> Result<Option<PasskeyRecord>>;
    /// Stores a new passkey and turns the account's MFA on; when it is the account's
    /// first second factor, also its recovery codes, and the account's other sessions
    /// end. A credential id already registered (to anyone) is a `Conflict`.
    async fn passkey_add(&self, passkey: NewPasskey, audit: AuditEvent) -> Result<()>;
    /// Renames one of the user's passkeys; `NotFound` if it is not theirs.
    async fn passkey_rename(
        &self,
        org_id: &str,
        user_id: &str,
        id: &str,
        name: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()>;
    /// Removes one of the user's passkeys; `NotFound` if it is not theirs. Refused
    /// (`Conflict`) when `need` (from the member's role) would no longer be met: the
    /// account's last second factor under `mfa_required_roles`, its last passkey under
    /// `phishing_resistant_required_roles` (decided in the transaction, by
    /// `wt_core::passkey::may_remove_under`, so two removals at once cannot both pass).
    /// The last factor gone: MFA off, recovery codes deleted.
    async fn passkey_remove(
        &self,
        org_id: &str,
        user_id: &str,
        id: &str,
        need: wt_core::passkey::Requirement,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()>;
    /// Records an accepted assertion: the new counter, backup flags and last use.
    async fn passkey_used(&self, used: PasskeyUse) -> Result<()>;
    /// Which second factors each member of the org has (members without any are absent).
    async fn org_second_factors(
        &self,
        org_id: &str,
    ) -> Result<std::collections::HashMap<String, SecondFactors>>;
    /// Which second factors each of these users has (those without any are absent): a
    /// page of members' factors, read for that page alone.
    async fn users_second_factors(
        &self,
        user_ids: &[String],
    ) -> Result<std::collections::HashMap<String, SecondFactors>>;
    /// Which second factors the user has.
    async fn second_factors(&self, user_id: &str) -> Result<SecondFactors>;
    /// Stores a started ceremony (and purges expired ones). An empty `org_id` (a
    /// passwordless sign-in, whose org is not known yet) is stored as NULL and read back
    /// as empty.
    async fn passkey_ceremony_create(&self, ceremony: PasskeyCeremony) -> Result<()>;
    /// Takes a live ceremony of this purpose: marks it used and returns it, once; `None`
    /// when unknown, used, expired or of another purpose.
    async fn passkey_ceremony_take(
        &self,
        id: &str,
        purpose: &str,
        now: UnixTime,
    ) -> Result<Option<PasskeyCeremony>>;
}

/// Device authorization grants of `wt login --web` (RFC 8628). Every change of state is
/// a conditional update: of simultaneous callers, one changes the row.
#[async_trait]
pub trait DeviceGrantStore: Send + Sync {
    /// Stores a new pending grant; `audit` is its `device_login.requested` entry, written
    /// in the grant's org when the request named one. Lapsed grants older than a day
    /// are purged as new ones arrive.
    async fn device_grant_create(
        &self,
        grant: NewDeviceGrant,
        audit: Option<AuditEvent>,
    ) -> Result<()>;
    /// The grant of a device code's keyed hash.
    async fn device_grant_by_device_code(&self, hash: &str) -> Result<Option<DeviceGrantRecord>>;
    /// The grant of a user code's keyed hash.
    async fn device_grant_by_user_code(&self, hash: &str) -> Result<Option<DeviceGrantRecord>>;
    /// A grant by its public id.
    async fn device_grant_get(&self, id: &str) -> Result<Option<DeviceGrantRecord>>;
    /// Records a poll of a pending grant at `now`. `true`: it came after the interval.
    /// `false`: too soon, and the interval is now at least `slow_interval` (slow_down).
    async fn device_grant_polled(
        &self,
        id: &str,
        now: UnixTime,
        slow_interval: i64,
    ) -> Result<bool>;
    /// Approves or denies a pending, live grant for the answerer's org, with its audit
    /// entry (and the `requested` one, when the org was not known before). A grant
    /// answered already or lapsed is a `Conflict`.
    async fn device_grant_answer(
        &self,
        answer: DeviceGrantAnswer,
        requested: Option<AuditEvent>,
        audit: AuditEvent,
    ) -> Result<()>;
    /// Records that a pending or approved grant lapsed (`expired`), with `audit` in its
    /// org when it has one; `false` when another poll recorded it first.
    async fn device_grant_expire(&self, id: &str, now: UnixTime, audit: AuditEvent)
    -> Result<bool>;
    /// Redeems an approved, live grant once: checks, in the same transaction, that the
    /// approver still has the role they approved with in its org and that their
    /// approving session is live. `redeemed` is the audit entry of a redemption,
    /// `withdrawn` the one of an approval that no longer stands.
    async fn device_grant_redeem(
        &self,
        id: &str,
        now: UnixTime,
        redeemed: AuditEvent,
        withdrawn: AuditEvent,
    ) -> Result<DeviceRedeem>;
    /// Notes the session a redeemed grant was exchanged for.
    async fn device_grant_session(&self, id: &str, session_id: &str) -> Result<()>;
}
