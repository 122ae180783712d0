//! The console's HTML, as maud templates: every value is escaped by the template engine,
//! no page carries inline script or style (the Content-Security-Policy forbids both), and
//! every form posts to this server with the fields the handlers in `console` read.

//!
//! One file per page or flow (`login`, `token`, `invite`, `reset`, `security`, `members`,
//! `invites`, `keys`, `allowed_ips`, `readiness`, `audit`; `charts` draws the inline SVG
//! charts); the frame every page shares (head, header,
//! navigation, error pages) is here.

mod allowed_ips;
mod audit;
pub mod charts;
mod device;
mod invite;
mod invites;
mod keys;
mod login;
mod members;
pub mod passkeys;
mod readiness;
mod reset;
mod security;
mod token;

pub use allowed_ips::*;
pub use audit::*;
pub use charts::Bar;
pub use device::*;
pub use invite::*;
pub use invites::*;
pub use keys::*;
pub use login::*;
pub use members::*;
pub use readiness::*;
pub use reset::*;
pub use security::*;
pub use token::*;

use axum::http::StatusCode;
use maud::{DOCTYPE, Markup, html};

/// The tabs of the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Security,
    Members,
    Invites,
    Keys,
    AllowedIps,
    Readiness,
    Audit,
}

/// Who is signed in, for the page header, the navigation bar and the CSRF field of every
/// form.
pub struct Viewer<'a> {
    pub email: &'a str,
    pub org: &'a str,
    pub csrf: &'a str,
    /// The role may read the member list and invites (the permission matrix's
    /// `MembersRead`): the Members and Invites tabs are shown.
    pub members: bool,
    /// The role may read ingestion keys (`KeysRead`): the Ingestion keys tab.
    pub keys: bool,
    /// The role may read the allowed-IP list (`AllowedIpsRead`): the Allowed IPs tab.
    pub allowed_ips: bool,
    /// The role may read the readiness checklist (`ReadinessRead`): the Readiness tab.
    pub readiness: bool,
    /// The role may read the audit log (`AuditRead`): the Audit log tab.
    pub audit: bool,
    /// The tab this page belongs to (`aria-current`), if any.
    pub current: Option<Tab>,
}

fn layout(title: &str, viewer: Option<&Viewer<'_>>, body: Markup) -> Markup {
    layout_in(title, viewer, "", body)
}

/// [`layout`] with a class on `main` (`wide` for tables).
fn layout_in(title: &str, viewer: Option<&Viewer<'_>>, class: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · WatchTower" }
                link rel="icon" type="image/svg+xml" href="/favicon.svg";
                link rel="stylesheet" href="/console.css";
                script src="/console.js" defer {}
            }
            body {
                header {
                    a.brand href="/security" { "WatchTower" }
                    @if let Some(v) = viewer {
                        (nav(v))
                        span.who #who { (v.email) " · " (v.org) }
                        form #logout-form method="post" action="/logout" {
                            (csrf_field(v.csrf))
                            button.secondary #logout type="submit" { "Sign out" }
                        }
                    }
                }
                main class=[(!class.is_empty()).then_some(class)] { (body) }
            }
        }
    }
}

/// The tabs this member may open: Security always, the others where the permission
/// matrix lets their role read them.
fn nav(v: &Viewer<'_>) -> Markup {
    let mut tabs = vec![(Tab::Security, "/security", "Security")];
    if v.members {
        tabs.push((Tab::Members, "/members", "Members"));
        tabs.push((Tab::Invites, "/invites", "Invites"));
    }
    if v.keys {
        tabs.push((Tab::Keys, "/keys", "Keys"));
    }
    if v.allowed_ips {
        tabs.push((Tab::AllowedIps, "/allowed-ips", "Allowed IPs"));
    }
    if v.readiness {
        tabs.push((Tab::Readiness, "/readiness", "Readiness"));
    }
    if v.audit {
        tabs.push((Tab::Audit, "/audit", "Audit log"));
    }
    html! {
        nav #tabs aria-label="Console" {
            ul {
                @for (tab, href, label) in tabs {
                    li {
                        a href=(href) aria-current=[(v.current == Some(tab)).then_some("page")] { (label) }
                    }
                }
            }
        }
    }
}

fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// What went wrong with a form: the message, and the id of the input it is about (if it
/// is about one). Shown twice: in the alert above the form, and next to that input, which
/// is marked `aria-invalid` and points at it with `aria-describedby`.
#[derive(Debug, Clone, Copy)]
pub struct Problem<'a> {
    pub message: &'a str,
    pub field: Option<&'a str>,
}

impl<'a> Problem<'a> {
    /// A problem with the whole form (no one field).
    pub fn form(message: &'a str) -> Problem<'a> {
        Problem {
            message,
            field: None,
        }
    }

    /// A problem with the input whose id is `field`.
    pub fn at(field: &'a str, message: &'a str) -> Problem<'a> {
        Problem {
            message,
            field: Some(field),
        }
    }
}

/// How a form's inputs show its [`Problem`]: the attributes of an input and the message
/// after it. `Fields(None)` is a form with nothing wrong.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a>(pub Option<Problem<'a>>);

impl Fields<'_> {
    fn is(&self, id: &str) -> bool {
        self.0.and_then(|p| p.field) == Some(id)
    }

    /// `aria-invalid` of the input `id`.
    pub fn invalid(&self, id: &str) -> Option<&'static str> {
        self.is(id).then_some("true")
    }

    /// `aria-describedby` of the input `id`: its hint (`<id>-hint`, when it has one) and
    /// its error (`<id>-error`, when it is the one in error).
    pub fn described(&self, id: &str, hint: bool) -> Option<String> {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("{id}-hint"));
        }
        if self.is(id) {
            ids.push(format!("{id}-error"));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    /// Whether the input `id` takes the focus: the one in error, else the form's first.
    pub fn focus(&self, id: &str, first: bool) -> bool {
        match self.0.and_then(|p| p.field) {
            Some(f) => f == id,
            None => first,
        }
    }

    /// The message next to the input `id`, if the problem is about it.
    pub fn error(&self, id: &str) -> Markup {
        html! {
            @if let Some(p) = self.0.filter(|_| self.is(id)) {
                p.field-error id={ (id) "-error" } { (p.message) }
            }
        }
    }

    /// The alert above the form.
    pub fn summary(&self) -> Markup {
        error_box(self.0.map(|p| p.message))
    }
}

/// A point in time: `<time>` with the UTC instant in `datetime` and on hover (`title`),
/// shown in UTC; `console.js` rewrites the text to the viewer's own time zone. Every
/// page's times go through here. Text that is not an RFC 3339 time is shown as it is.
pub fn time(rfc3339: &str) -> Markup {
    let Some(t) = wt_core::clock::parse_rfc3339(rfc3339) else {
        return html! { (rfc3339) };
    };
    let utc = wt_core::clock::rfc3339(t);
    // "2026-12-06T11:00:05Z" -> "2026-12-06 11:00:05 UTC" (hover) and "... 11:00 UTC".
    let spaced = utc.trim_end_matches('Z').replacen('T', " ", 1);
    let short = spaced.get(..16).unwrap_or(&spaced);
    html! {
        time datetime=(utc) title={ (spaced) " UTC" } { (short) " UTC" }
    }
}

/// [`time`] of an optional instant, `none` when there is none.
pub fn time_or(rfc3339: Option<&str>, none: &str) -> Markup {
    match rfc3339 {
        Some(t) => time(t),
        None => html! { (none) },
    }
}

fn error_box(error: Option<&str>) -> Markup {
    html! {
        @if let Some(e) = error {
            div.error #error role="alert" { (e) }
        }
    }
}

fn notice_box(notice: Option<&str>) -> Markup {
    html! {
        @if let Some(n) = notice {
            p.notice #notice role="status" { (n) }
        }
    }
}

/// The password (and, with MFA on, a code) that a sensitive change is confirmed with.
fn step_up_fields(prefix: &str, code: bool, required: bool) -> Markup {
    step_up_fields_in(prefix, code, required, Fields(None))
}

/// [`step_up_fields`] showing a problem with one of them (`<prefix>_password`,
/// `<prefix>_code`).
fn step_up_fields_in(prefix: &str, code: bool, required: bool, f: Fields<'_>) -> Markup {
    let pw = format!("{prefix}_password");
    let cd = format!("{prefix}_code");
    html! {
        label for=(pw) { "Your password" }
        input id=(pw) type="password" name="password" autocomplete="current-password" required[required]
            aria-invalid=[f.invalid(&pw)] aria-describedby=[f.described(&pw, false)] autofocus[f.focus(&pw, false)];
        (f.error(&pw))
        @if code {
            label for=(cd) { "Code from your authenticator app" }
            input id=(cd) type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required[required]
                aria-invalid=[f.invalid(&cd)] aria-describedby=[f.described(&cd, false)] autofocus[f.focus(&cd, false)];
            (f.error(&cd))
        }
    }
}

/// A page with a title, a message and a way on.
pub fn message(title: &str, text: &str, link: (&str, &str), viewer: Option<&Viewer<'_>>) -> Markup {
    layout(
        title,
        viewer,
        html! {
            section #message {
                h1 { (title) }
                p { (text) }
                p { a href=(link.0) { (link.1) } }
            }
        },
    )
}

/// An error page for a request that has no form to show again; a 403 and a 404 say so
/// in their title.
pub fn error_page(status: StatusCode, text: &str, viewer: Option<&Viewer<'_>>) -> Markup {
    let title = match status {
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::FORBIDDEN => "Not allowed",
        _ => "Something went wrong",
    };
    layout(
        title,
        viewer,
        html! {
            section #error-page data-status=(status.as_u16()) {
                h1 { (title) }
                (error_box(Some(text)))
                p { a href="/security" { "Back to the console" } }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        let problem = Problem::at("email", "<script>alert(1)</script>");
        let page = login(Some(problem), "\"><img src=x>", "", false, "").into_string();
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(page.contains("&lt;script&gt;"));
        assert!(!page.contains("\"><img"));
    }

    #[test]
    fn a_field_error_is_tied_to_its_input() {
        let problem = Problem::at("password", "invalid email or password");
        let page = login(Some(problem), "a@b.test", "", false, "").into_string();
        assert!(page.contains("id=\"password-error\""), "{page}");
        let input = &page[page.find("id=\"password\"").unwrap_or(0)..];
        let input = &input[..input.find('>').unwrap_or(0)];
        assert!(input.contains("aria-invalid=\"true\""), "{input}");
        assert!(
            input.contains("aria-describedby=\"password-error\""),
            "{input}"
        );
        assert!(input.contains("autofocus"), "{input}");
        // The address is kept; the email input is not the one in error.
        let email = &page[page.find("id=\"email\"").unwrap_or(0)..];
        let email = &email[..email.find('>').unwrap_or(0)];
        assert!(email.contains("value=\"a@b.test\""), "{email}");
        assert!(
            !email.contains("aria-invalid") && !email.contains("autofocus"),
            "{email}"
        );
    }

    #[test]
    fn times_are_utc_with_a_machine_readable_instant() {
        let t = time("2026-12-06T11:00:05Z").into_string();
        assert_eq!(
            t,
            "<time datetime=\"2026-12-06T11:00:05Z\" title=\"2026-12-06 11:00:05 UTC\">2026-12-06 11:00 UTC</time>"
        );
        assert_eq!(time("never").into_string(), "never");
        assert_eq!(time_or(None, "never").into_string(), "never");
    }

    #[test]
    fn pages_carry_no_inline_script_or_style() {
        let viewer = Viewer {
            email: "a@b.test",
            org: "Acme",
            csrf: "c",
            members: true,
            keys: true,
            allowed_ips: true,
            readiness: true,
            audit: true,
            current: Some(Tab::Security),
        };
        let v = || Viewer {
            email: "a@b.test",
            org: "Acme",
            csrf: "c",
            members: true,
            keys: true,
            allowed_ips: true,
            readiness: true,
            audit: true,
            current: Some(Tab::Members),
        };
        let dry = wt_api::AllowedIpCheckResponse {
            cidrs: vec!["10.0.0.0/8".into()],
            caller_ip: "127.0.0.1".into(),
            caller_allowed: false,
            sessions: vec![],
            keys: vec![],
        };
        let report: wt_api::Readiness = serde_json::from_value(serde_json::json!({
            "ready": true,
            "checked_at": "2027-01-01T00:00:00Z",
            "org": {"id": "org_a", "slug": "acme", "name": "Acme"},
            "settings": {},
            "checks": [],
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let key: wt_api::ApiKey = serde_json::from_value(serde_json::json!({
            "id": "key_1", "name": "billing", "environment": "production",
            "prefix": "wtk_live_", "last4": "abcd", "status": "rotating",
            "owner": {"id": "u", "email": "a@b.test"},
            "created_by": {"id": "u", "email": "a@b.test"},
            "created_at": "2027-01-01T00:00:00Z", "expires_at": null, "revoked_at": null,
            "allowed_cidrs": [], "rotated_from": null, "rotated_to": "key_2",
            "grace_until": "2027-01-02T00:00:00Z", "last_used_at": null,
            "last_used_ip": null, "use_count": 0, "browser_use": null,
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let pages = [
            login(None, "", "", true, ""),
            login_mfa(None, "ch", true, ""),
            passkeys::ceremony(&passkeys::CeremonyView {
                viewer: None,
                title: "t",
                intro: "i",
                kind: passkeys::Ceremony::Get,
                options_json: "{\"publicKey\":{}}",
                action: "/login/passkey/finish",
                hidden: vec![("challenge", "c")],
                button: "b",
                back: ("/login", "back"),
                error: None,
            }),
            token_entry(TokenKind::Invite, None),
            recovery_codes(&viewer, &["a".into()], true),
            members(&MembersView {
                viewer: v(),
                rows: vec![],
                manage: true,
                notice: None,
                error: None,
            }),
            invites(&InvitesView {
                viewer: v(),
                rows: vec![],
                manage: true,
                grantable: vec!["viewer"],
                code: true,
                notice: None,
                error: None,
                csv: vec![],
                email: "",
                csv_text: "",
            }),
            allowed_ips(&AllowedIpsView {
                viewer: v(),
                entries: vec![],
                manage: true,
                notice: None,
                error: None,
                cidr: "",
                note: "",
            }),
            allowed_ips_dry_run(&DryRunView {
                viewer: v(),
                change: IpChange::Add {
                    cidr: "10.0.0.0/8",
                    note: "",
                },
                result: &dry,
                code: true,
                passkey: true,
                error: None,
            }),
            readiness(&ReadinessView {
                viewer: v(),
                report: &report,
                checks: vec![],
            }),
            keys(&KeysView {
                viewer: v(),
                sections: vec![KeySection {
                    environment: wt_api::Environment::Production,
                    rows: vec![KeyRow {
                        key: key.clone(),
                        sources: vec!["10.0.0.1".into()],
                        usage: vec![1; 168],
                    }],
                    next: Some("key_next".into()),
                    paged: true,
                }],
                one_environment: true,
                manage: true,
                notice: None,
                error: Some("x"),
                form: KeyForm {
                    error_field: Some("name"),
                    ..KeyForm::default()
                },
            }),
            key_secret(&SecretView {
                viewer: v(),
                key: &key,
                secret: "wtk_live_x",
                previous: Some(("key_old", "2027-01-01T00:00:00Z")),
            }),
            self::key(&KeyView {
                viewer: v(),
                key: &key,
                sources: &[],
                usage: &[0; 168],
                first_hour: 0,
                manage: true,
                notice: None,
                error: None,
            }),
            audit(&AuditView {
                viewer: v(),
                filters: FilterValues::default(),
                filter_query: String::new(),
                rows: vec![EntryRow {
                    seq: 1,
                    occurred_at: "2027-01-01T00:00:00Z".into(),
                    actor: "a@b.test".into(),
                    action: "auth.login.failed".into(),
                    target: None,
                    outcome: "failure".into(),
                    ip: Some("127.0.0.1".into()),
                    reviewed: false,
                }],
                activity: Some(ActivityView {
                    bar_name: "Hour (UTC)",
                    bars: vec![Bar {
                        label: "00:00".into(),
                        title: "2027-01-01 00:00 UTC".into(),
                        values: vec![1, 2, 3],
                    }],
                    range: "the last 24 hours".into(),
                    clipped: false,
                }),
                older: Some("/audit?cursor=1".into()),
                newer: None,
                stream: Some("/audit/stream?after=1".into()),
                this_url: "/audit".into(),
                last_seq: 1,
                pending: 1,
                review: None,
                can_review: true,
                verify: Some(VerifyView::Ok { entries: 1 }),
                quick: vec![],
                notice: None,
                error: None,
            }),
            error_page(StatusCode::NOT_FOUND, "x", None),
            security(&SecurityView {
                viewer,
                name: "A",
                role: "owner",
                mfa_enabled: true,
                totp: true,
                mfa_required: true,
                restricted: false,
                recovery_codes_remaining: 10,
                sessions: vec![],
                passkeys: passkeys::section(&passkeys::PasskeysView {
                    csrf: "c",
                    rows: vec![],
                    unavailable: None,
                    fresh: false,
                    totp: true,
                }),
                notice: None,
                error: None,
                failed: None,
                field: None,
            }),
        ];
        for p in pages {
            let s = p.into_string();
            assert_eq!(s.matches("<script").count(), 1, "only console.js: {s}");
            assert!(s.contains("<script src=\"/console.js\""));
            assert!(!s.contains("style=") && !s.contains("<style"), "{s}");
            for handler in ["onclick=", "onsubmit=", "onload=", "javascript:"] {
                assert!(!s.contains(handler), "{handler} in {s}");
            }
        }
    }
}
