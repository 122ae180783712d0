//! The org's allowed-IP list (SPEC flow 11, SECURITY.md H): list, add, remove, dry run.
//!
//! Edits need owner/admin and a recent sign-in (step-up), are audited, and are refused
//! when the resulting list would exclude the caller's own address unless forced. After each
//! edit the org's policy in the cache is replaced before the response, so the next request
//! is checked against the new list.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::state::AppState;
use crate::wire::allowed_ip_json;
use ipnet::IpNet;
use std::net::IpAddr;
use wt_api::{
    AllowedIp, AllowedIpCheckRequest, AllowedIpCheckResponse, AllowedIpCreateRequest, CutOffKey,
    CutOffSession,
};
use wt_core::audit::{AuditEvent, actions};
use wt_core::clock::rfc3339;
use wt_core::ids;
use wt_core::permissions::Permission;
use wt_store::AllowedIpRecord;

/// Most entries in an org's list.
pub const MAX_ENTRIES: usize = 256;
/// Key sources this recent count (the allowed-IP dry run and the readiness checks).
pub const RECENT_SOURCES: i64 = 30 * 86_400;

fn nets(list: &[AllowedIpRecord]) -> Vec<IpNet> {
    list.iter()
        .filter_map(|e| wt_core::netaddr::parse_cidr(&e.cidr).ok())
        .collect()
}

/// Re-reads the org's list into the cache (after an edit committed).
async fn refresh(state: &AppState, auth: &Auth) -> Result<Vec<AllowedIpRecord>, ApiError> {
    let list = state.store.allowed_ips_list(&auth.org.id).await?;
    state.caches.put_org(&auth.org, list.iter());
    Ok(list)
}

fn lockout(ip: IpAddr, what: &str) -> ApiError {
    ApiError::WouldLockOut(format!(
        "{what} would refuse your own address {ip}, and you could not undo it from here: \
         first add a network that contains {ip}, or apply anyway with force \
         (wt allowed-ips ... --force) if you will connect from an allowed address next"
    ))
}

/// `GET /orgs/allowed-ips`.
pub async fn list(state: &AppState, auth: &Auth) -> Result<Vec<AllowedIp>, ApiError> {
    auth.require(Permission::AllowedIpsRead)?;
    Ok(state
        .store
        .allowed_ips_list(&auth.org.id)
        .await?
        .iter()
        .map(allowed_ip_json)
        .collect())
}

/// `POST /orgs/allowed-ips`.
pub async fn add(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    req: AllowedIpCreateRequest,
) -> Result<AllowedIp, ApiError> {
    auth.require(Permission::AllowedIpsManage)?;
    let _serial = state.cache_writes.lock().await;
    let net =
        wt_core::netaddr::parse_cidr(&req.cidr).map_err(|e| ApiError::Validation(e.to_string()))?;
    let note = match req.note.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(n) if n.chars().count() > 200 || n.chars().any(char::is_control) => {
            return Err(ApiError::Validation(
                "note: at most 200 characters, no control characters".into(),
            ));
        }
        Some(n) => Some(n.to_string()),
    };
    let now = state.now();
    auth.require_step_up(now)?;
    let current = state.store.allowed_ips_list(&auth.org.id).await?;
    if current.len() >= MAX_ENTRIES {
        return Err(ApiError::Validation(format!(
            "the list already has {MAX_ENTRIES} entries: merge some into wider networks"
        )));
    }
    let mut proposed = nets(&current);
    proposed.push(net);
    if !req.force && !wt_core::netaddr::allows(&proposed, meta.ip) {
        let what = if current.is_empty() {
            format!("Starting the list with {net}")
        } else {
            format!("Adding {net}")
        };
        return Err(lockout(meta.ip, &what));
    }
    let entry = AllowedIpRecord {
        id: ids::new_id("aip"),
        org_id: auth.org.id.clone(),
        cidr: net.to_string(),
        note,
        created_by: auth.user.email.clone(),
        created_at: now,
        hit_count: 0,
        last_hit_at: None,
    };
    let ev = AuditEvent::new(auth.actor(), actions::ALLOWED_IP_ADDED, &meta.audit())
        .target("allowed_ip", &entry.id)
        .details(serde_json::json!({
            "cidr": entry.cidr,
            "note": entry.note,
            "forced": req.force,
            "caller_allowed": wt_core::netaddr::allows(&proposed, meta.ip),
        }));
    let rec = state.store.allowed_ip_add(entry, ev).await?;
    refresh(state, auth).await?;
    Ok(allowed_ip_json(&rec))
}

/// `DELETE /orgs/allowed-ips/{id}`.
pub async fn remove(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
    force: bool,
) -> Result<(), ApiError> {
    auth.require(Permission::AllowedIpsManage)?;
    let _serial = state.cache_writes.lock().await;
    let now = state.now();
    auth.require_step_up(now)?;
    let current = state.store.allowed_ips_list(&auth.org.id).await?;
    let target = current
        .iter()
        .find(|e| e.id == id)
        .ok_or(ApiError::NotFound)?;
    let rest: Vec<AllowedIpRecord> = current.iter().filter(|e| e.id != id).cloned().collect();
    let proposed = nets(&rest);
    if !force && !wt_core::netaddr::allows(&proposed, meta.ip) {
        return Err(lockout(meta.ip, &format!("Removing {}", target.cidr)));
    }
    let ev = AuditEvent::new(auth.actor(), actions::ALLOWED_IP_REMOVED, &meta.audit())
        .target("allowed_ip", id)
        .details(serde_json::json!({
            "cidr": target.cidr,
            "forced": force,
            "list_now_empty": rest.is_empty(),
        }));
    state
        .store
        .allowed_ip_remove(&auth.org.id, id, now, ev)
        .await?;
    refresh(state, auth).await?;
    Ok(())
}

/// `POST /orgs/allowed-ips/check`: which live sessions and recent key sources a proposed
/// list (or the current one) would refuse. Changes nothing.
pub async fn check(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    req: AllowedIpCheckRequest,
) -> Result<AllowedIpCheckResponse, ApiError> {
    auth.require(Permission::AllowedIpsManage)?;
    let proposed: Vec<IpNet> = match &req.cidrs {
        Some(list) => {
            if list.len() > MAX_ENTRIES {
                return Err(ApiError::Validation(format!("at most {MAX_ENTRIES} CIDRs")));
            }
            let mut out = Vec::with_capacity(list.len());
            for c in list {
                let n = wt_core::netaddr::parse_cidr(c)
                    .map_err(|e| ApiError::Validation(e.to_string()))?;
                if !out.contains(&n) {
                    out.push(n);
                }
            }
            out
        }
        None => nets(&state.store.allowed_ips_list(&auth.org.id).await?),
    };
    let now = state.now();
    let refused = |ip: &str| {
        ip.parse::<IpAddr>()
            .map(wt_core::netaddr::normalize_ip)
            .is_ok_and(|ip| !wt_core::netaddr::allows(&proposed, ip))
    };
    let sessions = state
        .store
        .org_sessions(&auth.org.id, now)
        .await?
        .into_iter()
        .filter_map(|s| {
            let ip = s.session.last_ip.clone().or(s.session.ip.clone())?;
            refused(&ip).then(|| CutOffSession {
                user_id: s.session.user_id.clone(),
                email: s.email.clone(),
                ip,
                last_seen_at: rfc3339(s.session.last_seen_at),
            })
        })
        .collect();
    // Stored sources and those not yet flushed, read with no flush in between.
    let _settled = state.caches.settled().await;
    let mut keys: Vec<CutOffKey> = state
        .store
        .org_key_sources(&auth.org.id, now - RECENT_SOURCES)
        .await?
        .into_iter()
        .filter(|(s, _)| refused(&s.ip))
        .map(|(s, name)| CutOffKey {
            key_id: s.key_id,
            name,
            ip: s.ip,
            last_seen_at: rfc3339(s.last_seen),
        })
        .collect();
    // Sources seen since the last flush.
    for k in state.store.api_keys_list(&auth.org.id).await? {
        if k.revoked_at.is_some() {
            continue;
        }
        for (ip, _, _, last) in state.caches.pending(&k.id).sources {
            if refused(&ip) && !keys.iter().any(|c| c.key_id == k.id && c.ip == ip) {
                keys.push(CutOffKey {
                    key_id: k.id.clone(),
                    name: k.name.clone(),
                    ip,
                    last_seen_at: rfc3339(last),
                });
            }
        }
    }
    Ok(AllowedIpCheckResponse {
        cidrs: proposed.iter().map(ToString::to_string).collect(),
        caller_ip: meta.ip.to_string(),
        caller_allowed: wt_core::netaddr::allows(&proposed, meta.ip),
        sessions,
        keys,
    })
}
