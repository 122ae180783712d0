//! The SQL of [`IngestStore`], and the group commit's inserts: [`insert_events`], which
//! both backends run in a transaction, and [`insert_guarded`], PostgreSQL's retry-safe form
//! for groups without idempotency keys.

use super::{Backend, Db, SqlStore, Value};
use crate::model::{IngestBatch, IngestOutcome};
use crate::params;
use crate::{IngestStore, Result, StoreError};
use async_trait::async_trait;
use wt_core::clock::UnixTime;

/// Stores `batches` (in the caller's transaction) and says what became of each: a batch
/// whose idempotency key was used before stores nothing. The events of the others go in
/// multi-row inserts of [`INGEST_CHUNK`] events, and what is left in one more multi-row
/// insert of its own size: one statement (and one round trip on PostgreSQL) per chunk
/// started, never one per event, and at most [`INGEST_CHUNK`] statements to prepare and
/// cache per connection.
pub(crate) fn insert_events(c: &dyn Db, batches: &[IngestBatch]) -> Result<Vec<IngestOutcome>> {
    let outcomes = batches
        .iter()
        .map(|b| claim(c, b))
        .collect::<Result<Vec<_>>>()?;
    let storing = batches
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| matches!(o, IngestOutcome::Stored(_)))
        .map(|(b, _)| b);
    insert_rows(c, storing)?;
    Ok(outcomes)
}

/// A group commit's id and time (see migration 0015): stored with the group's events, so
/// that sending the group again after its outcome was lost cannot store it twice.
#[derive(Debug, Clone)]
pub(crate) struct GroupId {
    pub(crate) id: String,
    pub(crate) at: UnixTime,
}

impl GroupId {
    pub(crate) fn new(at: UnixTime) -> Self {
        GroupId {
            id: hex::encode(wt_core::token::random_bytes::<16>()),
            at,
        }
    }
}

/// Whether `batches` can be stored by [`insert_guarded`]: none carries an idempotency key
/// (whose claim must share a transaction with the events and whose outcome a rerun could
/// not recover).
pub(crate) fn guardable(batches: &[IngestBatch]) -> bool {
    batches.iter().all(|b| b.idempotency.is_none())
}

/// Whether `batches` fit in the one statement of [`insert_guarded`], which then needs no
/// transaction.
pub(crate) fn fits_one_statement(batches: &[IngestBatch]) -> bool {
    batches.iter().map(|b| b.events.len()).sum::<usize>() <= INGEST_CHUNK
}

/// Stores `batches` (none with an idempotency key) under `group`'s id, so that it can run
/// again whenever the connection broke, even when its outcome is unknown (PostgreSQL only:
/// the one-statement form is a data-modifying `WITH`).
///
/// Up to [`INGEST_CHUNK`] events it is one statement, the id and the events in one
/// `INSERT`, needing no `BEGIN`/`COMMIT`; more, and it is the id first, then the chunks,
/// in the caller's transaction. Either way the id and the events commit together, so a
/// unique violation on the id means an earlier attempt of this group committed: the events
/// are stored, once, and the group is acknowledged. (The id is random, 128 bits: nothing
/// else can collide with it.) An earlier attempt still running on the server makes the
/// insert of the id wait for its end, then fail (it committed) or go on (it did not).
pub(crate) fn insert_guarded(
    c: &dyn Db,
    group: &GroupId,
    batches: &[IngestBatch],
) -> Result<Vec<IngestOutcome>> {
    let stored: Vec<IngestOutcome> = batches
        .iter()
        .map(|b| IngestOutcome::Stored(b.events.len() as u64))
        .collect();
    let already_stored = |r: Result<usize>| match r {
        Ok(_) => Ok(false),
        Err(StoreError::Conflict(_)) => Ok(true),
        Err(e) => Err(e),
    };
    if fits_one_statement(batches) {
        let mut params = vec![Value::Text(group.id.clone()), Value::Int(group.at)];
        params.extend(batches.iter().flat_map(event_values));
        let rows = (params.len() - 2) / 5;
        if rows > 0 {
            already_stored(c.execute(&GUARDED_SQL[rows], &params))?;
        }
        return Ok(stored);
    }
    let id = c.execute(
        "INSERT INTO ingest_groups (id, stored_at) VALUES (?1, ?2)",
        params![group.id, group.at],
    );
    if !already_stored(id)? {
        insert_rows(c, batches.iter())?;
    }
    // After a unique violation the transaction is aborted: its COMMIT rolls back, which is
    // all there is to do (the first attempt's rows are in).
    Ok(stored)
}

/// Forgets group ids stored before `before` (a group runs again within the pool's acquire
/// timeout, seconds, so minutes are plenty).
pub(crate) fn purge_groups(c: &dyn Db, before: UnixTime) -> Result<usize> {
    c.execute(
        "DELETE FROM ingest_groups WHERE stored_at < ?1",
        params![before],
    )
}

/// The events of `batches` in multi-row inserts of [`INGEST_CHUNK`], then the rest.
fn insert_rows<'a>(c: &dyn Db, batches: impl Iterator<Item = &'a IngestBatch>) -> Result<()> {
    let mut params: Vec<Value> = Vec::with_capacity(INGEST_CHUNK * 5);
    for b in batches {
        for e in &b.events {
            params.extend(event_row(b, e));
            if params.len() == INGEST_CHUNK * 5 {
                c.execute(&INSERT_SQL[INGEST_CHUNK], &params)?;
                params.clear();
            }
        }
    }
    if !params.is_empty() {
        c.execute(&INSERT_SQL[params.len() / 5], &params)?;
    }
    Ok(())
}

/// The values of every event of `b`, row after row.
fn event_values(b: &IngestBatch) -> impl Iterator<Item = Value> + '_ {
    b.events.iter().flat_map(move |e| event_row(b, e))
}

/// One event's values, in the column order of [`ingest_insert_sql`].
fn event_row(b: &IngestBatch, event: &str) -> [Value; 5] {
    [
        Value::Text(b.org_id.clone()),
        Value::Text(b.key_id.clone()),
        Value::Text(b.environment.as_str().to_string()),
        Value::Int(b.received_at),
        Value::Text(event.to_string()),
    ]
}

/// Records `b`'s idempotency key (taking over one remembered from before its window), or
/// finds the request that holds it. Concurrent requests with one key serialize on the
/// key's row: the first to commit stores, the others replay its answer.
fn claim(c: &dyn Db, b: &IngestBatch) -> Result<IngestOutcome> {
    let stored = IngestOutcome::Stored(b.events.len() as u64);
    let Some(k) = &b.idempotency else {
        return Ok(stored);
    };
    let claimed = c.execute(
        "INSERT INTO ingest_idempotency (org_id, idempotency_key, fingerprint, accepted, first_used_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (org_id, idempotency_key) DO UPDATE
            SET fingerprint = excluded.fingerprint, accepted = excluded.accepted,
                first_used_at = excluded.first_used_at
          WHERE ingest_idempotency.first_used_at < ?6",
        params![
            b.org_id,
            k.key,
            k.fingerprint,
            b.events.len(),
            b.received_at,
            k.remembered_since
        ],
    )?;
    if claimed == 1 {
        return Ok(stored);
    }
    c.query_row(
        "SELECT fingerprint, accepted FROM ingest_idempotency
          WHERE org_id = ?1 AND idempotency_key = ?2",
        params![b.org_id, k.key],
        |r| {
            let fingerprint: String = r.get(0)?;
            let accepted: i64 = r.get(1)?;
            Ok(if fingerprint == k.fingerprint {
                IngestOutcome::Replayed(u64::try_from(accepted).unwrap_or_default())
            } else {
                IngestOutcome::KeyReused
            })
        },
    )
}

/// Events per multi-row insert.
const INGEST_CHUNK: usize = 32;

/// `INSERT_SQL[n]`: the insert of `n` events (index 0 unused).
static INSERT_SQL: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    (0..=INGEST_CHUNK)
        .map(|n| ingest_insert_sql(n, 1))
        .collect()
});

/// `GUARDED_SQL[n]`: a group's id (`?1`, `?2`) and its `n` events in one statement.
static GUARDED_SQL: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    (0..=INGEST_CHUNK)
        .map(|n| {
            format!(
                "WITH g AS (INSERT INTO ingest_groups (id, stored_at) VALUES (?1, ?2)) {}",
                ingest_insert_sql(n, 3)
            )
        })
        .collect()
});

/// `INSERT INTO ingest_events ... VALUES (?first, ..., ?first+4), (...)` for `rows` events.
fn ingest_insert_sql(rows: usize, first: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let p: Vec<String> = (0..5).map(|i| format!("?{}", first + r * 5 + i)).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO ingest_events (org_id, key_id, environment, received_at, payload) VALUES {}",
        values.join(", ")
    )
}

#[async_trait]
impl<B: Backend> IngestStore for SqlStore<B> {
    async fn ingest_append(&self, batches: Vec<IngestBatch>) -> Result<u64> {
        let outcomes = self.write(move |c| insert_events(c, &batches)).await?;
        Ok(outcomes
            .iter()
            .map(|o| match o {
                IngestOutcome::Stored(n) => *n,
                _ => 0,
            })
            .sum())
    }

    async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome> {
        self.backend.ingest(batch).await
    }

    async fn ingest_idempotency_purge(&self, before: UnixTime) -> Result<u64> {
        self.write(move |c| {
            let n = c.execute(
                "DELETE FROM ingest_idempotency WHERE first_used_at < ?1",
                params![before],
            )?;
            Ok(n as u64)
        })
        .await
    }

    async fn ingest_count(&self, org_id: &str) -> Result<u64> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            let n: i64 = c.query_row(
                "SELECT COUNT(*) FROM ingest_events WHERE org_id = ?1",
                params![org_id],
                |r| r.get(0),
            )?;
            Ok(u64::try_from(n).unwrap_or_default())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::{Dialect, Row};
    use std::cell::RefCell;

    /// Records every statement it is asked to run as (what it inserts into, event rows);
    /// answers a unique violation to inserts of a group id in `stored`.
    #[derive(Default)]
    struct Inserts {
        runs: RefCell<Vec<(&'static str, usize)>>,
        stored: Vec<String>,
    }

    impl Db for Inserts {
        fn execute(&self, sql: &str, params: &[Value]) -> Result<usize> {
            let (what, rows) = if sql.starts_with("INSERT INTO ingest_events") {
                ("events", params.len() / 5)
            } else if sql.starts_with("WITH g AS (INSERT INTO ingest_groups") {
                ("group+events", (params.len() - 2) / 5)
            } else if sql.starts_with("INSERT INTO ingest_groups") {
                ("group", 0)
            } else {
                panic!("unexpected statement {sql}")
            };
            let placeholders = sql.matches('?').count();
            assert_eq!(placeholders, params.len(), "{sql}");
            self.runs.borrow_mut().push((what, rows));
            if what != "events"
                && let Some(Value::Text(id)) = params.first()
                && self.stored.contains(id)
            {
                return Err(StoreError::Conflict("it already exists".into()));
            }
            Ok(rows.max(1))
        }
        fn query(&self, _: &str, _: &[Value]) -> Result<Vec<Row>> {
            unreachable!("no idempotency key: nothing is read")
        }
        fn query_first(&self, _: &str, _: &[Value]) -> Result<Option<Row>> {
            unreachable!("no idempotency key: nothing is read")
        }
        fn query_each(
            &self,
            _: &str,
            _: &[Value],
            _: &mut dyn FnMut(&Row) -> Result<()>,
        ) -> Result<()> {
            unreachable!("no idempotency key: nothing is read")
        }
        fn dialect(&self) -> Dialect {
            Dialect::Postgres
        }
    }

    fn batch(events: usize) -> IngestBatch {
        IngestBatch {
            org_id: "org_1".into(),
            key_id: "key_1".into(),
            environment: wt_core::apikey::Environment::Production,
            received_at: 1,
            events: (0..events).map(|i| format!("{{\"n\":{i}}}")).collect(),
            idempotency: None,
        }
    }

    fn batches(sizes: &[usize]) -> Vec<IngestBatch> {
        sizes.iter().map(|&n| batch(n)).collect()
    }

    fn inserts(sizes: &[usize]) -> Vec<usize> {
        let db = Inserts::default();
        insert_events(&db, &batches(sizes)).unwrap_or_else(|e| panic!("{e}"));
        db.runs.into_inner().into_iter().map(|(_, n)| n).collect()
    }

    #[test]
    fn a_group_is_one_insert_per_chunk_started_never_one_per_event() {
        // Seven requests of one event: one insert of seven rows, not seven statements.
        assert_eq!(inserts(&[1; 7]), vec![7]);
        assert_eq!(inserts(&[3, 29]), vec![32]);
        assert_eq!(inserts(&[40, 30]), vec![32, 32, 6]);
        assert_eq!(inserts(&[64]), vec![32, 32]);
        assert_eq!(inserts(&[]), Vec::<usize>::new());
    }

    fn guarded(
        sizes: &[usize],
        stored: &[&str],
    ) -> (Vec<IngestOutcome>, Vec<(&'static str, usize)>) {
        let db = Inserts {
            stored: stored.iter().map(|s| s.to_string()).collect(),
            ..Inserts::default()
        };
        let group = GroupId {
            id: "g1".into(),
            at: 1,
        };
        let out = insert_guarded(&db, &group, &batches(sizes)).unwrap_or_else(|e| panic!("{e}"));
        (out, db.runs.into_inner())
    }

    #[test]
    fn a_small_group_is_one_statement_with_its_id_and_a_large_one_puts_the_id_first() {
        let (out, runs) = guarded(&[3, 3, 26], &[]);
        assert_eq!(runs, vec![("group+events", 32)]);
        assert_eq!(
            out,
            vec![
                IngestOutcome::Stored(3),
                IngestOutcome::Stored(3),
                IngestOutcome::Stored(26)
            ]
        );
        let (out, runs) = guarded(&[30, 10], &[]);
        assert_eq!(runs, vec![("group", 0), ("events", 32), ("events", 8)]);
        assert_eq!(
            out,
            vec![IngestOutcome::Stored(30), IngestOutcome::Stored(10)]
        );
        assert!(fits_one_statement(&batches(&[32])));
        assert!(!fits_one_statement(&batches(&[32, 1])));
    }

    #[test]
    fn a_group_whose_id_is_stored_already_is_acknowledged_without_storing_again() {
        // One statement: the unique violation is the whole statement's, nothing more runs.
        let (out, runs) = guarded(&[2, 5], &["g1"]);
        assert_eq!(runs, vec![("group+events", 7)]);
        assert_eq!(
            out,
            vec![IngestOutcome::Stored(2), IngestOutcome::Stored(5)]
        );
        // In a transaction: no event insert after the id's violation.
        let (out, runs) = guarded(&[40], &["g1"]);
        assert_eq!(runs, vec![("group", 0)]);
        assert_eq!(out, vec![IngestOutcome::Stored(40)]);
    }

    #[test]
    fn only_groups_without_idempotency_keys_are_guarded() {
        let mut b = batches(&[1, 2]);
        assert!(guardable(&b));
        b[1].idempotency = Some(crate::model::IngestIdempotency {
            key: "k".into(),
            fingerprint: "f".into(),
            remembered_since: 0,
        });
        assert!(!guardable(&b));
    }
}
