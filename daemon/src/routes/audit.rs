//! `/api/v1/orgs/audit-logs`: query, live stream, verify, reviews (SPEC flow 12).
//! Reading needs the audit permission; nothing here updates or deletes an entry.

use crate::error::ApiError;
use crate::extract::Query;
use crate::extract::{Auth, ClientMeta, Json, Use, Via, authenticate_as, presented_token};
use crate::state::AppState;
use crate::wire::{audit_entry_json, audit_review_json};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;
use wt_api::{AuditEntry, AuditReview, AuditReviewRequest, AuditVerifyResponse, Page};
use wt_core::audit::{AuditEvent, AuditRecord, actions};
use wt_core::clock::{parse_rfc3339, rfc3339};
use wt_core::ids;
use wt_core::permissions::Permission;
use wt_store::{AuditQuery, AuditReviewRecord};

/// Largest page.
const MAX_LIMIT: u32 = 1000;
/// Default page.
const DEFAULT_LIMIT: u32 = 50;
/// How often an idle stream looks for new entries (a fraction of a second: tail latency).
const STREAM_POLL: Duration = Duration::from_millis(200);
/// Entries fetched per stream round.
const STREAM_BATCH: u32 = 200;

/// Query parameters of the list and the stream.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    limit: Option<u32>,
    cursor: Option<String>,
    order: Option<String>,
    after: Option<i64>,
    action: Option<String>,
    actor: Option<String>,
    target: Option<String>,
    outcome: Option<String>,
    since: Option<String>,
    until: Option<String>,
    unreviewed: Option<bool>,
}

fn time_bound(name: &str, v: Option<String>) -> Result<Option<String>, ApiError> {
    v.map(|s| {
        parse_rfc3339(&s)
            .map(rfc3339)
            .ok_or_else(|| ApiError::Validation(format!("{name}: {s:?} is not an RFC 3339 time")))
    })
    .transpose()
}

/// An empty parameter (`?action=`) means no filter, as forms and scripts send them.
fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

/// Validated filters as a store query (without paging).
async fn to_query(state: &AppState, org_id: &str, mut f: Filters) -> Result<AuditQuery, ApiError> {
    f.action = non_empty(f.action);
    f.actor = non_empty(f.actor);
    f.target = non_empty(f.target);
    f.outcome = non_empty(f.outcome);
    f.since = non_empty(f.since);
    f.until = non_empty(f.until);
    f.cursor = non_empty(f.cursor);
    f.order = non_empty(f.order);
    if let Some(a) = &f.action
        && (a.is_empty()
            || a.len() > 100
            || (a.contains('*')
                && !(a == "*" || (a.ends_with(".*") && a.matches('*').count() == 1))))
    {
        return Err(ApiError::Validation(
            "action: an action name, or a prefix ending in `.*` (e.g. `api_key.*`)".into(),
        ));
    }
    if let Some(o) = &f.outcome
        && !matches!(o.as_str(), "success" | "failure" | "denied")
    {
        return Err(ApiError::Validation(
            "outcome: one of success, failure, denied".into(),
        ));
    }
    let limit = f.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::Validation(format!("limit: 1 to {MAX_LIMIT}")));
    }
    let ascending = match f.order.as_deref() {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(_) => return Err(ApiError::Validation("order: asc or desc".into())),
    };
    let cursor = f
        .cursor
        .map(|c| {
            c.parse::<i64>().map_err(|_| {
                ApiError::Validation("cursor: use the next_cursor of the previous page".into())
            })
        })
        .transpose()?;
    let mut after = f.after;
    if f.unreviewed == Some(true) {
        let reviewed = state
            .store
            .audit_reviews(org_id)
            .await?
            .first()
            .map_or(0, |r| r.through_seq);
        after = Some(after.unwrap_or(0).max(reviewed));
    }
    let (before_seq, after_seq) = match (ascending, cursor) {
        (false, c) => (c, after),
        (true, c) => (None, c.or(after)),
    };
    Ok(AuditQuery {
        action: f.action,
        actor: f.actor,
        target: f.target,
        outcome: f.outcome,
        since: time_bound("since", f.since)?,
        until: time_bound("until", f.until)?,
        before_seq,
        after_seq,
        ascending,
        limit,
    })
}

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
    auth.require(Permission::AuditRead)?;
    let q = to_query(&state, &auth.org.id, filters).await?;
    let limit = q.limit;
    let mut q = q;
    // One extra row says whether there is a next page.
    q.limit = limit + 1;
    let mut rows = state.store.audit_query(&auth.org.id, q).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| r.seq.to_string())
    } else {
        None
    };
    page_response(&Page {
        items: rows.into_iter().map(audit_entry_json).collect(),
        next_cursor,
    })
}

pub async fn verify(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<AuditVerifyResponse>, ApiError> {
    auth.require(Permission::AuditRead)?;
    let r = state.store.verify_audit(&auth.org.id).await?;
    Ok(axum::Json(AuditVerifyResponse {
        ok: r.ok,
        entries: r.entries,
        first_bad_seq: r.first_bad_seq,
    }))
}

pub async fn create_review(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<AuditReviewRequest>,
) -> Result<(StatusCode, axum::Json<AuditReview>), ApiError> {
    auth.require(Permission::AuditReview)?;
    let last = state.store.audit_last_seq(&auth.org.id).await?;
    let through = req.through_seq.unwrap_or(last);
    if through < 1 || through > last {
        return Err(ApiError::Validation(format!(
            "through_seq: 1 to {last} (the latest entry)"
        )));
    }
    let review = AuditReviewRecord {
        id: ids::new_id("arv"),
        reviewed_by: auth.user.email.clone(),
        reviewed_at: state.now(),
        through_seq: through,
    };
    let ev = AuditEvent::new(auth.actor(), actions::AUDIT_REVIEWED, &meta.audit())
        .target("audit_review", &review.id)
        .details(serde_json::json!({ "through_seq": through }));
    state
        .store
        .audit_review_create(&auth.org.id, review.clone(), ev)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(audit_review_json(review))))
}

pub async fn list_reviews(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<Page<AuditReview>>, ApiError> {
    auth.require(Permission::AuditRead)?;
    let items = state
        .store
        .audit_reviews(&auth.org.id)
        .await?
        .into_iter()
        .map(audit_review_json)
        .collect();
    Ok(axum::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// What a stream remembers between rounds.
struct Cursor {
    state: AppState,
    /// The credential the stream was opened with, and its client, authenticated again
    /// before every round (SECURITY.md J.66).
    credential: (String, Via),
    meta: ClientMeta,
    org_id: String,
    query: AuditQuery,
    buffered: VecDeque<AuditRecord>,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

/// Whether the stream's credential still works, for its org, with the right to read the
/// audit log: a logout, removal, demotion, revocation or allowed-IP change ends it.
async fn still_allowed(c: &Cursor) -> bool {
    let (tok, via) = &c.credential;
    match authenticate_as(&c.state, tok, *via, &c.meta, Use::Recheck).await {
        Ok(auth) => auth.org.id == c.org_id && auth.require(Permission::AuditRead).is_ok(),
        Err(_) => false,
    }
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
    auth.require(Permission::AuditRead)?;
    if filters.limit.is_some() || filters.cursor.is_some() || filters.order.is_some() {
        return Err(ApiError::Validation(
            "the stream takes filters and `after`, not limit, cursor or order".into(),
        ));
    }
    let last_event_id = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .ok_or_else(|| ApiError::Validation("Last-Event-ID: a sequence number".into()))
        })
        .transpose()?;
    let explicit_start = last_event_id.or(filters.after);
    let mut query = to_query(&state, &auth.org.id, filters).await?;
    query.ascending = true;
    query.limit = STREAM_BATCH;
    query.after_seq = Some(match explicit_start {
        Some(s) => s,
        None => state.store.audit_last_seq(&auth.org.id).await?,
    });
    let credential = presented_token(&headers).ok_or(ApiError::Unauthenticated)?;
    let cursor = Cursor {
        credential,
        meta,
        shutdown: state.shutdown.subscribe(),
        state,
        org_id: auth.org.id.clone(),
        query,
        buffered: VecDeque::new(),
    };
    let events = stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(r) = c.buffered.pop_front() {
                c.query.after_seq = Some(r.seq);
                let id = r.seq.to_string();
                let data = serde_json::to_string(&audit_entry_json(r)).unwrap_or_default();
                return Some((Ok(Event::default().id(id).event("audit").data(data)), c));
            }
            if *c.shutdown.borrow() || !still_allowed(&c).await {
                return None;
            }
            match c.state.store.audit_query(&c.org_id, c.query.clone()).await {
                Ok(rows) if !rows.is_empty() => c.buffered.extend(rows),
                Ok(_) => {
                    tokio::select! {
                        _ = tokio::time::sleep(STREAM_POLL) => {}
                        _ = c.shutdown.changed() => return None,
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "audit stream query failed");
                    return None;
                }
            }
        }
    });
    Ok(Sse::new(events).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keepalive"),
    ))
}
