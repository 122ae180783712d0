//! `/api/v1/orgs/events`: ingested events by cursor, and their live stream (issue #27).
//! For people whose role may read events and automation tokens scoped `events:read`.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Query, presented_token};
use crate::service;
use crate::service::events::{Cursor, Tail, TailItem};
use crate::state::AppState;
use crate::wire::event_json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use std::convert::Infallible;
use std::time::Duration;
use wt_api::{EventGap, EventPage};

/// `GET /orgs/events?after=SEQ&limit=N`: events after the cursor, oldest first.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<Cursor>,
) -> Result<axum::Json<EventPage>, ApiError> {
    let page = service::events::page(&state, &auth, q).await?;
    Ok(axum::Json(EventPage {
        items: page.events.into_iter().map(event_json).collect(),
        next_after: page.next_after,
        gap: page.gap.map(|(requested_after, resumed_after)| EventGap {
            requested_after,
            resumed_after,
        }),
    }))
}

/// `GET /orgs/events/stream`: Server-Sent Events, `event: event`, `id:` = seq, oldest
/// first, from after `Last-Event-ID` (or `after`), else from now. When retention deleted
/// events after the cursor, an `event: gap` comes first (data: the `EventGap`, `id:` the
/// seq reading resumed after). Ends on daemon shutdown, and as soon as the credential or
/// its right to read events no longer holds (checked before every round).
pub async fn stream(
    State(state): State<AppState>,
    auth: Auth,
    meta: ClientMeta,
    headers: HeaderMap,
    Query(q): Query<Cursor>,
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
    let tail = Tail::open(&state, &auth, meta, credential, q, last_event_id).await?;
    let events = stream::unfold(tail, |mut tail| async move {
        let event = match tail.next().await? {
            TailItem::Event(r) => {
                let id = r.seq.to_string();
                let data = serde_json::to_string(&event_json(r)).unwrap_or_default();
                Event::default().id(id).event("event").data(data)
            }
            TailItem::Gap { requested, resumed } => {
                let gap = EventGap {
                    requested_after: requested,
                    resumed_after: resumed,
                };
                Event::default()
                    .id(resumed.to_string())
                    .event("gap")
                    .data(serde_json::to_string(&gap).unwrap_or_default())
            }
        };
        Some((Ok(event), tail))
    });
    Ok(Sse::new(events).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keepalive"),
    ))
}
