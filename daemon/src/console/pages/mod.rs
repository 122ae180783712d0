//! The console's HTML, as maud templates: every value is escaped by the template engine,
//! no page carries inline script or style (the Content-Security-Policy forbids both), and
//! every form posts to this server with the fields the handlers in `console` read.

//!
//! One file per page or flow (`login`, `token`, `invite`, `reset`, `security`, `members`,
//! `invites`, `allowed_ips`, `readiness`); the frame every page shares (head, header,
//! navigation, error pages) is here.

mod allowed_ips;
mod invite;
mod invites;
mod login;
mod members;
pub mod passkeys;
mod readiness;
mod reset;
mod security;
mod token;

pub use allowed_ips::*;
pub use invite::*;
pub use invites::*;
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
    AllowedIps,
    Readiness,
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
    /// The role may read the allowed-IP list (`AllowedIpsRead`): the Allowed IPs tab.
    pub allowed_ips: bool,
    /// The role may read the readiness checklist (`ReadinessRead`): the Readiness tab.
    pub readiness: bool,
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
    if v.allowed_ips {
        tabs.push((Tab::AllowedIps, "/allowed-ips", "Allowed IPs"));
    }
    if v.readiness {
        tabs.push((Tab::Readiness, "/readiness", "Readiness"));
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
    html! {
        label for={ (prefix) "_password" } { "Your password" }
        input id={ (prefix) "_password" } type="password" name="password" autocomplete="current-password" required[required];
        @if code {
            label for={ (prefix) "_code" } { "Code from your authenticator app" }
            input id={ (prefix) "_code" } type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required[required];
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
        let page = login(Some("<script>alert(1)</script>"), "\"><img src=x>", false).into_string();
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(page.contains("&lt;script&gt;"));
        assert!(!page.contains("\"><img"));
    }

    #[test]
    fn pages_carry_no_inline_script_or_style() {
        let viewer = Viewer {
            email: "a@b.test",
            org: "Acme",
            csrf: "c",
            members: true,
            allowed_ips: true,
            readiness: true,
            current: Some(Tab::Security),
        };
        let v = || Viewer {
            email: "a@b.test",
            org: "Acme",
            csrf: "c",
            members: true,
            allowed_ips: true,
            readiness: true,
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
        let pages = [
            login(None, "", true),
            login_mfa(None, "ch", true),
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
                error: None,
            }),
            readiness(&ReadinessView {
                viewer: v(),
                report: &report,
                checks: vec![],
            }),
            error_page(StatusCode::NOT_FOUND, "x", None),
            security(&SecurityView {
                viewer,
                name: "A",
                role: "owner",
                mfa_enabled: true,
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
