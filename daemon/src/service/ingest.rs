//! The ingest hot path (SPEC flow 10, SECURITY.md G): `POST /api/v1/ingest/events`, and
//! the same key check for a gateway in front of another pipeline (`/ingest/authorize`,
//! [`authorize`]) and for services that verify in code (`keys/verify`, [`check_key`]).
//!
//! Per request: parse and checksum the key (no lookup for look-alikes), one HMAC, one
//! hash-map lookup, the lifetime, org and key allowlist checks, the browser policy, then a
//! borrowed parse of the body. No argon2, no SQL for authentication, no lock across I/O.
//! Events are stored by the store's group commit (`Store::ingest`): whatever requests are
//! waiting go into one transaction, so under load one fsync serves many requests, and each
//! request is answered 202 only after its events are durable.

use crate::error::ApiError;
use crate::extract::ClientMeta;
use crate::keycache::{CachedKey, OrgPolicy};
use crate::state::AppState;
use axum::http::{HeaderMap, header};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::sync::Arc;
use wt_api::Environment;
use wt_core::apikey;
use wt_core::audit::{Actor, AuditEvent, actions};
use wt_store::{IngestBatch, IngestIdempotency, IngestOutcome};

/// Most events in one request.
pub const MAX_EVENTS: usize = 1_000;
/// Largest single event, in bytes of JSON.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// The request body, parsed without copying the events.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch<'a> {
    #[serde(borrow)]
    events: Vec<&'a RawValue>,
    #[serde(default)]
    environment: Option<Environment>,
    #[serde(default)]
    org: Option<String>,
}

/// Why a known key was refused (audit detail and subject of rate limiting).
#[derive(Debug, Clone, Copy)]
enum Refusal {
    Revoked,
    Expired,
    OrgAddress,
    KeyAddress,
    Browser,
    Environment,
    Quarantined,
}

impl Refusal {
    fn as_str(self) -> &'static str {
        match self {
            Refusal::Revoked => "revoked",
            Refusal::Expired => "expired",
            Refusal::OrgAddress => "ip_not_allowed_by_org",
            Refusal::KeyAddress => "ip_not_allowed_by_key",
            Refusal::Browser => "browser_not_allowed",
            Refusal::Environment => "environment_mismatch",
            Refusal::Quarantined => "quarantined",
        }
    }
}

/// Writes a (rate-limited) audit entry for a refused request with a known key.
async fn audit_refusal(state: &AppState, key: &CachedKey, meta: &ClientMeta, why: Refusal) {
    let now = state.now();
    let Some(suppressed) = state
        .denials
        .should_log(&format!("{}:{}", key.id, why.as_str()), now)
    else {
        return;
    };
    let ev = AuditEvent::new(
        Actor::api_key(&key.id),
        actions::API_KEY_DENIED,
        &meta.audit(),
    )
    .target("api_key", &key.id)
    .outcome("failure")
    .details(serde_json::json!({ "reason": why.as_str(), "suppressed_since_last": suppressed }));
    if let Err(e) = state.store.append_audit(&key.org_id, ev, now).await {
        tracing::warn!(error = %e, "could not audit a refused ingest request");
    }
}

/// The ingestion key from `Authorization: Bearer`, and nowhere else (G.51).
fn presented_key(headers: &HeaderMap) -> Result<&str, ApiError> {
    let v = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::Unauthenticated)?;
    let (scheme, key) = v.split_once(' ').ok_or(ApiError::Unauthenticated)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthenticated);
    }
    let key = key.trim();
    if key.starts_with(wt_core::token::SESSION_PREFIX) {
        return Err(ApiError::WrongCredential(
            "ingestion needs an ingestion key (wt keys create), not a session",
        ));
    }
    Ok(key)
}

/// How long an `Idempotency-Key` is remembered: a retry within this window stores nothing
/// again and gets the first answer.
pub const IDEMPOTENCY_WINDOW: i64 = 24 * 3600;

/// The request header that makes a batch idempotent.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// Longest idempotency key accepted.
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// What an accepted ingest request gets back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// Events stored (for a replay: by the first request with its idempotency key).
    pub count: u64,
    /// The request repeated an earlier one's idempotency key; nothing was stored again.
    pub replayed: bool,
    /// The key's rate limit and what is left (the `RateLimit*` headers).
    pub budget: Option<(wt_core::ratelimit::KeyRate, u32)>,
}

/// The request's `Idempotency-Key`, checked: 1 to 255 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    let key = v.to_str().unwrap_or_default();
    if key.is_empty()
        || key.len() > MAX_IDEMPOTENCY_KEY
        || !key.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(ApiError::Validation(format!(
            "Idempotency-Key: 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters (a UUID is a good choice)"
        )));
    }
    Ok(Some(key.to_string()))
}

/// A key that passed every check ingestion makes before it reads a body, with its org's
/// policy.
#[derive(Debug)]
pub struct Admitted {
    pub key: Arc<CachedKey>,
    pub org: Arc<OrgPolicy>,
    /// The key's rate limit and what is left of it after this request (`None`: no limit).
    pub budget: Option<(wt_core::ratelimit::KeyRate, u32)>,
}

/// The key check of a request (`POST /ingest/events`, `/ingest/authorize`): the key from
/// `Authorization: Bearer` only, then [`check_key`]. Fails closed (503) until the caches
/// are loaded.
pub async fn check_request(
    state: &AppState,
    headers: &HeaderMap,
    meta: &ClientMeta,
) -> Result<Admitted, ApiError> {
    if !state.caches.is_loaded() {
        return Err(ApiError::Unavailable("the daemon is starting"));
    }
    let presented = presented_key(headers)?;
    check_key(state, presented, meta, headers, None).await
}

/// The one key check behind ingestion, the gateway's authorize and `keys/verify`: format
/// and checksum (no lookup for look-alikes), one HMAC and one map lookup, the lifetime, the
/// org's allowed IPs, the key's CIDRs and the browser policy (from `headers`' `Origin` and
/// `meta`'s user agent), each refusal counted and (rate-limited) audited. `only_org`
/// limits the answer to one org's keys: another org's key is unknown, unaudited there.
/// No SQL, no argon2; usage is recorded by the caller on success.
pub async fn check_key(
    state: &AppState,
    presented: &str,
    meta: &ClientMeta,
    headers: &HeaderMap,
    only_org: Option<&str>,
) -> Result<Admitted, ApiError> {
    if !state.caches.is_loaded() {
        return Err(ApiError::Unavailable("the daemon is starting"));
    }
    if apikey::parse(presented).is_err() {
        state.metrics.ingest_rejected("malformed_key");
        return Err(ApiError::InvalidKey);
    }
    state.fresh_caches().await?;
    let Some(key) = state
        .caches
        .key(&state.caches.hash(presented))
        .filter(|k| only_org.is_none_or(|o| o == &*k.org_id))
    else {
        state.metrics.ingest_rejected("unknown_key");
        return Err(ApiError::InvalidKey);
    };
    let now = state.now();
    if !key.life().usable(now) {
        let why = if key.life().revoked_at.is_some() {
            Refusal::Revoked
        } else {
            Refusal::Expired
        };
        state.metrics.ingest_rejected(why.as_str());
        audit_refusal(state, &key, meta, why).await;
        return Err(ApiError::InvalidKey);
    }
    if key.quarantined {
        state.metrics.ingest_rejected(Refusal::Quarantined.as_str());
        audit_refusal(state, &key, meta, Refusal::Quarantined).await;
        return Err(ApiError::InvalidKey);
    }
    let org = state.caches.org(&key.org_id).unwrap_or_default();
    if !org.admits(meta.ip, now) {
        state.metrics.ingest_rejected(Refusal::OrgAddress.as_str());
        audit_refusal(state, &key, meta, Refusal::OrgAddress).await;
        return Err(ApiError::IpNotAllowed);
    }
    if !wt_core::netaddr::allows(&key.cidrs, meta.ip) {
        state.metrics.ingest_rejected(Refusal::KeyAddress.as_str());
        audit_refusal(state, &key, meta, Refusal::KeyAddress).await;
        return Err(ApiError::IpNotAllowed);
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    // An Origin header counts even when it is not valid UTF-8.
    let origin_sent = headers.contains_key(header::ORIGIN).then_some("");
    if apikey::from_browser(origin_sent, meta.user_agent.as_deref()) {
        // Always recorded against the key (the readiness check reads it), once per window
        // in the audit log as an exposure.
        state.caches.record_browser(&key, origin, now);
        if let Some(suppressed) = state
            .denials
            .should_log(&format!("{}:browser_use", key.id), now)
        {
            let ev = AuditEvent::new(
                Actor::api_key(&key.id),
                actions::API_KEY_BROWSER_USE,
                &meta.audit(),
            )
            .target("api_key", &key.id)
            .outcome(if org.browser_ingest_allowed {
                "success"
            } else {
                "failure"
            })
            .details(serde_json::json!({
                "origin": origin.map(|o| o.chars().take(256).collect::<String>()),
                "accepted": org.browser_ingest_allowed,
                "suppressed_since_last": suppressed,
            }));
            if let Err(e) = state.store.append_audit(&key.org_id, ev, now).await {
                tracing::warn!(error = %e, "could not audit browser use of a key");
            }
        }
        if !org.browser_ingest_allowed {
            state.metrics.ingest_rejected(Refusal::Browser.as_str());
            return Err(ApiError::BrowserNotAllowed);
        }
    }
    // Last, so only requests that would otherwise be admitted spend the budget.
    let rate = wt_core::ratelimit::effective(key.rate, org.key_rate);
    let decision = state.limits.check(&key.id, rate);
    if let crate::ratelimit::Decision::Throttled { rate, retry_after } = decision {
        state.metrics.ingest_rejected("rate_limited");
        state.caches.record_throttled(&key, now);
        return Err(ApiError::KeyThrottled { rate, retry_after });
    }
    Ok(Admitted {
        key,
        org,
        budget: decision.budget(),
    })
}

/// Who a gateway's request is, as `GET /api/v1/ingest/authorize` answers it (204 and the
/// `X-WT-*` headers).
#[derive(Debug, Clone)]
pub struct Authorized {
    pub org_slug: String,
    pub environment: Environment,
    pub key_id: String,
    /// The key's rate limit and what is left (the `RateLimit*` headers).
    pub budget: Option<(wt_core::ratelimit::KeyRate, u32)>,
}

/// The gateway's question (nginx `auth_request`, Envoy `ext_authz`, Traefik `forwardAuth`):
/// may this request's key send events from this address? Exactly ingestion's checks
/// ([`check_request`]), then usage is recorded as ingestion records it (coalesced in
/// memory, flushed with the rest): no storage on this path. Whatever method and body the
/// gateway forwards are ignored.
pub async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    meta: &ClientMeta,
) -> Result<Authorized, ApiError> {
    let Admitted { key, org, budget } = check_request(state, headers, meta).await?;
    state.caches.record_use(&key, meta.ip, state.now());
    Ok(Authorized {
        org_slug: org.slug.clone(),
        environment: key.environment,
        key_id: key.id.to_string(),
        budget,
    })
}

/// Checks the key and the request, stores the events (once per idempotency key), and
/// says how many were accepted.
pub async fn ingest(
    state: &AppState,
    headers: &HeaderMap,
    meta: &ClientMeta,
    body: &[u8],
) -> Result<Accepted, ApiError> {
    let Admitted { key, org, budget } = check_request(state, headers, meta).await?;
    let now = state.now();
    if !crate::extract::is_json_content_type(headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    // The fingerprint covers the key's environment too: a sandbox key reusing a
    // production batch's idempotency key is a conflict, never a replay.
    let environment = key.environment;
    let idempotency = idempotency_key(headers)?.map(|idempotency_key| IngestIdempotency {
        key: idempotency_key,
        fingerprint: wt_core::token::digest(
            &[environment.as_str().as_bytes(), b"\n", body].concat(),
        ),
        remembered_since: now - IDEMPOTENCY_WINDOW,
    });
    let batch: Batch<'_> = serde_json::from_slice(body)
        .map_err(|e| ApiError::Malformed(crate::extract::describe_json_error(&e)))?;
    if batch.environment.is_some_and(|e| e != key.environment)
        || batch.org.as_deref().is_some_and(|o| o != org.slug)
    {
        audit_refusal(state, &key, meta, Refusal::Environment).await;
        return Err(ApiError::EnvironmentMismatch(format!(
            "this is a {} key of another org or environment than the batch names",
            key.environment
        )));
    }
    if batch.events.is_empty() {
        return Err(ApiError::Validation(
            "events: send at least one event".into(),
        ));
    }
    if batch.events.len() > MAX_EVENTS {
        return Err(ApiError::BatchTooLarge(format!(
            "{} events in one request; the limit is {MAX_EVENTS}: split the batch",
            batch.events.len()
        )));
    }
    let mut events = Vec::with_capacity(batch.events.len());
    for (i, e) in batch.events.iter().enumerate() {
        let text = e.get();
        if !text.starts_with('{') {
            return Err(ApiError::Validation(format!(
                "events[{i}]: each event must be a JSON object"
            )));
        }
        if text.len() > MAX_EVENT_BYTES {
            return Err(ApiError::BatchTooLarge(format!(
                "events[{i}] is {} bytes; the limit is {MAX_EVENT_BYTES}",
                text.len()
            )));
        }
        events.push(text.to_owned());
    }

    let job = IngestBatch {
        org_id: key.org_id.to_string(),
        key_id: key.id.to_string(),
        environment: key.environment,
        received_at: now,
        events,
        idempotency,
    };
    let (count, replayed) = match state.store.ingest(job).await? {
        IngestOutcome::Stored(n) => (n, false),
        IngestOutcome::Replayed(n) => (n, true),
        IngestOutcome::KeyReused => return Err(ApiError::IdempotencyKeyReused),
    };
    // Last-used only moves on success (G.52), and only after the events are durable.
    state.caches.record_use(&key, meta.ip, now);
    if !replayed {
        state.metrics.ingest_accepted(count);
    }
    Ok(Accepted {
        count,
        replayed,
        budget,
    })
}

/// Forgets idempotency keys past their window, every few minutes until shutdown.
pub async fn run_idempotency_purger(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let before = state.now() - IDEMPOTENCY_WINDOW;
                if let Err(e) = state.store.ingest_idempotency_purge(before).await {
                    tracing::warn!(error = %e, "could not purge old idempotency keys");
                }
            }
            _ = state.shutdown_requested() => break,
        }
    }
}
