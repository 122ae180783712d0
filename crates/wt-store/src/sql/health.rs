//! The SQL of [`HealthStore`]: the cache version and the master key fingerprint (liveness
//! is the backend's own check, [`Backend::ping`]).

use super::{Backend, SqlStore};
use crate::params;
use crate::{HealthStore, Result};
use async_trait::async_trait;
use wt_core::clock::UnixTime;

#[async_trait]
impl<B: Backend> HealthStore for SqlStore<B> {
    async fn ping(&self) -> Result<()> {
        self.backend.ping().await
    }

    fn pool_stats(&self) -> Option<crate::postgres::PoolStats> {
        self.backend.pool_stats()
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

    async fn cache_version_synced(&self) -> Result<i64> {
        match self.backend.synced_cache_version().await {
            Some(v) => Ok(v),
            None => self.cache_version().await,
        }
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
}
