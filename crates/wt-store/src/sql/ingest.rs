//! The SQL of [`IngestStore`], and [`insert_events`], which both backends' group commit runs.

use super::{Backend, Db, SqlStore, Value};
use crate::model::{IngestBatch, IngestOutcome};
use crate::params;
use crate::{IngestStore, Result};
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
    let mut params: Vec<Value> = Vec::with_capacity(INGEST_CHUNK * 5);
    for b in storing {
        for e in &b.events {
            params.extend([
                Value::Text(b.org_id.clone()),
                Value::Text(b.key_id.clone()),
                Value::Text(b.environment.as_str().to_string()),
                Value::Int(b.received_at),
                Value::Text(e.clone()),
            ]);
            if params.len() == INGEST_CHUNK * 5 {
                c.execute(&INSERT_SQL[INGEST_CHUNK], &params)?;
                params.clear();
            }
        }
    }
    if !params.is_empty() {
        c.execute(&INSERT_SQL[params.len() / 5], &params)?;
    }
    Ok(outcomes)
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
static INSERT_SQL: std::sync::LazyLock<Vec<String>> =
    std::sync::LazyLock::new(|| (0..=INGEST_CHUNK).map(ingest_insert_sql).collect());

/// `INSERT INTO ingest_events ... VALUES (?1, ..., ?5), (?6, ...)` for `rows` events.
fn ingest_insert_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let p: Vec<String> = (1..=5).map(|i| format!("?{}", r * 5 + i)).collect();
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

    /// Records the row count of every insert it is asked to run.
    #[derive(Default)]
    struct Inserts(RefCell<Vec<usize>>);

    impl Db for Inserts {
        fn execute(&self, sql: &str, params: &[Value]) -> Result<usize> {
            assert!(sql.starts_with("INSERT INTO ingest_events"), "{sql}");
            assert_eq!(sql.matches('(').count() - 1, params.len() / 5, "{sql}");
            self.0.borrow_mut().push(params.len() / 5);
            Ok(params.len() / 5)
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

    fn inserts(sizes: &[usize]) -> Vec<usize> {
        let db = Inserts::default();
        let batches: Vec<IngestBatch> = sizes.iter().map(|&n| batch(n)).collect();
        insert_events(&db, &batches).unwrap_or_else(|e| panic!("{e}"));
        db.0.into_inner()
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
}
