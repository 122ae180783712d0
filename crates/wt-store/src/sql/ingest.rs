//! The SQL of [`IngestStore`], and [`insert_events`], which both backends' group commit runs.

use super::{Backend, Db, SqlStore, Value};
use crate::model::{IngestBatch, IngestOutcome};
use crate::params;
use crate::{IngestStore, Result};
use async_trait::async_trait;
use wt_core::clock::UnixTime;

/// Stores `batches` (in the caller's transaction) and says what became of each: a batch
/// whose idempotency key was used before stores nothing. The events of the others go in
/// multi-row inserts of [`INGEST_CHUNK`] events, then the rest one by one: one round trip
/// per chunk on PostgreSQL, and only two statements to prepare and cache.
pub(crate) fn insert_events(c: &dyn Db, batches: &[IngestBatch]) -> Result<Vec<IngestOutcome>> {
    let outcomes = batches
        .iter()
        .map(|b| claim(c, b))
        .collect::<Result<Vec<_>>>()?;
    let storing: Vec<&IngestBatch> = batches
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| matches!(o, IngestOutcome::Stored(_)))
        .map(|(b, _)| b)
        .collect();
    let mut params: Vec<Value> = Vec::with_capacity(INGEST_CHUNK * 5);
    let mut stored = 0usize;
    let total: usize = storing.iter().map(|b| b.events.len()).sum();
    let chunked = total - total % INGEST_CHUNK;
    for b in storing {
        for e in &b.events {
            params.extend([
                Value::Text(b.org_id.clone()),
                Value::Text(b.key_id.clone()),
                Value::Text(b.environment.as_str().to_string()),
                Value::Int(b.received_at),
                Value::Text(e.clone()),
            ]);
            let rows = params.len() / 5;
            if stored < chunked {
                if rows == INGEST_CHUNK {
                    c.execute(&INGEST_CHUNK_SQL, &params)?;
                    stored += INGEST_CHUNK;
                    params.clear();
                }
            } else {
                c.execute(&INGEST_ONE_SQL, &params)?;
                stored += 1;
                params.clear();
            }
        }
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

static INGEST_CHUNK_SQL: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| ingest_insert_sql(INGEST_CHUNK));

static INGEST_ONE_SQL: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| ingest_insert_sql(1));

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
