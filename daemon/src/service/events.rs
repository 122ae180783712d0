//! Ingested events as the pipeline and people read them (issue #27): pages by cursor
//! (`after=SEQ`), the live tail behind the SSE stream, retention per org, the prune task
//! (small batches through the writer, so ingest commits interleave), storage per org, and
//! on PostgreSQL the read watermark (`wt_core::events::Watermark`) that keeps a consumer
//! from skipping an event committed out of seq order.
//!
//! Delivery is at least once by `seq`: a consumer resumes after the last seq it handled.
//! A cursor older than what retention kept resumes at the oldest kept event and says so
//! (`gap`), never errors.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Use, Via, authenticate_as};
use crate::state::AppState;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use wt_core::audit::{AuditEvent, actions};
use wt_core::events::{self as rules, Probe, Watermark};
use wt_core::permissions::Permission;
use wt_core::scopes::Scope;
use wt_store::{EventRecord, EventStorageRecord};

/// Largest page.
pub const MAX_LIMIT: u32 = 1000;
/// Default page.
const DEFAULT_LIMIT: u32 = 100;
/// How often an idle tail looks for new events (tail latency; every replica's writes are
/// seen, as the database is polled).
const TAIL_POLL: Duration = Duration::from_millis(200);
/// Events fetched per tail round.
const TAIL_BATCH: u32 = 200;
/// Events counted or deleted per write: one short transaction on the writer, so an ingest
/// commit waits at most one batch.
pub const PRUNE_BATCH: u32 = 1000;
/// Shortest pause between two batches: the writer's queue (ingest groups) goes first.
/// The pause is at least as long as the batch took, so the prune never holds more than
/// about half of the writer's time.
const PRUNE_PAUSE: Duration = Duration::from_millis(2);
/// How often the prune task runs by default (`--event-prune-interval`).
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// How often the PostgreSQL watermark probes.
const WATERMARK_EVERY: Duration = Duration::from_millis(250);

/// Query parameters of the list and the stream.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cursor {
    /// Events after this seq (0: from the oldest kept).
    pub after: Option<i64>,
    pub limit: Option<u32>,
    /// Instead of `after`: the newest N events (where a tail starts).
    pub last: Option<u32>,
}

/// Who may read events: a person whose role has [`Permission::EventsRead`], or an
/// automation token holding the `events:read` scope (and a role that still has it).
pub fn authorize(auth: &Auth) -> Result<(), ApiError> {
    if auth.via == Via::Token {
        auth.require_scope(Scope::EventsRead)
    } else {
        auth.require(Permission::EventsRead)
    }
}

/// How long a reader waits for the first watermark after the daemon started (about
/// [`wt_core::events::SETTLE`] plus a probe), before answering 503.
const WATERMARK_WAIT: Duration = Duration::from_secs(10);

/// The highest seq a reader may hand out: on PostgreSQL the watermark (waiting for the
/// first one after a start: "from now" must not mean "from the beginning"), on SQLite
/// (one writer: seq order is commit order) everything committed.
async fn visible_through(state: &AppState) -> Result<Option<i64>, ApiError> {
    if !state.settings.shared_database {
        return Ok(None);
    }
    let mut rx = state.event_watermark.subscribe();
    match tokio::time::timeout(WATERMARK_WAIT, rx.wait_for(|v| *v >= 0)).await {
        Ok(Ok(v)) => Ok(Some(*v)),
        _ => Err(ApiError::Unavailable(
            "the event watermark is not known yet: try again in a few seconds",
        )),
    }
}

/// A page of events after a cursor.
#[derive(Debug)]
pub struct EventPage {
    pub events: Vec<EventRecord>,
    /// Where to continue: the last event's seq, or the (resumed) cursor when none.
    pub next_after: i64,
    /// Set when retention pruned past the cursor: `(requested, resumed)`.
    pub gap: Option<(i64, i64)>,
}

/// Up to `limit` events of the caller's org after `after`, oldest first.
pub async fn page(state: &AppState, auth: &Auth, q: Cursor) -> Result<EventPage, ApiError> {
    authorize(auth)?;
    let through = visible_through(state).await?;
    if let Some(n) = q.last {
        if q.after.is_some() || q.limit.is_some() {
            return Err(ApiError::Validation(
                "last: the newest N events, without after or limit".into(),
            ));
        }
        if n == 0 || n > MAX_LIMIT {
            return Err(ApiError::Validation(format!("last: 1 to {MAX_LIMIT}")));
        }
        let slice = state.store.events_latest(&auth.org.id, through, n).await?;
        let newest = match slice.events.last() {
            Some(e) => e.seq,
            None => state.store.events_last_seq(&auth.org.id, through).await?,
        };
        return Ok(EventPage {
            next_after: newest.max(slice.pruned_through),
            gap: None,
            events: slice.events,
        });
    }
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::Validation(format!("limit: 1 to {MAX_LIMIT}")));
    }
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::Validation(
            "after: a sequence number (0 or more)".into(),
        ));
    }
    let slice = state
        .store
        .events_after(&auth.org.id, after, through, limit)
        .await?;
    // Rows at or below the pruned horizon are gone (the horizon moves in the transaction
    // that deletes them), so the slice read from `after` is the slice from the horizon.
    let (resumed, gapped) = rules::resume_after(after, slice.pruned_through);
    let events = slice.events;
    Ok(EventPage {
        next_after: events.last().map_or(resumed, |e| e.seq),
        gap: gapped.then_some((after, resumed)),
        events,
    })
}

/// What a tail yields.
#[derive(Debug)]
pub enum TailItem {
    Event(EventRecord),
    /// Retention pruned past the cursor: the tail resumes after `resumed`.
    Gap {
        requested: i64,
        resumed: i64,
    },
}

/// A live tail of the org's events, oldest first, from after a seq. Before every round it
/// authenticates its credential again (SECURITY.md J.66): a logout, removal, demotion,
/// token revocation or allowed-IP change ends it; so does the daemon's shutdown.
pub struct Tail {
    state: AppState,
    credential: (String, Via),
    meta: ClientMeta,
    org_id: String,
    after: i64,
    buffered: VecDeque<TailItem>,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

impl Tail {
    /// Opens a tail from after `Last-Event-ID` (`last_event_id`), else `after`, else from
    /// the newest event (only new ones).
    pub async fn open(
        state: &AppState,
        auth: &Auth,
        meta: ClientMeta,
        credential: (String, Via),
        q: Cursor,
        last_event_id: Option<i64>,
    ) -> Result<Tail, ApiError> {
        authorize(auth)?;
        if q.limit.is_some() || q.last.is_some() {
            return Err(ApiError::Validation(
                "the stream takes `after` (or Last-Event-ID), not limit or last".into(),
            ));
        }
        let after = match last_event_id.or(q.after) {
            Some(s) if s < 0 => {
                return Err(ApiError::Validation(
                    "after: a sequence number (0 or more)".into(),
                ));
            }
            Some(s) => s,
            None => {
                state
                    .store
                    .events_last_seq(&auth.org.id, visible_through(state).await?)
                    .await?
            }
        };
        Ok(Tail {
            credential,
            meta,
            shutdown: state.shutdown.subscribe(),
            state: state.clone(),
            org_id: auth.org.id.clone(),
            after,
            buffered: VecDeque::new(),
        })
    }

    /// The next item, waiting for one; `None` when the tail ends.
    pub async fn next(&mut self) -> Option<TailItem> {
        loop {
            if let Some(item) = self.buffered.pop_front() {
                match &item {
                    TailItem::Event(e) => self.after = e.seq,
                    TailItem::Gap { resumed, .. } => self.after = *resumed,
                }
                return Some(item);
            }
            if *self.shutdown.borrow() || !self.still_allowed().await {
                return None;
            }
            let Ok(through) = visible_through(&self.state).await else {
                return None;
            };
            match self
                .state
                .store
                .events_after(&self.org_id, self.after, through, TAIL_BATCH)
                .await
            {
                Ok(slice) => {
                    let (resumed, gapped) = rules::resume_after(self.after, slice.pruned_through);
                    if gapped {
                        self.buffered.push_back(TailItem::Gap {
                            requested: self.after,
                            resumed,
                        });
                        // Read again from the horizon next round.
                        continue;
                    }
                    if slice.events.is_empty() {
                        tokio::select! {
                            _ = tokio::time::sleep(TAIL_POLL) => {}
                            _ = self.shutdown.changed() => return None,
                        }
                    } else {
                        self.buffered
                            .extend(slice.events.into_iter().map(TailItem::Event));
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "event stream query failed");
                    return None;
                }
            }
        }
    }

    /// Whether the tail's credential still works, for its org, with the right to read.
    async fn still_allowed(&self) -> bool {
        let (tok, via) = &self.credential;
        match authenticate_as(&self.state, tok, *via, &self.meta, Use::Recheck).await {
            Ok(auth) => auth.org.id == self.org_id && authorize(&auth).is_ok(),
            Err(_) => false,
        }
    }
}

/// The org's event retention and what its events take.
#[derive(Debug, Clone)]
pub struct OrgEvents {
    /// The retention that applies, in seconds.
    pub retention: i64,
    /// The org's own retention, when it set one.
    pub retention_override: Option<i64>,
    pub storage: EventStorageRecord,
}

/// Retention and storage of the caller's org (shown with the org settings).
pub async fn org_events(state: &AppState, org_id: &str) -> Result<OrgEvents, ApiError> {
    let own = state.store.event_retention(org_id).await?;
    Ok(OrgEvents {
        retention: rules::effective_retention(own, state.settings.event_retention),
        retention_override: own,
        storage: state.store.event_storage(org_id).await?,
    })
}

/// Sets (or, with `None`, clears) the org's own retention; audited with the previous value.
/// The caller has checked `OrgManage` and the step-up (org settings' rules).
pub async fn set_retention(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    seconds: Option<i64>,
) -> Result<(), ApiError> {
    auth.require(Permission::OrgManage)?;
    if let Some(s) = seconds {
        rules::check_retention(s).map_err(|e| ApiError::Validation(e.to_string()))?;
    }
    let previous = state.store.event_retention(&auth.org.id).await?;
    let ev = AuditEvent::new(auth.actor(), actions::ORG_SETTINGS_UPDATED, &meta.audit())
        .target("org", &auth.org.id)
        .details(serde_json::json!({
            "event_retention_seconds": seconds,
            "previous_event_retention_seconds": previous,
        }));
    state
        .store
        .event_retention_set(&auth.org.id, seconds, state.now(), ev)
        .await?;
    Ok(())
}

/// What one prune round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PruneReport {
    pub counted: u64,
    pub deleted: u64,
}

/// One round over every org: counts new events into the storage counters, then deletes
/// those older than the org's retention, both in batches of [`PRUNE_BATCH`] (each one
/// short write; the writer serves waiting ingest groups in between). Stops early on
/// shutdown. Public for tests, which run it with a manual clock.
pub async fn prune_round(state: &AppState) -> Result<PruneReport, ApiError> {
    let mut report = PruneReport::default();
    // Count only what readers may see (nothing while the PostgreSQL watermark is unknown).
    let through = if state.settings.shared_database {
        *state.event_watermark.borrow()
    } else {
        i64::MAX
    };
    let own: HashMap<String, i64> = state.store.event_retentions().await?.into_iter().collect();
    let stopping = || *state.shutdown.borrow();
    for org in state.store.list_orgs().await? {
        loop {
            let started = std::time::Instant::now();
            let n = state
                .store
                .events_count_more(&org.id, through, PRUNE_BATCH)
                .await?;
            report.counted += n;
            if n < u64::from(PRUNE_BATCH) || stopping() {
                break;
            }
            tokio::time::sleep(PRUNE_PAUSE.max(started.elapsed())).await;
        }
        let retention =
            rules::effective_retention(own.get(&org.id).copied(), state.settings.event_retention);
        let before = rules::cutoff(state.now(), retention);
        loop {
            let started = std::time::Instant::now();
            let n = state
                .store
                .events_prune(&org.id, before, PRUNE_BATCH)
                .await?;
            report.deleted += n;
            if n < u64::from(PRUNE_BATCH) || stopping() {
                break;
            }
            tokio::time::sleep(PRUNE_PAUSE.max(started.elapsed())).await;
        }
    }
    Ok(report)
}

/// Runs [`prune_round`] every `--event-prune-interval` until shutdown.
pub async fn run_pruner(state: AppState) {
    let mut tick = tokio::time::interval(state.settings.event_prune_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                match prune_round(&state).await {
                    Ok(r) if r.deleted > 0 => tracing::info!(deleted = r.deleted, "pruned events past their retention"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = ?e, "could not prune events"),
                }
            }
            _ = state.shutdown_requested() => break,
        }
    }
}

/// PostgreSQL only: probes the database every [`WATERMARK_EVERY`] and publishes the read
/// watermark (`AppState::event_watermark`). Returns at once on SQLite.
pub async fn run_watermark(state: AppState) {
    if !state.settings.shared_database {
        return;
    }
    let mut w = Watermark::new();
    let mut tick = tokio::time::interval(WATERMARK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                match state.store.events_probe().await {
                    Ok(Some(p)) => {
                        let safe = w.observe(Probe {
                            at: state.now(),
                            max_seq: p.max_seq,
                            xmax: p.xmax,
                            xmin: p.xmin,
                        });
                        if !w.known() {
                            continue;
                        }
                        state.event_watermark.send_if_modified(|v| {
                            let moved = safe > *v;
                            if moved {
                                *v = safe;
                            }
                            moved
                        });
                    }
                    Ok(None) => return,
                    Err(e) => tracing::warn!(error = %e, "event watermark probe failed"),
                }
            }
            _ = state.shutdown_requested() => break,
        }
    }
}

/// Every org's storage with its slug, for `/metrics`.
pub async fn storage_by_slug(
    state: &AppState,
) -> Result<Vec<(String, EventStorageRecord)>, ApiError> {
    let slugs: HashMap<String, String> = state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .map(|o| (o.id, o.slug))
        .collect();
    Ok(state
        .store
        .event_storages()
        .await?
        .into_iter()
        .filter_map(|s| slugs.get(&s.org_id).map(|slug| (slug.clone(), s)))
        .collect())
}
