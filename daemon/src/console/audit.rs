//! The Audit log tab, for roles the permission matrix lets read the log (`AuditRead`):
//! the API's filters (parsed by the same code: `service::audit::Filters`), pages newest
//! first with links to older and newer pages that keep the filters, the activity chart
//! (counted by the store), a live view (Server-Sent Events over the API's tail, which
//! authenticates the cookie again every round), and two form posts: marking the log
//! reviewed through an entry (`AuditReview`, as `wt audit review`) and verifying the
//! chain.
//!
//! The verification's result is rendered in the answer to its post, never carried in a
//! URL: a crafted link must not be able to show "the chain verifies".

use super::csrf::{check_csrf, csrf_token};
use super::guard::{ConsoleError, Form, Signed, page};
use super::pages::{
    self, ActivityView, AuditView, EntryRow, FilterValues, ReviewView, Tab, VerifyView,
};
use super::{PageResult, viewer};
use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Via};
use crate::service;
use crate::service::audit::{Activity, Filters, Tail};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use wt_core::audit::AuditRecord;
use wt_core::clock::rfc3339;
use wt_core::permissions::Permission;
use wt_store::AuditBucket;

/// Query parameters only the console has (the rest are the API's [`Filters`]).
const NEWER: &str = "newer";
const DONE: &str = "done";

/// Fixed messages for `?done=` (never text from the URL itself).
fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "reviewed" => Some("The review is recorded."),
        _ => None,
    }
}

/// The page's query string: the API's filters, `newer` (a page of entries newer than
/// it) and `done`. Filters are read by the API's own query parser.
struct PageQuery {
    filters: Filters,
    newer: Option<i64>,
    done: Option<String>,
}

fn parse_query(raw: Option<&str>) -> Result<PageQuery, ApiError> {
    let mut newer = None;
    let mut done = None;
    let mut rest = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            NEWER => {
                newer = Some(v.trim().parse::<i64>().map_err(|_| {
                    ApiError::Validation("newer: use the link of the previous page".into())
                })?)
            }
            DONE => done = Some(v.into_owned()),
            _ => {
                rest.append_pair(&k, &v);
            }
        }
    }
    let filters = crate::extract::parse_query::<Filters>(&rest.finish())
        .map_err(|e| ApiError::Validation(format!("filters: {e}")))?;
    if newer.is_some() && filters.cursor.is_some() {
        return Err(ApiError::Validation(
            "cursor or newer, not both: use the page links".into(),
        ));
    }
    Ok(PageQuery {
        filters,
        newer,
        done,
    })
}

/// The filters that select entries (not the page), as a query string for links, the
/// live view and the quick ranges.
fn filter_query(f: &Filters, overrides: &[(&str, Option<String>)]) -> String {
    let mut base = Filters {
        cursor: None,
        order: None,
        after: None,
        ..f.clone()
    };
    for (k, v) in overrides {
        match *k {
            "since" => base.since = v.clone(),
            "until" => base.until = v.clone(),
            "cursor" => base.cursor = v.clone(),
            _ => {}
        }
    }
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    let pairs: [(&str, Option<String>); 9] = [
        ("action", base.action),
        ("actor", base.actor),
        ("target", base.target),
        ("outcome", base.outcome),
        ("since", base.since),
        ("until", base.until),
        ("unreviewed", base.unreviewed.map(|b| b.to_string())),
        ("limit", base.limit.map(|l| l.to_string())),
        ("cursor", base.cursor),
    ];
    for (k, v) in pairs {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            s.append_pair(k, &v);
        }
    }
    s.finish()
}

fn url_with(path: &str, query: &str, extra: Option<(&str, String)>) -> String {
    let mut q = query.to_string();
    if let Some((k, v)) = extra {
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str(
            &url::form_urlencoded::Serializer::new(String::new())
                .append_pair(k, &v)
                .finish(),
        );
    }
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

fn row(r: AuditRecord, reviewed_through: i64) -> EntryRow {
    EntryRow {
        reviewed: r.seq <= reviewed_through,
        seq: r.seq,
        occurred_at: r.occurred_at,
        actor: r
            .actor
            .email
            .or(r.actor.id)
            .unwrap_or_else(|| r.actor.kind.clone()),
        action: r.action,
        target: r.target.map(|t| format!("{} {}", t.kind, t.id)),
        outcome: r.outcome,
        ip: r.ip,
    }
}

fn activity_view(a: &Activity, custom_range: bool) -> ActivityView {
    let (bar_name, label_len) = match a.bucket {
        AuditBucket::Hour => ("Hour (UTC)", 13),
        AuditBucket::Day => ("Day (UTC)", 10),
    };
    let bars = a
        .counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let t = rfc3339(a.start + a.step * i as i64);
            let head = &t[..label_len.min(t.len())];
            let (label, title) = match a.bucket {
                AuditBucket::Hour => (
                    format!("{}:00", &head[11..]),
                    format!("{} {}:00 UTC", &head[..10], &head[11..]),
                ),
                AuditBucket::Day => (head[5..].to_string(), format!("{head} (UTC)")),
            };
            pages::Bar {
                label,
                title,
                values: c.to_vec(),
            }
        })
        .collect();
    let range = if custom_range {
        format!(
            "{} to {} (UTC)",
            rfc3339(a.since).replace('T', " ").replace('Z', ""),
            rfc3339(a.until).replace('T', " ").replace('Z', "")
        )
    } else {
        "the last 24 hours (UTC)".to_string()
    };
    ActivityView {
        bar_name,
        bars,
        range,
        clipped: a.clipped,
    }
}

/// What a post adds to the page: a verification result, a notice, an error.
#[derive(Default)]
struct Extra {
    verify: Option<VerifyView>,
    error: Option<ApiError>,
    notice: Option<&'static str>,
}

async fn audit_page(state: &AppState, auth: &Auth, raw: Option<&str>, extra: Extra) -> PageResult {
    // The role first: a refused role sees the 403 page whatever the query says.
    auth.require(Permission::AuditRead)?;
    let csrf = csrf_token(state, &auth.session.id);
    let mut error = extra.error;
    let parsed = parse_query(raw);
    // The review state, the page of entries and the chart: independent reads, side by side
    // on the read pool.
    let review = service::audit::review_state(state, auth);
    let (review_state, mut fetched) = match &parsed {
        Ok(q) => {
            let listing = match q.newer {
                Some(seq) => Filters {
                    order: Some("asc".into()),
                    cursor: Some(seq.to_string()),
                    ..q.filters.clone()
                },
                None => q.filters.clone(),
            };
            let (review_state, fetched) = tokio::join!(review, async {
                tokio::try_join!(
                    service::audit::page(state, auth, listing),
                    service::audit::activity(state, auth, q.filters.clone()),
                )
            });
            (review_state?, Some(fetched))
        }
        Err(_) => (review.await?, None),
    };
    let latest = review_state.latest.as_ref();
    let reviewed_through = latest.map_or(0, |r| r.through_seq);
    let last_seq = review_state.last_seq;
    let (q, notice) = match parsed {
        Ok(q) => {
            let n = extra.notice.or(notice(q.done.as_deref()));
            (Some(q), n)
        }
        Err(e) => {
            error = Some(e);
            (None, extra.notice)
        }
    };
    let mut rows = Vec::new();
    let (mut older, mut newer, mut stream, mut activity) = (None, None, None, None);
    let mut values = FilterValues::default();
    let mut fq = String::new();
    let mut quick = Vec::new();
    if let Some(q) = q {
        let f = &q.filters;
        values = FilterValues {
            action: f.action.clone().unwrap_or_default(),
            actor: f.actor.clone().unwrap_or_default(),
            target: f.target.clone().unwrap_or_default(),
            outcome: f.outcome.clone().unwrap_or_default(),
            since: f.since.clone().unwrap_or_default(),
            until: f.until.clone().unwrap_or_default(),
        };
        fq = filter_query(f, &[]);
        let now = state.now();
        quick = [
            ("Last hour", 3600),
            ("Last 24 hours", 86_400),
            ("Last 7 days", 7 * 86_400),
        ]
        .into_iter()
        .map(|(label, secs)| {
            let qs = filter_query(f, &[("since", Some(rfc3339(now - secs))), ("until", None)]);
            (label, url_with("/audit", &qs, None))
        })
        .collect();
        let first_page = q.newer.is_none() && f.cursor.is_none();
        let result = fetched.take().unwrap_or(Err(ApiError::NotFound));
        match result {
            Ok((page, chart)) => {
                let mut entries = page.entries;
                if q.newer.is_some() {
                    // Fetched oldest first from just above `newer`: shown newest first.
                    entries.reverse();
                    if page.next_cursor.is_some()
                        && let Some(first) = entries.first()
                    {
                        newer = Some(url_with(
                            "/audit",
                            &fq,
                            Some((NEWER, first.seq.to_string())),
                        ));
                    }
                    if let Some(last) = entries.last() {
                        older = Some(url_with(
                            "/audit",
                            &fq,
                            Some(("cursor", last.seq.to_string())),
                        ));
                    }
                } else {
                    if let Some(c) = &page.next_cursor {
                        older = Some(url_with("/audit", &fq, Some(("cursor", c.clone()))));
                    }
                    if !first_page && let Some(first) = entries.first() {
                        newer = Some(url_with(
                            "/audit",
                            &fq,
                            Some((NEWER, first.seq.to_string())),
                        ));
                    }
                }
                if first_page {
                    // Follows from the newest entry shown (or the log's end when none
                    // matched), so nothing written after this page is missed.
                    let after = entries.first().map_or(last_seq, |e| e.seq.max(last_seq));
                    let live = filter_query(
                        &Filters {
                            limit: None,
                            ..f.clone()
                        },
                        &[],
                    );
                    stream = Some(url_with(
                        "/audit/stream",
                        &live,
                        Some(("after", after.to_string())),
                    ));
                }
                rows = entries
                    .into_iter()
                    .map(|r| row(r, reviewed_through))
                    .collect();
                activity = Some(activity_view(
                    &chart,
                    f.since.as_deref().is_some_and(|s| !s.is_empty())
                        || f.until.as_deref().is_some_and(|s| !s.is_empty()),
                ));
            }
            Err(e) => error = Some(e),
        }
    }
    if let Some(e) = &error
        && matches!(e, ApiError::Unauthenticated | ApiError::Forbidden(_))
    {
        return Err(ConsoleError(error.unwrap_or(ApiError::NotFound)));
    }
    let status = error.as_ref().map_or(StatusCode::OK, ApiError::status);
    let msg = error.as_ref().map(super::guard::message);
    let this_url = url_with("/audit", raw.unwrap_or_default(), None);
    let view = AuditView {
        viewer: viewer(auth, &csrf, Some(Tab::Audit)),
        filters: values,
        filter_query: fq,
        rows,
        activity,
        older,
        newer,
        stream,
        this_url,
        last_seq,
        pending: review_state.pending,
        review: latest.map(|r| ReviewView {
            through_seq: r.through_seq,
            by: r.reviewed_by.clone(),
            at: rfc3339(r.reviewed_at),
        }),
        can_review: auth.can(Permission::AuditReview),
        verify: extra.verify,
        quick,
        notice,
        error: msg.as_deref(),
    };
    Ok(page(status, pages::audit(&view)))
}

pub(super) async fn audit(
    State(state): State<AppState>,
    Signed(auth): Signed,
    RawQuery(raw): RawQuery,
) -> PageResult {
    audit_page(&state, &auth, raw.as_deref(), Extra::default()).await
}

#[derive(Debug, Deserialize)]
pub(super) struct ReviewForm {
    csrf: String,
    #[serde(default)]
    through_seq: String,
}

/// Records a review through the entry posted (the API's `wt audit review --through`).
pub(super) async fn review(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<ReviewForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    auth.require(Permission::AuditReview)?;
    let through = match f.through_seq.trim().parse::<i64>() {
        Ok(n) => n,
        Err(_) => {
            let e = ApiError::Validation("through_seq: the number of an entry".into());
            return audit_page(
                &state,
                &auth,
                None,
                Extra {
                    error: Some(e),
                    ..Extra::default()
                },
            )
            .await;
        }
    };
    match service::audit::review(&state, &auth, &meta, Some(through)).await {
        Ok(_) => Ok(Redirect::to("/audit?done=reviewed").into_response()),
        Err(e @ (ApiError::Unauthenticated | ApiError::Forbidden(_))) => Err(e.into()),
        Err(e) => {
            audit_page(
                &state,
                &auth,
                None,
                Extra {
                    error: Some(e),
                    ..Extra::default()
                },
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct VerifyForm {
    csrf: String,
}

/// Recomputes the chain and shows the result on the page (the API's `wt audit verify`).
pub(super) async fn verify(
    State(state): State<AppState>,
    Signed(auth): Signed,
    Form(f): Form<VerifyForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let r = service::audit::verify(&state, &auth, Default::default()).await?;
    let verify = match r.first_bad_seq {
        Some(first_bad_seq) if !r.ok => VerifyView::Broken {
            first_bad_seq,
            entries: r.entries,
        },
        _ if r.ok => VerifyView::Ok { entries: r.entries },
        _ => VerifyView::Broken {
            first_bad_seq: 0,
            entries: r.entries,
        },
    };
    audit_page(
        &state,
        &auth,
        None,
        Extra {
            verify: Some(verify),
            ..Extra::default()
        },
    )
    .await
}

/// `GET /audit/stream`: the live view. The API's tail (`service::audit::Tail`) over the
/// session cookie, which it authenticates again every round; `id:` is the entry's
/// sequence number, so a reconnecting `EventSource` resumes after `Last-Event-ID` with no
/// gap and no duplicate. Each event's data is the row as the page renders it.
pub(super) async fn stream(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ConsoleError> {
    let last_event_id = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .ok_or_else(|| ApiError::Validation("Last-Event-ID: a sequence number".into()))
        })
        .transpose()?;
    let filters = crate::extract::parse_query::<Filters>(raw.as_deref().unwrap_or_default())
        .map_err(|e| ApiError::Validation(format!("filters: {e}")))?;
    let token = super::cookies::presented(&headers).ok_or(ApiError::Unauthenticated)?;
    let reviewed_through = service::audit::reviews(&state, &auth)
        .await?
        .first()
        .map_or(0, |r| r.through_seq);
    let csrf = csrf_token(&state, &auth.session.id);
    let can_review = auth.can(Permission::AuditReview);
    let tail = Tail::open(
        &state,
        &auth,
        meta,
        (token, Via::Cookie),
        filters,
        last_event_id,
    )
    .await?;
    let events = stream::unfold(tail, move |mut tail| {
        let csrf = csrf.clone();
        async move {
            let r = tail.next().await?;
            let id = r.seq.to_string();
            let html = pages::entry_row(&row(r, reviewed_through), &csrf, can_review).into_string();
            Some((Ok(Event::default().id(id).event("audit").data(html)), tail))
        }
    });
    Ok(Sse::new(events).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keepalive"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_fixed_text() {
        assert_eq!(notice(Some("<b>hi</b>")), None);
        assert!(notice(Some("reviewed")).is_some());
    }

    #[test]
    fn the_query_is_the_apis_filters_plus_the_consoles_paging() {
        let q = parse_query(Some(
            "action=auth.*&actor=a%40b.test&newer=12&done=reviewed",
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(q.filters.action.as_deref(), Some("auth.*"));
        assert_eq!(q.filters.actor.as_deref(), Some("a@b.test"));
        assert_eq!((q.newer, q.done.as_deref()), (Some(12), Some("reviewed")));
        // Unknown parameters are refused as the API refuses them.
        assert!(parse_query(Some("colour=red")).is_err());
        assert!(parse_query(Some("newer=x")).is_err());
        assert!(parse_query(Some("newer=3&cursor=4")).is_err());
        // Links keep the filters, not the page.
        let f = parse_query(Some("action=auth.*&outcome=failure&cursor=9"))
            .unwrap_or_else(|e| panic!("{e}"))
            .filters;
        assert_eq!(filter_query(&f, &[]), "action=auth.*&outcome=failure");
        assert_eq!(
            url_with("/audit", &filter_query(&f, &[]), Some((NEWER, "5".into()))),
            "/audit?action=auth.*&outcome=failure&newer=5"
        );
    }
}
