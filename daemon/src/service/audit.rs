//! The audit log as members read it: filtered pages, the chain check, reviews, and the
//! live tail. Nothing here updates or deletes an entry (the store's triggers refuse it).

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Use, Via, authenticate_as};
use crate::state::AppState;
use std::collections::VecDeque;
use std::time::Duration;
use wt_core::audit::{AuditEvent, AuditRecord, ChainReport, actions};
use wt_core::clock::{parse_rfc3339, rfc3339};
use wt_core::ids;
use wt_core::permissions::Permission;
use wt_store::{AuditBucket, AuditQuery, AuditReviewRecord};

/// Largest page.
const MAX_LIMIT: u32 = 1000;
/// Default page.
const DEFAULT_LIMIT: u32 = 50;
/// How often an idle tail looks for new entries (a fraction of a second: tail latency).
const TAIL_POLL: Duration = Duration::from_millis(200);
/// Entries fetched per tail round.
const TAIL_BATCH: u32 = 200;

/// Query parameters of the list and the stream (the API's and the console's, read by the
/// same code; the console also writes them back into its links and its filter form).
#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreviewed: Option<bool>,
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

/// One page of entries, newest first unless the filters ask otherwise.
pub struct EntryPage {
    pub entries: Vec<AuditRecord>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A page of the org's audit log matching `filters`.
pub async fn page(state: &AppState, auth: &Auth, filters: Filters) -> Result<EntryPage, ApiError> {
    auth.require(Permission::AuditRead)?;
    let mut q = to_query(state, &auth.org.id, filters).await?;
    let limit = q.limit;
    // One extra row says whether there is a next page.
    q.limit = limit + 1;
    let mut entries = state.store.audit_query(&auth.org.id, q).await?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next_cursor = if more {
        entries.last().map(|r| r.seq.to_string())
    } else {
        None
    };
    Ok(EntryPage {
        entries,
        next_cursor,
    })
}

/// The outcomes an entry can have, in the order the activity chart stacks them.
pub const OUTCOMES: [&str; 3] = ["success", "failure", "denied"];
/// The activity chart's range when the filters set none: the last day.
const ACTIVITY_DEFAULT: i64 = 24 * HOUR;
/// Ranges up to this long are counted per hour, longer ones per day.
const ACTIVITY_HOURLY_MAX: i64 = 72 * HOUR;
/// The longest range the chart covers (the newest part of a longer one).
pub const ACTIVITY_MAX_DAYS: i64 = 92;
const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

/// Entries per time bucket and outcome over a range: the console's activity chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub bucket: AuditBucket,
    /// The first bucket's start (Unix time, UTC, on the hour or the day).
    pub start: i64,
    /// Seconds per bucket.
    pub step: i64,
    /// The range counted: `since` inclusive, `until` exclusive.
    pub since: i64,
    pub until: i64,
    /// Per bucket, the count of each of [`OUTCOMES`].
    pub counts: Vec<[u64; 3]>,
    /// The filters asked for a longer range than [`ACTIVITY_MAX_DAYS`]: only its newest
    /// part is counted.
    pub clipped: bool,
}

/// The chart's range for the filters' `since`/`until` (RFC 3339, already valid): the
/// last day when neither is set, up to now (included) when `until` is not; at most
/// [`ACTIVITY_MAX_DAYS`] long. Returns `(since, until, clipped)`.
fn activity_range(since: Option<i64>, until: Option<i64>, now: i64) -> (i64, i64, bool) {
    // Up to and including the current second (`until` is exclusive).
    let until = until.unwrap_or(now + 1);
    // By default the last day from the start of its first hour: the first bucket is a
    // whole hour (summed from the per-hour counts, not counted from the entries).
    let since = since.unwrap_or_else(|| {
        let day_ago = until - ACTIVITY_DEFAULT;
        day_ago - day_ago.rem_euclid(HOUR)
    });
    let earliest = until - ACTIVITY_MAX_DAYS * DAY;
    (since.max(earliest), until, since < earliest)
}

/// The bucket a range is counted in, its length, and the buckets' first start and count.
fn activity_buckets(since: i64, until: i64) -> (AuditBucket, i64, i64, usize) {
    let (bucket, step) = if until - since <= ACTIVITY_HOURLY_MAX {
        (AuditBucket::Hour, HOUR)
    } else {
        (AuditBucket::Day, DAY)
    };
    if until <= since {
        return (bucket, step, since - since.rem_euclid(step), 0);
    }
    let start = since - since.rem_euclid(step);
    let n = (until - start + step - 1) / step;
    (bucket, step, start, usize::try_from(n).unwrap_or(0))
}

/// Counts the entries matching `filters` (their action, actor, target and outcome) per
/// hour, or per day for ranges over three days, and outcome, over the filters' time
/// range or the last day. The database counts (`AuditStore::audit_activity`).
pub async fn activity(
    state: &AppState,
    auth: &Auth,
    filters: Filters,
) -> Result<Activity, ApiError> {
    auth.require(Permission::AuditRead)?;
    // A page's cursor moves through the entries, not the chart; `after` and `unreviewed`
    // select entries and count.
    let paged = filters.cursor.as_deref().is_some_and(|c| !c.is_empty());
    let mut q = to_query(state, &auth.org.id, filters).await?;
    if paged {
        if q.ascending {
            q.after_seq = None;
        } else {
            q.before_seq = None;
        }
    }
    let parse = |v: &Option<String>| v.as_deref().and_then(parse_rfc3339);
    // Up to now when the filters set no end: entries are stamped when appended, so none is
    // later, and the store can take the current hour from its per-hour counts too.
    let open_ended = parse(&q.until).is_none();
    let (since, until, clipped) = activity_range(parse(&q.since), parse(&q.until), state.now());
    let (bucket, step, start, n) = activity_buckets(since, until);
    let mut counts = vec![[0u64; 3]; n];
    if n > 0 {
        q.since = Some(rfc3339(since));
        q.until = (!open_ended).then(|| rfc3339(until));
        let suffix = match bucket {
            AuditBucket::Hour => ":00:00Z",
            AuditBucket::Day => "T00:00:00Z",
        };
        for row in state.store.audit_activity(&auth.org.id, q, bucket).await? {
            let at = parse_rfc3339(&format!("{}{suffix}", row.bucket));
            let slot = at.and_then(|t| usize::try_from((t - start) / step).ok());
            let kind = OUTCOMES.iter().position(|o| *o == row.outcome);
            if let (Some(i), Some(k)) = (slot, kind)
                && let Some(c) = counts.get_mut(i)
            {
                c[k] += u64::try_from(row.count).unwrap_or(0);
            }
        }
    }
    Ok(Activity {
        bucket,
        start,
        step,
        since,
        until,
        counts,
        clipped,
    })
}

/// `GET /orgs/audit-logs/verify` options.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyParams {
    /// Threads to hash with (1 when absent); at most this machine's cores.
    pub jobs: Option<u32>,
}

/// Threads a verification may use: what was asked, at most the cores (a caller cannot
/// make the daemon start more threads than it has cores).
pub fn verify_jobs(asked: Option<u32>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    asked.map_or(1, |j| j as usize).clamp(1, cores)
}

/// Recomputes the org's hash chain.
pub async fn verify(
    state: &AppState,
    auth: &Auth,
    params: VerifyParams,
) -> Result<ChainReport, ApiError> {
    auth.require(Permission::AuditRead)?;
    if params.jobs == Some(0) {
        return Err(ApiError::Validation("jobs: at least 1".into()));
    }
    Ok(state
        .store
        .verify_audit_jobs(&auth.org.id, verify_jobs(params.jobs))
        .await?)
}

/// Records that the caller reviewed the log through `through_seq` (default: the latest
/// entry).
pub async fn review(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    through_seq: Option<i64>,
) -> Result<AuditReviewRecord, ApiError> {
    auth.require(Permission::AuditReview)?;
    let last = state.store.audit_last_seq(&auth.org.id).await?;
    let through = through_seq.unwrap_or(last);
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
    Ok(review)
}

/// Where the org's review stands: the latest review, the newest entry, and how many
/// entries no review covers yet.
#[derive(Debug, Clone)]
pub struct ReviewState {
    pub latest: Option<AuditReviewRecord>,
    pub last_seq: i64,
    /// Entries after the latest review, not counting that review's own record (a review
    /// writes one entry after the entry it covers; counting it would leave every review
    /// one entry behind).
    pub pending: i64,
}

/// The review state the console shows above the log.
pub async fn review_state(state: &AppState, auth: &Auth) -> Result<ReviewState, ApiError> {
    auth.require(Permission::AuditRead)?;
    let latest = state
        .store
        .audit_reviews(&auth.org.id)
        .await?
        .into_iter()
        .next();
    let last_seq = state.store.audit_last_seq(&auth.org.id).await?;
    let through = latest.as_ref().map_or(0, |r| r.through_seq);
    let mut pending = last_seq - through;
    if let Some(r) = &latest
        && pending == 1
    {
        let next = state.store.audit_entries(&auth.org.id, through, 1).await?;
        let own_record = next.first().is_some_and(|e| {
            e.action == actions::AUDIT_REVIEWED && e.target.as_ref().is_some_and(|t| t.id == r.id)
        });
        if own_record {
            pending = 0;
        }
    }
    Ok(ReviewState {
        latest,
        last_seq,
        pending,
    })
}

/// The org's reviews, newest first.
pub async fn reviews(state: &AppState, auth: &Auth) -> Result<Vec<AuditReviewRecord>, ApiError> {
    auth.require(Permission::AuditRead)?;
    Ok(state.store.audit_reviews(&auth.org.id).await?)
}

/// A live tail of the log: entries oldest first, from after a given sequence number.
/// Before every round it authenticates the credential it was opened with again
/// (SECURITY.md J.66), so a logout, removal, demotion, revocation or allowed-IP change
/// ends it; so does the daemon's shutdown.
pub struct Tail {
    state: AppState,
    credential: (String, Via),
    meta: ClientMeta,
    org_id: String,
    query: AuditQuery,
    buffered: VecDeque<AuditRecord>,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

impl Tail {
    /// Opens a tail from after `Last-Event-ID` (`last_event_id`), else `after`, else from
    /// now. `credential` is the token the request was authenticated with.
    pub async fn open(
        state: &AppState,
        auth: &Auth,
        meta: ClientMeta,
        credential: (String, Via),
        filters: Filters,
        last_event_id: Option<i64>,
    ) -> Result<Tail, ApiError> {
        auth.require(Permission::AuditRead)?;
        if filters.limit.is_some() || filters.cursor.is_some() || filters.order.is_some() {
            return Err(ApiError::Validation(
                "the stream takes filters and `after`, not limit, cursor or order".into(),
            ));
        }
        let explicit_start = last_event_id.or(filters.after);
        let mut query = to_query(state, &auth.org.id, filters).await?;
        query.ascending = true;
        query.limit = TAIL_BATCH;
        query.after_seq = Some(match explicit_start {
            Some(s) => s,
            None => state.store.audit_last_seq(&auth.org.id).await?,
        });
        Ok(Tail {
            credential,
            meta,
            shutdown: state.shutdown.subscribe(),
            state: state.clone(),
            org_id: auth.org.id.clone(),
            query,
            buffered: VecDeque::new(),
        })
    }

    /// The next entry, waiting for one; `None` when the tail ends.
    pub async fn next(&mut self) -> Option<AuditRecord> {
        loop {
            if let Some(r) = self.buffered.pop_front() {
                self.query.after_seq = Some(r.seq);
                return Some(r);
            }
            if *self.shutdown.borrow() || !self.still_allowed().await {
                return None;
            }
            match self
                .state
                .store
                .audit_query(&self.org_id, self.query.clone())
                .await
            {
                Ok(rows) if !rows.is_empty() => self.buffered.extend(rows),
                Ok(_) => {
                    tokio::select! {
                        _ = tokio::time::sleep(TAIL_POLL) => {}
                        _ = self.shutdown.changed() => return None,
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "audit stream query failed");
                    return None;
                }
            }
        }
    }

    /// Whether the tail's credential still works, for its org, with the right to read the
    /// audit log.
    async fn still_allowed(&self) -> bool {
        let (tok, via) = &self.credential;
        match authenticate_as(&self.state, tok, *via, &self.meta, Use::Recheck).await {
            Ok(auth) => auth.org.id == self.org_id && auth.require(Permission::AuditRead).is_ok(),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_800_000_000; // 2027-01-15T08:00:00Z

    #[test]
    fn the_chart_covers_the_last_day_unless_the_filters_say_otherwise() {
        // From the start of the hour a day ago: the first bucket is whole.
        assert_eq!(activity_range(None, None, T + 5), (T - DAY, T + 6, false));
        assert_eq!(
            activity_range(None, None, T + HOUR - 1),
            (T + HOUR - DAY, T + HOUR, false)
        );
        assert_eq!(
            activity_range(Some(T - HOUR), None, T),
            (T - HOUR, T + 1, false)
        );
        assert_eq!(activity_range(None, Some(T), T + DAY), (T - DAY, T, false));
        let long = activity_range(Some(T - 400 * DAY), Some(T), T);
        assert_eq!(long, (T - ACTIVITY_MAX_DAYS * DAY, T, true));
    }

    #[test]
    fn buckets_are_hours_up_to_three_days_then_days() {
        // 24 hours from 08:30: 25 hour buckets from 08:00.
        let (b, step, start, n) = activity_buckets(T + 1800, T + 1800 + DAY);
        assert_eq!((b, step, start, n), (AuditBucket::Hour, HOUR, T, 25));
        // Exactly on the hour: 24.
        assert_eq!(activity_buckets(T, T + DAY).3, 24);
        assert_eq!(activity_buckets(T, T + 72 * HOUR).0, AuditBucket::Hour);
        let (b, step, start, n) = activity_buckets(T, T + 72 * HOUR + 1);
        assert_eq!((b, step), (AuditBucket::Day, DAY));
        assert_eq!(start, T - 8 * HOUR, "midnight UTC");
        assert_eq!(n, 4);
        // An empty or reversed range has no bucket.
        assert_eq!(activity_buckets(T, T).3, 0);
        assert_eq!(activity_buckets(T, T - 5).3, 0);
    }
}
