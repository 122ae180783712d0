//! The Ingestion keys tab: the keys per environment with their last use, sources and a
//! week of requests per hour as a sparkline; a page per key with the larger chart, the
//! addresses it is used from (refreshed live by `console.js` while a rotation's grace
//! runs), and for owners and admins the forms to create, rotate and revoke, each rotate
//! and revoke confirmed by a box that names the key. A new secret is shown once, on the
//! answer to the form that made it.

use super::charts::{hourly_chart, sparkline};
use super::{Viewer, csrf_field, error_box, layout, layout_in, notice_box};
use maud::{Markup, html};
use wt_api::{ApiKey, ApiKeyStatus, Environment, KeySource};

/// Grace periods offered when rotating: (seconds, label).
pub const GRACE_CHOICES: [(u64, &str); 4] = [
    (0, "None: the old key stops working now"),
    (3600, "1 hour"),
    (86_400, "24 hours"),
    (7 * 86_400, "7 days"),
];

/// Lifetimes offered for a new key: (form value, label).
pub const EXPIRY_CHOICES: [(&str, &str); 4] = [
    ("never", "Never"),
    ("30d", "In 30 days"),
    ("90d", "In 90 days"),
    ("365d", "In one year"),
];

/// One key in the list.
pub struct KeyRow {
    pub key: ApiKey,
    /// Addresses it was used from (most recent first).
    pub sources: Vec<String>,
    /// Requests per hour, the last 7 days, oldest first.
    pub usage: Vec<u64>,
}

impl From<ApiKey> for KeyRow {
    /// A key as the list call returns it with `include=usage`.
    fn from(mut key: ApiKey) -> Self {
        let usage = key.usage.take();
        let (usage, sources) =
            usage.map_or_else(Default::default, |u| (u.requests_per_hour, u.sources));
        KeyRow {
            key,
            sources,
            usage,
        }
    }
}

/// One environment's keys on the list: a page of them.
pub struct KeySection {
    pub environment: Environment,
    pub rows: Vec<KeyRow>,
    /// The next page's cursor, when there are more keys.
    pub next: Option<String>,
    /// This is a later page (a link back to the first is shown).
    pub paged: bool,
}

/// What the create form showed when posted (kept after an error).
#[derive(Default)]
pub struct KeyForm<'a> {
    pub name: &'a str,
    pub environment: &'a str,
    pub owner_email: &'a str,
    pub expires: &'a str,
    pub cidrs: &'a str,
    /// The field the error is about, if it is about one.
    pub error_field: Option<&'static str>,
}

pub struct KeysView<'a> {
    pub viewer: Viewer<'a>,
    pub sections: Vec<KeySection>,
    /// Only one environment is shown (`?environment=`).
    pub one_environment: bool,
    /// The role may manage keys: the create form is shown.
    pub manage: bool,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
    pub form: KeyForm<'a>,
}

/// The key as people recognise it: its prefix, an ellipsis and its last four characters.
pub fn key_mask(k: &ApiKey) -> String {
    format!("{}…{}", k.prefix, k.last4)
}

fn status_key(s: ApiKeyStatus) -> &'static str {
    match s {
        ApiKeyStatus::Active => "active",
        ApiKeyStatus::Rotating => "rotating",
        ApiKeyStatus::Expired => "expired",
        ApiKeyStatus::Revoked => "revoked",
    }
}

fn status_badge(s: ApiKeyStatus) -> Markup {
    let k = status_key(s);
    html! { span class={ "badge badge-key-" (k) } data-status=(k) { (k) } }
}

/// A time as every page shows it ([`super::time`]).
fn when(t: &str) -> Markup {
    super::time(t)
}

fn opt_when(t: Option<&str>, none: &str) -> Markup {
    match t {
        Some(t) => when(t),
        None => html! { span.status-muted { (none) } },
    }
}

fn env_label(e: Environment) -> &'static str {
    match e {
        Environment::Production => "Production",
        Environment::Sandbox => "Sandbox",
    }
}

/// A wide table that scrolls sideways on a narrow screen (focusable, so keyboards can
/// scroll it too).
fn scroller(label: &str, body: Markup) -> Markup {
    html! {
        div.table-scroll role="region" aria-label=(label) tabindex="0" { (body) }
    }
}

fn keys_table(env: Environment, rows: &[&KeyRow]) -> Markup {
    let label = env_label(env);
    html! {
        (scroller(&format!("{label} keys"), html! {
            table.keys-table #{ "keys-" (env.as_str()) } {
                caption.visually-hidden { (label) " keys" }
                thead {
                    tr {
                        th scope="col" { "Name" }
                        th scope="col" { "Key" }
                        th scope="col" { "Status" }
                        th scope="col" { "Owner" }
                        th scope="col" { "Created" }
                        th scope="col" { "Expires" }
                        th scope="col" { "Last used" }
                        th scope="col" { "Requests" }
                        th scope="col" { "Sources seen" }
                        th scope="col" { "Last 7 days" }
                    }
                }
                tbody {
                    @for r in rows {
                        @let k = &r.key;
                        tr data-key-id=(k.id) data-status=(status_key(k.status)) {
                            th scope="row" { a href={ "/keys/" (k.id) } { (k.name) } }
                            td { code.key-mask { (key_mask(k)) } }
                            td { (status_badge(k.status)) }
                            td { (k.owner.email) }
                            td { (when(&k.created_at)) }
                            td { (opt_when(k.expires_at.as_deref(), "never")) }
                            td.last-used {
                                @match (&k.last_used_at, &k.last_used_ip) {
                                    (Some(t), ip) => {
                                        (when(t))
                                        @if let Some(ip) = ip { br; span.hint { "from " (ip) } }
                                    }
                                    _ => span.status-muted { "never" },
                                }
                            }
                            td.use-count { (k.use_count) }
                            td.sources {
                                @if r.sources.is_empty() {
                                    span.status-muted { "none" }
                                } @else {
                                    (r.sources.len()) " "
                                    span.hint { "(" (r.sources.iter().take(3).cloned().collect::<Vec<_>>().join(", ")) @if r.sources.len() > 3 { ", …" } ")" }
                                }
                            }
                            td.usage { (sparkline(&r.usage, &format!("Requests per hour to {}", k.name))) }
                        }
                    }
                }
            }
        }))
    }
}

/// Marks a field that the error is about.
fn invalid(f: &KeyForm<'_>, field: &str) -> Option<&'static str> {
    f.error_field.is_some_and(|e| e == field).then_some("true")
}

fn create_form(v: &KeysView<'_>) -> Markup {
    let f = &v.form;
    let described = |field: &str| {
        if f.error_field.is_some_and(|e| e == field) {
            format!("key_{field}_hint error")
        } else {
            format!("key_{field}_hint")
        }
    };
    let env = if f.environment.is_empty() {
        "production"
    } else {
        f.environment
    };
    let owner = if f.owner_email.is_empty() {
        v.viewer.email
    } else {
        f.owner_email
    };
    html! {
        section #create-key {
            h2 { "Create a key" }
            form #create-key-form method="post" action="/keys" {
                (csrf_field(v.viewer.csrf))
                label for="key_name" { "Name" }
                input #key_name type="text" name="name" required maxlength="100" value=(f.name)
                    autocomplete="off" aria-describedby=(described("name")) aria-invalid=[invalid(f, "name")];
                p.hint #key_name_hint { "What sends with it, e.g. billing-service." }
                label for="key_environment" { "Environment" }
                select #key_environment name="environment" aria-describedby=(described("environment")) aria-invalid=[invalid(f, "environment")] {
                    @for e in [Environment::Production, Environment::Sandbox] {
                        option value=(e.as_str()) selected[env == e.as_str()] { (env_label(e)) }
                    }
                }
                p.hint #key_environment_hint { "Production keys start wtk_live_, sandbox keys wtk_test_." }
                label for="key_owner_email" { "Owner (a member's email)" }
                input #key_owner_email type="email" name="owner_email" required value=(owner)
                    autocomplete="off" aria-describedby=(described("owner_email")) aria-invalid=[invalid(f, "owner_email")];
                p.hint #key_owner_email_hint { "The member responsible for rotating it." }
                label for="key_expires" { "Expires" }
                select #key_expires name="expires" aria-describedby=(described("expires")) aria-invalid=[invalid(f, "expires")] {
                    @for (value, label) in EXPIRY_CHOICES {
                        option value=(value) selected[f.expires == value] { (label) }
                    }
                }
                p.hint #key_expires_hint { "After that it stops working; rotate it before." }
                label for="key_cidrs" { "Allowed source addresses (optional)" }
                textarea #key_cidrs name="allowed_cidrs" rows="2" autocomplete="off"
                    aria-describedby=(described("allowed_cidrs")) aria-invalid=[invalid(f, "allowed_cidrs")] { (f.cidrs) }
                p.hint #key_allowed_cidrs_hint { "CIDRs, one per line or separated by commas, e.g. 203.0.113.0/24. Empty: wherever the org's allowed IPs permit." }
                button #create-key-submit type="submit" { "Create key" }
            }
        }
    }
}

pub fn keys(v: &KeysView<'_>) -> Markup {
    layout_in(
        "Ingestion keys",
        Some(&v.viewer),
        "wide",
        html! {
            h1 { "Ingestion keys" }
            (notice_box(v.notice))
            (error_box(v.error))
            @if v.one_environment {
                p { a #all-environments href="/keys" { "← All environments" } }
            }
            @for sec in &v.sections {
                @let env = sec.environment;
                @let rows: Vec<&KeyRow> = sec.rows.iter().collect();
                section #{ "env-" (env.as_str()) } {
                    h2 { (env_label(env)) }
                    @if rows.is_empty() {
                        p.status-muted { "No " (env_label(env).to_lowercase()) " keys" @if sec.paged { " after these" } "." }
                    } @else {
                        (keys_table(env, &rows))
                    }
                    @if sec.next.is_some() || sec.paged {
                        nav.pager aria-label={ (env_label(env)) " key pages" } {
                            @if sec.paged {
                                a href={ "/keys?environment=" (env.as_str()) } { "First page" }
                            }
                            @if let Some(next) = &sec.next {
                                a rel="next" href={ "/keys?environment=" (env.as_str()) "&cursor=" (next) } {
                                    "More " (env_label(env).to_lowercase()) " keys →"
                                }
                            }
                        }
                    }
                }
            }
            @if v.manage { (create_form(v)) }
        },
    )
}

/// A newly made secret, on the answer to the form that made it (never in a URL, never
/// cached).
pub struct SecretView<'a> {
    pub viewer: Viewer<'a>,
    pub key: &'a ApiKey,
    pub secret: &'a str,
    /// After a rotation: the old key and when it stops working.
    pub previous: Option<(&'a str, &'a str)>,
}

pub fn key_secret(v: &SecretView<'_>) -> Markup {
    let k = v.key;
    let title = if v.previous.is_some() {
        "Key rotated"
    } else {
        "Key created"
    };
    layout(
        title,
        Some(&v.viewer),
        html! {
            h1 { (title) }
            section #secret-box {
                p.notice role="status" {
                    @if v.previous.is_some() { "The new key for " } @else { "The key " }
                    strong { (k.name) } " (" (env_label(k.environment)) ") is ready."
                }
                label for="key-secret" { "The secret: shown this once" }
                input #key-secret.secret type="text" readonly value=(v.secret) spellcheck="false"
                    autocomplete="off" aria-describedby="key-secret-hint";
                p.hint #key-secret-hint {
                    "Copy it into your secret manager now: WatchTower keeps only a keyed hash and cannot show it again. "
                    "It is sent as " code { "Authorization: Bearer <key>" } "."
                }
                button.secondary #copy-secret type="button" data-copy-target="key-secret" hidden { "Copy" }
                span #copy-status role="status" {}
            }
            @if let Some((old_id, until)) = v.previous {
                section #rotation {
                    h2 { "The old key" }
                    p { "It keeps working until " (when(until)) ". Switch your senders to the new key, then "
                        a #watch-old href={ "/keys/" (old_id) } { "watch where the old key is still used from" } "." }
                }
            }
            p { a #to-key href={ "/keys/" (k.id) } { "Go to " (k.name) } " · " a href="/keys" { "All keys" } }
        },
    )
}

/// The addresses a key was used from, as the key page shows them and as its live refresh
/// (`/keys/{id}/sources`) sends them.
pub fn key_sources(sources: &[KeySource], still: bool) -> Markup {
    html! {
        div #sources-live {
            @if sources.is_empty() {
                p #no-sources.status-muted { "No requests yet." }
            } @else {
                (scroller("Source addresses", html! {
                    table #sources-table {
                        caption.visually-hidden { @if still { "Still used from" } @else { "Used from" } }
                        thead {
                            tr {
                                th scope="col" { "Address" }
                                th scope="col" { "First seen" }
                                th scope="col" { "Last seen" }
                                th scope="col" { "Requests" }
                            }
                        }
                        tbody {
                            @for s in sources {
                                tr data-ip=(s.ip) {
                                    th scope="row" { code { (s.ip) } }
                                    td { (when(&s.first_seen_at)) }
                                    td { (when(&s.last_seen_at)) }
                                    td.count { (s.count) }
                                }
                            }
                        }
                    }
                }))
            }
        }
    }
}

pub struct KeyView<'a> {
    pub viewer: Viewer<'a>,
    pub key: &'a ApiKey,
    pub sources: &'a [KeySource],
    pub usage: &'a [u64],
    /// The start of the first hour of `usage`.
    pub first_hour: i64,
    pub manage: bool,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
}

pub fn key(v: &KeyView<'_>) -> Markup {
    let k = v.key;
    let csrf = v.viewer.csrf;
    let who = format!("{} ({})", k.name, key_mask(k));
    let rotating = k.status == ApiKeyStatus::Rotating;
    let live = matches!(k.status, ApiKeyStatus::Active | ApiKeyStatus::Rotating);
    layout_in(
        &k.name,
        Some(&v.viewer),
        "wide",
        html! {
            p { a href="/keys" { "← All keys" } }
            h1 { (k.name) " " (status_badge(k.status)) }
            (notice_box(v.notice))
            (error_box(v.error))
            section #key data-key-id=(k.id) data-status=(status_key(k.status)) {
                dl.facts {
                    dt { "Key" } dd { code #key-mask { (key_mask(k)) } }
                    dt { "Environment" } dd { (env_label(k.environment)) }
                    dt { "Status" } dd #key-status { (status_key(k.status)) }
                    @if let Some(g) = &k.grace_until {
                        @if rotating {
                            dt { "Grace ends" } dd #grace-end { (when(g)) " (then the old key stops working)" }
                        }
                    }
                    @if let Some(r) = &k.revoked_at { dt { "Revoked" } dd #revoked-at { (when(r)) } }
                    @if let Some(to) = &k.rotated_to { dt { "Replaced by" } dd { a #rotated-to href={ "/keys/" (to) } { "the new key" } } }
                    @if let Some(from) = &k.rotated_from { dt { "Replaces" } dd { a #rotated-from href={ "/keys/" (from) } { "the previous key" } } }
                    dt { "Owner" } dd { (k.owner.email) }
                    dt { "Created" } dd { (when(&k.created_at)) " by " (k.created_by.email) }
                    dt { "Expires" } dd { (opt_when(k.expires_at.as_deref(), "never")) }
                    dt { "Allowed from" } dd {
                        @if k.allowed_cidrs.is_empty() { "wherever the org's allowed IPs permit" }
                        @else { (k.allowed_cidrs.join(", ")) }
                    }
                    dt { "Last used" } dd #last-used {
                        @match &k.last_used_at {
                            Some(t) => { (when(t)) @if let Some(ip) = &k.last_used_ip { " from " code { (ip) } } }
                            None => "never",
                        }
                    }
                    dt { "Requests" } dd #use-count { (k.use_count) }
                    @if let Some(b) = &k.browser_use {
                        dt { "From browsers" } dd { (b.count) " requests, last " (when(&b.last_seen_at)) }
                    }
                }
            }
            section #usage {
                h2 { "Requests per hour" }
                (hourly_chart(v.usage, v.first_hour, &k.name, "usage-chart"))
            }
            section #sources {
                h2 #sources-heading { @if rotating { "Still used from" } @else { "Used from" } }
                @if rotating {
                    p.hint { "Each address that sent with this key. Refreshed every few seconds while the grace runs; reload the page to refresh without JavaScript." }
                }
                div #sources-poll data-poll=[live.then(|| format!("/keys/{}/sources", k.id))] aria-live=[rotating.then_some("polite")] {
                    (key_sources(v.sources, rotating))
                }
            }
            @if v.manage && k.status == ApiKeyStatus::Active && k.rotated_to.is_none() {
                section #rotate {
                    h2 { "Rotate" }
                    p.hint { "Makes a new secret with the same environment, owner and allowed addresses. The old one keeps working for the grace period, so senders can switch without a gap." }
                    form #rotate-form method="post" action={ "/keys/" (k.id) "/rotate" } {
                        (csrf_field(csrf))
                        label for="rotate_grace" { "The old key keeps working for" }
                        select #rotate_grace name="grace" {
                            @for (secs, label) in GRACE_CHOICES {
                                option value=(secs) selected[secs == 86_400] { (label) }
                            }
                        }
                        p.confirm {
                            input #rotate_confirm type="checkbox" name="confirm" value="yes" required;
                            " "
                            label.inline for="rotate_confirm" { "Rotate " (who) }
                        }
                        button #rotate-submit type="submit" { "Rotate " (k.name) }
                    }
                }
            }
            @if v.manage && k.status != ApiKeyStatus::Revoked {
                section #revoke {
                    h2 { "Revoke" }
                    p.hint { "It stops working at once, for every sender; this cannot be undone." }
                    form #revoke-form method="post" action={ "/keys/" (k.id) "/revoke" } {
                        (csrf_field(csrf))
                        p.confirm {
                            input #revoke_confirm type="checkbox" name="confirm" value="yes" required;
                            " "
                            label.inline for="revoke_confirm" { "Revoke " (who) " now" }
                        }
                        button.danger #revoke-submit type="submit" { "Revoke " (k.name) }
                    }
                }
            }
        },
    )
}
