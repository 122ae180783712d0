//! The SQL of [`KeyStore`]: ingestion keys, their usage and the addresses they were used from.

use super::allowed_ips::{ALLOWED_COLS, allowed_ip_from};
use super::orgs::{ORG_COLS, org_from};
use super::{Backend, Db, OptionalExt, Row, SqlStore, ToValue, Value, internal};
use crate::model::{
    ApiKeyPatch, ApiKeyRecord, CacheChanges, KeyHourRecord, KeyLeak, KeyListQuery, KeySourceRecord,
    KeyUsage, NewApiKey,
};
use crate::params;
use crate::{KeyStore, Result, StoreError};
use async_trait::async_trait;
use wt_core::apikey::Environment;
use wt_core::audit::AuditEvent;
use wt_core::clock::UnixTime;

const KEY_COLS: &str = "k.id, k.org_id, k.name, k.environment, k.secret_hash, k.last4,
    k.owner_id, ow.email, k.created_by, cr.email, k.created_at, k.expires_at, k.revoked_at,
    k.allowed_cidrs, k.rotated_from, k.rotated_to, k.grace_until, k.last_used_at,
    k.last_used_ip, k.use_count, k.browser_count, k.browser_last_at, k.browser_origin,
    k.rate_limit, k.rate_burst, k.throttled_count, k.throttled_last_at, k.leaked_at,
    k.leak_source, k.quarantined_at";

const KEY_FROM: &str =
    "api_keys k JOIN users ow ON ow.id = k.owner_id JOIN users cr ON cr.id = k.created_by";

fn key_from(r: &Row) -> Result<ApiKeyRecord> {
    let env: String = r.get(3)?;
    let cidrs: String = r.get(13)?;
    Ok(ApiKeyRecord {
        id: r.get(0)?,
        org_id: r.get(1)?,
        name: r.get(2)?,
        environment: Environment::parse(&env)
            .ok_or_else(|| internal(format!("unknown environment {env:?} in the database")))?,
        secret_hash: r.get(4)?,
        last4: r.get(5)?,
        owner_id: r.get(6)?,
        owner_email: r.get(7)?,
        created_by: r.get(8)?,
        created_by_email: r.get(9)?,
        created_at: r.get(10)?,
        expires_at: r.get(11)?,
        revoked_at: r.get(12)?,
        allowed_cidrs: serde_json::from_str(&cidrs).map_err(internal)?,
        rotated_from: r.get(14)?,
        rotated_to: r.get(15)?,
        grace_until: r.get(16)?,
        last_used_at: r.get(17)?,
        last_used_ip: r.get(18)?,
        use_count: r.get(19)?,
        browser_count: r.get(20)?,
        browser_last_at: r.get(21)?,
        browser_origin: r.get(22)?,
        rate: rate_from(r.get(23)?, r.get(24)?),
        throttled_count: r.get(25)?,
        throttled_last_at: r.get(26)?,
        leaked_at: r.get(27)?,
        leak_source: r.get(28)?,
        quarantined_at: r.get(29)?,
    })
}

/// A stored limit (`500/s` and a burst); one that no longer parses counts as none
/// (logged), so a bad row cannot lock a key out.
pub(super) fn rate_from(
    rate: Option<String>,
    burst: Option<i64>,
) -> Option<wt_core::ratelimit::KeyRate> {
    let rate = rate?;
    let burst = burst.and_then(|b| u32::try_from(b).ok());
    match wt_core::ratelimit::KeyRate::parse(&rate, burst) {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::error!(%rate, error = %e, "a stored rate limit does not parse; ignored");
            None
        }
    }
}

fn key_by_id(c: &dyn Db, org_id: &str, id: &str) -> Result<Option<ApiKeyRecord>> {
    c.query_row(
        &format!("SELECT {KEY_COLS} FROM {KEY_FROM} WHERE k.org_id = ?1 AND k.id = ?2"),
        params![org_id, id],
        key_from,
    )
    .optional()
}

fn is_member(tx: &dyn Db, org_id: &str, user_id: &str) -> Result<bool> {
    Ok(tx
        .query_row(
            "SELECT 1 FROM memberships WHERE org_id = ?1 AND user_id = ?2",
            params![org_id, user_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn insert_key(tx: &dyn Db, k: &NewApiKey, rotated_from: Option<&str>) -> Result<()> {
    if !is_member(tx, &k.org_id, &k.owner_id)? {
        return Err(StoreError::Conflict(
            "the key's owner must be a member of the org".into(),
        ));
    }
    let cidrs = serde_json::to_string(&k.allowed_cidrs).map_err(internal)?;
    tx.execute(
        "INSERT INTO api_keys (id, org_id, name, environment, secret_hash, last4, owner_id,
            created_by, created_at, expires_at, allowed_cidrs, rotated_from)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            k.id,
            k.org_id,
            k.name,
            k.environment.as_str(),
            k.secret_hash,
            k.last4,
            k.owner_id,
            k.created_by,
            k.created_at,
            k.expires_at,
            cidrs,
            rotated_from,
        ],
    )?;
    Ok(())
}

/// Usage of a key: counts add up, the latest use wins (GREATEST ignores NULL: a key never
/// used before takes the new time; a NULL browser time keeps the old one).
const KEY_USED_SQL: &str = "UPDATE api_keys SET
    use_count = use_count + ?2,
    last_used_ip = CASE WHEN ?3 >= COALESCE(last_used_at, 0) THEN ?4 ELSE last_used_ip END,
    last_used_at = GREATEST(last_used_at, ?3),
    browser_count = browser_count + ?5,
    browser_last_at = GREATEST(browser_last_at, ?6),
    browser_origin = COALESCE(?7, browser_origin)
 WHERE id = ?1";

/// One source address of a key: first and last seen widen, counts add up.
const KEY_SOURCE_SQL: &str =
    "INSERT INTO api_key_sources (key_id, ip, first_seen, last_seen, count)
    VALUES (?1, ?2, ?3, ?4, ?5)
    ON CONFLICT (key_id, ip) DO UPDATE SET
        count = api_key_sources.count + excluded.count,
        last_seen = GREATEST(api_key_sources.last_seen, excluded.last_seen),
        first_seen = LEAST(api_key_sources.first_seen, excluded.first_seen)";

/// Requests of a key in one hour: counts add up.
const KEY_HOUR_SQL: &str = "INSERT INTO api_key_usage_hourly (key_id, hour, count)
    VALUES (?1, ?2, ?3)
    ON CONFLICT (key_id, hour) DO UPDATE SET
        count = api_key_usage_hourly.count + excluded.count";

#[async_trait]
impl<B: Backend> KeyStore for SqlStore<B> {
    async fn api_key_create(&self, key: NewApiKey, audit: AuditEvent) -> Result<ApiKeyRecord> {
        self.write_audited(key.org_id.clone(), key.created_at, audit, move |tx| {
            insert_key(tx, &key, None)?;
            key_by_id(tx, &key.org_id, &key.id)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn api_keys_list(&self, org_id: &str) -> Result<Vec<ApiKeyRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_map(
                &format!(
                    "SELECT {KEY_COLS} FROM {KEY_FROM} WHERE k.org_id = ?1
                 ORDER BY k.created_at DESC, k.id DESC"
                ),
                params![org_id],
                key_from,
            )
        })
        .await
    }

    async fn api_keys_page(&self, org_id: &str, q: KeyListQuery) -> Result<Vec<ApiKeyRecord>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            let mut sql = format!("SELECT {KEY_COLS} FROM {KEY_FROM} WHERE k.org_id = ?");
            let mut args = vec![org_id.to_value()];
            if let Some(env) = q.environment {
                sql.push_str(" AND k.environment = ?");
                args.push(env.as_str().to_value());
            }
            if let Some(after) = &q.after {
                // After the cursor's key in the list's order (an unknown id: nothing).
                sql.push_str(
                    " AND (k.created_at, k.id) <
                       (SELECT a.created_at, a.id FROM api_keys a WHERE a.org_id = ? AND a.id = ?)",
                );
                args.extend([org_id.to_value(), after.to_value()]);
            }
            sql.push_str(&format!(
                " ORDER BY k.created_at DESC, k.id DESC LIMIT {}",
                q.limit
            ));
            c.query_map(&sql, &args, key_from)
        })
        .await
    }

    async fn api_keys_for_cache(
        &self,
        revoked_since: UnixTime,
        after: Option<String>,
        limit: u32,
    ) -> Result<Vec<ApiKeyRecord>> {
        let after = after.unwrap_or_default();
        self.read(move |c| {
            c.query_map(
                &format!(
                    "SELECT {KEY_COLS} FROM {KEY_FROM}
                 WHERE (k.revoked_at IS NULL OR k.revoked_at >= ?1) AND k.id > ?2
                 ORDER BY k.id LIMIT ?3"
                ),
                params![revoked_since, after, i64::from(limit)],
                key_from,
            )
        })
        .await
    }

    async fn cache_changes(&self, since: i64) -> Result<CacheChanges> {
        self.read(move |c| {
            // The version first: every row stamped at or below it has committed (0028).
            let version = c.query_row(
                "SELECT version FROM cache_version WHERE id = 1",
                params![],
                |r| r.get::<i64>(0),
            )?;
            let keys = c.query_map(
                &format!("SELECT {KEY_COLS} FROM {KEY_FROM} WHERE k.cache_seq > ?1"),
                params![since],
                key_from,
            )?;
            let orgs = c.query_map(
                &format!("SELECT {ORG_COLS} FROM orgs o WHERE o.cache_seq > ?1"),
                params![since],
                |r| org_from(r, 0),
            )?;
            let allowed_ips = if orgs.is_empty() {
                Vec::new()
            } else {
                c.query_map(
                    &format!(
                        "SELECT {ALLOWED_COLS} FROM allowed_ips WHERE org_id IN
                         (SELECT id FROM orgs WHERE cache_seq > ?1)
                         ORDER BY org_id, created_at, id"
                    ),
                    params![since],
                    allowed_ip_from,
                )?
            };
            Ok(CacheChanges {
                version,
                keys,
                orgs,
                allowed_ips,
            })
        })
        .await
    }

    async fn api_key_get(&self, org_id: &str, id: &str) -> Result<Option<ApiKeyRecord>> {
        let (org_id, id) = (org_id.to_string(), id.to_string());
        self.read(move |c| key_by_id(c, &org_id, &id)).await
    }

    async fn api_key_sources(&self, key_id: &str) -> Result<Vec<KeySourceRecord>> {
        let key_id = key_id.to_string();
        self.read(move |c| {
            c.query_map(
                "SELECT key_id, ip, first_seen, last_seen, count FROM api_key_sources
                 WHERE key_id = ?1 ORDER BY last_seen DESC, ip LIMIT 100",
                params![key_id],
                |r| {
                    Ok(KeySourceRecord {
                        key_id: r.get(0)?,
                        ip: r.get(1)?,
                        first_seen: r.get(2)?,
                        last_seen: r.get(3)?,
                        count: r.get(4)?,
                    })
                },
            )
        })
        .await
    }

    async fn org_key_sources(
        &self,
        org_id: &str,
        since: UnixTime,
    ) -> Result<Vec<(KeySourceRecord, String)>> {
        let org_id = org_id.to_string();
        self.read(move |c| {
            c.query_map(
                "SELECT s.key_id, s.ip, s.first_seen, s.last_seen, s.count, k.name
                 FROM api_key_sources s JOIN api_keys k ON k.id = s.key_id
                 WHERE k.org_id = ?1 AND k.revoked_at IS NULL AND s.last_seen >= ?2
                 ORDER BY s.last_seen DESC",
                params![org_id, since],
                |r| {
                    Ok((
                        KeySourceRecord {
                            key_id: r.get(0)?,
                            ip: r.get(1)?,
                            first_seen: r.get(2)?,
                            last_seen: r.get(3)?,
                            count: r.get(4)?,
                        },
                        r.get(5)?,
                    ))
                },
            )
        })
        .await
    }

    async fn api_key_update(
        &self,
        org_id: &str,
        id: &str,
        patch: ApiKeyPatch,
        audit: AuditEvent,
        now: UnixTime,
    ) -> Result<ApiKeyRecord> {
        let (org_id, id) = (org_id.to_string(), id.to_string());
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let key = key_by_id(tx, &org_id, &id)?.ok_or(StoreError::NotFound)?;
            if key.revoked_at.is_some() {
                return Err(StoreError::Conflict("the key is revoked".into()));
            }
            if let Some(owner) = &patch.owner_id
                && !is_member(tx, &org_id, owner)?
            {
                return Err(StoreError::Conflict(
                    "the key's owner must be a member of the org".into(),
                ));
            }
            let cidrs = patch
                .allowed_cidrs
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(internal)?;
            tx.execute(
                "UPDATE api_keys SET name = COALESCE(?3, name), owner_id = COALESCE(?4, owner_id),
                    allowed_cidrs = COALESCE(?5, allowed_cidrs)
                 WHERE org_id = ?1 AND id = ?2",
                params![org_id, id, patch.name, patch.owner_id, cidrs],
            )?;
            if let Some(rate) = patch.rate {
                tx.execute(
                    "UPDATE api_keys SET rate_limit = ?3, rate_burst = ?4
                     WHERE org_id = ?1 AND id = ?2",
                    params![
                        org_id,
                        id,
                        rate.map(|r| r.rate_str()),
                        rate.map(|r| i64::from(r.burst))
                    ],
                )?;
            }
            if patch.release {
                if key.quarantined_at.is_none() {
                    return Err(StoreError::Conflict("the key is not quarantined".into()));
                }
                tx.execute(
                    "UPDATE api_keys SET quarantined_at = NULL WHERE org_id = ?1 AND id = ?2",
                    params![org_id, id],
                )?;
            }
            key_by_id(tx, &org_id, &id)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn api_key_revoke(
        &self,
        org_id: &str,
        id: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> Result<ApiKeyRecord> {
        let (org_id, id) = (org_id.to_string(), id.to_string());
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let n = tx.execute(
                "UPDATE api_keys SET revoked_at = ?3
                 WHERE org_id = ?1 AND id = ?2 AND revoked_at IS NULL",
                params![org_id, id, now],
            )?;
            let key = key_by_id(tx, &org_id, &id)?.ok_or(StoreError::NotFound)?;
            if n == 0 {
                return Err(StoreError::Conflict("the key is already revoked".into()));
            }
            Ok(key)
        })
        .await
    }

    async fn api_key_rotate(
        &self,
        org_id: &str,
        old_id: &str,
        successor: NewApiKey,
        grace_until: UnixTime,
        audit: AuditEvent,
    ) -> Result<(ApiKeyRecord, ApiKeyRecord)> {
        let (org_id, old_id) = (org_id.to_string(), old_id.to_string());
        let now = successor.created_at;
        self.write_audited(org_id.clone(), now, audit, move |tx| {
            let old = key_by_id(tx, &org_id, &old_id)?.ok_or(StoreError::NotFound)?;
            let life = old.lifetime();
            if old.revoked_at.is_some() {
                return Err(StoreError::Conflict(
                    "the key is revoked: create a new one (wt keys create)".into(),
                ));
            }
            if !life.usable(now) {
                return Err(StoreError::Conflict(
                    "the key has expired: create a new one (wt keys create)".into(),
                ));
            }
            if old.rotated_to.is_some() {
                return Err(StoreError::Conflict(format!(
                    "the key is already being rotated (successor {}): rotate the successor instead",
                    old.rotated_to.as_deref().unwrap_or_default()
                )));
            }
            insert_key(tx, &successor, Some(&old_id))?;
            // The successor governs the same traffic: it keeps the key's own rate limit
            // and address allowlist as they are now (read in this transaction, so an
            // update racing the rotation is not lost).
            tx.execute(
                "UPDATE api_keys SET
                    rate_limit = (SELECT o.rate_limit FROM api_keys o
                                  WHERE o.org_id = ?1 AND o.id = ?2),
                    rate_burst = (SELECT o.rate_burst FROM api_keys o
                                  WHERE o.org_id = ?1 AND o.id = ?2),
                    allowed_cidrs = (SELECT o.allowed_cidrs FROM api_keys o
                                     WHERE o.org_id = ?1 AND o.id = ?2)
                 WHERE org_id = ?1 AND id = ?3",
                params![org_id, old_id, successor.id],
            )?;
            let revoked_at = (grace_until <= now).then_some(now);
            tx.execute(
                "UPDATE api_keys SET rotated_to = ?3, grace_until = ?4,
                    revoked_at = COALESCE(?5, revoked_at)
                 WHERE org_id = ?1 AND id = ?2",
                params![
                    org_id,
                    old_id,
                    successor.id,
                    grace_until.max(now),
                    revoked_at
                ],
            )?;
            let new = key_by_id(tx, &org_id, &successor.id)?.ok_or(StoreError::NotFound)?;
            let old = key_by_id(tx, &org_id, &old_id)?.ok_or(StoreError::NotFound)?;
            Ok((new, old))
        })
        .await
    }

    async fn api_key_report_leak(
        &self,
        org_id: &str,
        id: &str,
        leak: KeyLeak,
        audit: AuditEvent,
    ) -> Result<ApiKeyRecord> {
        let (org_id, id) = (org_id.to_string(), id.to_string());
        self.write_audited(org_id.clone(), leak.at, audit, move |tx| {
            let key = key_by_id(tx, &org_id, &id)?.ok_or(StoreError::NotFound)?;
            // Only a key that still works changes: of many reports of one key, one
            // revokes (and is audited, and mails); the others find it done.
            if !key.lifetime().usable(leak.at) || key.quarantined_at.is_some() {
                return Err(StoreError::Conflict(
                    "the key no longer works (already revoked, expired or quarantined)".into(),
                ));
            }
            let n = tx.execute(
                "UPDATE api_keys SET leaked_at = ?3, leak_source = ?4,
                    revoked_at = CASE WHEN ?5 = 1 THEN ?3 ELSE revoked_at END,
                    quarantined_at = CASE WHEN ?5 = 1 THEN quarantined_at ELSE ?3 END
                 WHERE org_id = ?1 AND id = ?2 AND revoked_at IS NULL AND quarantined_at IS NULL",
                params![org_id, id, leak.at, leak.source, leak.revoke],
            )?;
            if n == 0 {
                return Err(StoreError::Conflict("the key no longer works".into()));
            }
            key_by_id(tx, &org_id, &id)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn api_key_mark_leaked(
        &self,
        org_id: &str,
        id: &str,
        at: UnixTime,
        source: &str,
    ) -> Result<ApiKeyRecord> {
        let (org_id, id, source) = (org_id.to_string(), id.to_string(), source.to_string());
        self.write(move |tx| {
            tx.execute(
                "UPDATE api_keys SET leaked_at = COALESCE(leaked_at, ?3),
                    leak_source = COALESCE(leak_source, ?4)
                 WHERE org_id = ?1 AND id = ?2",
                params![org_id, id, at, source],
            )?;
            key_by_id(tx, &org_id, &id)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn api_key_usage_flush(&self, usage: Vec<KeyUsage>) -> Result<()> {
        if usage.is_empty() {
            return Ok(());
        }
        self.write(move |c| {
            let tx = c;
            {
                for u in &usage {
                    if u.requests > 0 {
                        tx.execute(
                            KEY_USED_SQL,
                            params![
                                u.key_id,
                                u.requests,
                                u.last_used_at,
                                u.last_used_ip,
                                u.browser_requests,
                                u.browser_last_at,
                                u.browser_origin,
                            ],
                        )?;
                    } else if u.browser_requests > 0 {
                        // Refused browser requests: recorded, but not "used".
                        tx.execute(
                            "UPDATE api_keys SET browser_count = browser_count + ?2,
                                browser_last_at = GREATEST(browser_last_at, ?3),
                                browser_origin = COALESCE(?4, browser_origin)
                             WHERE id = ?1",
                            params![
                                u.key_id,
                                u.browser_requests,
                                u.browser_last_at,
                                u.browser_origin
                            ],
                        )?;
                    }
                    if u.throttled > 0 {
                        tx.execute(
                            "UPDATE api_keys SET throttled_count = throttled_count + ?2,
                                throttled_last_at = GREATEST(throttled_last_at, ?3)
                             WHERE id = ?1",
                            params![u.key_id, u.throttled, u.throttled_last_at],
                        )?;
                    }
                    for (ip, n, first, last) in &u.sources {
                        tx.execute(KEY_SOURCE_SQL, params![u.key_id, ip, first, last, n])?;
                    }
                    for (hour, n) in u.hourly.iter().filter(|(_, n)| *n > 0) {
                        tx.execute(KEY_HOUR_SQL, params![u.key_id, hour, n])?;
                    }
                }
            }
            Ok(())
        })
        .await
    }

    async fn api_key_usage_hours(
        &self,
        org_id: &str,
        key_ids: &[String],
        since: UnixTime,
    ) -> Result<Vec<KeyHourRecord>> {
        let (org_id, key_ids) = (org_id.to_string(), key_ids.to_vec());
        self.read(move |c| {
            let mut args: Vec<Value> = vec![org_id.to_value(), since.to_value()];
            let scope = id_list(" AND h.key_id IN", &key_ids, &mut args);
            c.query_map(
                &format!(
                    "SELECT h.key_id, h.hour, h.count
                     FROM api_key_usage_hourly h JOIN api_keys k ON k.id = h.key_id
                     WHERE k.org_id = ? AND h.hour >= ?{scope}
                     ORDER BY h.key_id, h.hour"
                ),
                &args,
                |r| {
                    Ok(KeyHourRecord {
                        key_id: r.get(0)?,
                        hour: r.get(1)?,
                        count: r.get(2)?,
                    })
                },
            )
        })
        .await
    }

    async fn api_keys_sources(
        &self,
        org_id: &str,
        key_ids: &[String],
    ) -> Result<Vec<KeySourceRecord>> {
        let (org_id, key_ids) = (org_id.to_string(), key_ids.to_vec());
        self.read(move |c| {
            let mut args: Vec<Value> = vec![org_id.to_value()];
            let scope = id_list(" AND s.key_id IN", &key_ids, &mut args);
            c.query_map(
                &format!(
                    "SELECT s.key_id, s.ip, s.first_seen, s.last_seen, s.count
                     FROM api_key_sources s JOIN api_keys k ON k.id = s.key_id
                     WHERE k.org_id = ? AND k.revoked_at IS NULL{scope}
                     ORDER BY s.key_id, s.last_seen DESC, s.ip"
                ),
                &args,
                |r| {
                    Ok(KeySourceRecord {
                        key_id: r.get(0)?,
                        ip: r.get(1)?,
                        first_seen: r.get(2)?,
                        last_seen: r.get(3)?,
                        count: r.get(4)?,
                    })
                },
            )
        })
        .await
    }

    async fn api_key_usage_prune(&self, before: UnixTime) -> Result<u64> {
        self.write(move |c| {
            let n = c.execute(
                "DELETE FROM api_key_usage_hourly WHERE hour < ?1",
                params![before],
            )?;
            Ok(u64::try_from(n).unwrap_or_default())
        })
        .await
    }
}

/// `prefix (?, ?, ...)` for `ids`, their values appended to `args`; nothing for no ids (every
/// key of the org).
fn id_list(prefix: &str, ids: &[String], args: &mut Vec<Value>) -> String {
    if ids.is_empty() {
        return String::new();
    }
    args.extend(ids.iter().map(|i| i.to_value()));
    format!("{prefix} ({})", vec!["?"; ids.len()].join(", "))
}
