//! The SQL of [`AuditStore`], and the one audit helper, [`append_audit_tx`], that every state
//! change calls inside its transaction (through [`SqlStore::write_audited`] or directly).

use super::{Backend, Db, Dialect, OptionalExt, Row, SqlStore, Value, internal};
use crate::model::{AuditActivity, AuditBucket, AuditQuery, AuditReviewRecord};
use crate::params;
use crate::{AuditStore, Result};
use async_trait::async_trait;
use wt_core::audit::{
    self, Actor, AuditEvent, AuditRecord, ChainReport, ChainVerifier, EntryFields, StoredEntry,
    Target,
};
use wt_core::clock::{UnixTime, parse_rfc3339, rfc3339};

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
    // The log's two summaries (migration 0024), in the entry's transaction: they can never
    // disagree with it.
    tx.execute(
        "INSERT INTO audit_hourly (org_id, hour, action, outcome, count) VALUES (?1, ?2, ?3, ?4, 1)
         ON CONFLICT (org_id, hour, action, outcome) DO UPDATE SET count = audit_hourly.count + 1",
        params![
            org_id,
            &occurred_at[..HOUR_LEN],
            event.action,
            event.outcome
        ],
    )?;
    if event.action == audit::actions::LOGIN_SUCCEEDED
        && event.actor.kind == "user"
        && let Some(user_id) = &event.actor.id
    {
        tx.execute(
            "INSERT INTO audit_last_sign_ins (org_id, user_id, seq, occurred_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (org_id, user_id) DO UPDATE SET seq = excluded.seq, occurred_at = excluded.occurred_at",
            params![org_id, user_id, seq, occurred_at],
        )?;
    }
    Ok(seq)
}

/// Entries a verifying thread hashes a chunk (`verify_audit_jobs`).
const VERIFY_CHUNK: usize = 4096;

/// An audit row as the chain verifier sees it.
fn stored_entry<'a>(
    org_id: &'a str,
    details_json: &'a str,
    rec: &'a AuditRecord,
) -> StoredEntry<'a> {
    StoredEntry {
        fields: EntryFields {
            org_id,
            seq: rec.seq,
            occurred_at: &rec.occurred_at,
            actor: &rec.actor,
            action: &rec.action,
            target: &rec.target,
            ip: &rec.ip,
            user_agent: &rec.user_agent,
            outcome: &rec.outcome,
            details_json,
        },
        prev_hash: &rec.prev_hash,
        hash: &rec.hash,
    }
}

/// `occurred_at`'s hour: its first 13 characters (`2026-12-06T11`), UTC.
const HOUR_LEN: usize = 13;

const AUDIT_COLS: &str = "org_id, seq, occurred_at, actor_type, actor_id, actor_email, action,
    target_type, target_id, ip, user_agent, outcome, details, prev_hash, hash";

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

/// Which column an actor filter reads: both (`actor_email = ? OR actor_id = ?`, for
/// counts), or one of them (one arm of a merged read, each served by its own index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ActorCol {
    Either,
    Email,
    Id,
}

/// One filtered, ordered, limited read of `audit_log`; `q.action` is exact here.
fn audit_select(c: &dyn Db, org_id: &str, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
    let (sql, args) = audit_sql(AUDIT_COLS, org_id, q, ActorCol::Either);
    c.query_map_owned(&sql, &args, |r| audit_from(r).map(|(_, a)| a))
}

/// The SQL and arguments of [`audit_select`], selecting `cols`.
fn audit_sql(cols: &str, org_id: &str, q: &AuditQuery, actor: ActorCol) -> (String, Vec<Value>) {
    let (mut sql, args) = audit_where(cols, org_id, q, actor);
    // The limit is written into the SQL, not bound: SQLite's planner reads a bound LIMIT's
    // value, so rebinding it expires the cached statement and every run parsed it again.
    // A u32 is safe to inline, and pages take few sizes (50 + 1 by default).
    let order = if q.ascending { "ASC" } else { "DESC" };
    sql.push_str(&format!(" ORDER BY seq {order} LIMIT {}", q.limit));
    (sql, args)
}

/// `SELECT cols FROM audit_log WHERE` the org and every filter of `q` (not its order or
/// limit); `q.action` is exact here.
fn audit_where(cols: &str, org_id: &str, q: &AuditQuery, actor: ActorCol) -> (String, Vec<Value>) {
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
        match actor {
            ActorCol::Either => {
                cond(" AND (actor_email = ?", Value::Text(a.clone()));
                cond(" OR actor_id = ?)", Value::Text(a.clone()));
            }
            ActorCol::Email => cond(" AND actor_email = ?", Value::Text(a.clone())),
            ActorCol::Id => cond(" AND actor_id = ?", Value::Text(a.clone())),
        }
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
    (sql, args)
}

/// Entries a time window may hold for its `seq` range to be read from the time index
/// (`audit_by_time_seq`, migration 0028). A larger window is read as before: by `seq`,
/// filtered by time (a page of a large window is found quickly unless the window is old).
pub(super) const WINDOW_SCAN: u32 = 10_000;

/// The statement [`window_to_seq`] reads the window's `seq` range with, if `q` has one.
fn window_sql(org_id: &str, q: &AuditQuery) -> Option<(String, Vec<Value>)> {
    if q.since.is_none() && q.until.is_none() {
        return None;
    }
    let mut inner = String::from("SELECT seq FROM audit_log WHERE org_id = ?");
    let mut args = vec![Value::Text(org_id.to_string())];
    if let Some(s) = &q.since {
        inner.push_str(" AND occurred_at >= ?");
        args.push(Value::Text(s.clone()));
    }
    if let Some(u) = &q.until {
        inner.push_str(" AND occurred_at < ?");
        args.push(Value::Text(u.clone()));
    }
    let sql = format!(
        "SELECT MIN(seq), MAX(seq), COUNT(*) FROM ({inner} ORDER BY occurred_at LIMIT {}) w",
        WINDOW_SCAN
    );
    Some((sql, args))
}

/// The statements of a read of `q` (its window already narrowed): one, or one per arm of a
/// merged read (`actions` from a prefix, the actor's two columns).
fn read_sqls(
    org_id: &str,
    q: &AuditQuery,
    actions: Option<&[String]>,
) -> Vec<(String, Vec<Value>)> {
    if actions.is_none() && q.actor.is_none() {
        return vec![audit_sql(AUDIT_COLS, org_id, q, ActorCol::Either)];
    }
    let action_arms: Vec<Option<String>> = match actions {
        Some(list) => list.iter().cloned().map(Some).collect(),
        None => vec![q.action.clone()],
    };
    let actor_arms: &[ActorCol] = if q.actor.is_some() {
        &[ActorCol::Email, ActorCol::Id]
    } else {
        &[ActorCol::Either]
    };
    let mut out = Vec::new();
    for a in &action_arms {
        let arm = AuditQuery {
            action: a.clone(),
            ..q.clone()
        };
        for col in actor_arms {
            out.push(audit_sql("seq", org_id, &arm, *col));
        }
    }
    out
}

/// The known actions under `q`'s prefix (`Some` for `api_key.*`; `q.action` becomes `None`
/// for `*`).
fn prefix_actions(c: &dyn Db, org_id: &str, q: &mut AuditQuery) -> Result<Option<Vec<String>>> {
    Ok(match q.action.as_deref().and_then(|a| a.strip_suffix('*')) {
        None => None,
        Some("") => {
            q.action = None;
            None
        }
        // A prefix: one ordered index range per known action, merged here.
        Some(prefix) => Some(c.query_map(
            "SELECT action FROM audit_actions WHERE org_id = ?1 AND action >= ?2 AND action < ?3",
            params![org_id, prefix, prefix_upper(prefix)],
            |r| r.get::<String>(0),
        )?),
    })
}

/// Narrows `q` to the `seq` range of its time window (`since`/`until`): the smallest and
/// largest `seq` of the entries in the window, read from the time index (covering; at most
/// [`WINDOW_SCAN`] index entries). The time conditions stay in the query, so the result is
/// the same even if the clock went back between entries; the bounds only let the read
/// start and stop at the window instead of walking every newer entry to reach an old
/// window. `false` when the window holds no entry (the answer is empty).
fn window_to_seq(c: &dyn Db, org_id: &str, q: &mut AuditQuery) -> Result<bool> {
    let Some((sql, args)) = window_sql(org_id, q) else {
        return Ok(true);
    };
    let (lo, hi, n): (Option<i64>, Option<i64>, i64) =
        c.query_row(&sql, &args, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    match (lo, hi) {
        _ if n >= i64::from(WINDOW_SCAN) => Ok(true),
        (Some(lo), Some(hi)) => {
            q.after_seq = Some(q.after_seq.map_or(lo - 1, |a| a.max(lo - 1)));
            q.before_seq = Some(q.before_seq.map_or(hi + 1, |b| b.min(hi + 1)));
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// The upper end of the action range that a prefix (`api_key.*` as `api_key.`) covers:
/// every action that starts with `api_key.` sorts at or after the prefix and before
/// `api_key/` (`/` follows `.` bytewise).
fn prefix_upper(prefix: &str) -> String {
    format!("{}/", prefix.trim_end_matches('.'))
}

/// The action filter of `q` as SQL: `action = ?` for an exact action, a range for a prefix
/// (`auth.*`), nothing for `*` or none.
fn action_filter(q: &AuditQuery, sql: &mut String, args: &mut Vec<Value>) {
    let Some(a) = q.action.as_deref() else {
        return;
    };
    match a.strip_suffix('*') {
        Some("") => {}
        Some(p) => {
            sql.push_str(" AND action >= ? AND action < ?");
            args.extend([Value::Text(p.to_string()), Value::Text(prefix_upper(p))]);
        }
        None => {
            sql.push_str(" AND action = ?");
            args.push(Value::Text(a.to_string()));
        }
    }
}

/// [`AuditStore::audit_activity`]: whole hours are summed from `audit_hourly` (a few rows
/// each), only the partial hours at the range's ends are counted from the log itself. A
/// filter the summary does not keep (actor, target, a `seq` bound) counts the log.
fn activity(
    c: &dyn Db,
    org_id: &str,
    q: &AuditQuery,
    bucket: AuditBucket,
) -> Result<Vec<AuditActivity>> {
    const HOUR: UnixTime = 3600;
    let len = match bucket {
        AuditBucket::Hour => HOUR_LEN,
        AuditBucket::Day => 10,
    };
    let summarized =
        q.actor.is_none() && q.target.is_none() && q.before_seq.is_none() && q.after_seq.is_none();
    let since = q.since.as_deref().map(parse_rfc3339);
    let until = q.until.as_deref().map(parse_rfc3339);
    if !summarized || since == Some(None) || until == Some(None) {
        return count_entries(c, org_id, q, len);
    }
    let (since, until) = (since.flatten(), until.flatten());
    // The whole hours of the range: [first, last).
    let first = since.map(|s| s + (HOUR - s.rem_euclid(HOUR)) % HOUR);
    let last = until.map(|u| u - u.rem_euclid(HOUR));
    if let (Some(f), Some(l)) = (first, last)
        && f >= l
    {
        return count_entries(c, org_id, q, len);
    }
    let mut counts: std::collections::BTreeMap<(String, String), i64> = Default::default();
    let mut add = |rows: Vec<AuditActivity>| {
        for r in rows {
            *counts.entry((r.bucket, r.outcome)).or_default() += r.count;
        }
    };
    if let (Some(s), Some(f)) = (since, first)
        && s < f
    {
        let head = AuditQuery {
            until: Some(rfc3339(f)),
            ..q.clone()
        };
        add(count_entries(c, org_id, &head, len)?);
    }
    let mut sql = format!(
        "SELECT substr(hour, 1, {len}), outcome, CAST(SUM(count) AS BIGINT) FROM audit_hourly
         WHERE org_id = ?"
    );
    let mut args = vec![Value::Text(org_id.to_string())];
    if let Some(f) = first {
        sql.push_str(" AND hour >= ?");
        args.push(Value::Text(rfc3339(f)[..HOUR_LEN].to_string()));
    }
    if let Some(l) = last {
        sql.push_str(" AND hour < ?");
        args.push(Value::Text(rfc3339(l)[..HOUR_LEN].to_string()));
    }
    action_filter(q, &mut sql, &mut args);
    if let Some(o) = &q.outcome {
        sql.push_str(" AND outcome = ?");
        args.push(Value::Text(o.clone()));
    }
    sql.push_str(&format!(" GROUP BY substr(hour, 1, {len}), outcome"));
    add(c.query_map(&sql, &args, activity_row)?);
    if let (Some(l), Some(u)) = (last, until)
        && l < u
    {
        let tail = AuditQuery {
            since: Some(rfc3339(l)),
            ..q.clone()
        };
        add(count_entries(c, org_id, &tail, len)?);
    }
    Ok(counts
        .into_iter()
        .map(|((bucket, outcome), count)| AuditActivity {
            bucket,
            outcome,
            count,
        })
        .collect())
}

/// Counts `q`'s entries per bucket (`occurred_at`'s first `len` characters: the hour or
/// the day) and outcome from the log; the database groups, one row per bucket and outcome
/// comes back.
fn count_entries(
    c: &dyn Db,
    org_id: &str,
    q: &AuditQuery,
    len: usize,
) -> Result<Vec<AuditActivity>> {
    let b = format!("substr(occurred_at, 1, {len})");
    let exact = AuditQuery {
        action: None,
        ..q.clone()
    };
    let (mut sql, mut args) = audit_where(
        &format!("{b}, outcome, COUNT(*)"),
        org_id,
        &exact,
        ActorCol::Either,
    );
    action_filter(q, &mut sql, &mut args);
    sql.push_str(&format!(" GROUP BY {b}, outcome ORDER BY 1, 2"));
    c.query_map(&sql, &args, activity_row)
}

fn activity_row(r: &Row) -> Result<AuditActivity> {
    Ok(AuditActivity {
        bucket: r.get(0)?,
        outcome: r.get(1)?,
        count: r.get(2)?,
    })
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
    actions: Option<&[String]>,
) -> Result<Vec<AuditRecord>> {
    // One arm per (action, actor column): each an ordered range of one index, limited;
    // an entry whose email and id both match comes from two arms once.
    let mut seqs = Vec::new();
    for (sql, args) in read_sqls(org_id, q, actions) {
        seqs.extend(c.query_map(&sql, &args, |r| r.get::<i64>(0))?);
    }
    seqs.sort_unstable();
    seqs.dedup();
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
impl<B: Backend> AuditStore for SqlStore<B> {
    async fn append_audit(&self, org_id: &str, audit: AuditEvent, now: UnixTime) -> Result<()> {
        let org_id = org_id.to_string();
        self.write_audited(org_id.clone(), now, audit, move |_tx| Ok(()))
            .await
    }

    async fn verify_audit(&self, org_id: &str) -> Result<ChainReport> {
        self.verify_audit_jobs(org_id, 1).await
    }

    async fn verify_audit_jobs(&self, org_id: &str, jobs: usize) -> Result<ChainReport> {
        let org_id = org_id.to_string();
        let jobs = jobs.clamp(1, audit::MAX_VERIFY_JOBS);
        // Entries held at once: enough for every thread to hash a few thousand.
        let chunk = VERIFY_CHUNK * jobs;
        self.read(move |c| {
            let mut v = ChainVerifier::default();
            let sql = format!("SELECT {AUDIT_COLS} FROM audit_log WHERE org_id = ?1 ORDER BY seq");
            let mut held: Vec<(String, AuditRecord)> = Vec::with_capacity(chunk.min(1 << 16));
            let verify = |v: &mut ChainVerifier, held: &mut Vec<(String, AuditRecord)>| {
                let entries: Vec<StoredEntry<'_>> = held
                    .iter()
                    .map(|(details_json, rec)| stored_entry(&org_id, details_json, rec))
                    .collect();
                v.push_all(&entries, jobs);
                drop(entries);
                held.clear();
            };
            // Streamed in chunks: a chain of millions of entries is never held in memory.
            c.query_each(&sql, params![org_id], &mut |r| {
                held.push(audit_from(r.clone())?);
                if held.len() >= chunk {
                    verify(&mut v, &mut held);
                }
                Ok(())
            })?;
            verify(&mut v, &mut held);
            Ok(v.finish())
        })
        .await
    }

    async fn audit_query(&self, org_id: &str, q: AuditQuery) -> Result<Vec<AuditRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            let mut q = q.clone();
            if !window_to_seq(c, &org_id, &mut q)? {
                return Ok(Vec::new());
            }
            let actions = prefix_actions(c, &org_id, &mut q)?;
            if actions.is_none() && q.actor.is_none() {
                return audit_select(c, &org_id, &q);
            }
            audit_merge(c, &org_id, &q, actions.as_deref())
        })
        .await
    }

    async fn audit_query_plan(&self, org_id: &str, q: AuditQuery) -> Result<Vec<String>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            let explain = |sql: &str, args: &[Value]| -> Result<Vec<String>> {
                match c.dialect() {
                    Dialect::Sqlite => {
                        c.query_map(&format!("EXPLAIN QUERY PLAN {sql}"), args, |r| {
                            r.get::<String>(3)
                        })
                    }
                    Dialect::Postgres => {
                        c.query_row(
                            "SELECT set_config('enable_seqscan', 'off', false)",
                            &[],
                            |_| Ok(()),
                        )?;
                        let plan =
                            c.query_map(&format!("EXPLAIN {sql}"), args, |r| r.get::<String>(0));
                        c.query_row(
                            "SELECT set_config('enable_seqscan', 'on', false)",
                            &[],
                            |_| Ok(()),
                        )?;
                        plan
                    }
                }
            };
            let mut q = q.clone();
            let mut plan = Vec::new();
            if let Some((sql, args)) = window_sql(&org_id, &q) {
                plan.extend(explain(&sql, &args)?);
            }
            if !window_to_seq(c, &org_id, &mut q)? {
                return Ok(plan);
            }
            let actions = prefix_actions(c, &org_id, &mut q)?;
            for (sql, args) in read_sqls(&org_id, &q, actions.as_deref()) {
                plan.extend(explain(&sql, &args)?);
            }
            Ok(plan)
        })
        .await
    }

    async fn audit_activity(
        &self,
        org_id: &str,
        q: AuditQuery,
        bucket: AuditBucket,
    ) -> Result<Vec<AuditActivity>> {
        let org_id = org_id.to_string();
        self.read(move |c| activity(c, &org_id, &q, bucket)).await
    }

    async fn audit_last_sign_ins(&self, org_id: &str) -> Result<Vec<(String, String)>> {
        let org_id = org_id.to_string();
        // The summary the append keeps (one row per user who ever signed in to the org).
        self.read(move |c| {
            c.query_map(
                "SELECT user_id, occurred_at FROM audit_last_sign_ins WHERE org_id = ?1",
                params![org_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await
    }

    async fn audit_last_sign_in(&self, org_id: &str, user_id: &str) -> Result<Option<String>> {
        let (org_id, user_id) = (org_id.to_string(), user_id.to_string());
        self.read(move |c| {
            c.query_row(
                "SELECT occurred_at FROM audit_last_sign_ins WHERE org_id = ?1 AND user_id = ?2",
                params![org_id, user_id],
                |r| r.get(0),
            )
            .optional()
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
