//! The leaked-key kill switch (issue #27): a key found in public stops working on the
//! next request.
//!
//! - `POST /leaks/github` ([`partner_report`]): GitHub's secret-scanning partner posts the
//!   matches it found, signed (ECDSA P-256, `wt_core::leaks`). Each of our live keys is
//!   revoked (or quarantined, per org policy), its owner and the org's admins are mailed,
//!   and the answer labels every token `true_positive` / `false_positive`. A bad
//!   signature, an unknown key id, a replayed or oversized body change nothing.
//! - `POST /leaks/report` ([`self_report`]): anyone may report keys they found. Always
//!   202, with the same body and no lookup on the request's path (the work runs after the
//!   answer), so it never tells whether a key existed; rate-limited per address.
//! - `POST /orgs/api-keys/leaked` ([`leaked`], `wt keys leaked`): the incident runbook for
//!   an admin holding the secret: rotate to a successor with no grace, mark it leaked,
//!   audit, notify, print the new secret.
//!
//! Replay protection keeps the digests of signed reports in memory (per daemon), for
//! [`REPLAY_WINDOW`]. Memory and not the store: a replay can only repeat what the report
//! already did (its keys were revoked the first time; revocation is once-only in the store,
//! `api_key_report_leak`), so the set only saves work and noise; a replay to another
//! replica finds the keys already revoked. With `quarantine`, a replay after an admin
//! released a key on another replica would quarantine it again: a safe failure.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::state::AppState;
use axum::http::HeaderMap;
use governor::clock::DefaultClock;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;
use wt_core::apikey;
use wt_core::audit::{Actor, AuditEvent, actions};
use wt_core::leaks::{self, Label, LeakPolicy, TokenLabel};
use wt_core::permissions::{Permission, Role};
use wt_store::{ApiKeyRecord, KeyLeak, OrgRecord, StoreError};

/// How long a signed report's digest is remembered.
pub const REPLAY_WINDOW: i64 = 7 * 86_400;
/// Most digests remembered; when full, expired ones go, then the oldest half.
pub const MAX_SEEN: usize = 100_000;
/// Self-reports per address: a burst of this many, then one per [`SELF_REPORT_EVERY`].
pub const SELF_REPORT_BURST: u32 = 10;
pub const SELF_REPORT_EVERY: Duration = Duration::from_secs(360);
/// Addresses tracked by the self-report limit before idle ones are forgotten.
const MAX_TRACKED_ADDRESSES: usize = 100_000;
/// The signature headers of GitHub's partner program.
pub const HEADER_KEY_ID: &str = "github-public-key-identifier";
pub const HEADER_SIGNATURE: &str = "github-public-key-signature";

/// Memory of the kill switch: signed reports seen, self-reports per address.
pub struct SeenReports {
    /// Body digest -> when it was first received.
    seen: Mutex<HashMap<String, i64>>,
    /// Self-reports per client address (GCRA).
    per_address: RateLimiter<IpAddr, HashMapStateStore<IpAddr>, DefaultClock>,
}

impl std::fmt::Debug for SeenReports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeenReports").finish_non_exhaustive()
    }
}

impl Default for SeenReports {
    fn default() -> Self {
        let quota = Quota::with_period(SELF_REPORT_EVERY)
            .unwrap_or_else(|| Quota::per_hour(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(SELF_REPORT_BURST).unwrap_or(NonZeroU32::MIN));
        Self {
            seen: Mutex::default(),
            per_address: RateLimiter::hashmap(quota),
        }
    }
}

impl SeenReports {
    /// Records `digest` at `now`; false when it was already seen within the window.
    fn first_time(&self, digest: &str, now: i64) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(at) = seen.get(digest)
            && *at > now - REPLAY_WINDOW
        {
            return false;
        }
        if seen.len() >= MAX_SEEN {
            seen.retain(|_, at| *at > now - REPLAY_WINDOW);
            if seen.len() >= MAX_SEEN {
                let mut times: Vec<i64> = seen.values().copied().collect();
                times.sort_unstable();
                let cut = times[times.len() / 2];
                seen.retain(|_, at| *at > cut);
            }
        }
        seen.insert(digest.to_string(), now);
        true
    }

    /// Forgets `digest` (its report failed: a retry must be processed).
    fn forget(&self, digest: &str) {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(digest);
    }

    /// Whether `ip` may self-report now.
    fn admit(&self, ip: IpAddr) -> Result<(), u64> {
        if self.per_address.len() > MAX_TRACKED_ADDRESSES {
            self.per_address.retain_recent();
        }
        self.per_address.check_key(&ip).map_err(|n| {
            wt_core::ratelimit::retry_after_seconds(
                n.wait_time_from(governor::clock::Clock::now(&DefaultClock::default())),
            )
        })
    }
}

/// What a report did to one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not one of our keys (format, checksum or unknown).
    NotOurs,
    /// One of our keys that no longer worked (revoked, expired, quarantined).
    AlreadyDead,
    Revoked,
    Quarantined,
}

impl Outcome {
    fn label(self) -> Label {
        match self {
            Outcome::NotOurs => Label::FalsePositive,
            _ => Label::TruePositive,
        }
    }
}

async fn org_of(state: &AppState, org_id: &str) -> Result<Option<OrgRecord>, ApiError> {
    Ok(state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .find(|o| o.id == org_id))
}

/// Mails the key's owner and the org's owners and admins that the key was reported.
async fn notify(state: &AppState, org: &OrgRecord, key: &ApiKeyRecord, what: &str, url: &str) {
    let mut to = vec![key.owner_email.clone()];
    match state.store.members_list(&org.id).await {
        Ok(members) => {
            for m in members {
                if matches!(m.role, Role::Owner | Role::Admin)
                    && !m.user.disabled
                    && !to.contains(&m.user.email)
                {
                    to.push(m.user.email);
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not list admins to notify of a leaked key"),
    }
    let place = if url.is_empty() {
        String::new()
    } else {
        format!("It was found at {url}\n\n")
    };
    let body = format!(
        "Hello,\n\nThe ingestion key {name} ({id}, ending in {last4}) of the org {org} was \
         reported as leaked and has been {what}.\n\n{place}Requests with it are refused from \
         now on. Replace it where it is used: `wt keys create` (or `wt keys leaked` if you \
         hold the secret), and check where it was used from: `wt keys show {id}`.\n\n\
         -- WatchTower\n",
        name = key.name,
        id = key.id,
        last4 = key.last4,
        org = org.name,
    );
    for addr in to {
        if let Err(e) = crate::mailer::enqueue(
            state,
            Some(&org.id),
            &addr,
            &format!("WatchTower: ingestion key {} was leaked", key.name),
            body.clone(),
        )
        .await
        {
            tracing::warn!(error = %e, "could not queue a leaked-key notice");
        }
    }
    state.mail_wakeup.notify_one();
}

/// Revokes (or quarantines) the live key `presented`, if it is one of ours: audited as
/// `api_key.leaked` by `actor`, cached before returning, owner and admins mailed. Of many
/// concurrent reports of one key exactly one changes it.
pub async fn report_key(
    state: &AppState,
    presented: &str,
    source: &str,
    url: &str,
    actor: &Actor,
    meta: &ClientMeta,
) -> Result<Outcome, ApiError> {
    let presented = presented.trim();
    if apikey::parse(presented).is_err() {
        return Ok(Outcome::NotOurs);
    }
    state.fresh_caches().await?;
    let Some(key) = state.caches.key(&state.caches.hash(presented)) else {
        return Ok(Outcome::NotOurs);
    };
    let now = state.now();
    if !key.life().usable(now) || key.quarantined {
        return Ok(Outcome::AlreadyDead);
    }
    let Some(org) = org_of(state, &key.org_id).await? else {
        return Ok(Outcome::NotOurs);
    };
    let revoke = org.leak_policy == LeakPolicy::Revoke;
    let url: String = url.chars().take(512).collect();
    let ev = AuditEvent::new(actor.clone(), actions::API_KEY_LEAKED, &meta.audit())
        .target("api_key", &key.id)
        .details(serde_json::json!({
            "source": source,
            "url": url,
            "action": org.leak_policy.as_str(),
        }));
    let _serial = state.cache_writes.lock().await;
    let leak = KeyLeak {
        at: now,
        source: source.to_string(),
        revoke,
    };
    let rec = match state
        .store
        .api_key_report_leak(&key.org_id, &key.id, leak, ev)
        .await
    {
        Ok(rec) => rec,
        Err(StoreError::Conflict(_)) => return Ok(Outcome::AlreadyDead),
        Err(StoreError::NotFound) => return Ok(Outcome::NotOurs),
        Err(e) => return Err(e.into()),
    };
    state.caches.put_key(&rec);
    drop(_serial);
    tracing::warn!(key = %rec.id, org = %org.slug, %source, "a leaked ingestion key was {}",
        if revoke { "revoked" } else { "quarantined" });
    notify(
        state,
        &org,
        &rec,
        if revoke { "revoked" } else { "quarantined" },
        &url,
    )
    .await;
    Ok(if revoke {
        Outcome::Revoked
    } else {
        Outcome::Quarantined
    })
}

/// `POST /leaks/github`: a signed report of GitHub's secret-scanning partner program.
pub async fn partner_report(
    state: &AppState,
    headers: &HeaderMap,
    meta: &ClientMeta,
    body: &[u8],
) -> Result<Vec<TokenLabel>, ApiError> {
    let Some(keys) = state.settings.leak_partner_keys.clone() else {
        return Err(ApiError::NotFound);
    };
    if body.len() > leaks::MAX_REPORT_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(key_id), Some(signature)) = (header(HEADER_KEY_ID), header(HEADER_SIGNATURE)) else {
        return Err(ApiError::Unauthenticated);
    };
    if let Err(e) = keys.verify(key_id, signature, body) {
        tracing::warn!(reason = %e, ip = %meta.ip, "a secret-scanning report was refused");
        return Err(ApiError::Unauthenticated);
    }
    let now = state.now();
    let digest = wt_core::token::digest(body);
    if !state.leak_reports.first_time(&digest, now) {
        return Err(ApiError::Conflict(
            "this report was already received (replay)".into(),
        ));
    }
    let report = match leaks::parse_report(body) {
        Ok(r) => r,
        Err(e) => {
            state.leak_reports.forget(&digest);
            return Err(ApiError::Malformed(e.to_string()));
        }
    };
    let actor = Actor::reporter("github");
    let mut out = Vec::with_capacity(report.len());
    for t in report {
        let source = format!("github:{}", t.source.chars().take(64).collect::<String>());
        let outcome = match report_key(state, &t.token, &source, &t.url, &actor, meta).await {
            Ok(o) => o,
            Err(e) => {
                state.leak_reports.forget(&digest);
                return Err(e);
            }
        };
        out.push(TokenLabel {
            token_raw: t.token,
            token_type: t.token_type,
            label: outcome.label(),
        });
    }
    Ok(out)
}

/// `POST /leaks/report`: someone found keys. Checked for shape and the address's budget,
/// then answered; the keys are looked up and revoked after the answer, so the answer
/// (status, body, time) is the same whether or not any key existed.
pub async fn self_report(state: &AppState, meta: &ClientMeta, body: &[u8]) -> Result<(), ApiError> {
    state
        .leak_reports
        .admit(meta.ip)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    let report = leaks::parse_self_report(body).map_err(ApiError::Validation)?;
    let state = state.clone();
    let meta = meta.clone();
    tokio::spawn(async move {
        let actor = Actor::reporter("self_report");
        let url = report.url.unwrap_or_default();
        for k in &report.keys {
            if let Err(e) = report_key(&state, k, "self_report", &url, &actor, &meta).await {
                tracing::warn!(error = %e, "a self-reported key could not be processed");
            }
        }
    });
    Ok(())
}

/// `POST /orgs/api-keys/leaked` (`wt keys leaked`): for each secret, one of this org's
/// keys: rotate with no grace (the old key is revoked now; the successor keeps name,
/// environment, owner, allowlist and limit), mark it leaked, audit (`api_key.rotated`
/// then `api_key.leaked`), notify the owner and admins. A secret that is not one of the
/// org's usable keys is an error naming its position (nothing is revealed about other
/// orgs: their keys are "not found" too).
pub async fn leaked(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    secrets: &[String],
) -> Result<Vec<wt_api::ApiKeyRotated>, ApiError> {
    auth.require(Permission::KeysManage)?;
    if secrets.is_empty() || secrets.len() > leaks::MAX_SELF_REPORT_KEYS {
        return Err(ApiError::Validation(format!(
            "keys: 1 to {} secrets",
            leaks::MAX_SELF_REPORT_KEYS
        )));
    }
    state.fresh_caches().await?;
    let mut ids = Vec::with_capacity(secrets.len());
    for (i, s) in secrets.iter().enumerate() {
        let s = s.trim();
        let found = apikey::parse(s)
            .ok()
            .and_then(|_| state.caches.key(&state.caches.hash(s)))
            .filter(|k| *k.org_id == *auth.org.id);
        match found {
            Some(k) => ids.push(k.id.to_string()),
            None => {
                return Err(ApiError::Validation(format!(
                    "keys[{i}]: not an ingestion key of this org"
                )));
            }
        }
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let rotated = crate::service::keys::rotate(
            state,
            auth,
            meta,
            &id,
            wt_api::ApiKeyRotateRequest {
                grace_seconds: Some(0),
            },
        )
        .await?;
        let now = state.now();
        let rec = state
            .store
            .api_key_mark_leaked(&auth.org.id, &id, now, "wt keys leaked")
            .await?;
        let ev = AuditEvent::new(auth.actor(), actions::API_KEY_LEAKED, &meta.audit())
            .target("api_key", &id)
            .details(serde_json::json!({
                "source": "wt keys leaked",
                "action": "rotated",
                "new_id": rotated.key.id,
            }));
        state.store.append_audit(&auth.org.id, ev, now).await?;
        notify(state, &auth.org, &rec, "revoked and replaced", "").await;
        out.push(rotated);
    }
    Ok(out)
}
