//! The SQL of [`IngestStore`], and [`insert_events`], which both backends' group commit runs.

use super::{Backend, Db, SqlStore, Value};
use crate::model::IngestBatch;
use crate::params;
use crate::{IngestStore, Result};
use async_trait::async_trait;

/// Inserts every event of `batches` (in the caller's transaction): multi-row inserts of
/// [`INGEST_CHUNK`] events, then the rest one by one. One round trip per chunk on
/// PostgreSQL, and only two statements to prepare and cache.
pub(crate) fn insert_events(c: &dyn Db, batches: &[IngestBatch]) -> Result<u64> {
    let mut params: Vec<Value> = Vec::with_capacity(INGEST_CHUNK * 5);
    let mut stored = 0u64;
    let total: usize = batches.iter().map(|b| b.events.len()).sum();
    let chunked = total - total % INGEST_CHUNK;
    for b in batches {
        for e in &b.events {
            params.extend([
                Value::Text(b.org_id.clone()),
                Value::Text(b.key_id.clone()),
                Value::Text(b.environment.as_str().to_string()),
                Value::Int(b.received_at),
                Value::Text(e.clone()),
            ]);
            let rows = params.len() / 5;
            if (stored as usize) < chunked {
                if rows == INGEST_CHUNK {
                    c.execute(&INGEST_CHUNK_SQL, &params)?;
                    stored += INGEST_CHUNK as u64;
                    params.clear();
                }
            } else {
                c.execute(&INGEST_ONE_SQL, &params)?;
                stored += 1;
                params.clear();
            }
        }
    }
    Ok(stored)
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
        self.write(move |c| insert_events(c, &batches)).await
    }

    async fn ingest(&self, batch: IngestBatch) -> Result<u64> {
        self.backend.ingest(batch).await
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
