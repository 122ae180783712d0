//! The SQL of [`ThrottleStore`]: one row per throttle key.

use super::{Backend, Db, OptionalExt, SqlStore};
use crate::params;
use crate::{Result, ThrottleStore};
use async_trait::async_trait;
use wt_core::clock::UnixTime;
use wt_core::throttle;

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

#[async_trait]
impl<B: Backend> ThrottleStore for SqlStore<B> {
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
}
