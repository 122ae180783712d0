//! `/api/v1/orgs/audit-logs/checkpoints`, `.../proofs/*`, `.../signing-keys`: the audit
//! log's signed checkpoints, its Merkle proofs and the keys that verify them (issue 28).
//! Reading needs the audit permission (`audit:read` for tokens); signing on demand and
//! rotating the key are admins' and audited.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Query};
use crate::service::audit_checkpoints as svc;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use wt_api::{AuditCheckpoint, AuditConsistencyProof, AuditInclusionProof, AuditSigningKey, Page};

pub async fn latest(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<AuditCheckpoint>, ApiError> {
    Ok(Json(svc::latest(&state, &auth).await?))
}

pub async fn at(
    State(state): State<AppState>,
    auth: Auth,
    Path(size): Path<String>,
) -> Result<Json<AuditCheckpoint>, ApiError> {
    let size = svc::parse_size("size", &size)?;
    Ok(Json(svc::at(&state, &auth, size).await?))
}

pub async fn create(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
) -> Result<(StatusCode, Json<AuditCheckpoint>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(svc::create(&state, &auth, &meta).await?),
    ))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    seq: String,
    size: Option<String>,
}

pub async fn inclusion(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<InclusionQuery>,
) -> Result<Json<AuditInclusionProof>, ApiError> {
    let seq = q.seq.parse::<i64>().map_err(|_| {
        ApiError::Validation(format!("seq: an entry's sequence number ({:?})", q.seq))
    })?;
    let size = q.size.map(|s| svc::parse_size("size", &s)).transpose()?;
    Ok(Json(svc::inclusion(&state, &auth, seq, size).await?))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    old: String,
    new: Option<String>,
}

pub async fn consistency(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Json<AuditConsistencyProof>, ApiError> {
    let old = svc::parse_size("old", &q.old)?;
    let new = q.new.map(|s| svc::parse_size("new", &s)).transpose()?;
    Ok(Json(svc::consistency(&state, &auth, old, new).await?))
}

pub async fn keys(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Page<AuditSigningKey>>, ApiError> {
    Ok(Json(Page {
        items: svc::keys(&state, &auth).await?,
        next_cursor: None,
    }))
}

pub async fn rotate(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
) -> Result<(StatusCode, Json<AuditSigningKey>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(svc::rotate(&state, &auth, &meta).await?),
    ))
}
