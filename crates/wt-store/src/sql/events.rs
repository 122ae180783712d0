//! The SQL of [`EventStore`]: the consumer API's reads by cursor, the PostgreSQL read
//! watermark's probe, per-org retention, and the prune task's short writes (count, then
//! delete below a horizon moved first; migration 0023).

use super::{Backend, Db, Dialect, SqlStore};
use crate::model::{EventProbeRecord, EventRecord, EventSlice, EventStorageRecord};
use crate::params;
use crate::{EventStore, Result};
use async_trait::async_trait;
use wt_core::audit::AuditEvent;
use wt_core::clock::UnixTime;

/// `through` as a bound for `seq <= ?` (none: the largest seq).
fn bound(through: Option<i64>) -> i64 {
    through.unwrap_or(i64::MAX)
}

/// The org's pruned horizon (0 without a storage row).
fn pruned_through(c: &dyn Db, org_id: &str) -> Result<i64> {
    Ok(c.query_first(
        "SELECT pruned_through FROM event_storage WHERE org_id = ?1",
        params![org_id],
    )?
    .map(|r| r.get::<i64>(0))
    .transpose()?
    .unwrap_or(0))
}

/// Makes sure the org has a storage row (counters at zero).
fn ensure_storage(c: &dyn Db, org_id: &str) -> Result<()> {
    c.execute(
        "INSERT INTO event_storage (org_id) VALUES (?1) ON CONFLICT (org_id) DO NOTHING",
        params![org_id],
    )?;
    Ok(())
}

fn event_from(r: &super::Row) -> Result<EventRecord> {
    Ok(EventRecord {
        seq: r.get(0)?,
        key_id: r.get(1)?,
        environment: r.get(2)?,
        received_at: r.get(3)?,
        payload: r.get(4)?,
    })
}

fn storage_from(r: &super::Row) -> Result<EventStorageRecord> {
    Ok(EventStorageRecord {
        org_id: r.get(0)?,
        events: r.get(1)?,
        bytes: r.get(2)?,
        counted_through: r.get(3)?,
        pruned_through: r.get(4)?,
    })
}

const STORAGE_COLS: &str = "org_id, events, bytes, counted_through, pruned_through";

#[async_trait]
impl<B: Backend> EventStore for SqlStore<B> {
    async fn events_after(
        &self,
        org_id: &str,
        after: i64,
        through: Option<i64>,
        limit: u32,
    ) -> Result<EventSlice> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            let events = c.query_map(
                "SELECT seq, key_id, environment, received_at, payload FROM ingest_events
                  WHERE org_id = ?1 AND seq > ?2 AND seq <= ?3
                  ORDER BY seq LIMIT ?4",
                params![org_id, after, bound(through), limit],
                event_from,
            )?;
            Ok(EventSlice {
                events,
                pruned_through: pruned_through(c, &org_id)?,
            })
        })
        .await
    }

    async fn events_latest(
        &self,
        org_id: &str,
        through: Option<i64>,
        limit: u32,
    ) -> Result<EventSlice> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            let mut events = c.query_map(
                "SELECT seq, key_id, environment, received_at, payload FROM ingest_events
                  WHERE org_id = ?1 AND seq <= ?2
                  ORDER BY seq DESC LIMIT ?3",
                params![org_id, bound(through), limit],
                event_from,
            )?;
            events.reverse();
            Ok(EventSlice {
                events,
                pruned_through: pruned_through(c, &org_id)?,
            })
        })
        .await
    }

    async fn events_last_seq(&self, org_id: &str, through: Option<i64>) -> Result<i64> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_row(
                "SELECT COALESCE(MAX(seq), 0) FROM ingest_events WHERE org_id = ?1 AND seq <= ?2",
                params![org_id, bound(through)],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn events_probe(&self) -> Result<Option<EventProbeRecord>> {
        self.read(|c| {
            if c.dialect() != Dialect::Postgres {
                return Ok(None);
            }
            // One statement, one snapshot: the max it sees and that snapshot's bounds.
            c.query_row(
                "SELECT COALESCE(MAX(seq), 0),
                        pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
                        pg_snapshot_xmin(pg_current_snapshot())::text::bigint
                   FROM ingest_events",
                params![],
                |r| {
                    Ok(Some(EventProbeRecord {
                        max_seq: r.get(0)?,
                        xmax: r.get(1)?,
                        xmin: r.get(2)?,
                    }))
                },
            )
        })
        .await
    }

    async fn event_retention(&self, org_id: &str) -> Result<Option<i64>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_first(
                "SELECT retention_seconds FROM event_settings WHERE org_id = ?1",
                params![org_id],
            )?
            .map(|r| r.get::<i64>(0))
            .transpose()
        })
        .await
    }

    async fn event_retentions(&self) -> Result<Vec<(String, i64)>> {
        self.read(|c| {
            c.query_map(
                "SELECT org_id, retention_seconds FROM event_settings ORDER BY org_id",
                params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await
    }

    async fn event_retention_set(
        &self,
        org_id: &str,
        seconds: Option<i64>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<()> {
        let org_id = org_id.to_string();
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            match seconds {
                Some(s) => tx.execute(
                    "INSERT INTO event_settings (org_id, retention_seconds) VALUES (?1, ?2)
                     ON CONFLICT (org_id) DO UPDATE SET retention_seconds = excluded.retention_seconds",
                    params![org_id, s],
                )?,
                None => tx.execute(
                    "DELETE FROM event_settings WHERE org_id = ?1",
                    params![org_id],
                )?,
            };
            Ok(())
        })
        .await
    }

    async fn event_storage(&self, org_id: &str) -> Result<EventStorageRecord> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            let row = c.query_first(
                &format!("SELECT {STORAGE_COLS} FROM event_storage WHERE org_id = ?1"),
                params![org_id],
            )?;
            match row {
                Some(r) => storage_from(&r),
                None => Ok(EventStorageRecord {
                    org_id: org_id.clone(),
                    ..EventStorageRecord::default()
                }),
            }
        })
        .await
    }

    async fn event_storages(&self) -> Result<Vec<EventStorageRecord>> {
        self.read(|c| {
            c.query_map(
                &format!("SELECT {STORAGE_COLS} FROM event_storage ORDER BY org_id"),
                params![],
                storage_from,
            )
        })
        .await
    }

    async fn events_count_more(&self, org_id: &str, through: i64, limit: u32) -> Result<u64> {
        let org_id = org_id.to_string();
        self.write(move |c| {
            // Two daemons counting one org would count its events twice.
            c.lock(&format!("events:{org_id}"))?;
            ensure_storage(c, &org_id)?;
            let counted: i64 = c.query_row(
                "SELECT counted_through FROM event_storage WHERE org_id = ?1",
                params![org_id],
                |r| r.get(0),
            )?;
            let (n, bytes, last): (i64, i64, Option<i64>) = c.query_row(
                "SELECT COUNT(*), COALESCE(SUM(LENGTH(payload)), 0), MAX(seq) FROM (
                    SELECT seq, payload FROM ingest_events
                     WHERE org_id = ?1 AND seq > ?2 AND seq <= ?3
                     ORDER BY seq LIMIT ?4) AS batch",
                params![org_id, counted, through, limit],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let Some(last) = last else { return Ok(0) };
            c.execute(
                "UPDATE event_storage SET events = events + ?2, bytes = bytes + ?3,
                        counted_through = ?4 WHERE org_id = ?1",
                params![org_id, n, bytes, last],
            )?;
            Ok(u64::try_from(n).unwrap_or_default())
        })
        .await
    }

    async fn events_prune(&self, org_id: &str, before: UnixTime, limit: u32) -> Result<u64> {
        let org_id = org_id.to_string();
        self.write(move |c| {
            c.lock(&format!("events:{org_id}"))?;
            ensure_storage(c, &org_id)?;
            let (counted, pruned): (i64, i64) = c.query_row(
                "SELECT counted_through, pruned_through FROM event_storage WHERE org_id = ?1",
                params![org_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            // Only counted events (the counters subtract what goes), and on SQLite never
            // the installation's newest event: an INTEGER PRIMARY KEY without AUTOINCREMENT
            // takes max + 1, so deleting the newest would hand its seq out again.
            let mut upto = counted;
            if c.dialect() == Dialect::Sqlite {
                let newest: i64 = c.query_row(
                    "SELECT COALESCE(MAX(seq), 0) FROM ingest_events",
                    params![],
                    |r| r.get(0),
                )?;
                upto = upto.min(newest - 1);
            }
            let rows: Vec<(i64, i64, i64)> = c.query_map(
                "SELECT seq, received_at, LENGTH(payload) FROM ingest_events
                  WHERE org_id = ?1 AND seq > ?2 AND seq <= ?3
                  ORDER BY seq LIMIT ?4",
                params![org_id, pruned, upto, limit],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            // The oldest run of expired events: stop at the first one still kept (seq
            // order is nearly time order; a late one only waits for the next round).
            let expired: Vec<&(i64, i64, i64)> =
                rows.iter().take_while(|(_, at, _)| *at < before).collect();
            let Some(&&(horizon, _, _)) = expired.last() else {
                return Ok(0);
            };
            let n = expired.len() as i64;
            let bytes: i64 = expired.iter().map(|(_, _, b)| *b).sum();
            c.execute(
                "UPDATE event_storage SET pruned_through = ?2, events = events - ?3,
                        bytes = bytes - ?4 WHERE org_id = ?1",
                params![org_id, horizon, n, bytes],
            )?;
            let deleted = c.execute(
                "DELETE FROM ingest_events WHERE org_id = ?1 AND seq > ?2 AND seq <= ?3",
                params![org_id, pruned, horizon],
            )?;
            Ok(deleted as u64)
        })
        .await
    }
}
