//! The shared SQL of [`SqlStore`]: one method per [`Store`] operation, and the one audit
//! helper, [`append_audit_tx`], that every state change calls inside its transaction.

use super::{Backend, SqlStore, internal};
use super::{Db, OptionalExt, Row, Value};
use crate::model::*;
use crate::params;
use crate::{Result, Store, StoreError};
use async_trait::async_trait;
use wt_api::{ClientKind, Role};
use wt_core::audit::{
    self, Actor, AuditEvent, AuditRecord, ChainReport, ChainVerifier, EntryFields, StoredEntry,
    Target,
};
use wt_core::clock::{UnixTime, rfc3339};
use wt_core::permissions::{self, rank};
use wt_core::throttle;

/// Appends `event` to the org's hash chain inside the caller's transaction. This is the
/// only place audit rows are written.
pub(super) fn append_audit_tx(
    tx: &dyn Db,
    org_id: &str,
    event: &AuditEvent,
    now: UnixTime,
) -> Result<i64> {
    // One chain per org, gap-free even with several daemons appending.
    tx.lock(&format!("audit:{org_id}"))?;
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_log WHERE org_id = ?1 ORDER BY seq DESC LIMIT 1",
            params![org_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, audit::GENESIS_HASH.to_string()),
    };
    let occurred_at = rfc3339(now);
    let details_json = serde_json::to_string(&event.details).map_err(internal)?;
    let hash = audit::entry_hash(
        &prev_hash,
        &EntryFields {
            org_id,
            seq,
            occurred_at: &occurred_at,
            actor: &event.actor,
            action: event.action,
            target: &event.target,
            ip: &event.ip,
            user_agent: &event.user_agent,
            outcome: event.outcome,
            details_json: &details_json,
        },
    );
    tx.execute(
        "INSERT INTO audit_log (org_id, seq, occurred_at, actor_type, actor_id, actor_email, action,
            target_type, target_id, ip, user_agent, outcome, details, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            org_id,
            seq,
            occurred_at,
            event.actor.kind,
            event.actor.id,
            event.actor.email,
            event.action,
            event.target.as_ref().map(|t| &t.kind),
            event.target.as_ref().map(|t| &t.id),
            event.ip,
            event.user_agent,
            event.outcome,
            details_json,
            prev_hash,
            hash,
        ],
    )?;
    tx.execute(
        "INSERT INTO audit_actions (org_id, action) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        params![org_id, event.action],
    )?;
    Ok(seq)
}

/// A throttle key's state (the default when it has none).
fn throttle_state(c: &dyn Db, key: &str) -> Result<throttle::State> {
    Ok(c.query_row(
        "SELECT failures, last_failure, locked_until FROM throttles WHERE key = ?1",
        params![key],
        |r| {
            Ok(throttle::State {
                failures: r.get(0)?,
                last_failure: r.get(1)?,
                locked_until: r.get(2)?,
            })
        },
    )
    .optional()?
    .unwrap_or_default())
}

fn throttle_put(c: &dyn Db, key: &str, st: &throttle::State) -> Result<()> {
    c.execute(
        "INSERT INTO throttles (key, failures, last_failure, locked_until) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET failures = ?2, last_failure = ?3, locked_until = ?4",
        params![key, st.failures, st.last_failure, st.locked_until],
    )?;
    Ok(())
}

/// How long [`Store::due_mail`] claims a mail for the daemon that is sending it.
const MAIL_LEASE: i64 = 300;

/// Revokes every live session of a user (in every org) except `keep`.
fn revoke_user_sessions_tx(
    tx: &dyn Db,
    user_id: &str,
    keep: Option<&str>,
    now: UnixTime,
) -> Result<usize> {
    // A pending MFA login (the password was right) is a session in the making.
    tx.execute(
        "UPDATE mfa_challenges SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
        params![user_id, now],
    )?;
    tx.execute(
        "UPDATE sessions SET revoked_at = ?3
         WHERE user_id = ?1 AND revoked_at IS NULL AND id IS DISTINCT FROM ?2",
        params![user_id, keep, now],
    )
}

/// Revokes the live automation tokens a user created, in one org or (`None`) in every
/// org: what a password reset or change, an MFA reset or disable, "end sessions" and
/// removal do to them (SECURITY.md J.59; demotion re-scopes them instead, at each use).
fn revoke_user_tokens_tx(
    tx: &dyn Db,
    org_id: Option<&str>,
    user_id: &str,
    now: UnixTime,
) -> Result<usize> {
    match org_id {
        Some(org_id) => tx.execute(
            "UPDATE access_tokens SET revoked_at = ?3
             WHERE created_by = ?1 AND org_id = ?2 AND revoked_at IS NULL",
            params![user_id, org_id, now],
        ),
        None => tx.execute(
            "UPDATE access_tokens SET revoked_at = ?2 WHERE created_by = ?1 AND revoked_at IS NULL",
            params![user_id, now],
        ),
    }
}

/// Replaces a user's recovery codes (the old set dies) inside the caller's transaction.
fn replace_recovery_codes_tx(
    tx: &dyn Db,
    user_id: &str,
    hashes: &[String],
    now: UnixTime,
) -> Result<()> {
    tx.execute(
        "DELETE FROM recovery_codes WHERE user_id = ?1",
        params![user_id],
    )?;
    for h in hashes {
        tx.execute(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?1, ?2, ?3)",
            params![user_id, h, now],
        )?;
    }
    Ok(())
}

fn challenge_from(r: &Row) -> Result<ChallengeRecord> {
    Ok(ChallengeRecord {
        id: r.get(0)?,
        user_id: r.get(1)?,
        org_id: r.get(2)?,
        client: parse_client(&r.get::<String>(3)?),
        failures: r.get(4)?,
        expires_at: r.get(5)?,
        used: r.get::<Option<i64>>(6)?.is_some(),
    })
}

const INVITE_COLS: &str =
    "id, org_id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at";

fn invite_from(r: &Row) -> Result<InviteRecord> {
    Ok(InviteRecord {
        id: r.get(0)?,
        org_id: r.get(1)?,
        email: r.get(2)?,
        role: parse_role(&r.get::<String>(3)?)?,
        invited_by: r.get(4)?,
        created_at: r.get(5)?,
        expires_at: r.get(6)?,
        accepted_at: r.get(7)?,
        revoked_at: r.get(8)?,
    })
}

fn invite_by_id(conn: &dyn Db, org_id: &str, id: &str) -> Result<InviteRecord> {
    conn.query_row(
        &format!("SELECT {INVITE_COLS} FROM invites WHERE org_id = ?1 AND id = ?2"),
        params![org_id, id],
        invite_from,
    )
}

/// Owners of an org, counted inside the caller's transaction.
fn owners(tx: &dyn Db, org_id: &str) -> Result<i64> {
    tx.query_row(
        "SELECT COUNT(*) FROM memberships WHERE org_id = ?1 AND role = 'owner'",
        params![org_id],
        |r| r.get(0),
    )
}

fn parse_roles(s: &str) -> Vec<Role> {
    s.split(',').filter_map(|r| Role::parse(r.trim())).collect()
}

pub(super) fn parse_role(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| internal(format!("unknown role {s:?} in the database")))
}

fn parse_client(s: &str) -> ClientKind {
    if s == "console" {
        ClientKind::Console
    } else {
        ClientKind::Cli
    }
}

pub(super) const ORG_COLS: &str = "o.id, o.slug, o.name, o.mfa_required_roles, o.created_at,
    o.browser_ingest, o.readiness_settings";
/// How many columns [`ORG_COLS`] selects.
pub(super) const ORG_NCOLS: usize = 7;

/// Stored thresholds over the defaults (absent or unreadable fields take the default).
fn readiness_from(json: &str) -> wt_api::ReadinessSettings {
    let d = wt_api::ReadinessSettings::default();
    let p: wt_api::ReadinessSettingsPatch = serde_json::from_str(json).unwrap_or_default();
    wt_api::ReadinessSettings {
        review_interval_days: p.review_interval_days.unwrap_or(d.review_interval_days),
        privileged_share_max_percent: p
            .privileged_share_max_percent
            .unwrap_or(d.privileged_share_max_percent),
        inactive_days: p.inactive_days.unwrap_or(d.inactive_days),
        rotation_age_days: p.rotation_age_days.unwrap_or(d.rotation_age_days),
        audit_review_window_days: p
            .audit_review_window_days
            .unwrap_or(d.audit_review_window_days),
    }
}

pub(super) fn org_from(r: &Row, at: usize) -> Result<OrgRecord> {
    Ok(OrgRecord {
        id: r.get(at)?,
        slug: r.get(at + 1)?,
        name: r.get(at + 2)?,
        mfa_required_roles: parse_roles(&r.get::<String>(at + 3)?),
        created_at: r.get(at + 4)?,
        browser_ingest_allowed: r.get::<String>(at + 5)? == "allow",
        readiness: readiness_from(&r.get::<String>(at + 6)?),
    })
}

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

pub(super) const SESSION_COLS: &str = "s.id, s.org_id, s.user_id, s.client, s.created_at,
    s.last_seen_at, s.expires_at, s.idle_timeout, s.ip, s.user_agent, s.step_up_at, s.last_ip";
/// How many columns [`SESSION_COLS`] selects.
pub(super) const SESSION_NCOLS: usize = 12;

pub(super) fn session_from(r: &Row, at: usize) -> Result<SessionRecord> {
    Ok(SessionRecord {
        id: r.get(at)?,
        org_id: r.get(at + 1)?,
        user_id: r.get(at + 2)?,
        client: parse_client(&r.get::<String>(at + 3)?),
        created_at: r.get(at + 4)?,
        last_seen_at: r.get(at + 5)?,
        expires_at: r.get(at + 6)?,
        idle_timeout: r.get(at + 7)?,
        ip: r.get(at + 8)?,
        user_agent: r.get(at + 9)?,
        step_up_at: r.get(at + 10)?,
        last_ip: r.get(at + 11)?,
    })
}

fn org_by_id(conn: &dyn Db, id: &str) -> Result<OrgRecord> {
    conn.query_row(
        &format!("SELECT {ORG_COLS} FROM orgs o WHERE o.id = ?1"),
        params![id],
        |r| org_from(r, 0),
    )
}

/// An audit row ([`AUDIT_COLS`]); its columns are moved into the record, not copied.
fn audit_from(mut r: Row) -> Result<(String, AuditRecord)> {
    let details_json: String = r.take(12)?;
    let details = serde_json::from_str(&details_json).unwrap_or(serde_json::Value::Null);
    let target_type: Option<String> = r.take(7)?;
    let target_id: Option<String> = r.take(8)?;
    Ok((
        details_json,
        AuditRecord {
            seq: r.get(1)?,
            occurred_at: r.take(2)?,
            actor: Actor {
                kind: r.take(3)?,
                id: r.take(4)?,
                email: r.take(5)?,
            },
            action: r.take(6)?,
            target: match (target_type, target_id) {
                (Some(kind), Some(id)) => Some(Target { kind, id }),
                _ => None,
            },
            ip: r.take(9)?,
            user_agent: r.take(10)?,
            outcome: r.take(11)?,
            details,
            prev_hash: r.take(13)?,
            hash: r.take(14)?,
        },
    ))
}

const AUDIT_COLS: &str = "org_id, seq, occurred_at, actor_type, actor_id, actor_email, action,
    target_type, target_id, ip, user_agent, outcome, details, prev_hash, hash";

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

/// One filtered, ordered, limited read of `audit_log`; `q.action` is exact here.
fn audit_select(c: &dyn Db, org_id: &str, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
    let (sql, args) = audit_sql(AUDIT_COLS, org_id, q);
    c.query_map_owned(&sql, &args, |r| audit_from(r).map(|(_, a)| a))
}

/// The SQL and arguments of [`audit_select`], selecting `cols`.
fn audit_sql(cols: &str, org_id: &str, q: &AuditQuery) -> (String, Vec<Value>) {
    let mut sql = format!("SELECT {cols} FROM audit_log WHERE org_id = ?");
    let mut args: Vec<Value> = vec![Value::Text(org_id.to_string())];
    let mut cond = |part: &str, v: Value| {
        sql.push_str(part);
        args.push(v);
    };
    if let Some(a) = &q.action {
        cond(" AND action = ?", Value::Text(a.clone()));
    }
    if let Some(a) = &q.actor {
        cond(" AND (actor_email = ?", Value::Text(a.clone()));
        cond(" OR actor_id = ?)", Value::Text(a.clone()));
    }
    if let Some(t) = &q.target {
        cond(" AND target_id = ?", Value::Text(t.clone()));
    }
    if let Some(o) = &q.outcome {
        cond(" AND outcome = ?", Value::Text(o.clone()));
    }
    if let Some(s) = &q.since {
        cond(" AND occurred_at >= ?", Value::Text(s.clone()));
    }
    if let Some(u) = &q.until {
        cond(" AND occurred_at < ?", Value::Text(u.clone()));
    }
    if let Some(b) = q.before_seq {
        cond(" AND seq < ?", Value::Int(b));
    }
    if let Some(a) = q.after_seq {
        cond(" AND seq > ?", Value::Int(a));
    }
    // The limit is written into the SQL, not bound: SQLite's planner reads a bound LIMIT's
    // value, so rebinding it expires the cached statement and every run parsed it again.
    // A u32 is safe to inline, and pages take few sizes (50 + 1 by default).
    let order = if q.ascending { "ASC" } else { "DESC" };
    sql.push_str(&format!(" ORDER BY seq {order} LIMIT {}", q.limit));
    (sql, args)
}

/// The entries of `q` whose action is one of `actions`, in `q`'s order, at most `q.limit`.
/// First the page's sequence numbers: for each action the first `q.limit` of its ordered
/// range of the `(org_id, action, seq)` index, seq only (the index alone answers unless
/// another filter needs the row), merged and cut to the page. Then those rows, by primary
/// key. Reading every action's rows in full to the limit decoded `actions x limit` rows to
/// keep `limit`. Entries are never changed, so the two reads agree.
fn audit_merge(
    c: &dyn Db,
    org_id: &str,
    q: &AuditQuery,
    actions: &[String],
) -> Result<Vec<AuditRecord>> {
    let mut seqs = Vec::new();
    for a in actions {
        let arm = AuditQuery {
            action: Some(a.clone()),
            ..q.clone()
        };
        let (sql, args) = audit_sql("seq", org_id, &arm);
        seqs.extend(c.query_map(&sql, &args, |r| r.get::<i64>(0))?);
    }
    if q.ascending {
        seqs.sort_unstable();
    } else {
        seqs.sort_unstable_by(|a, b| b.cmp(a));
    }
    seqs.truncate(q.limit as usize);
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; seqs.len()].join(", ");
    let order = if q.ascending { "ASC" } else { "DESC" };
    let sql = format!(
        "SELECT {AUDIT_COLS} FROM audit_log WHERE org_id = ? AND seq IN ({marks}) ORDER BY seq {order}"
    );
    let mut args = Vec::with_capacity(seqs.len() + 1);
    args.push(Value::Text(org_id.to_string()));
    args.extend(seqs.into_iter().map(Value::Int));
    c.query_map_owned(&sql, &args, |r| audit_from(r).map(|(_, a)| a))
}

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    async fn session_step_up(
        &self,
        org_id: &str,
        session_id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()> {
        self.q_session_step_up(org_id, session_id, now, audit).await
    }

    async fn org_sessions(&self, org_id: &str, now: UnixTime) -> Result<Vec<OrgSessionRecord>> {
        self.q_org_sessions(org_id, now).await
    }

    async fn set_readiness_settings(
        &self,
        org_id: &str,
        settings: wt_api::ReadinessSettings,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<OrgRecord> {
        self.q_set_readiness_settings(org_id, settings, now, audit)
            .await
    }

    async fn member_last_sign_ins(&self, org_id: &str) -> Result<Vec<(String, i64)>> {
        self.q_member_last_sign_ins(org_id).await
    }

    async fn access_token_create(
        &self,
        token: AccessTokenRecord,
        audit: AuditEvent,
    ) -> Result<AccessTokenRecord> {
        self.q_access_token_create(token, audit).await
    }

    async fn access_tokens_list(&self, org_id: &str) -> Result<Vec<AccessTokenRecord>> {
        self.q_access_tokens_list(org_id).await
    }

    async fn access_token_revoke(
        &self,
        org_id: &str,
        id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<AccessTokenRecord> {
        self.q_access_token_revoke(org_id, id, now, audit).await
    }

    async fn access_token_by_hash(&self, token_hash: &str) -> Result<Option<TokenAuth>> {
        self.q_access_token_by_hash(token_hash).await
    }

    async fn access_token_touch(&self, id: &str, now: UnixTime, ip: &str) -> Result<()> {
        self.q_access_token_touch(id, now, ip).await
    }

    async fn set_browser_ingest(
        &self,
        org_id: &str,
        allowed: bool,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<OrgRecord> {
        self.q_set_browser_ingest(org_id, allowed, now, audit).await
    }

    async fn api_key_create(&self, key: NewApiKey, audit: AuditEvent) -> Result<ApiKeyRecord> {
        self.q_api_key_create(key, audit).await
    }

    async fn api_keys_list(&self, org_id: &str) -> Result<Vec<ApiKeyRecord>> {
        self.q_api_keys_list(org_id).await
    }

    async fn api_keys_for_cache(&self, revoked_since: UnixTime) -> Result<Vec<ApiKeyRecord>> {
        self.q_api_keys_for_cache(revoked_since).await
    }

    async fn api_key_get(&self, org_id: &str, id: &str) -> Result<Option<ApiKeyRecord>> {
        self.q_api_key_get(org_id, id).await
    }

    async fn api_key_sources(&self, key_id: &str) -> Result<Vec<KeySourceRecord>> {
        self.q_api_key_sources(key_id).await
    }

    async fn org_key_sources(
        &self,
        org_id: &str,
        since: UnixTime,
    ) -> Result<Vec<(KeySourceRecord, String)>> {
        self.q_org_key_sources(org_id, since).await
    }

    async fn api_key_update(
        &self,
        org_id: &str,
        id: &str,
        patch: ApiKeyPatch,
        audit: AuditEvent,
        now: UnixTime,
    ) -> Result<ApiKeyRecord> {
        self.q_api_key_update(org_id, id, patch, audit, now).await
    }

    async fn api_key_revoke(
        &self,
        org_id: &str,
        id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<ApiKeyRecord> {
        self.q_api_key_revoke(org_id, id, now, audit).await
    }

    async fn api_key_rotate(
        &self,
        org_id: &str,
        old_id: &str,
        successor: NewApiKey,
        grace_until: UnixTime,
        audit: AuditEvent,
    ) -> Result<(ApiKeyRecord, ApiKeyRecord)> {
        self.q_api_key_rotate(org_id, old_id, successor, grace_until, audit)
            .await
    }

    async fn api_key_usage_flush(&self, usage: Vec<KeyUsage>) -> Result<()> {
        self.q_api_key_usage_flush(usage).await
    }

    async fn ingest_append(&self, batches: Vec<IngestBatch>) -> Result<u64> {
        self.q_ingest_append(batches).await
    }

    async fn ingest(&self, batch: IngestBatch) -> Result<u64> {
        self.backend.ingest(batch).await
    }

    async fn ingest_count(&self, org_id: &str) -> Result<u64> {
        self.q_ingest_count(org_id).await
    }

    async fn allowed_ips_all(&self) -> Result<Vec<AllowedIpRecord>> {
        self.q_allowed_ips_all().await
    }

    async fn allowed_ips_list(&self, org_id: &str) -> Result<Vec<AllowedIpRecord>> {
        self.q_allowed_ips_list(org_id).await
    }

    async fn allowed_ip_add(
        &self,
        entry: AllowedIpRecord,
        audit: AuditEvent,
    ) -> Result<AllowedIpRecord> {
        self.q_allowed_ip_add(entry, audit).await
    }

    async fn allowed_ip_remove(
        &self,
        org_id: &str,
        id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<AllowedIpRecord> {
        self.q_allowed_ip_remove(org_id, id, now, audit).await
    }

    async fn allowed_ip_hits_flush(&self, hits: Vec<(String, i64, i64)>) -> Result<()> {
        self.q_allowed_ip_hits_flush(hits).await
    }

    async fn ping(&self) -> Result<()> {
        self.backend.ping().await
    }

    async fn master_key_matches(&self, fingerprint: &str, now: UnixTime) -> Result<bool> {
        let fingerprint = fingerprint.to_string();
        self.write(move |c| {
            c.execute(
                "INSERT INTO installation (id, master_key_fingerprint, created_at)
                 VALUES (1, ?1, ?2) ON CONFLICT (id) DO NOTHING",
                params![fingerprint, now],
            )?;
            let stored: String = c.query_row(
                "SELECT master_key_fingerprint FROM installation WHERE id = 1",
                params![],
                |r| r.get(0),
            )?;
            Ok(stored == fingerprint)
        })
        .await
    }

    async fn cache_version(&self) -> Result<i64> {
        self.read(|c| {
            c.query_row(
                "SELECT version FROM cache_version WHERE id = 1",
                params![],
                |r| r.get(0),
            )
        })
        .await
    }

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

    async fn claim_setup(
        &self,
        claim: SetupClaim,
        audit: AuditEvent,
    ) -> Result<(UserRecord, OrgRecord)> {
        self.write(move |c| {
            let tx = c;
            // The org's audit lock before any row lock (lock order: see `Db::lock`).
            if let Some(org) = tx
                .query_row(
                    "SELECT org_id FROM setup_tokens WHERE token_hash = ?1",
                    params![claim.token_hash],
                    |r| r.get::<String>(0),
                )
                .optional()?
            {
                tx.lock(&format!("audit:{org}"))?;
            }
            // Burn the token first: of two parallel claims only one changes a row.
            let row: Option<(String, String)> = tx
                .query_row(
                    "UPDATE setup_tokens SET used_at = ?2
                     WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2
                     RETURNING org_id, owner_email",
                    params![claim.token_hash, claim.now],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((org_id, email)) = row else {
                return Err(StoreError::SetupTokenInvalid);
            };
            let exists: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM users WHERE email = ?1)",
                params![email],
                |r| r.get(0),
            )?;
            if exists {
                return Err(StoreError::Conflict(
                    "an account with this email already exists".into(),
                ));
            }
            tx.execute(
                "INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![claim.user_id, email, claim.name, claim.password_hash, claim.now],
            )?;
            tx.execute(
                "INSERT INTO memberships (org_id, user_id, role, created_at, mfa_grace_until)
                 VALUES (?1, ?2, 'owner', ?3, ?4)",
                params![org_id, claim.user_id, claim.now, claim.mfa_grace_until],
            )?;
            append_audit_tx(tx, &org_id, &audit, claim.now)?;
            let org = org_by_id(tx, &org_id)?;
            Ok((
                UserRecord {
                    id: claim.user_id,
                    email,
                    name: claim.name,
                    mfa_enabled: false,
                    disabled: false,
                },
                org,
            ))
        })
        .await
    }

    async fn setup_token_email(
        &self,
        token_hash: &str,
        now: UnixTime,
    ) -> Result<(String, OrgRecord)> {
        let token_hash = token_hash.to_string();
        self.read(move |c| {
            let row: Option<(String, String)> = c
                .query_row(
                    "SELECT owner_email, org_id FROM setup_tokens
                     WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
                    params![token_hash, now],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (email, org_id) = row.ok_or(StoreError::SetupTokenInvalid)?;
            Ok((email, org_by_id(c, &org_id)?))
        })
        .await
    }

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

    async fn throttle_get(&self, key: &str) -> Result<throttle::State> {
        let key = key.to_string();
        self.read(move |c| throttle_state(c, &key)).await
    }

    async fn throttle_fail(
        &self,
        key: &str,
        policy: throttle::Policy,
        now: UnixTime,
    ) -> Result<throttle::State> {
        let key = key.to_string();
        self.write(move |tx| {
            // Read, count, write: one at a time per key, whichever daemon saw the failure.
            tx.lock(&format!("throttle:{key}"))?;
            let new = throttle::record_failure(&throttle_state(tx, &key)?, &policy, now);
            throttle_put(tx, &key, &new)?;
            Ok(new)
        })
        .await
    }

    async fn throttle_clear(&self, key: &str) -> Result<()> {
        let key = key.to_string();
        self.write(move |c| {
            c.execute("DELETE FROM throttles WHERE key = ?1", params![key])?;
            Ok(())
        })
        .await
    }

    async fn throttle_take(
        &self,
        mut keys: Vec<(String, throttle::Policy)>,
        now: UnixTime,
    ) -> Result<throttle::Taken> {
        self.write(move |tx| {
            // One order for every caller: two takes of the same keys cannot deadlock.
            let mut order: Vec<usize> = (0..keys.len()).collect();
            order.sort_by(|a, b| keys[*a].0.cmp(&keys[*b].0));
            for i in &order {
                tx.lock(&format!("throttle:{}", keys[*i].0))?;
            }
            let mut found = Vec::with_capacity(keys.len());
            for (key, _) in &keys {
                found.push(throttle_state(tx, key)?);
            }
            let mut counted = Vec::with_capacity(keys.len());
            let mut wait = None;
            for ((_, policy), before) in keys.iter().zip(&found) {
                match throttle::take(before, policy, now) {
                    Ok(charged) => counted.push((*before, charged)),
                    Err(w) => wait = Some(wait.map_or(w, |m: u64| m.max(w))),
                }
            }
            if let Some(w) = wait {
                return Ok(throttle::Taken::Locked(w));
            }
            for ((key, _), (_, charged)) in keys.drain(..).zip(&counted) {
                throttle_put(tx, &key, charged)?;
            }
            Ok(throttle::Taken::Counted(counted))
        })
        .await
    }

    async fn throttle_settle(&self, mut settles: Vec<throttle::Settle>) -> Result<()> {
        // The same lock order as `throttle_take`.
        settles.sort_by(|a, b| a.key.cmp(&b.key));
        self.write(move |tx| {
            for s in &settles {
                tx.lock(&format!("throttle:{}", s.key))?;
            }
            for s in &settles {
                let new = if s.clear {
                    throttle::State::default()
                } else {
                    let current = throttle_state(tx, &s.key)?;
                    throttle::refund(&current, &s.before, &s.charged, &s.policy)
                };
                if new == throttle::State::default() {
                    tx.execute("DELETE FROM throttles WHERE key = ?1", params![s.key])?;
                } else {
                    throttle_put(tx, &s.key, &new)?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn create_session(&self, s: NewSession, audit: AuditEvent) -> Result<()> {
        self.write_audited(s.org_id.clone(), s.created_at, audit, move |tx| {
            tx.execute(
                "INSERT INTO sessions (id, token_hash, org_id, user_id, client, created_at, last_seen_at,
                    expires_at, idle_timeout, ip, user_agent)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10)",
                params![
                    s.id,
                    s.token_hash,
                    s.org_id,
                    s.user_id,
                    s.client.as_str(),
                    s.created_at,
                    s.expires_at,
                    s.idle_timeout,
                    s.ip,
                    s.user_agent
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<SessionAuth>> {
        let token_hash = token_hash.to_string();
        self.read(move |c| {
            c.query_row(
                &format!(
                    "SELECT {SESSION_COLS}, {USER_COLS}, {ORG_COLS}, m.role, m.mfa_grace_until
                     FROM sessions s
                     JOIN users u ON u.id = s.user_id
                     JOIN orgs o ON o.id = s.org_id
                     JOIN memberships m ON m.org_id = s.org_id AND m.user_id = s.user_id
                     WHERE s.token_hash = ?1 AND s.revoked_at IS NULL"
                ),
                params![token_hash],
                |r| {
                    Ok(SessionAuth {
                        session: session_from(r, 0)?,
                        user: user_from(r, SESSION_NCOLS)?,
                        org: org_from(r, SESSION_NCOLS + USER_NCOLS)?,
                        role: parse_role(
                            &r.get::<String>(SESSION_NCOLS + USER_NCOLS + ORG_NCOLS)?,
                        )?,
                        mfa_grace_until: r.get(SESSION_NCOLS + USER_NCOLS + ORG_NCOLS + 1)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn touch_session(&self, session_id: &str, now: UnixTime, ip: &str) -> Result<()> {
        let (id, ip) = (session_id.to_string(), ip.to_string());
        self.write(move |c| {
            c.execute(
                "UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, ?2), last_ip = ?3 WHERE id = ?1",
                params![id, now, ip],
            )?;
            Ok(())
        })
        .await
    }

    async fn revoke_session(
        &self,
        org_id: &str,
        user_id: &str,
        session_id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()> {
        let (org_id, user_id, id) = (
            org_id.to_string(),
            user_id.to_string(),
            session_id.to_string(),
        );
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let n = tx.execute(
                "UPDATE sessions SET revoked_at = ?4
                 WHERE id = ?1 AND org_id = ?2 AND user_id = ?3 AND revoked_at IS NULL",
                params![id, org_id, user_id, now],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
        .await
    }

    async fn list_sessions(
        &self,
        org_id: &str,
        user_id: &str,
        now: UnixTime,
    ) -> Result<Vec<SessionRecord>> {
        let (org_id, user_id) = (org_id.to_string(), user_id.to_string());
        self.read(move |c| {
            c.query_map(
                &format!(
                    "SELECT {SESSION_COLS} FROM sessions s
                 WHERE s.org_id = ?1 AND s.user_id = ?2 AND s.revoked_at IS NULL
                   AND s.expires_at > ?3 AND s.last_seen_at + s.idle_timeout > ?3
                 ORDER BY s.created_at DESC, s.id"
                ),
                params![org_id, user_id, now],
                |r| session_from(r, 0),
            )
        })
        .await
    }

    async fn append_audit(&self, org_id: &str, audit: AuditEvent, now: UnixTime) -> Result<()> {
        let org_id = org_id.to_string();
        self.write_audited(org_id.clone(), now, audit, move |_tx| Ok(()))
            .await
    }

    async fn verify_audit(&self, org_id: &str) -> Result<ChainReport> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            let mut v = ChainVerifier::default();
            let sql = format!("SELECT {AUDIT_COLS} FROM audit_log WHERE org_id = ?1 ORDER BY seq");
            // Streamed: a chain of millions of entries is never held in memory.
            c.query_each(&sql, params![org_id], &mut |r| {
                let (details_json, rec) = audit_from(r.clone())?;
                v.push(&StoredEntry {
                    fields: EntryFields {
                        org_id: &org_id,
                        seq: rec.seq,
                        occurred_at: &rec.occurred_at,
                        actor: &rec.actor,
                        action: &rec.action,
                        target: &rec.target,
                        ip: &rec.ip,
                        user_agent: &rec.user_agent,
                        outcome: &rec.outcome,
                        details_json: &details_json,
                    },
                    prev_hash: &rec.prev_hash,
                    hash: &rec.hash,
                });
                Ok(())
            })?;
            Ok(v.finish())
        })
        .await
    }

    async fn totp_get(&self, user_id: &str) -> Result<Option<TotpRecord>> {
        let user_id = user_id.to_string();
        self.read(move |c| {
            c.query_row(
                "SELECT secret_sealed, last_step, pending_expires_at, confirmed_at
                 FROM totp_credentials WHERE user_id = ?1",
                params![user_id],
                |r| {
                    Ok(TotpRecord {
                        secret_sealed: r.get(0)?,
                        last_step: r.get::<Option<i64>>(1)?.map(|s| s as u64),
                        pending_expires_at: r.get(2)?,
                        confirmed_at: r.get(3)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn totp_begin(
        &self,
        user_id: &str,
        secret_sealed: &str,
        pending_expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<()> {
        let (user_id, sealed) = (user_id.to_string(), secret_sealed.to_string());
        self.write(move |c| {
            let tx = c;
            let confirmed: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM totp_credentials WHERE user_id = ?1 AND confirmed_at IS NOT NULL)",
                params![user_id],
                |r| r.get(0),
            )?;
            if confirmed {
                return Err(StoreError::Conflict(
                    "MFA is already on: disable it first (`wt mfa disable`, needs your password and a code)".into(),
                ));
            }
            let n = tx.execute(
                "INSERT INTO totp_credentials (user_id, secret_sealed, last_step, created_at, pending_expires_at)
                 VALUES (?1, ?2, NULL, ?3, ?4)
                 ON CONFLICT (user_id) DO UPDATE SET secret_sealed = ?2, last_step = NULL,
                     created_at = ?3, pending_expires_at = ?4, confirmed_at = NULL
                 WHERE totp_credentials.confirmed_at IS NULL",
                params![user_id, sealed, now, pending_expires_at],
            )?;
            if n == 0 {
                // Confirmed by another request since the check above (several daemons).
                return Err(StoreError::Conflict(
                    "MFA is already on: disable it first (`wt mfa disable`, needs your password and a code)".into(),
                ));
            }
            Ok(())
        })
        .await
    }

    async fn totp_confirm(&self, t: TotpConfirm, audit: AuditEvent) -> Result<bool> {
        self.write(move |c| {
            let tx = c;
            tx.lock(&format!("audit:{}", t.org_id))?;
            let n = tx.execute(
                "UPDATE totp_credentials SET confirmed_at = ?2, last_step = ?3, pending_expires_at = NULL
                 WHERE user_id = ?1 AND confirmed_at IS NULL AND pending_expires_at > ?2",
                params![t.user_id, t.now, t.step as i64],
            )?;
            if n == 0 {
                return Ok(false);
            }
            replace_recovery_codes_tx(tx, &t.user_id, &t.recovery_hashes, t.now)?;
            tx.execute("UPDATE users SET mfa_enabled = 1 WHERE id = ?1", params![t.user_id])?;
            revoke_user_sessions_tx(tx, &t.user_id, Some(&t.keep_session), t.now)?;
            append_audit_tx(tx, &t.org_id, &audit, t.now)?;
            Ok(true)
        })
        .await
    }

    async fn totp_accept_step(&self, user_id: &str, step: u64) -> Result<bool> {
        let user_id = user_id.to_string();
        self.write(move |c| {
            let n = c.execute(
                "UPDATE totp_credentials SET last_step = ?2
                 WHERE user_id = ?1 AND confirmed_at IS NOT NULL AND (last_step IS NULL OR last_step < ?2)",
                params![user_id, step as i64],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn recovery_code_use(
        &self,
        user_id: &str,
        code_hash: &str,
        now: UnixTime,
    ) -> Result<bool> {
        let (user_id, code_hash) = (user_id.to_string(), code_hash.to_string());
        self.write(move |c| {
            let n = c.execute(
                "UPDATE recovery_codes SET used_at = ?3 WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
                params![user_id, code_hash, now],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn recovery_codes_remaining(&self, user_id: &str) -> Result<u32> {
        let user_id = user_id.to_string();
        self.read(move |c| {
            c.query_row(
                "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL",
                params![user_id],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn recovery_codes_replace(
        &self,
        org_id: &str,
        user_id: &str,
        hashes: Vec<String>,
        keep_session: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()> {
        let (org_id, user_id, keep) = (
            org_id.to_string(),
            user_id.to_string(),
            keep_session.to_string(),
        );
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            replace_recovery_codes_tx(tx, &user_id, &hashes, now)?;
            revoke_user_sessions_tx(tx, &user_id, Some(&keep), now)?;
            Ok(())
        })
        .await
    }

    async fn mfa_disable(
        &self,
        org_id: &str,
        user_id: &str,
        keep_session: Option<&str>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()> {
        let (org_id, user_id) = (org_id.to_string(), user_id.to_string());
        let keep = keep_session.map(str::to_string);
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            tx.execute(
                "DELETE FROM totp_credentials WHERE user_id = ?1",
                params![user_id],
            )?;
            tx.execute(
                "DELETE FROM recovery_codes WHERE user_id = ?1",
                params![user_id],
            )?;
            tx.execute(
                "UPDATE mfa_challenges SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
                params![user_id, now],
            )?;
            tx.execute(
                "UPDATE users SET mfa_enabled = 0 WHERE id = ?1",
                params![user_id],
            )?;
            revoke_user_sessions_tx(tx, &user_id, keep.as_deref(), now)?;
            revoke_user_tokens_tx(tx, None, &user_id, now)?;
            Ok(())
        })
        .await
    }

    async fn challenge_create(&self, ch: NewChallenge) -> Result<()> {
        self.write(move |c| {
            c.execute(
                "INSERT INTO mfa_challenges (id, token_hash, user_id, org_id, client, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![ch.id, ch.token_hash, ch.user_id, ch.org_id, ch.client.as_str(), ch.created_at, ch.expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn challenge_get(&self, token_hash: &str) -> Result<Option<ChallengeRecord>> {
        let token_hash = token_hash.to_string();
        self.read(move |c| {
            c.query_row(
                "SELECT id, user_id, org_id, client, failures, expires_at, used_at
                 FROM mfa_challenges WHERE token_hash = ?1",
                params![token_hash],
                challenge_from,
            )
            .optional()
        })
        .await
    }

    async fn challenge_attempt(&self, id: &str, max: i64) -> Result<bool> {
        let id = id.to_string();
        self.write(move |c| {
            let n = c.execute(
                "UPDATE mfa_challenges SET failures = failures + 1 WHERE id = ?1 AND failures < ?2",
                params![id, max],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn challenge_consume(&self, id: &str, now: UnixTime) -> Result<bool> {
        let id = id.to_string();
        self.write(move |c| {
            let n = c.execute(
                "UPDATE mfa_challenges SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL",
                params![id, now],
            )?;
            Ok(n == 1)
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
            let n = tx.execute(
                "UPDATE orgs SET mfa_required_roles = ?2 WHERE id = ?1",
                params![org_id, list.join(",")],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            let org = org_by_id(tx, &org_id)?;
            Ok(org)
        })
        .await
    }

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

    async fn enqueue_mail(&self, m: NewMail) -> Result<()> {
        self.write(move |c| {
            c.execute(
                "INSERT INTO mail_outbox (id, org_id, to_addr, subject, body, created_at, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![m.id, m.org_id, m.to, m.subject, m.body, m.now],
            )?;
            Ok(())
        })
        .await
    }

    async fn due_mail(&self, now: UnixTime, limit: u32) -> Result<Vec<MailRecord>> {
        self.write(move |c| {
            // Claimed for MAIL_LEASE seconds: another daemon's mailer skips them meanwhile
            // (the outer conditions are re-checked on rows another claim changed first).
            c.query_map(
                "UPDATE mail_outbox SET next_attempt_at = ?1 + ?3
                 WHERE id IN (SELECT id FROM mail_outbox
                              WHERE sent_at IS NULL AND next_attempt_at <= ?1
                              ORDER BY created_at, id LIMIT ?2)
                   AND sent_at IS NULL AND next_attempt_at <= ?1
                 RETURNING id, to_addr, subject, body, attempts",
                params![now, limit, MAIL_LEASE],
                |r| {
                    Ok(MailRecord {
                        id: r.get(0)?,
                        to: r.get(1)?,
                        subject: r.get(2)?,
                        body: r.get(3)?,
                        attempts: r.get(4)?,
                    })
                },
            )
        })
        .await
    }

    async fn mail_sent(&self, id: &str, now: UnixTime) -> Result<()> {
        let id = id.to_string();
        self.write(move |c| {
            c.execute(
                "UPDATE mail_outbox SET sent_at = ?2, attempts = attempts + 1, last_error = NULL, body = '' WHERE id = ?1",
                params![id, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn mail_failed(&self, id: &str, error: &str, next_attempt_at: UnixTime) -> Result<()> {
        let (id, error) = (id.to_string(), error.chars().take(500).collect::<String>());
        self.write(move |c| {
            c.execute(
                "UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 WHERE id = ?1",
                params![id, error, next_attempt_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn invite_create(&self, inv: NewInvite, audit: AuditEvent) -> Result<InviteRecord> {
        self.write_audited(inv.org_id.clone(), inv.now, audit, move |tx| {
            let member: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                 WHERE m.org_id = ?1 AND u.email = ?2)",
                params![inv.org_id, inv.email],
                |r| r.get(0),
            )?;
            if member {
                return Err(StoreError::Conflict(format!("{} is already a member of this org", inv.email)));
            }
            let pending: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM invites WHERE org_id = ?1 AND email = ?2
                 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?3)",
                params![inv.org_id, inv.email, inv.now],
                |r| r.get(0),
            )?;
            if pending {
                return Err(StoreError::Conflict(format!(
                    "{} already has a pending invite: resend it (`wt invite resend ID`) or revoke it",
                    inv.email
                )));
            }
            tx.execute(
                "INSERT INTO invites (id, org_id, email, role, token_hash, invited_by, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![inv.id, inv.org_id, inv.email, inv.role.as_str(), inv.token_hash, inv.invited_by, inv.now, inv.expires_at],
            )?;
            let rec = invite_by_id(tx, &inv.org_id, &inv.id)?;
            Ok(rec)
        })
        .await
    }

    async fn invites_list(&self, org_id: &str) -> Result<Vec<InviteRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_map(&format!(
                "SELECT {INVITE_COLS} FROM invites WHERE org_id = ?1 ORDER BY created_at DESC, id"
            ), params![org_id], invite_from)
        })
        .await
    }

    async fn invite_resend(
        &self,
        org_id: &str,
        id: &str,
        token_hash: &str,
        expires_at: UnixTime,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<InviteRecord> {
        let (org_id, id, token_hash) = (org_id.to_string(), id.to_string(), token_hash.to_string());
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let current = invite_by_id(tx, &org_id, &id)?;
            if current.accepted_at.is_some() || current.revoked_at.is_some() {
                return Err(StoreError::Conflict(
                    "the invite was already accepted or revoked".into(),
                ));
            }
            tx.execute(
                "UPDATE invites SET token_hash = ?3, expires_at = ?4 WHERE org_id = ?1 AND id = ?2",
                params![org_id, id, token_hash, expires_at],
            )?;
            let rec = invite_by_id(tx, &org_id, &id)?;
            Ok(rec)
        })
        .await
    }

    async fn invite_revoke(
        &self,
        org_id: &str,
        id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()> {
        let (org_id, id) = (org_id.to_string(), id.to_string());
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let current = invite_by_id(tx, &org_id, &id)?;
            if current.accepted_at.is_some() || current.revoked_at.is_some() {
                return Err(StoreError::Conflict(
                    "the invite was already accepted or revoked".into(),
                ));
            }
            tx.execute(
                "UPDATE invites SET revoked_at = ?3 WHERE org_id = ?1 AND id = ?2",
                params![org_id, id, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn invite_by_token(&self, token_hash: &str) -> Result<Option<(InviteRecord, OrgRecord)>> {
        let token_hash = token_hash.to_string();
        self.read(move |c| {
            let inv = c
                .query_row(
                    &format!("SELECT {INVITE_COLS} FROM invites WHERE token_hash = ?1"),
                    params![token_hash],
                    invite_from,
                )
                .optional()?;
            match inv {
                Some(inv) => {
                    let org = org_by_id(c, &inv.org_id)?;
                    Ok(Some((inv, org)))
                }
                None => Ok(None),
            }
        })
        .await
    }

    async fn invite_accept(
        &self,
        token_hash: &str,
        new_account: Option<NewMember>,
        existing_user_id: Option<&str>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<(UserRecord, OrgRecord, Role)> {
        let token_hash = token_hash.to_string();
        let existing = existing_user_id.map(str::to_string);
        self.write(move |c| {
            let tx = c;
            // The org's audit lock before any row lock (lock order: see `Db::lock`).
            if let Some(org) = tx
                .query_row(
                    "SELECT org_id FROM invites WHERE token_hash = ?1",
                    params![token_hash],
                    |r| r.get::<String>(0),
                )
                .optional()?
            {
                tx.lock(&format!("audit:{org}"))?;
            }
            let row: Option<(String, String, String, String)> = tx
                .query_row(
                    "UPDATE invites SET accepted_at = ?2
                     WHERE token_hash = ?1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?2
                     RETURNING id, org_id, email, role",
                    params![token_hash, now],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((invite_id, org_id, email, role)) = row else {
                return Err(StoreError::InviteInvalid);
            };
            let role = Role::parse(&role).ok_or_else(|| internal("bad role in invites"))?;
            let user = match (new_account, existing) {
                (Some(m), None) => {
                    let taken: bool = tx.query_row(
                        "SELECT EXISTS(SELECT 1 FROM users WHERE email = ?1)",
                        params![email],
                        |r| r.get(0),
                    )?;
                    if taken {
                        return Err(StoreError::Conflict("an account with this email already exists".into()));
                    }
                    // Email, org and role come from the invite, never from the request.
                    tx.execute(
                        "INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![m.user_id, email, m.name, m.password_hash, now],
                    )?;
                    UserRecord { id: m.user_id, email: email.clone(), name: m.name, mfa_enabled: false, disabled: false }
                }
                (None, Some(user_id)) => {
                    let user = tx.query_row(
                        &format!("SELECT {USER_COLS} FROM users u WHERE u.id = ?1"),
                        params![user_id],
                        |r| user_from(r, 0),
                    )?;
                    if user.email != email {
                        return Err(StoreError::InviteInvalid);
                    }
                    user
                }
                _ => return Err(internal("invite_accept needs exactly one of a new account or a user")),
            };
            let already: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM memberships WHERE org_id = ?1 AND user_id = ?2)",
                params![org_id, user.id],
                |r| r.get(0),
            )?;
            if already {
                return Err(StoreError::Conflict("you are already a member of this org".into()));
            }
            tx.execute(
                "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![org_id, user.id, role.as_str(), now],
            )?;
            tx.execute(
                "UPDATE invites SET accepted_user_id = ?2 WHERE id = ?1",
                params![invite_id, user.id],
            )?;
            append_audit_tx(tx, &org_id, &audit, now)?;
            let org = org_by_id(tx, &org_id)?;
            Ok((user, org, role))
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

    async fn reset_create(
        &self,
        id: &str,
        token_hash: &str,
        user_id: &str,
        now: UnixTime,
        expires_at: UnixTime,
        fresh_since: UnixTime,
    ) -> Result<bool> {
        let (id, token_hash, user_id) =
            (id.to_string(), token_hash.to_string(), user_id.to_string());
        self.write(move |c| {
            let tx = c;
            tx.lock(&format!("reset:{user_id}"))?;
            let fresh: Option<i64> = tx
                .query_row(
                    "SELECT created_at FROM password_resets WHERE user_id = ?1 AND used_at IS NULL
                     AND expires_at > ?2 AND created_at > ?3",
                    params![user_id, now, fresh_since],
                    |r| r.get(0),
                )
                .optional()?;
            if fresh.is_some() {
                return Ok(false);
            }
            tx.execute(
                "UPDATE password_resets SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
                params![user_id, now],
            )?;
            tx.execute(
                "INSERT INTO password_resets (id, token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, token_hash, user_id, now, expires_at],
            )?;
            Ok(true)
        })
        .await
    }

    async fn reset_get(&self, token_hash: &str) -> Result<Option<ResetRecord>> {
        let token_hash = token_hash.to_string();
        self.read(move |c| {
            c.query_row(
                "SELECT id, user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?1",
                params![token_hash],
                |r| {
                    Ok(ResetRecord {
                        id: r.get(0)?,
                        user_id: r.get(1)?,
                        expires_at: r.get(2)?,
                        used: r.get::<Option<i64>>(3)?.is_some(),
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn reset_complete(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: UnixTime,
        audit_org: Option<&str>,
        audit: AuditEvent,
    ) -> Result<bool> {
        let (token_hash, password_hash) = (token_hash.to_string(), password_hash.to_string());
        let audit_org = audit_org.map(str::to_string);
        self.write(move |c| {
            let tx = c;
            if let Some(org) = &audit_org {
                tx.lock(&format!("audit:{org}"))?;
            }
            let user_id: Option<String> = tx
                .query_row(
                    "UPDATE password_resets SET used_at = ?2
                     WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2 RETURNING user_id",
                    params![token_hash, now],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(user_id) = user_id else { return Ok(false) };
            tx.execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![user_id, password_hash])?;
            tx.execute(
                "UPDATE password_resets SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
                params![user_id, now],
            )?;
            revoke_user_sessions_tx(tx, &user_id, None, now)?;
            revoke_user_tokens_tx(tx, None, &user_id, now)?;
            if let Some(org_id) = &audit_org {
                append_audit_tx(tx, org_id, &audit, now)?;
            }
            Ok(true)
        })
        .await
    }

    async fn password_set(
        &self,
        user_id: &str,
        password_hash: &str,
        keep_session: Option<&str>,
        now: UnixTime,
        audit_org: &str,
        audit: AuditEvent,
    ) -> Result<()> {
        let (user_id, password_hash, audit_org) = (
            user_id.to_string(),
            password_hash.to_string(),
            audit_org.to_string(),
        );
        let keep = keep_session.map(str::to_string);
        self.write_audited(audit_org.clone(), now, audit, move |tx| {
            tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                params![user_id, password_hash],
            )?;
            tx.execute(
                "UPDATE password_resets SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
                params![user_id, now],
            )?;
            revoke_user_sessions_tx(tx, &user_id, keep.as_deref(), now)?;
            revoke_user_tokens_tx(tx, None, &user_id, now)?;
            Ok(())
        })
        .await
    }

    async fn audit_query(&self, org_id: &str, q: AuditQuery) -> Result<Vec<AuditRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            let Some(prefix) = q.action.as_deref().and_then(|a| a.strip_suffix('*')) else {
                return audit_select(c, &org_id, &q);
            };
            if prefix.is_empty() {
                return audit_select(c, &org_id, &AuditQuery { action: None, ..q.clone() });
            }
            // A prefix: one ordered index range per known action, merged here.
            let upper = format!("{}/", prefix.trim_end_matches('.'));
            let actions = c.query_map(
                "SELECT action FROM audit_actions WHERE org_id = ?1 AND action >= ?2 AND action < ?3",
                params![org_id, prefix, upper],
                |r| r.get::<String>(0),
            )?;
            audit_merge(c, &org_id, &q, &actions)
        })
        .await
    }

    async fn audit_last_seq(&self, org_id: &str) -> Result<i64> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_row(
                "SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE org_id = ?1",
                params![org_id],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn audit_review_create(
        &self,
        org_id: &str,
        r: AuditReviewRecord,
        audit: AuditEvent,
    ) -> Result<()> {
        let org_id = org_id.to_string();
        self.write_audited(org_id.clone(), r.reviewed_at, audit, move |tx| {
            tx.execute(
                "INSERT INTO audit_reviews (id, org_id, reviewed_by, reviewed_at, through_seq) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![r.id, org_id, r.reviewed_by, r.reviewed_at, r.through_seq],
            )?;
            Ok(())
        })
        .await
    }

    async fn audit_reviews(&self, org_id: &str) -> Result<Vec<AuditReviewRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_map(
                "SELECT id, reviewed_by, reviewed_at, through_seq FROM audit_reviews
                 WHERE org_id = ?1 ORDER BY reviewed_at DESC, through_seq DESC",
                params![org_id],
                |r| {
                    Ok(AuditReviewRecord {
                        id: r.get(0)?,
                        reviewed_by: r.get(1)?,
                        reviewed_at: r.get(2)?,
                        through_seq: r.get(3)?,
                    })
                },
            )
        })
        .await
    }

    async fn audit_entries(
        &self,
        org_id: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_map_owned(&format!(
                "SELECT {AUDIT_COLS} FROM audit_log WHERE org_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
            ), params![org_id, after, limit], |r| audit_from(r).map(|(_, a)| a))
        })
        .await
    }
}
