//! Ingestion keys: create, list, show, update, rotate, revoke (SPEC flow 9, SECURITY.md G).
//!
//! The secret exists in plain text only in the create/rotate response; the store keeps an
//! HMAC under a pepper derived from the master key. Every change updates the key cache
//! after its transaction commits and before the response, so revocation takes effect on
//! the very next request.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::state::AppState;
use crate::wire::api_key_json;
use wt_api::{
    ApiKey, ApiKeyCreateRequest, ApiKeyCreated, ApiKeyDetail, ApiKeyListQuery, ApiKeyRotateRequest,
    ApiKeyRotated, ApiKeyUpdateRequest, ApiKeyUsage, KeySource, KeyVerifyCode, KeyVerifyRequest,
    KeyVerifyResponse, Page, Scope,
};
use wt_core::apikey;
use wt_core::audit::{AuditEvent, actions};
use wt_core::clock::{parse_rfc3339, rfc3339};
use wt_core::ids;
use wt_core::permissions::Permission;
use wt_store::{ApiKeyPatch, KeyListQuery, NewApiKey};

/// Most CIDRs on one key.
pub const MAX_KEY_CIDRS: usize = 64;

fn validate_key_name(raw: &str) -> Result<String, ApiError> {
    let n = ids::validate_name(raw).map_err(|e| ApiError::Validation(e.to_string()))?;
    if n.chars().count() > 100 {
        return Err(ApiError::Validation(
            "name is longer than 100 characters".into(),
        ));
    }
    Ok(n)
}

/// Normalises a key's CIDR list (deduplicated, order kept).
pub fn normalize_cidrs(raw: &[String], max: usize) -> Result<Vec<String>, ApiError> {
    if raw.len() > max {
        return Err(ApiError::Validation(format!(
            "at most {max} CIDRs per list"
        )));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for c in raw {
        let net =
            wt_core::netaddr::parse_cidr(c).map_err(|e| ApiError::Validation(e.to_string()))?;
        let s = net.to_string();
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out)
}

/// The member of the caller's org with this email (the key's rotation owner).
async fn owner_id(state: &AppState, auth: &Auth, email: &str) -> Result<String, ApiError> {
    let email = ids::normalize_email(email)
        .map_err(|e| ApiError::Validation(format!("owner_email: {e}")))?;
    let found = state.store.user_for_login(&email).await?;
    found
        .filter(|c| !c.user.disabled && c.memberships.iter().any(|(o, _)| o.id == auth.org.id))
        .map(|c| c.user.id)
        .ok_or_else(|| {
            ApiError::Validation(format!(
                "owner_email: {email} is not a member of this org (the owner must be an active member)"
            ))
        })
}

/// What a new key (or a rotation's successor) is made of.
struct KeySpec {
    name: String,
    environment: wt_api::Environment,
    owner_id: String,
    expires_at: Option<i64>,
    allowed_cidrs: Vec<String>,
}

/// Generates a secret for `spec`; returns the row to store and the secret to show once.
fn new_key(state: &AppState, auth: &Auth, spec: KeySpec, now: i64) -> (NewApiKey, String) {
    let KeySpec {
        name,
        environment,
        owner_id,
        expires_at,
        allowed_cidrs,
    } = spec;
    let secret = apikey::generate(environment);
    let s = secret.expose();
    let key = NewApiKey {
        id: ids::new_id("key"),
        org_id: auth.org.id.clone(),
        name,
        environment,
        secret_hash: crate::keycache::hash_hex(&state.caches.hash(s)),
        last4: s[s.len() - 4..].to_string(),
        owner_id,
        created_by: auth.user.id.clone(),
        created_at: now,
        expires_at,
        allowed_cidrs,
    };
    (key, s.to_string())
}

/// `POST /orgs/api-keys`.
pub async fn create(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    req: ApiKeyCreateRequest,
) -> Result<ApiKeyCreated, ApiError> {
    auth.require(Permission::KeysManage)?;
    let _serial = state.cache_writes.lock().await;
    let now = state.now();
    let name = validate_key_name(&req.name)?;
    let cidrs = normalize_cidrs(&req.allowed_cidrs, MAX_KEY_CIDRS)?;
    let expires_at = match &req.expires_at {
        None => None,
        Some(t) => {
            let at = parse_rfc3339(t).ok_or_else(|| {
                ApiError::Validation("expires_at must be an RFC 3339 time".into())
            })?;
            if at <= now {
                return Err(ApiError::Validation(
                    "expires_at must be in the future".into(),
                ));
            }
            Some(at)
        }
    };
    let owner = owner_id(state, auth, &req.owner_email).await?;
    let spec = KeySpec {
        name,
        environment: req.environment,
        owner_id: owner,
        expires_at,
        allowed_cidrs: cidrs,
    };
    let (key, secret) = new_key(state, auth, spec, now);
    let ev = AuditEvent::new(auth.actor(), actions::API_KEY_CREATED, &meta.audit())
        .target("api_key", &key.id)
        .details(serde_json::json!({
            "name": key.name,
            "environment": key.environment,
            "owner_id": key.owner_id,
            "allowed_cidrs": key.allowed_cidrs,
            "expires_at": key.expires_at.map(rfc3339),
        }));
    let rec = state.store.api_key_create(key, ev).await?;
    state.caches.put_key(&rec);
    Ok(ApiKeyCreated {
        key: api_key_json(&rec, &state.caches.pending(&rec.id), now),
        secret,
    })
}

/// The most keys a page may ask for (every listing's page maximum).
pub use wt_api::PAGE_MAX;

/// `GET /orgs/api-keys`: a page of the org's keys, newest first (every key without a
/// `limit`), each with its week of requests per hour and its sources with
/// `include=usage`. The console's list is this call.
pub async fn list(
    state: &AppState,
    auth: &Auth,
    q: ApiKeyListQuery,
) -> Result<Page<ApiKey>, ApiError> {
    auth.require(Permission::KeysRead)?;
    let with_usage = match q.include.as_deref() {
        None | Some("") => false,
        Some("usage") => true,
        Some(_) => {
            return Err(ApiError::Validation(
                "include: `usage` is the one value it takes".into(),
            ));
        }
    };
    let limit = match q.limit {
        None => None,
        Some(n @ 1..=PAGE_MAX) => Some(n),
        Some(_) => {
            return Err(ApiError::Validation(format!(
                "limit: 1 to {PAGE_MAX} keys a page"
            )));
        }
    };
    let now = state.now();
    let query = KeyListQuery {
        environment: q.environment,
        after: q.cursor.filter(|c| !c.is_empty()),
        // One more than the page: whether there is a next one.
        limit: limit.map_or(u32::MAX, |n| n + 1),
    };
    let (mut items, next_cursor) = {
        let _settled = state.caches.settled().await;
        let mut recs = state.store.api_keys_page(&auth.org.id, query).await?;
        let next = match limit {
            Some(n) if recs.len() > n as usize => {
                recs.truncate(n as usize);
                recs.last().map(|k| k.id.clone())
            }
            _ => None,
        };
        let items: Vec<ApiKey> = recs
            .iter()
            .map(|k| api_key_json(k, &state.caches.pending(&k.id), now))
            .collect();
        (items, next)
    };
    if with_usage && !items.is_empty() {
        let ids: Vec<&str> = items.iter().map(|k| k.id.as_str()).collect();
        let usage = usage_hours(state, auth, &ids).await?;
        let mut sources = sources_seen(state, auth, &ids).await?;
        for k in &mut items {
            k.usage = Some(ApiKeyUsage {
                hours_from: rfc3339(usage.first_hour),
                requests_per_hour: usage.of(&k.id),
                sources: sources.remove(&k.id).unwrap_or_default(),
            });
        }
    }
    Ok(Page { items, next_cursor })
}

/// `GET /orgs/api-keys/{id}`: the key and where it was used from.
pub async fn show(state: &AppState, auth: &Auth, id: &str) -> Result<ApiKeyDetail, ApiError> {
    auth.require(Permission::KeysRead)?;
    let now = state.now();
    let _settled = state.caches.settled().await;
    let rec = state
        .store
        .api_key_get(&auth.org.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut sources: Vec<KeySource> = state
        .store
        .api_key_sources(&rec.id)
        .await?
        .into_iter()
        .map(|s| KeySource {
            ip: s.ip,
            first_seen_at: rfc3339(s.first_seen),
            last_seen_at: rfc3339(s.last_seen),
            count: u64::try_from(s.count).unwrap_or_default(),
        })
        .collect();
    // Add what is not yet flushed.
    for (ip, n, first, last) in state.caches.pending(&rec.id).sources {
        match sources.iter_mut().find(|s| s.ip == ip) {
            Some(s) => {
                s.count += u64::try_from(n).unwrap_or_default();
                s.last_seen_at = rfc3339(last.max(parse_rfc3339(&s.last_seen_at).unwrap_or(0)));
            }
            None => sources.push(KeySource {
                ip,
                first_seen_at: rfc3339(first),
                last_seen_at: rfc3339(last),
                count: u64::try_from(n).unwrap_or_default(),
            }),
        }
    }
    sources.sort_by(|a, b| b.last_seen_at.cmp(&a.last_seen_at).then(a.ip.cmp(&b.ip)));
    Ok(ApiKeyDetail {
        key: api_key_json(&rec, &state.caches.pending(&rec.id), now),
        sources,
    })
}

/// `PATCH /orgs/api-keys/{id}`.
pub async fn update(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
    req: ApiKeyUpdateRequest,
) -> Result<ApiKey, ApiError> {
    auth.require(Permission::KeysManage)?;
    let _serial = state.cache_writes.lock().await;
    let now = state.now();
    let patch = ApiKeyPatch {
        name: req.name.as_deref().map(validate_key_name).transpose()?,
        owner_id: match &req.owner_email {
            Some(e) => Some(owner_id(state, auth, e).await?),
            None => None,
        },
        allowed_cidrs: req
            .allowed_cidrs
            .as_deref()
            .map(|c| normalize_cidrs(c, MAX_KEY_CIDRS))
            .transpose()?,
        rate: parse_rate(req.rate.as_deref(), req.burst)?,
        release: req.release.unwrap_or(false),
    };
    let ev = AuditEvent::new(auth.actor(), actions::API_KEY_UPDATED, &meta.audit())
        .target("api_key", id)
        .details(serde_json::json!({
            "name": patch.name,
            "owner_id": patch.owner_id,
            "allowed_cidrs": patch.allowed_cidrs,
            "rate_limit": patch.rate.map(|r| r.map(|r| r.rate_str())),
            "burst": patch.rate.and_then(|r| r.map(|r| r.burst)),
            "released": patch.release,
        }));
    let _settled = state.caches.settled().await;
    let rec = state
        .store
        .api_key_update(&auth.org.id, id, patch, ev, now)
        .await?;
    state.caches.put_key(&rec);
    Ok(api_key_json(&rec, &state.caches.pending(&rec.id), now))
}

/// A rate limit from the wire: `None` = unchanged, `Some(None)` = removed (`none`).
pub fn parse_rate(
    rate: Option<&str>,
    burst: Option<u32>,
) -> Result<Option<Option<wt_core::ratelimit::KeyRate>>, ApiError> {
    match rate.map(str::trim) {
        None if burst.is_some() => Err(ApiError::Validation(
            wt_core::ratelimit::RateError::BurstWithoutRate.to_string(),
        )),
        None => Ok(None),
        Some("none") if burst.is_some() => {
            Err(ApiError::Validation("burst: not with rate none".into()))
        }
        Some("none") => Ok(Some(None)),
        Some(r) => wt_core::ratelimit::KeyRate::parse(r, burst)
            .map(|r| Some(Some(r)))
            .map_err(|e| ApiError::Validation(e.to_string())),
    }
}

/// `DELETE /orgs/api-keys/{id}`: revocation, effective on the next request.
pub async fn revoke(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
) -> Result<(), ApiError> {
    auth.require(Permission::KeysManage)?;
    let _serial = state.cache_writes.lock().await;
    let ev = AuditEvent::new(auth.actor(), actions::API_KEY_REVOKED, &meta.audit())
        .target("api_key", id);
    let rec = state
        .store
        .api_key_revoke(&auth.org.id, id, state.now(), ev)
        .await?;
    state.caches.put_key(&rec);
    Ok(())
}

/// `POST /orgs/api-keys/{id}/rotate`: a successor with the same environment, owner and
/// allowlist; the old key keeps working until now + grace (never beyond its expiry).
pub async fn rotate(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
    req: ApiKeyRotateRequest,
) -> Result<ApiKeyRotated, ApiError> {
    auth.require(Permission::KeysManage)?;
    let _serial = state.cache_writes.lock().await;
    let now = state.now();
    let grace = req.grace_seconds.unwrap_or(apikey::DEFAULT_GRACE_SECONDS);
    if grace > apikey::MAX_GRACE_SECONDS {
        return Err(ApiError::Validation(format!(
            "grace_seconds: at most {} (30 days)",
            apikey::MAX_GRACE_SECONDS
        )));
    }
    let old = state
        .store
        .api_key_get(&auth.org.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let life = old.lifetime();
    let grace_until = life.grace_end(now, grace);
    let spec = KeySpec {
        name: old.name.clone(),
        environment: old.environment,
        owner_id: old.owner_id.clone(),
        expires_at: old.expires_at,
        allowed_cidrs: old.allowed_cidrs.clone(),
    };
    let (successor, secret) = new_key(state, auth, spec, now);
    let ev = AuditEvent::new(auth.actor(), actions::API_KEY_ROTATED, &meta.audit())
        .target("api_key", id)
        .details(serde_json::json!({
            "previous_id": id,
            "new_id": successor.id,
            "grace_seconds": grace,
            "previous_expires_at": rfc3339(grace_until.max(now)),
        }));
    let (new, old) = state
        .store
        .api_key_rotate(&auth.org.id, id, successor, grace_until, ev)
        .await?;
    state.caches.put_key(&new);
    state.caches.put_key(&old);
    Ok(ApiKeyRotated {
        key: api_key_json(&new, &state.caches.pending(&new.id), now),
        secret,
        previous_id: old.id.clone(),
        previous_expires_at: rfc3339(old.revoked_at.or(old.grace_until).unwrap_or(now)),
    })
}

/// Hours the usage charts cover: the current hour and the 167 before it (7 days).
pub const CHART_HOURS: usize = 168;

/// Requests per hour of some keys over the last [`CHART_HOURS`] hours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageHours {
    /// The start of the first (oldest) hour; the last is the current hour.
    pub first_hour: i64,
    /// Key id -> one count per hour, oldest first ([`CHART_HOURS`] of them); keys with no
    /// request in the window are absent.
    pub counts: std::collections::HashMap<String, Vec<u64>>,
}

impl UsageHours {
    /// The counts of one key (zeros when it had no request in the window).
    pub fn of(&self, key_id: &str) -> Vec<u64> {
        self.counts
            .get(key_id)
            .cloned()
            .unwrap_or_else(|| vec![0; CHART_HOURS])
    }
}

/// Requests per hour of the org's keys `key_ids` (stored, plus what is not yet flushed),
/// for the console's charts. Ids of other orgs' keys count nothing.
pub async fn usage_hours(
    state: &AppState,
    auth: &Auth,
    key_ids: &[&str],
) -> Result<UsageHours, ApiError> {
    auth.require(Permission::KeysRead)?;
    let now = state.now();
    let hours = i64::try_from(CHART_HOURS).unwrap_or(168);
    let first_hour = crate::keycache::hour_of(now) - (hours - 1) * 3600;
    let mut counts: std::collections::HashMap<String, Vec<u64>> = Default::default();
    let mut add = |id: &str, hour: i64, n: i64| {
        let Ok(i) = usize::try_from((hour - first_hour) / 3600) else {
            return;
        };
        if hour < first_hour || i >= CHART_HOURS || n <= 0 {
            return;
        }
        let row = counts
            .entry(id.to_string())
            .or_insert_with(|| vec![0; CHART_HOURS]);
        row[i] += u64::try_from(n).unwrap_or_default();
    };
    if key_ids.is_empty() {
        return Ok(UsageHours { first_hour, counts });
    }
    let _settled = state.caches.settled().await;
    let ids: Vec<String> = key_ids.iter().map(|id| (*id).to_string()).collect();
    for h in state
        .store
        .api_key_usage_hours(&auth.org.id, &ids, first_hour)
        .await?
    {
        add(&h.key_id, h.hour, h.count);
    }
    for id in key_ids {
        let ours = state
            .caches
            .key_by_id(id)
            .is_some_and(|k| *k.org_id == *auth.org.id);
        if ours {
            for (hour, n) in state.caches.pending(id).hourly {
                add(id, hour, n);
            }
        }
    }
    Ok(UsageHours { first_hour, counts })
}

/// The addresses each of the org's unrevoked keys was used from, most recent first
/// (stored, plus what is not yet flushed), for the console's list; a revoked key's are on
/// its own page (`show`).
pub async fn sources_seen(
    state: &AppState,
    auth: &Auth,
    key_ids: &[&str],
) -> Result<std::collections::HashMap<String, Vec<String>>, ApiError> {
    auth.require(Permission::KeysRead)?;
    if key_ids.is_empty() {
        return Ok(Default::default());
    }
    let _settled = state.caches.settled().await;
    let mut seen: std::collections::HashMap<String, Vec<(i64, String)>> = Default::default();
    let ids: Vec<String> = key_ids.iter().map(|id| (*id).to_string()).collect();
    for s in state.store.api_keys_sources(&auth.org.id, &ids).await? {
        seen.entry(s.key_id).or_default().push((s.last_seen, s.ip));
    }
    for id in key_ids {
        let ours = state
            .caches
            .key_by_id(id)
            .is_some_and(|k| *k.org_id == *auth.org.id);
        if !ours {
            continue;
        }
        let list = seen.entry((*id).to_string()).or_default();
        for (ip, _, _, last) in state.caches.pending(id).sources {
            match list.iter_mut().find(|(_, known)| *known == ip) {
                Some(entry) => entry.0 = entry.0.max(last),
                None => list.push((last, ip)),
            }
        }
    }
    Ok(seen
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(id, mut v)| {
            v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            (id, v.into_iter().map(|(_, ip)| ip).collect())
        })
        .collect())
}

/// `POST /keys/verify`: ingestion's key check ([`crate::service::ingest::check_key`]) for a
/// service that verifies in code, with an automation token holding `keys:verify`. Only
/// the token's org's keys are found (another org's is `invalid_key`). The allowlists are
/// checked against `req.ip`; without one, against no address, so a key or org with an
/// allowlist is refused. A valid key's use is recorded as ingestion records it (coalesced,
/// no storage on this path), from `req.ip` or else the verifying service's address.
pub async fn verify(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    req: KeyVerifyRequest,
) -> Result<KeyVerifyResponse, ApiError> {
    auth.require_scope(Scope::KeysVerify)?;
    let ip = match req.ip.as_deref() {
        None => None,
        Some(s) => Some(wt_core::netaddr::normalize_ip(s.trim().parse().map_err(
            |_| ApiError::Validation("ip: an IPv4 or IPv6 address, without a port".into()),
        )?)),
    };
    let client = ClientMeta {
        ip: ip.unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)),
        user_agent: None,
    };
    let refused = |code| KeyVerifyResponse {
        valid: false,
        code: Some(code),
        org: None,
        environment: None,
        key_id: None,
        status: None,
        rate_limit: None,
        retry_after: None,
    };
    let checked = crate::service::ingest::check_key(
        state,
        req.key.trim(),
        &client,
        &axum::http::HeaderMap::new(),
        Some(&auth.org.id),
    )
    .await;
    let admitted = match checked {
        Ok(a) => a,
        Err(ApiError::InvalidKey) => return Ok(refused(KeyVerifyCode::InvalidKey)),
        Err(ApiError::IpNotAllowed) => return Ok(refused(KeyVerifyCode::IpNotAllowed)),
        Err(ApiError::KeyThrottled { rate, retry_after }) => {
            return Ok(KeyVerifyResponse {
                rate_limit: Some(budget_json(rate, 0)),
                retry_after: Some(retry_after),
                ..refused(KeyVerifyCode::RateLimited)
            });
        }
        Err(e) => return Err(e),
    };
    let now = state.now();
    state
        .caches
        .record_use(&admitted.key, ip.unwrap_or(meta.ip), now);
    Ok(KeyVerifyResponse {
        valid: true,
        code: None,
        org: Some(admitted.org.slug.clone()),
        environment: Some(admitted.key.environment),
        key_id: Some(admitted.key.id.to_string()),
        status: Some(admitted.key.life().status(now)),
        rate_limit: admitted.budget.map(|(r, left)| budget_json(r, left)),
        retry_after: None,
    })
}

/// What is left of a key's rate limit, on the wire.
fn budget_json(rate: wt_core::ratelimit::KeyRate, remaining: u32) -> wt_api::RateBudget {
    wt_api::RateBudget {
        rate: rate.rate_str(),
        burst: rate.burst,
        remaining,
        reset_seconds: rate.reset_seconds(remaining),
    }
}
