//! Record-to-wire mapping: how the store's rows (`wt_store`) become the API's answers
//! (`wt_api`), in one place. Handlers and services call these; nothing else builds a wire
//! type from a row.

use crate::error::ApiError;
use crate::keycache::PendingUsage;
use wt_api::{
    AccessToken, AccessTokenStatus, AllowedIp, ApiKey, AuditActor, AuditEntry, AuditReview,
    AuditTarget, BrowserUse, Invite, InviteStatus, KeyPerson, Member, MemberReview,
};
use wt_core::apikey;
use wt_core::audit::AuditRecord;
use wt_core::clock::rfc3339;
use wt_store::{
    AccessTokenRecord, AllowedIpRecord, ApiKeyRecord, AuditReviewRecord, InviteRecord,
    MemberRecord, OrgRecord, ReviewRecord, SessionRecord, UserRecord,
};

pub fn user_json(u: &UserRecord) -> wt_api::User {
    wt_api::User {
        id: u.id.clone(),
        email: u.email.clone(),
        name: u.name.clone(),
    }
}

pub fn org_json(o: &OrgRecord) -> wt_api::Org {
    wt_api::Org {
        id: o.id.clone(),
        slug: o.slug.clone(),
        name: o.name.clone(),
    }
}

/// An org's settings as `GET /orgs/settings` answers them.
pub fn org_settings_json(org: &OrgRecord) -> wt_api::OrgSettings {
    wt_api::OrgSettings {
        org: org_json(org),
        mfa_required_roles: org.mfa_required_roles.clone(),
        browser_ingest: if org.browser_ingest_allowed {
            wt_api::BrowserIngest::Allow
        } else {
            wt_api::BrowserIngest::Refuse
        },
        readiness: org.readiness,
        phishing_resistant_required_roles: org.passkey_policy.phishing_resistant_roles.clone(),
        passkey_aaguids: org.passkey_policy.aaguids.clone(),
        key_rate_limit: org.key_rate.map(rate_limit_json),
        leak_policy: org.leak_policy,
        events: None,
    }
}

/// A rate limit on the wire.
pub fn rate_limit_json(r: wt_core::ratelimit::KeyRate) -> wt_api::RateLimit {
    wt_api::RateLimit {
        rate: r.rate_str(),
        burst: r.burst,
    }
}

/// The org's event retention and storage, as a part of its settings.
pub fn event_settings_json(e: &crate::service::events::OrgEvents) -> wt_api::EventSettings {
    wt_api::EventSettings {
        retention_seconds: e.retention,
        retention_source: if e.retention_override.is_some() {
            "org"
        } else {
            "installation"
        }
        .into(),
        stored_events: e.storage.events,
        stored_bytes: e.storage.bytes,
    }
}

/// One ingested event as the consumer API sends it. The payload was validated as a JSON
/// object at ingestion; should it not parse, it is sent as a string, never dropped.
pub fn event_json(r: wt_store::EventRecord) -> wt_api::Event {
    let payload = serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::String(r.payload));
    wt_api::Event {
        seq: r.seq,
        received_at: rfc3339(r.received_at),
        key_id: r.key_id,
        environment: r.environment,
        payload,
    }
}

pub fn session_json(s: &SessionRecord, current_id: &str) -> wt_api::SessionInfo {
    wt_api::SessionInfo {
        id: s.id.clone(),
        client: s.client,
        created_at: rfc3339(s.created_at),
        last_seen_at: rfc3339(s.last_seen_at),
        expires_at: rfc3339(s.expires_at),
        idle_expires_at: rfc3339(s.idle_expires_at()),
        ip: s.ip.clone(),
        user_agent: s.user_agent.clone(),
        current: s.id == current_id,
    }
}

pub fn invite_json(i: &InviteRecord, now: i64) -> Invite {
    let status = if i.accepted_at.is_some() {
        InviteStatus::Accepted
    } else if i.revoked_at.is_some() {
        InviteStatus::Revoked
    } else if now >= i.expires_at {
        InviteStatus::Expired
    } else {
        InviteStatus::Pending
    };
    Invite {
        id: i.id.clone(),
        email: i.email.clone(),
        role: i.role,
        status,
        invited_by: i.invited_by.clone(),
        created_at: rfc3339(i.created_at),
        expires_at: rfc3339(i.expires_at),
    }
}

/// A member with which second factors they have (`org_second_factors`).
pub fn member_json(m: &MemberRecord, factors: wt_core::passkey::Factors) -> Member {
    Member {
        id: m.user.id.clone(),
        email: m.user.email.clone(),
        name: m.user.name.clone(),
        role: m.role,
        mfa_enabled: m.user.mfa_enabled,
        mfa_methods: factors.describe().to_string(),
        joined_at: rfc3339(m.joined_at),
    }
}

pub fn member_review_json(r: &ReviewRecord) -> Result<MemberReview, ApiError> {
    Ok(MemberReview {
        id: r.id.clone(),
        reviewed_by: r.reviewed_by.clone(),
        reviewed_at: rfc3339(r.reviewed_at),
        members: serde_json::from_str(&r.members_json)
            .map_err(|e| ApiError::Internal(e.to_string()))?,
    })
}

pub fn token_json(t: &AccessTokenRecord, now: i64) -> AccessToken {
    AccessToken {
        id: t.id.clone(),
        name: t.name.clone(),
        role: t.role,
        status: if t.revoked_at.is_some() {
            AccessTokenStatus::Revoked
        } else if now >= t.expires_at {
            AccessTokenStatus::Expired
        } else {
            AccessTokenStatus::Active
        },
        created_by: t.created_by_email.clone(),
        created_at: rfc3339(t.created_at),
        expires_at: rfc3339(t.expires_at),
        revoked_at: t.revoked_at.map(rfc3339),
        last_used_at: t.last_used_at.map(rfc3339),
        last_used_ip: t.last_used_ip.clone(),
        scopes: t.scopes.clone(),
    }
}

pub fn audit_entry_json(r: AuditRecord) -> AuditEntry {
    AuditEntry {
        seq: r.seq,
        occurred_at: r.occurred_at,
        actor: AuditActor {
            kind: r.actor.kind,
            id: r.actor.id,
            email: r.actor.email,
        },
        action: r.action,
        target: r.target.map(|t| AuditTarget {
            kind: t.kind,
            id: t.id,
        }),
        ip: r.ip,
        user_agent: r.user_agent,
        outcome: r.outcome,
        details: r.details,
        prev_hash: r.prev_hash,
        hash: r.hash,
    }
}

pub fn audit_review_json(r: AuditReviewRecord) -> AuditReview {
    AuditReview {
        id: r.id,
        reviewed_by: r.reviewed_by,
        reviewed_at: rfc3339(r.reviewed_at),
        through_seq: r.through_seq,
    }
}

/// The wire view of a stored key, with usage not yet flushed (`p`, from the key cache)
/// added, so it is visible at once.
pub fn api_key_json(k: &ApiKeyRecord, p: &PendingUsage, now: i64) -> ApiKey {
    let (last_used_at, last_used_ip) = match (p.last_at, k.last_used_at) {
        (Some(pa), Some(sa)) if sa > pa => (Some(sa), k.last_used_ip.clone()),
        (Some(pa), _) => (Some(pa), p.last_ip.clone()),
        (None, s) => (s, k.last_used_ip.clone()),
    };
    let browser_count = k.browser_count + p.browser;
    let life = k.lifetime();
    ApiKey {
        id: k.id.clone(),
        name: k.name.clone(),
        environment: k.environment,
        prefix: apikey::prefix(k.environment).to_string(),
        last4: k.last4.clone(),
        status: life.status(now),
        owner: KeyPerson {
            id: k.owner_id.clone(),
            email: k.owner_email.clone(),
        },
        created_by: KeyPerson {
            id: k.created_by.clone(),
            email: k.created_by_email.clone(),
        },
        created_at: rfc3339(k.created_at),
        expires_at: k.expires_at.map(rfc3339),
        revoked_at: k.revoked_at.map(rfc3339),
        allowed_cidrs: k.allowed_cidrs.clone(),
        rotated_from: k.rotated_from.clone(),
        rotated_to: k.rotated_to.clone(),
        grace_until: k.grace_until.map(rfc3339),
        last_used_at: last_used_at.map(rfc3339),
        last_used_ip,
        use_count: u64::try_from(k.use_count + p.requests).unwrap_or_default(),
        browser_use: (browser_count > 0).then(|| BrowserUse {
            count: u64::try_from(browser_count).unwrap_or_default(),
            last_seen_at: rfc3339(p.browser_last.or(k.browser_last_at).unwrap_or_default()),
            last_origin: p
                .browser_origin
                .clone()
                .or_else(|| k.browser_origin.clone()),
        }),
        usage: None,
        rate_limit: k.rate.map(rate_limit_json),
        throttled: (k.throttled_count + p.throttled > 0).then(|| wt_api::Throttled {
            count: u64::try_from(k.throttled_count + p.throttled).unwrap_or_default(),
            last_at: rfc3339(
                p.throttled_last
                    .max(k.throttled_last_at)
                    .unwrap_or_default(),
            ),
        }),
        leaked_at: k.leaked_at.map(rfc3339),
        leak_source: k.leak_source.clone(),
        quarantined_at: k.quarantined_at.map(rfc3339),
    }
}

/// An allowed-IP entry as listed.
pub fn allowed_ip_json(e: &AllowedIpRecord) -> AllowedIp {
    AllowedIp {
        id: e.id.clone(),
        cidr: e.cidr.clone(),
        note: e.note.clone(),
        created_by: e.created_by.clone(),
        created_at: rfc3339(e.created_at),
        hit_count: u64::try_from(e.hit_count).unwrap_or_default(),
        last_hit_at: e.last_hit_at.map(rfc3339),
    }
}
