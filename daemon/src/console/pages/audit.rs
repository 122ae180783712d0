//! The Audit log tab: the filters of `wt audit list`, the activity chart (entries per
//! hour by outcome), the entries page by page with a live view that adds new ones at the
//! top (`console.js`, Server-Sent Events; without JavaScript, a refresh link), marking the
//! log reviewed through an entry, and verifying the hash chain.

use super::charts::{Bar, Series, StackedBars, stacked_bars};
use super::{Viewer, csrf_field, error_box, layout_in, notice_box};
use maud::{Markup, html};

/// One entry as the table shows it.
pub struct EntryRow {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub ip: Option<String>,
    /// A review covers it (its `seq` is at or below the latest review's).
    pub reviewed: bool,
}

/// What the filter form shows (the values as typed).
#[derive(Default)]
pub struct FilterValues {
    pub action: String,
    pub actor: String,
    pub target: String,
    pub outcome: String,
    pub since: String,
    pub until: String,
}

/// The chart's data, ready to draw.
pub struct ActivityView {
    /// "Hour (UTC)" or "Day (UTC)".
    pub bar_name: &'static str,
    pub bars: Vec<Bar>,
    /// Describes the range: "the last 24 hours", "2027-01-01T00:00:00Z to ...".
    pub range: String,
    pub clipped: bool,
}

/// The chain check's result, shown after "Verify the chain".
pub enum VerifyView {
    Ok { entries: u64 },
    Broken { first_bad_seq: i64, entries: u64 },
}

/// The latest review, if any.
pub struct ReviewView {
    pub through_seq: i64,
    pub by: String,
    /// RFC 3339, UTC.
    pub at: String,
}

pub struct AuditView<'a> {
    pub viewer: Viewer<'a>,
    pub filters: FilterValues,
    /// The filters as a query string (`action=...&actor=...`), for links that keep them.
    pub filter_query: String,
    pub rows: Vec<EntryRow>,
    /// `None` when the filters were refused (`error` says why).
    pub activity: Option<ActivityView>,
    /// Links to the next pages: `?cursor=` (older) and `?newer=` (newer).
    pub older: Option<String>,
    pub newer: Option<String>,
    /// Where the live view starts (`/audit/stream?...&after=N`): on the first page only.
    pub stream: Option<String>,
    /// This page's own address (the refresh link).
    pub this_url: String,
    pub last_seq: i64,
    /// Entries no review covers yet (the latest review's own record aside).
    pub pending: i64,
    pub review: Option<ReviewView>,
    /// The role may record reviews (`AuditReview`).
    pub can_review: bool,
    pub verify: Option<VerifyView>,
    /// Quick ranges: (label, href).
    pub quick: Vec<(&'static str, String)>,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
}

const SERIES: [Series<'static>; 3] = [
    Series {
        key: "success",
        label: "Success",
    },
    Series {
        key: "failure",
        label: "Failure",
    },
    Series {
        key: "denied",
        label: "Denied",
    },
];

fn outcome_cell(outcome: &str) -> Markup {
    html! {
        span class={ "badge badge-" (outcome) } { (outcome) }
    }
}

/// One row of the entries table; the live view sends rows rendered by this too.
pub fn entry_row(r: &EntryRow, csrf: &str, can_review: bool) -> Markup {
    html! {
        tr id={ "entry-" (r.seq) } data-seq=(r.seq) data-outcome=(r.outcome) {
            td.seq { (r.seq) }
            td { (super::time(&r.occurred_at)) }
            td.actor { (r.actor) }
            td.action { code { (r.action) } }
            td.target { @if let Some(t) = &r.target { (t) } @else { span.status-muted { "—" } } }
            td.outcome { (outcome_cell(&r.outcome)) }
            td.ip { @if let Some(ip) = &r.ip { (ip) } @else { span.status-muted { "—" } } }
            td.reviewed {
                @if r.reviewed {
                    span.status-on { "reviewed" }
                } @else if can_review {
                    form.inline method="post" action="/audit/review" {
                        (csrf_field(csrf))
                        input type="hidden" name="through_seq" value=(r.seq);
                        button.secondary type="submit" {
                            "Reviewed through here"
                            span.visually-hidden { " (entry " (r.seq) ")" }
                        }
                    }
                } @else {
                    span.status-muted { "not yet" }
                }
            }
        }
    }
}

fn filter_form(f: &FilterValues) -> Markup {
    let field = |id: &str, label: &str, value: &str, hint: &str| {
        let hint_id = format!("{id}-hint");
        html! {
            div.field {
                label for=(id) { (label) }
                input id=(id) type="text" name=(id) value=(value) aria-describedby=(hint_id) autocomplete="off";
                p.hint id=(hint_id) { (hint) }
            }
        }
    };
    html! {
        form #audit-filters method="get" action="/audit" {
            div.filters {
                (field("action", "Action", &f.action, "Exact, or a prefix: auth.*"))
                (field("actor", "Actor", &f.actor, "Email or id"))
                (field("target", "Target", &f.target, "Target id"))
                div.field {
                    label for="outcome" { "Outcome" }
                    select #outcome name="outcome" aria-describedby="outcome-hint" {
                        @for (v, l) in [("", "Any"), ("success", "Success"), ("failure", "Failure"), ("denied", "Denied")] {
                            option value=(v) selected[f.outcome == v] { (l) }
                        }
                    }
                    p.hint #outcome-hint { "Any, or one" }
                }
                (field("since", "From", &f.since, "UTC: 2027-01-15T00:00:00Z"))
                (field("until", "Until (not included)", &f.until, "Empty: now"))
            }
            div.filter-actions {
                button #filter-submit type="submit" { "Apply filters" }
                a href="/audit" { "Clear" }
            }
        }
    }
}

fn verify_box(v: &VerifyView) -> Markup {
    html! {
        @match v {
            VerifyView::Ok { entries } => {
                p.notice #verify-result role="status" data-ok="true" {
                    "The chain verifies: " (entries) " entries, none changed, removed or reordered since they were written."
                }
            }
            VerifyView::Broken { first_bad_seq, entries } => {
                div.error #verify-result role="alert" data-ok="false" data-first-bad=(first_bad_seq) {
                    "The chain is broken at entry " (first_bad_seq) ": it, or what links to it, was changed, removed or reordered after it was written ("
                    (entries) " entries checked). Keep a copy of the database and investigate."
                }
            }
        }
    }
}

pub fn audit(v: &AuditView<'_>) -> Markup {
    let csrf = v.viewer.csrf;
    layout_in(
        "Audit log",
        Some(&v.viewer),
        "wide",
        html! {
            h1 { "Audit log" }
            (notice_box(v.notice))
            (error_box(v.error))
            @if let Some(r) = &v.verify { (verify_box(r)) }
            @if let Some(a) = &v.activity {
                section #activity-section aria-labelledby="activity-title-h" {
                    h2 #activity-title-h { "Activity" }
                    p.hint #activity-range {
                        "Entries per " (a.bar_name.split(' ').next().unwrap_or("hour").to_lowercase())
                        " by outcome, " (a.range) "."
                        @if a.clipped { " The range is longer than the chart shows: only its newest part is drawn." }
                    }
                    (stacked_bars(&StackedBars {
                        id: "activity",
                        title: "Audit entries by outcome",
                        bar_name: a.bar_name,
                        series: &SERIES,
                        bars: &a.bars,
                    }))
                }
            }
            section #audit-filter-section aria-labelledby="filters-title" {
                h2 #filters-title { "Filters" }
                (filter_form(&v.filters))
                p.quick {
                    "Quick ranges: "
                    @for (i, (label, href)) in v.quick.iter().enumerate() {
                        @if i > 0 { " · " }
                        a href=(href) { (label) }
                    }
                }
            }
            section #review-section aria-labelledby="review-title" {
                h2 #review-title { "Review and integrity" }
                p #review-state {
                    @if let Some(r) = &v.review {
                        "Reviewed through entry " strong { (r.through_seq) } " by " (r.by) " at " (r.at.replace('T', " ").replace('Z', " UTC")) "."
                        @if v.pending > 0 {
                            " " strong.status-off #unreviewed-count { (v.pending) " newer " @if v.pending == 1 { "entry" } @else { "entries" } " not reviewed yet." }
                        } @else {
                            " " span.status-on { "Nothing new since." }
                        }
                    } @else {
                        strong.status-off { "The log was never reviewed." }
                    }
                }
                div.actions {
                    @if v.can_review && v.pending > 0 {
                        form #review-all method="post" action="/audit/review" {
                            (csrf_field(csrf))
                            input type="hidden" name="through_seq" value=(v.last_seq);
                            button type="submit" { "Mark everything reviewed (through entry " (v.last_seq) ")" }
                        }
                    }
                    form #verify-form method="post" action="/audit/verify" {
                        (csrf_field(csrf))
                        button.secondary type="submit" { "Verify the chain" }
                    }
                }
                p.hint { "Verifying recomputes every entry's hash: an entry changed, removed or reordered after it was written breaks the chain there." }
            }
            section #entries-section aria-labelledby="entries-title" {
                h2 #entries-title { "Entries" }
                div.live {
                    @if v.stream.is_some() {
                        p #live-status role="status" { "New entries appear when you refresh the page." }
                    }
                    a #refresh href=(v.this_url) { "Refresh" }
                }
                div.table-scroll role="region" aria-labelledby="entries-title" tabindex="0" {
                    table #audit-table data-stream=[v.stream.as_deref()] {
                        caption.visually-hidden { "Audit entries, newest first" }
                        thead {
                            tr {
                                th scope="col" { "#" }
                                th scope="col" { "Time (UTC)" }
                                th scope="col" { "Actor" }
                                th scope="col" { "Action" }
                                th scope="col" { "Target" }
                                th scope="col" { "Outcome" }
                                th scope="col" { "Address" }
                                th scope="col" { "Reviewed" }
                            }
                        }
                        tbody {
                            @for r in &v.rows { (entry_row(r, csrf, v.can_review)) }
                        }
                    }
                }
                @if v.rows.is_empty() {
                    p #no-entries { "No entries match these filters." }
                }
                nav.pager aria-label="Pages of entries" {
                    @if let Some(href) = &v.newer {
                        a #newer rel="prev" href=(href) { "← Newer" }
                        " "
                        a #newest href={ "/audit" @if !v.filter_query.is_empty() { "?" (v.filter_query) } } { "Newest" }
                    }
                    " "
                    @if let Some(href) = &v.older {
                        a #older rel="next" href=(href) { "Older →" }
                    }
                }
            }
        },
    )
}
