//! `GET /orgs/readiness`: gathers a snapshot of live state from the store (and the usage
//! not yet flushed from the key cache) and lets `wt_core::readiness` judge it.

use crate::error::ApiError;
use crate::extract::Auth;
use crate::state::AppState;
use crate::wire::org_json;
use std::collections::HashMap;
use std::net::IpAddr;
use wt_api::{CheckStatus, Readiness, Role};
use wt_core::clock::{parse_rfc3339, rfc3339};
use wt_core::mail::DeliveryFailure;
use wt_core::permissions::Permission;
use wt_core::readiness::{
    self, EntryFact, InviteFact, KeyFact, LateMail, MAIL_LATE_AFTER, MailFact, MemberFact,
    ReviewFact, Snapshot, Visibility,
};

use crate::service::allowed_ips::RECENT_SOURCES;
/// Audit entries scanned after the last review (pages of 1,000).
const MAX_SCANNED: usize = 20_000;

#[derive(serde::Deserialize)]
struct ReviewedMember {
    id: String,
    role: Role,
}

/// Builds the snapshot of the caller's org.
pub async fn snapshot(state: &AppState, auth: &Auth) -> Result<Snapshot, ApiError> {
    let store = &state.store;
    let org = &auth.org;
    let now = state.now();
    let signins: HashMap<String, i64> = store
        .member_last_sign_ins(&org.id)
        .await?
        .into_iter()
        .collect();
    let factors = store.org_second_factors(&org.id).await?;
    let members: Vec<MemberFact> = store
        .members_list(&org.id)
        .await?
        .into_iter()
        .map(|m| MemberFact {
            last_sign_in: signins.get(&m.user.id).copied(),
            passkey: factors.get(&m.user.id).is_some_and(|f| f.passkeys > 0),
            id: m.user.id,
            email: m.user.email,
            role: m.role,
            mfa_enabled: m.user.mfa_enabled,
            joined_at: m.joined_at,
        })
        .collect();
    let latest_review = match store.member_reviews(&org.id).await?.into_iter().next() {
        None => None,
        Some(r) => {
            let reviewed: Vec<ReviewedMember> = serde_json::from_str(&r.members_json)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            Some(ReviewFact {
                id: r.id,
                reviewed_at: r.reviewed_at,
                members: reviewed.into_iter().map(|m| (m.id, m.role)).collect(),
            })
        }
    };
    let open_invites = store
        .invites_list(&org.id)
        .await?
        .into_iter()
        .filter(|i| i.accepted_at.is_none() && i.revoked_at.is_none())
        .map(|i| InviteFact {
            id: i.id,
            email: i.email,
            role: i.role,
            expires_at: i.expires_at,
        })
        .collect();

    // Stored usage and usage not yet flushed, read with no flush in between.
    let _settled = state.caches.settled().await;
    let mut sources: HashMap<String, Vec<IpAddr>> = HashMap::new();
    for (s, _) in store.org_key_sources(&org.id, now - RECENT_SOURCES).await? {
        if let Ok(ip) = s.ip.parse() {
            sources.entry(s.key_id).or_default().push(ip);
        }
    }
    let mut keys = Vec::new();
    for k in store.api_keys_list(&org.id).await? {
        if k.revoked_at.is_some() {
            continue;
        }
        let pending = state.caches.pending(&k.id);
        let mut srcs = sources.remove(&k.id).unwrap_or_default();
        for (ip, ..) in &pending.sources {
            if let Ok(ip) = ip.parse::<IpAddr>()
                && !srcs.contains(&ip)
            {
                srcs.push(ip);
            }
        }
        let life = k.lifetime();
        keys.push(KeyFact {
            owner_active: members.iter().any(|m| m.id == k.owner_id),
            usable: life.usable(now),
            browser_requests: k.browser_count + pending.browser,
            browser_origin: pending.browser_origin.or(k.browser_origin),
            allowed_cidrs: k
                .allowed_cidrs
                .iter()
                .filter_map(|c| wt_core::netaddr::parse_cidr(c).ok())
                .collect(),
            sources: srcs,
            leaked: k
                .leaked_at
                .filter(|_| k.quarantined_at.is_none())
                .map(|_| k.leak_source.clone().unwrap_or_else(|| "reported".into())),
            id: k.id,
            name: k.name,
            environment: k.environment,
            owner_email: k.owner_email,
            created_at: k.created_at,
        });
    }

    let last_review = store.audit_reviews(&org.id).await?.into_iter().next();
    let mut after = last_review.as_ref().map_or(0, |r| r.through_seq);
    let mut unreviewed = Vec::new();
    let mut scanned = 0;
    while scanned < MAX_SCANNED {
        let page = store.audit_entries(&org.id, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        scanned += page.len();
        for e in page {
            if readiness::is_sensitive(&e.action) {
                unreviewed.push(EntryFact {
                    seq: e.seq,
                    occurred_at: parse_rfc3339(&e.occurred_at).unwrap_or(now),
                    actor: e.actor.email.clone().unwrap_or(e.actor.kind.clone()),
                    action: e.action,
                });
            }
        }
    }

    // The org's own mail only: another org's recipients and backlog are not its business
    // (the operator sees every org's in /metrics).
    let backlog = store
        .mail_backlog(
            Some(&org.id),
            now - MAIL_LATE_AFTER,
            readiness::MAX_EVIDENCE as u32,
        )
        .await?;
    let mail = MailFact {
        late: backlog.count.max(0) as u64,
        oldest: backlog
            .oldest
            .into_iter()
            .map(|m| LateMail {
                failure: m.last_error.as_deref().and_then(DeliveryFailure::of_record),
                id: m.id,
                to: m.to,
                queued_at: m.created_at,
                attempts: m.attempts,
            })
            .collect(),
    };

    Ok(Snapshot {
        // Evidence only of what this caller could read through its own endpoints.
        visible: Visibility::from_permissions(|p| auth.can(p)),
        now,
        settings: org.readiness,
        mfa_required_roles: org.mfa_required_roles.clone(),
        phishing_resistant_required_roles: org.passkey_policy.phishing_resistant_roles.clone(),
        members,
        latest_review,
        open_invites,
        keys,
        last_audit_review_at: last_review.map(|r| r.reviewed_at),
        unreviewed_sensitive: unreviewed,
        mail,
        sinks: crate::service::audit_sinks::facts(state, &org.id)
            .await?
            .into_iter()
            .map(
                |(s, lag_entries, lag_seconds)| wt_core::readiness::SinkFact {
                    id: s.id,
                    name: s.name,
                    paused: s.paused,
                    lag_entries,
                    lag_seconds,
                    failing_since: s.failing_since,
                    last_error: s.last_error,
                },
            )
            .collect(),
    })
}

/// `GET /orgs/readiness`.
pub async fn evaluate(state: &AppState, auth: &Auth) -> Result<Readiness, ApiError> {
    auth.require(Permission::ReadinessRead)?;
    let snap = snapshot(state, auth).await?;
    let checks = readiness::evaluate(&snap);
    Ok(Readiness {
        ready: checks.iter().all(|c| c.status != CheckStatus::Fail),
        checked_at: rfc3339(snap.now),
        org: org_json(&auth.org),
        settings: snap.settings,
        checks,
    })
}
