//! Audit sinks (`wt audit sinks`, issue 28 "Streaming to a SIEM"): add, list with their
//! lag, test, pause, resume, rotate a webhook's secret, remove. Delivery itself is the
//! background task in `crate::sinks`.
//!
//! Owners and admins only (`Permission::AuditSinksManage`); every change also needs a
//! recent sign-in (step-up), like the other security settings, since it decides where the
//! log leaves the installation or stops it from leaving, and is audited in its own
//! transaction. A webhook's signing secret is sealed with the master key (bound to the
//! sink id) and shown once, at creation or rotation; nothing else ever returns it.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::sinks::{self, SinkConfig};
use crate::state::AppState;
use wt_api::{
    AuditSink, AuditSinkCreateRequest, AuditSinkCreated, AuditSinkRotateRequest, AuditSinkSecret,
    AuditSinkTestResult,
};
use wt_core::audit::{AuditEvent, actions};
use wt_core::audit_sinks::{SinkKind, SinkTarget};
use wt_core::clock::{parse_rfc3339, rfc3339};
use wt_core::permissions::Permission;
use wt_store::AuditSinkRecord;

/// Sinks per org at most.
pub const MAX_SINKS: usize = 16;
/// Largest CA bundle a syslog sink keeps.
pub const MAX_CA_PEM: usize = 64 * 1024;
/// How long the previous webhook secret keeps signing after a rotation, by default.
pub const DEFAULT_OVERLAP: i64 = 86_400;
/// Longest overlap.
pub const MAX_OVERLAP: i64 = 30 * 86_400;

/// How far a sink is behind: entries and the age of the oldest one not yet accepted.
pub async fn lag(
    state: &AppState,
    s: &AuditSinkRecord,
    last_seq: i64,
) -> Result<(i64, i64), ApiError> {
    let oldest = if last_seq > s.delivered_seq {
        state
            .store
            .audit_entries(&s.org_id, s.delivered_seq, 1)
            .await?
            .first()
            .and_then(|e| parse_rfc3339(&e.occurred_at))
    } else {
        None
    };
    Ok(wt_core::audit_sinks::lag(
        last_seq,
        s.delivered_seq,
        oldest,
        state.now(),
    ))
}

/// The wire form of a sink, with its lag.
async fn sink_json(
    state: &AppState,
    s: &AuditSinkRecord,
    last_seq: i64,
) -> Result<AuditSink, ApiError> {
    let (lag_entries, lag_seconds) = lag(state, s, last_seq).await?;
    let config: SinkConfig = serde_json::from_str(&s.config).unwrap_or_default();
    let now = state.now();
    Ok(AuditSink {
        id: s.id.clone(),
        name: s.name.clone(),
        kind: s.kind.clone(),
        url: config.url,
        custom_ca: config.ca_pem.is_some(),
        client_cert: config.client_cert_pem.is_some(),
        paused: s.paused,
        delivered_seq: s.delivered_seq,
        last_seq,
        lag_entries,
        lag_seconds,
        last_success_at: s.last_success_at.map(rfc3339),
        last_error: s.last_error.clone(),
        last_error_at: s.last_error_at.map(rfc3339),
        failing_since: s.failing_since.map(rfc3339),
        next_attempt_at: (s.failures > 0 && s.next_attempt_at > now)
            .then(|| rfc3339(s.next_attempt_at)),
        previous_secret_until: s.previous_secret_until.filter(|t| *t > now).map(rfc3339),
        created_at: rfc3339(s.created_at),
        created_by: s.created_by.clone(),
    })
}

/// The org's sinks with their lag (also the readiness check's facts).
pub async fn facts(
    state: &AppState,
    org_id: &str,
) -> Result<Vec<(AuditSinkRecord, i64, i64)>, ApiError> {
    let sinks = state.store.audit_sinks_list(org_id).await?;
    if sinks.is_empty() {
        return Ok(Vec::new());
    }
    let last = state.store.audit_last_seq(org_id).await?;
    let mut out = Vec::with_capacity(sinks.len());
    for s in sinks {
        let (entries, secs) = lag(state, &s, last).await?;
        out.push((s, entries, secs));
    }
    Ok(out)
}

/// A sink of the caller's org by id or by name; 404 otherwise.
async fn find(
    state: &AppState,
    auth: &Auth,
    id_or_name: &str,
) -> Result<AuditSinkRecord, ApiError> {
    if let Some(s) = state.store.audit_sink_get(&auth.org.id, id_or_name).await? {
        return Ok(s);
    }
    state
        .store
        .audit_sinks_list(&auth.org.id)
        .await?
        .into_iter()
        .find(|s| s.name == id_or_name)
        .ok_or(ApiError::NotFound)
}

fn event(auth: &Auth, meta: &ClientMeta, action: &'static str, s: &AuditSinkRecord) -> AuditEvent {
    let url = serde_json::from_str::<SinkConfig>(&s.config)
        .map(|c| c.url)
        .unwrap_or_default();
    AuditEvent::new(auth.actor(), action, &meta.audit())
        .target("audit_sink", &s.id)
        .details(serde_json::json!({ "name": s.name, "kind": s.kind, "url": url }))
}

/// `GET /orgs/audit-sinks`.
pub async fn list(state: &AppState, auth: &Auth) -> Result<Vec<AuditSink>, ApiError> {
    auth.require(Permission::AuditSinksManage)?;
    let sinks = state.store.audit_sinks_list(&auth.org.id).await?;
    let last = state.store.audit_last_seq(&auth.org.id).await?;
    let mut out = Vec::with_capacity(sinks.len());
    for s in &sinks {
        out.push(sink_json(state, s, last).await?);
    }
    Ok(out)
}

/// `POST /orgs/audit-sinks`.
pub async fn add(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    req: AuditSinkCreateRequest,
) -> Result<AuditSinkCreated, ApiError> {
    auth.require(Permission::AuditSinksManage)?;
    let name = req.name.trim().to_string();
    wt_core::audit_sinks::validate_name(&name).map_err(|e| ApiError::Validation(e.to_string()))?;
    let kind = SinkKind::parse(&req.kind)
        .ok_or_else(|| ApiError::Validation("kind: webhook or syslog".into()))?;
    let target =
        SinkTarget::parse(kind, &req.url).map_err(|e| ApiError::Validation(e.to_string()))?;
    let ca_pem = match (req.ca_pem.as_deref().map(str::trim), &target) {
        (None | Some(""), _) => None,
        (
            Some(pem),
            SinkTarget::Syslog {
                transport: wt_core::audit_sinks::SyslogTransport::Tls,
                ..
            },
        ) => {
            if pem.len() > MAX_CA_PEM {
                return Err(ApiError::Validation("ca_pem: at most 64 KiB".into()));
            }
            sinks::syslog::parse_ca_pem(pem).map_err(ApiError::Validation)?;
            Some(pem.to_string())
        }
        (Some(_), _) => {
            return Err(ApiError::Validation(
                "ca_pem: only for a syslog sink over TLS (tls://...)".into(),
            ));
        }
    };
    let tls = matches!(
        target,
        SinkTarget::Syslog {
            transport: wt_core::audit_sinks::SyslogTransport::Tls,
            ..
        }
    );
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let client = match (
        nonempty(&req.client_cert_pem),
        nonempty(&req.client_key_pem),
    ) {
        (None, None) => None,
        (Some(cert), Some(key)) if tls => {
            if cert.len() > MAX_CA_PEM || key.len() > MAX_CA_PEM {
                return Err(ApiError::Validation(
                    "client_cert_pem, client_key_pem: at most 64 KiB each".into(),
                ));
            }
            sinks::syslog::parse_client_auth(&cert, key.as_bytes())
                .map_err(ApiError::Validation)?;
            Some((cert, zeroize::Zeroizing::new(key)))
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::Validation(
                "client_cert_pem: only for a syslog sink over TLS (tls://...)".into(),
            ));
        }
        _ => {
            return Err(ApiError::Validation(
                "client_cert_pem and client_key_pem go together".into(),
            ));
        }
    };
    let now = state.now();
    auth.require_step_up(now)?;
    if state.store.audit_sinks_list(&auth.org.id).await?.len() >= MAX_SINKS {
        return Err(ApiError::Validation(format!(
            "the org already has {MAX_SINKS} sinks: remove one first"
        )));
    }
    let id = wt_core::ids::new_id("snk");
    let secret = (kind == SinkKind::Webhook).then(wt_core::audit_sinks::new_webhook_secret);
    // What is sealed: the webhook's signing secret, or a TLS syslog sink's client key.
    let sealed = match (&secret, &client) {
        (Some(s), _) => Some(state.master_key.encrypt(s.as_bytes(), id.as_bytes())),
        (None, Some((_, key))) => Some(state.master_key.encrypt(key.as_bytes(), id.as_bytes())),
        (None, None) => None,
    };
    let config = SinkConfig {
        url: target.display(),
        ca_pem,
        client_cert_pem: client.as_ref().map(|(c, _)| c.clone()),
    };
    let delivered_seq = if req.from_start {
        0
    } else {
        state.store.audit_last_seq(&auth.org.id).await?
    };
    let rec = AuditSinkRecord {
        id: id.clone(),
        org_id: auth.org.id.clone(),
        kind: kind.as_str().into(),
        name,
        config: serde_json::to_string(&config).map_err(|e| ApiError::Internal(e.to_string()))?,
        secret: sealed,
        previous_secret: None,
        previous_secret_until: None,
        paused: false,
        delivered_seq,
        created_at: now,
        created_by: auth.user.email.clone(),
        last_success_at: None,
        last_error: None,
        last_error_at: None,
        failing_since: None,
        failures: 0,
        next_attempt_at: now,
        lease_holder: None,
        lease_until: None,
    };
    let ev = event(auth, meta, actions::AUDIT_SINK_CREATED, &rec).details(serde_json::json!({
        "name": rec.name,
        "kind": rec.kind,
        "url": config.url,
        "custom_ca": config.ca_pem.is_some(),
        "client_cert": config.client_cert_pem.is_some(),
        "from_seq": delivered_seq + 1,
    }));
    state.store.audit_sink_create(rec.clone(), ev).await?;
    let last = state.store.audit_last_seq(&auth.org.id).await?;
    Ok(AuditSinkCreated {
        sink: sink_json(state, &rec, last).await?,
        secret,
    })
}

/// `POST /orgs/audit-sinks/{id}/pause` and `/resume`.
pub async fn set_paused(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
    paused: bool,
) -> Result<AuditSink, ApiError> {
    auth.require(Permission::AuditSinksManage)?;
    let now = state.now();
    auth.require_step_up(now)?;
    let s = find(state, auth, id).await?;
    let action = if paused {
        actions::AUDIT_SINK_PAUSED
    } else {
        actions::AUDIT_SINK_RESUMED
    };
    let ev = event(auth, meta, action, &s);
    let s = state
        .store
        .audit_sink_set_paused(&auth.org.id, &s.id, paused, now, ev)
        .await?;
    let last = state.store.audit_last_seq(&auth.org.id).await?;
    sink_json(state, &s, last).await
}

/// `DELETE /orgs/audit-sinks/{id}`.
pub async fn remove(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
) -> Result<(), ApiError> {
    auth.require(Permission::AuditSinksManage)?;
    let now = state.now();
    auth.require_step_up(now)?;
    let s = find(state, auth, id).await?;
    let ev = event(auth, meta, actions::AUDIT_SINK_REMOVED, &s);
    state
        .store
        .audit_sink_remove(&auth.org.id, &s.id, now, ev)
        .await?;
    Ok(())
}

/// `POST /orgs/audit-sinks/{id}/rotate-secret`: a new webhook secret; the old one keeps
/// signing beside it for the overlap (two signatures per message).
pub async fn rotate_secret(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
    req: AuditSinkRotateRequest,
) -> Result<AuditSinkSecret, ApiError> {
    auth.require(Permission::AuditSinksManage)?;
    let overlap = req.overlap_seconds.unwrap_or(DEFAULT_OVERLAP);
    if !(0..=MAX_OVERLAP).contains(&overlap) {
        return Err(ApiError::Validation(
            "overlap_seconds: between 0 and 2592000 (30 days)".into(),
        ));
    }
    let now = state.now();
    auth.require_step_up(now)?;
    let s = find(state, auth, id).await?;
    if s.kind != SinkKind::Webhook.as_str() {
        return Err(ApiError::Validation(
            "only a webhook sink has a signing secret".into(),
        ));
    }
    let secret = wt_core::audit_sinks::new_webhook_secret();
    let sealed = state.master_key.encrypt(secret.as_bytes(), s.id.as_bytes());
    let ev = event(auth, meta, actions::AUDIT_SINK_SECRET_ROTATED, &s).details(serde_json::json!({
        "name": s.name,
        "overlap_seconds": overlap,
    }));
    let s = state
        .store
        .audit_sink_rotate_secret(&auth.org.id, &s.id, sealed, now + overlap, now, ev)
        .await?;
    let last = state.store.audit_last_seq(&auth.org.id).await?;
    Ok(AuditSinkSecret {
        sink: sink_json(state, &s, last).await?,
        secret,
    })
}

/// `POST /orgs/audit-sinks/{id}/test`: one test message now, outside the stream (no
/// `seq`, no cursor moved); the answer says whether the receiver took it. Audited.
pub async fn test(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
) -> Result<AuditSinkTestResult, ApiError> {
    auth.require(Permission::AuditSinksManage)?;
    let s = find(state, auth, id).await?;
    let started = std::time::Instant::now();
    let result = match sinks::prepare(state, &s, state.now()) {
        Ok(p) => sinks::send_test(state, &p).await,
        Err(e) => Err(e),
    };
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let error = result.err().map(|e| e.0);
    let ev = event(auth, meta, actions::AUDIT_SINK_TESTED, &s)
        .outcome(if error.is_none() {
            "success"
        } else {
            "failure"
        })
        .details(serde_json::json!({ "name": s.name, "error": error }));
    state
        .store
        .append_audit(&auth.org.id, ev, state.now())
        .await?;
    Ok(AuditSinkTestResult {
        ok: error.is_none(),
        error,
        elapsed_ms,
    })
}
