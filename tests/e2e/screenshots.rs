//! Every console page in real Chromium at a laptop's size (1280x800) and a phone's
//! (390x844): a full-page screenshot of each, kept as a CI artifact in
//! `target/test-artifacts/screenshots/<page>-<w>x<h>.png`; axe-core on each (no serious or
//! critical violation); and at 390 px no page scrolls sideways
//! (`document.documentElement.scrollWidth <= 390`).
//!
//! The pages are one table, [`PAGES`]: a name, who is signed in, and how to get there. A
//! new page is one more row.

use crate::harness::{Daemon, OWNER, PASSWORD, http};
use crate::hygiene::mailed_token;
use crate::mfa::{have_oathtool, oathtool};
use crate::webdriver::{Browser, require_axe, require_browser};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The sizes every page is shown at: a laptop, and a phone (the narrowest we support).
const SIZES: [(u32, u32); 2] = [(1280, 800), (390, 844)];

/// A viewer with MFA on: the MFA challenge, the Security tab with MFA, and a 403.
const VERA: &str = "vera@acme.test";
const NEWBIE: &str = "newbie@acme.test";

/// Who is signed in when a page is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum As {
    Nobody,
    /// The owner (no MFA yet: in the grace after setup).
    Owner,
    /// Vera, a viewer with MFA on (signed in with a TOTP code).
    Vera,
}

/// One page: its name in the file names, who sees it, and how the browser gets there
/// (already signed in as `who`).
struct Page {
    name: &'static str,
    who: As,
    open: fn(&World, &Browser),
}

/// Every console page. Keys and audit pages join here as rows.
const PAGES: &[Page] = &[
    Page {
        name: "login",
        who: As::Nobody,
        open: |w, b| b.goto(&w.d.url("/login")),
    },
    Page {
        name: "login-error",
        who: As::Nobody,
        open: |w, b| {
            b.goto(&w.d.url("/login"));
            b.fill("#email", OWNER);
            b.fill("#password", "not the password");
            b.submit_and_wait("#login-submit");
            assert_eq!(
                b.find("#password").attr("aria-invalid").as_deref(),
                Some("true")
            );
        },
    },
    Page {
        name: "forgot",
        who: As::Nobody,
        open: |w, b| b.goto(&w.d.url("/forgot")),
    },
    Page {
        name: "reset",
        who: As::Nobody,
        open: |w, b| {
            b.goto(&w.reset_link);
            b.find("#reset-form");
        },
    },
    Page {
        name: "invite",
        who: As::Nobody,
        open: |w, b| {
            b.goto(&w.invite_link);
            b.find("#invite-accept-form");
        },
    },
    Page {
        name: "mfa-challenge",
        who: As::Nobody,
        open: |w, b| {
            b.goto(&w.d.url("/login"));
            b.fill("#email", VERA);
            b.fill("#password", PASSWORD);
            b.submit_and_wait("#login-submit");
            b.find("#mfa-form");
        },
    },
    Page {
        name: "security-no-mfa",
        who: As::Owner,
        open: |w, b| {
            b.goto(&w.d.url("/security"));
            assert_eq!(b.find("#mfa-status").text(), "off");
        },
    },
    Page {
        name: "members",
        who: As::Owner,
        open: |w, b| b.goto(&w.d.url("/members")),
    },
    Page {
        name: "member",
        who: As::Owner,
        open: |w, b| {
            b.goto(&w.d.url(&format!("/members/{}", w.vera_id)));
            b.find("#member");
        },
    },
    Page {
        name: "invites",
        who: As::Owner,
        open: |w, b| b.goto(&w.d.url("/invites")),
    },
    Page {
        name: "allowed-ips",
        who: As::Owner,
        open: |w, b| b.goto(&w.d.url("/allowed-ips")),
    },
    Page {
        name: "allowed-ips-dry-run",
        who: As::Owner,
        open: |w, b| {
            b.goto(&w.d.url("/allowed-ips"));
            b.fill("#add_cidr", "10.0.0.0/8");
            b.fill("#add_note", "office VPN");
            b.submit_and_wait("#add-submit");
            b.find("#confirm-form");
        },
    },
    Page {
        name: "keys",
        who: As::Owner,
        open: |w, b| b.goto(&w.d.url("/keys")),
    },
    Page {
        name: "readiness",
        who: As::Owner,
        open: |w, b| b.goto(&w.d.url("/readiness")),
    },
    Page {
        name: "404",
        who: As::Owner,
        open: |w, b| {
            b.goto(&w.d.url("/no/such/page"));
            assert_eq!(
                b.find("#error-page").attr("data-status").as_deref(),
                Some("404")
            );
        },
    },
    Page {
        name: "security-mfa",
        who: As::Vera,
        open: |w, b| {
            b.goto(&w.d.url("/security"));
            assert_eq!(b.find("#mfa-status").text(), "on");
        },
    },
    Page {
        name: "403",
        who: As::Vera,
        open: |w, b| {
            b.goto(&w.d.url("/members"));
            assert_eq!(
                b.find("#error-page").attr("data-status").as_deref(),
                Some("403")
            );
        },
    },
];

/// The daemon and what the pages need: a live reset link, a live invite link, Vera.
struct World {
    d: Daemon,
    reset_link: String,
    invite_link: String,
    vera_id: String,
    vera_secret: String,
    /// The last TOTP step used for Vera (a code works once).
    vera_step: RefCell<u64>,
}

fn step_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / 30)
        .unwrap_or(0)
}

fn api(d: &Daemon, path: &str, body: Value, token: Option<&str>) -> (u16, Value) {
    let mut r = http().post(d.url(path)).json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().expect("request");
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

impl World {
    fn make() -> World {
        let d = Daemon::start();
        d.setup();
        let owner = d.login_token();
        // Vera: a viewer who turned MFA on.
        let (s, b) = api(
            &d,
            "/api/v1/orgs/invites",
            json!({"email": VERA, "role": "viewer"}),
            Some(&owner),
        );
        assert_eq!(s, 201, "{b}");
        let token = mailed_token(&d, VERA, "wti_");
        let (s, b) = api(
            &d,
            "/api/v1/invites/accept",
            json!({"token": token, "name": "Vera Viewer", "password": PASSWORD}),
            None,
        );
        assert_eq!(s, 201, "{b}");
        let (s, b) = api(
            &d,
            "/api/v1/auth/login",
            json!({"email": VERA, "password": PASSWORD, "client": "cli"}),
            None,
        );
        assert_eq!(s, 200, "{b}");
        let vera = b["token"].as_str().expect("token").to_string();
        let vera_id = b["session"]["user_id"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_default();
        let (s, e) = api(&d, "/api/v1/auth/mfa/totp/enroll", json!({}), Some(&vera));
        assert_eq!(s, 200, "{e}");
        let secret = e["secret"].as_str().expect("secret").to_string();
        let step = step_now() - 1;
        let (s, b) = api(
            &d,
            "/api/v1/auth/mfa/totp/confirm",
            json!({"code": oathtool(&secret, step)}),
            Some(&vera),
        );
        assert_eq!(s, 200, "{b}");
        // A pending invite, and a reset link for the owner.
        let (s, b) = api(
            &d,
            "/api/v1/orgs/invites",
            json!({"email": NEWBIE, "role": "analyst"}),
            Some(&owner),
        );
        assert_eq!(s, 201, "{b}");
        let invite = mailed_token(&d, NEWBIE, "wti_");
        let (s, b) = api(
            &d,
            "/api/v1/auth/password/forgot",
            json!({"email": OWNER}),
            None,
        );
        assert!((200..300).contains(&s), "{s} {b}");
        let reset = mailed_token(&d, OWNER, "wtr_");
        let vera_id = if vera_id.is_empty() {
            member_id(&d, &owner, VERA)
        } else {
            vera_id
        };
        World {
            reset_link: format!("{}/reset#token={reset}", d.base),
            invite_link: format!("{}/invite#token={invite}", d.base),
            d,
            vera_id,
            vera_secret: secret,
            vera_step: RefCell::new(step),
        }
    }

    /// Signs the browser out, then in as `who`.
    fn sign_in(&self, b: &Browser, who: As) {
        b.delete_cookies();
        let email = match who {
            As::Nobody => return,
            As::Owner => OWNER,
            As::Vera => VERA,
        };
        b.goto(&self.d.url("/login"));
        b.fill("#email", email);
        b.fill("#password", PASSWORD);
        b.submit_and_wait("#login-submit");
        if who == As::Vera {
            // A step after the last one used (a code works once).
            let last = *self.vera_step.borrow();
            let deadline = Instant::now() + Duration::from_secs(40);
            while step_now() <= last {
                assert!(Instant::now() < deadline, "the clock is stuck");
                std::thread::sleep(Duration::from_millis(200));
            }
            let step = step_now();
            *self.vera_step.borrow_mut() = step;
            b.fill("#code", &oathtool(&self.vera_secret, step));
            b.submit_and_wait("#mfa-submit");
        }
        assert!(
            b.current_url().ends_with("/security"),
            "signed in as {email}: {}",
            b.current_url()
        );
    }
}

fn member_id(d: &Daemon, owner: &str, email: &str) -> String {
    let r = http()
        .get(d.url("/api/v1/orgs/members"))
        .bearer_auth(owner)
        .send()
        .expect("members");
    let body: Value = r.json().expect("json");
    body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["email"] == email)
        .and_then(|m| m["user_id"].as_str().or(m["id"].as_str()))
        .expect("the member's id")
        .to_string()
}

/// Where the screenshots go: `target/test-artifacts/screenshots/`.
pub fn screenshots_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.ancestors()
        .nth(3)
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join("test-artifacts")
        .join("screenshots")
}

/// Makes the viewport `w` x `h` CSS pixels (a phone's when narrow: touch, the meta
/// viewport honoured), through the DevTools protocol chromedriver passes on.
pub fn set_viewport(b: &Browser, w: u32, h: u32) {
    b.session_cmd(
        http::Method::POST,
        "goog/cdp/execute",
        Some(json!({
            "cmd": "Emulation.setDeviceMetricsOverride",
            "params": {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": w < 600},
        })),
    );
}

/// The page's width in CSS pixels, as laid out (more than the viewport: it scrolls
/// sideways).
pub fn scroll_width(b: &Browser) -> u64 {
    b.execute("return document.documentElement.scrollWidth", vec![])
        .as_u64()
        .unwrap_or(u64::MAX)
}

/// What sticks out to the right of a `w` px viewport, for the failure message.
pub fn overflowing(b: &Browser, w: u32) -> Value {
    b.execute(
        "var w = arguments[0]; return Array.from(document.querySelectorAll('body *'))\
           .filter(function (e) { return e.getBoundingClientRect().right > w + 0.5; })\
           .slice(0, 8).map(function (e) {\
             return e.tagName + (e.id ? '#' + e.id : '') + ' ' + Math.round(e.getBoundingClientRect().right); })",
        vec![json!(w)],
    )
}

/// A full-page screenshot at `w` x `h`: the viewport is stretched to the page's height
/// for the shot, then set back.
fn full_page_screenshot(b: &Browser, w: u32, h: u32, path: &std::path::Path) {
    let height = b
        .execute("return document.documentElement.scrollHeight", vec![])
        .as_u64()
        .unwrap_or(u64::from(h))
        .clamp(u64::from(h), 6000);
    set_viewport(b, w, u32::try_from(height).unwrap_or(h));
    b.save_screenshot(path);
    set_viewport(b, w, h);
}

#[test]
fn every_console_page_at_both_sizes_is_accessible_fits_a_phone_and_is_kept_as_a_screenshot() {
    if !require_browser() {
        return;
    }
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed (Debian package oathtool)");
        return;
    }
    let axe = require_axe();
    let names: Vec<&str> = PAGES.iter().map(|p| p.name).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        names.len(),
        "page names are unique: {names:?}"
    );

    let w = World::make();
    let b = Browser::start();
    let dir = screenshots_dir();
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    let mut who = None;
    let mut problems = Vec::new();
    for page in PAGES {
        if who != Some(page.who) {
            set_viewport(&b, SIZES[0].0, SIZES[0].1);
            w.sign_in(&b, page.who);
            who = Some(page.who);
        }
        set_viewport(&b, SIZES[0].0, SIZES[0].1);
        (page.open)(&w, &b);
        for (width, height) in SIZES {
            set_viewport(&b, width, height);
            let path = dir.join(format!("{}-{width}x{height}.png", page.name));
            full_page_screenshot(&b, width, height, &path);
            assert!(
                std::fs::metadata(&path).is_ok_and(|m| m.len() > 1000),
                "{}",
                path.display()
            );
            if let Some(axe) = axe.as_deref() {
                let found = b.axe_violations(axe);
                if !found.is_empty() {
                    problems.push(format!(
                        "{} at {width}px: axe-core found {found:#?}",
                        page.name
                    ));
                }
            }
            let sw = scroll_width(&b);
            if sw > u64::from(width) {
                problems.push(format!(
                    "{} at {width}px is {sw}px wide: {}",
                    page.name,
                    overflowing(&b, width)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    eprintln!("screenshots of {} pages in {}", PAGES.len(), dir.display());
}
