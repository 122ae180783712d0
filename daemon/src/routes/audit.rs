//! `/api/v1/orgs/audit-logs`: query, live stream, verify, reviews (SPEC flow 12).
//! Reading needs the audit permission; nothing here updates or deletes an entry.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json, Query, presented_token};
use crate::service;
use crate::service::audit::{Filters, Tail};
use crate::state::AppState;
use crate::wire::{audit_entry_json, audit_review_json};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use std::convert::Infallible;
use std::time::Duration;
use wt_api::{AuditEntry, AuditReview, AuditReviewRequest, AuditVerifyResponse, Page};

/// Bytes reserved per entry of a page before serializing it (an entry with small details
/// is about 400).
const ENTRY_JSON_HINT: usize = 512;

/// A page as `application/json`, like `axum::Json`, but serialized into a buffer sized for
/// the page up front: `axum::Json` starts at 128 bytes and doubles, so a 50-entry page
/// (about 20 KB) was copied through eight reallocations.
fn page_response(page: &Page<AuditEntry>) -> Result<Response, ApiError> {
    let mut buf = Vec::with_capacity(64 + page.items.len() * ENTRY_JSON_HINT);
    serde_json::to_writer(&mut buf, page).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        buf,
    )
        .into_response())
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(filters): Query<Filters>,
) -> Result<Response, ApiError> {
    let page = service::audit::page(&state, &auth, filters).await?;
    page_response(&Page {
        items: page.entries.into_iter().map(audit_entry_json).collect(),
        next_cursor: page.next_cursor,
    })
}

pub async fn verify(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<service::audit::VerifyParams>,
) -> Result<axum::Json<AuditVerifyResponse>, ApiError> {
    let r = service::audit::verify(&state, &auth, params).await?;
    Ok(axum::Json(AuditVerifyResponse {
        ok: r.ok,
        entries: r.entries,
        first_bad_seq: r.first_bad_seq,
    }))
}

pub async fn review(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<AuditReviewRequest>,
) -> Result<(StatusCode, axum::Json<AuditReview>), ApiError> {
    let review = service::audit::review(&state, &auth, &meta, req.through_seq).await?;
    Ok((StatusCode::CREATED, axum::Json(audit_review_json(review))))
}

pub async fn reviews(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<Page<AuditReview>>, ApiError> {
    let items = service::audit::reviews(&state, &auth)
        .await?
        .into_iter()
        .map(audit_review_json)
        .collect();
    Ok(axum::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// `GET /orgs/audit-logs/stream`: Server-Sent Events, `id:` = seq, oldest first, from
/// after `Last-Event-ID` (or `after`), else from now. Ends on daemon shutdown, and as soon
/// as the credential or its permission no longer holds (checked before every round).
pub async fn stream(
    State(state): State<AppState>,
    auth: Auth,
    meta: ClientMeta,
    headers: HeaderMap,
    Query(filters): Query<Filters>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let last_event_id = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .ok_or_else(|| ApiError::Validation("Last-Event-ID: a sequence number".into()))
        })
        .transpose()?;
    let credential = presented_token(&headers).ok_or(ApiError::Unauthenticated)?;
    let tail = Tail::open(&state, &auth, meta, credential, filters, last_event_id).await?;
    let events = stream::unfold(tail, |mut tail| async move {
        let r = tail.next().await?;
        let id = r.seq.to_string();
        let data = serde_json::to_string(&audit_entry_json(r)).unwrap_or_default();
        Some((Ok(Event::default().id(id).event("audit").data(data)), tail))
    });
    Ok(Sse::new(events).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keepalive"),
    ))
}
