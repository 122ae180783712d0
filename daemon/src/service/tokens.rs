//! Automation tokens (SPEC flow 14): `wtat_` + 256 random bits, stored as SHA-256, always
//! expiring, at most the creator's role, audited, checked against the org's allowed IPs
//! like sessions. Only members (not tokens) manage them.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::state::AppState;
use wt_api::{AccessToken, AccessTokenCreateRequest, AccessTokenCreated};
use wt_core::audit::{AuditEvent, actions};
use wt_core::clock::{parse_rfc3339, rfc3339};
use wt_core::permissions::{Permission, allows, rank};
use wt_core::{ids, token};
use wt_store::AccessTokenRecord;

/// Longest lifetime of a token (a year): tokens always expire.
pub const MAX_LIFETIME: i64 = 366 * 86_400;

/// `POST /orgs/access-tokens`.
pub async fn create(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    req: AccessTokenCreateRequest,
) -> Result<AccessTokenCreated, ApiError> {
    auth.require(Permission::TokensManage)?;
    let now = state.now();
    // A year-long credential needs a fresh sign-in or step-up (SECURITY.md J.65).
    auth.require_step_up(now)?;
    let name = ids::validate_name(&req.name).map_err(|e| ApiError::Validation(e.to_string()))?;
    if rank(req.role) > rank(auth.role) {
        return Err(ApiError::Forbidden(format!(
            "a token cannot have a higher role than yours ({})",
            auth.role
        )));
    }
    for scope in &req.scopes {
        if !allows(req.role, scope.permission()) {
            return Err(ApiError::Validation(format!(
                "scopes: {scope} needs a role that has its permission; {} does not",
                req.role
            )));
        }
    }
    let mut scopes = req.scopes.clone();
    scopes.sort();
    scopes.dedup();
    let expires_at = parse_rfc3339(&req.expires_at)
        .ok_or_else(|| ApiError::Validation("expires_at must be an RFC 3339 time".into()))?;
    if expires_at <= now || expires_at - now > MAX_LIFETIME {
        return Err(ApiError::Validation(
            "expires_at must be in the future and at most 366 days ahead".into(),
        ));
    }
    let secret = token::generate(token::ACCESS_TOKEN_PREFIX);
    let rec = AccessTokenRecord {
        id: ids::new_id("tok"),
        org_id: auth.org.id.clone(),
        name,
        role: req.role,
        token_hash: token::hash(secret.expose()),
        created_by: auth.user.id.clone(),
        created_by_email: auth.user.email.clone(),
        created_at: now,
        expires_at,
        revoked_at: None,
        last_used_at: None,
        last_used_ip: None,
        scopes,
    };
    let ev = AuditEvent::new(auth.actor(), actions::ACCESS_TOKEN_CREATED, &meta.audit())
        .target("access_token", &rec.id)
        .details(serde_json::json!({
            "name": rec.name,
            "role": rec.role,
            "expires_at": rfc3339(rec.expires_at),
            "scopes": rec.scopes,
        }));
    let stored = state.store.access_token_create(rec, ev).await?;
    Ok(AccessTokenCreated {
        token: crate::wire::token_json(&stored, now),
        secret: secret.expose().to_string(),
    })
}

/// `GET /orgs/access-tokens`.
pub async fn list(state: &AppState, auth: &Auth) -> Result<Vec<AccessToken>, ApiError> {
    auth.require(Permission::TokensManage)?;
    let now = state.now();
    Ok(state
        .store
        .access_tokens_list(&auth.org.id)
        .await?
        .iter()
        .map(|t| crate::wire::token_json(t, now))
        .collect())
}

/// `DELETE /orgs/access-tokens/{id}`: effective on the next request (tokens are looked up
/// per request, not cached).
pub async fn revoke(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    id: &str,
) -> Result<(), ApiError> {
    auth.require(Permission::TokensManage)?;
    let ev = AuditEvent::new(auth.actor(), actions::ACCESS_TOKEN_REVOKED, &meta.audit())
        .target("access_token", id);
    state
        .store
        .access_token_revoke(&auth.org.id, id, state.now(), ev)
        .await?;
    Ok(())
}
