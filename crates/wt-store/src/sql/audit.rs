//! The SQL of [`AuditStore`], and the one audit helper, [`append_audit_tx`], that every state
//! change calls inside its transaction (through [`SqlStore::write_audited`] or directly).

use super::{Backend, Db, OptionalExt, Row, SqlStore, Value, internal};
use crate::model::{AuditActivity, AuditBucket, AuditQuery, AuditReviewRecord};
use crate::params;
use crate::{AuditStore, Result};
use async_trait::async_trait;
use wt_core::audit::{
    self, Actor, AuditEvent, AuditRecord, ChainReport, ChainVerifier, EntryFields, StoredEntry,
    Target,
};
use wt_core::clock::{UnixTime, rfc3339};

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

/// One filtered, ordered, limited read of `audit_log`; `q.action` is exact here.
fn audit_select(c: &dyn Db, org_id: &str, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
    let (sql, args) = audit_sql(AUDIT_COLS, org_id, q);
    c.query_map_owned(&sql, &args, |r| audit_from(r).map(|(_, a)| a))
}

/// The SQL and arguments of [`audit_select`], selecting `cols`.
fn audit_sql(cols: &str, org_id: &str, q: &AuditQuery) -> (String, Vec<Value>) {
    let (mut sql, args) = audit_where(cols, org_id, q);
    // The limit is written into the SQL, not bound: SQLite's planner reads a bound LIMIT's
    // value, so rebinding it expires the cached statement and every run parsed it again.
    // A u32 is safe to inline, and pages take few sizes (50 + 1 by default).
    let order = if q.ascending { "ASC" } else { "DESC" };
    sql.push_str(&format!(" ORDER BY seq {order} LIMIT {}", q.limit));
    (sql, args)
}

/// `SELECT cols FROM audit_log WHERE` the org and every filter of `q` (not its order or
/// limit); `q.action` is exact here.
fn audit_where(cols: &str, org_id: &str, q: &AuditQuery) -> (String, Vec<Value>) {
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
    (sql, args)
}

/// The upper end of the action range that a prefix (`api_key.*` as `api_key.`) covers:
/// every action that starts with `api_key.` sorts at or after the prefix and before
/// `api_key/` (`/` follows `.` bytewise).
fn prefix_upper(prefix: &str) -> String {
    format!("{}/", prefix.trim_end_matches('.'))
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
impl<B: Backend> AuditStore for SqlStore<B> {
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
            let upper = prefix_upper(prefix);
            let actions = c.query_map(
                "SELECT action FROM audit_actions WHERE org_id = ?1 AND action >= ?2 AND action < ?3",
                params![org_id, prefix, upper],
                |r| r.get::<String>(0),
            )?;
            audit_merge(c, &org_id, &q, &actions)
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
        self.read(move |c| {
            // `occurred_at` is RFC 3339 UTC (`2026-12-06T11:04:05Z`): its first 13
            // characters name the hour, its first 10 the day. Both databases count the
            // groups; only one row per bucket and outcome comes back.
            let len = match bucket {
                AuditBucket::Hour => 13,
                AuditBucket::Day => 10,
            };
            let b = format!("substr(occurred_at, 1, {len})");
            let prefix = q
                .action
                .as_deref()
                .and_then(|a| a.strip_suffix('*'))
                .map(str::to_string);
            let exact = AuditQuery {
                action: if prefix.is_some() {
                    None
                } else {
                    q.action.clone()
                },
                ..q.clone()
            };
            let (mut sql, mut args) =
                audit_where(&format!("{b}, outcome, COUNT(*)"), &org_id, &exact);
            if let Some(p) = prefix.filter(|p| !p.is_empty()) {
                sql.push_str(" AND action >= ? AND action < ?");
                let upper = prefix_upper(&p);
                args.extend([Value::Text(p), Value::Text(upper)]);
            }
            sql.push_str(&format!(" GROUP BY {b}, outcome ORDER BY 1, 2"));
            c.query_map(&sql, &args, |r| {
                Ok(AuditActivity {
                    bucket: r.get(0)?,
                    outcome: r.get(1)?,
                    count: r.get(2)?,
                })
            })
        })
        .await
    }

    async fn audit_last_sign_ins(&self, org_id: &str) -> Result<Vec<(String, String)>> {
        let org_id = org_id.to_string();
        // The newest entry by `seq` (the log's order), found per user over the
        // `(org_id, action, seq)` index; then its time by primary key.
        self.read(move |c| {
            c.query_map(
                "SELECT a.actor_id, a.occurred_at FROM audit_log a
                 JOIN (SELECT actor_id, MAX(seq) AS seq FROM audit_log
                       WHERE org_id = ?1 AND action = ?2 AND actor_type = 'user'
                         AND actor_id IS NOT NULL
                       GROUP BY actor_id) latest
                   ON a.org_id = ?1 AND a.seq = latest.seq",
                params![org_id, audit::actions::LOGIN_SUCCEEDED],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
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
