//! The Security tab's polish, in real Chromium against a real `wtd` that sends its mail to
//! a real SMTP server: errors next to their field (`aria-invalid`, `aria-describedby`, the
//! focus there, the section left open, no secret typed back); recovery codes copied,
//! downloaded as a .txt made in the page and printed; times in the viewer's zone with UTC
//! on hover; "sign out all other sessions"; the sessions table on a 390 px phone; 3:1
//! input borders; the favicon under the page's CSP; and the security notices for a
//! recovery code's use and a sign-in from a new device, delivered over SMTP.

use crate::harness::{Daemon, OWNER, PASSWORD, http};
use crate::mfa::{SmtpSink, have_oathtool, oathtool};
use crate::screenshots::{overflowing, screenshots_dir, scroll_width, set_viewport};
use crate::webdriver::{Browser, require_axe, require_browser};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

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

fn assert_accessible(b: &Browser, axe: Option<&str>, what: &str) {
    if let Some(axe) = axe {
        let found = b.axe_violations(axe);
        assert!(found.is_empty(), "{what}: axe-core found {found:#?}");
    }
}

/// The focused element's id.
fn focused(b: &Browser) -> String {
    b.execute(
        "return document.activeElement && document.activeElement.id",
        vec![],
    )
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// `id` is marked invalid, described by its error message (shown), which says `says`.
fn assert_field_error(b: &Browser, id: &str, says: &str) {
    let input = b.find(&format!("#{id}"));
    assert_eq!(input.attr("aria-invalid").as_deref(), Some("true"), "{id}");
    let described = input.attr("aria-describedby").unwrap_or_default();
    assert!(
        described.split(' ').any(|d| d == format!("{id}-error")),
        "{id}: {described}"
    );
    let msg = b.find(&format!("#{id}-error")).text();
    assert!(msg.contains(says), "{id}: {msg}");
    assert_eq!(focused(b), id, "the focus is on the field in error");
    assert_eq!(
        input.property("value").unwrap_or_default(),
        "",
        "{id} is typed again, never sent back"
    );
}

/// WCAG relative luminance of an `rgb(r, g, b)` CSS colour.
fn luminance(css: &str) -> f64 {
    let parts: Vec<f64> = css
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .take(3)
        .map(|p| p.trim().parse::<f64>().expect("a colour channel") / 255.0)
        .map(|c| {
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        })
        .collect();
    0.2126 * parts[0] + 0.7152 * parts[1] + 0.0722 * parts[2]
}

fn contrast(a: &str, b: &str) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[test]
fn the_security_tab_polish_works_in_a_browser_and_its_notices_arrive_over_smtp() {
    if !require_browser() {
        return;
    }
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed (Debian package oathtool)");
        return;
    }
    let Some(smtp) = SmtpSink::start() else {
        if std::env::var("WT_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("python3 -m aiosmtpd is needed (pip install aiosmtpd)");
        }
        eprintln!("SKIPPED: python3 -m aiosmtpd is not installed (pip install aiosmtpd)");
        return;
    };
    let axe = require_axe();
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let d = Daemon::start_with(&[
        "--smtp-url",
        &url,
        "--mail-from",
        "WatchTower <security@acme.test>",
    ]);
    d.setup();
    let b = Browser::start();

    // The favicon: an SVG with a long cache, linked from every page, allowed by the CSP.
    let icon = http().get(d.url("/favicon.svg")).send().expect("favicon");
    assert_eq!(icon.status().as_u16(), 200);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    let cache = icon.headers()["cache-control"].to_str().unwrap_or_default();
    assert!(cache.contains("max-age=31536000"), "{cache}");
    assert!(icon.text().unwrap_or_default().starts_with("<svg"));

    // Login: a wrong password is an error at the password; the address stays.
    b.goto(&d.url("/login"));
    assert_eq!(
        b.find("link[rel=icon]").attr("href").as_deref(),
        Some("/favicon.svg")
    );
    let loaded = b.execute_async(
        "var done = arguments[0]; var i = new Image();\
         i.onload = function () { done(i.naturalWidth > 0); };\
         i.onerror = function () { done(false); }; i.src = '/favicon.svg';",
        vec![],
    );
    assert_eq!(loaded, json!(true), "the page's CSP lets the favicon load");
    b.fill("#email", OWNER);
    b.fill("#password", "not the password at all");
    b.submit_and_wait("#login-submit");
    assert_field_error(&b, "password", "invalid email or password");
    assert_eq!(
        b.find("#email").property("value").as_deref(),
        Some(OWNER),
        "the address is kept"
    );
    assert!(!b.source().contains("not the password at all"));
    assert_accessible(&b, axe.as_deref(), "the login page with an error");
    b.fill("#password", PASSWORD);
    b.submit_and_wait("#login-submit");
    assert!(
        b.current_url().ends_with("/security"),
        "{}",
        b.current_url()
    );

    // Input borders: at least 3:1 against the white they sit on.
    let border = b
        .execute(
            "return getComputedStyle(document.getElementById('current_password')).borderTopColor",
            vec![],
        )
        .as_str()
        .unwrap_or_default()
        .to_string();
    let ratio = contrast(&border, "rgb(255, 255, 255)");
    assert!(ratio >= 3.0, "input border {border}: {ratio:.2}:1");

    // A wrong current password: at that field, the password section's values gone.
    b.fill("#current_password", "a wrong current one");
    b.fill("#new_password", "a fresh and rather long passphrase 2026");
    b.fill(
        "#new_password_confirm",
        "a fresh and rather long passphrase 2026",
    );
    b.submit_and_wait("#password-submit");
    assert_field_error(&b, "current_password", "current password is not right");
    assert_eq!(
        b.find("#new_password").property("value").as_deref(),
        Some("")
    );
    assert_accessible(&b, axe.as_deref(), "the Security tab with a field error");

    // Times: UTC in the markup and on hover, the viewer's zone on screen.
    b.session_cmd(
        http::Method::POST,
        "goog/cdp/execute",
        Some(json!({"cmd": "Emulation.setTimezoneOverride", "params": {"timezoneId": "Asia/Kolkata"}})),
    );
    b.goto(&d.url("/security"));
    let t = b.find("#sessions-table time");
    let datetime = t.attr("datetime").unwrap_or_default();
    let title = t.attr("title").unwrap_or_default();
    assert!(datetime.ends_with('Z'), "{datetime}");
    assert!(title.ends_with(" UTC"), "{title}");
    let shown = t.text();
    assert!(!shown.contains("UTC"), "rewritten to local time: {shown}");
    assert!(
        shown.contains("GMT+5:30") || shown.contains("IST"),
        "in the viewer's zone: {shown}"
    );

    // MFA on from the tab: the recovery codes page's Copy, Download and Print.
    b.submit_and_wait("#mfa-enroll");
    let secret = b.find("#secret").text().replace(' ', "");
    b.fill("#code", &oathtool(&secret, step_now() - 1));
    b.submit_and_wait("#confirm-submit");
    let codes: Vec<String> = b
        .find_all("#recovery-codes li")
        .iter()
        .map(|e| e.text())
        .collect();
    assert_eq!(codes.len(), 10);
    assert!(
        b.find("#code-actions").attr("hidden").is_none(),
        "shown by console.js"
    );
    assert_accessible(&b, axe.as_deref(), "the recovery codes page");
    let href = b.find("#codes-download").attr("href").unwrap_or_default();
    assert!(href.starts_with("blob:"), "made in the page: {href}");
    assert_eq!(
        b.find("#codes-download").attr("download").as_deref(),
        Some("watchtower-recovery-codes.txt")
    );
    // Downloaded for real: the browser saves the .txt into a folder of ours.
    let downloads = tempfile::tempdir().expect("downloads dir");
    b.session_cmd(
        http::Method::POST,
        "goog/cdp/execute",
        Some(json!({"cmd": "Browser.setDownloadBehavior", "params": {
            "behavior": "allow",
            "downloadPath": downloads.path().to_string_lossy(),
        }})),
    );
    b.click("#codes-download");
    let saved = downloads.path().join("watchtower-recovery-codes.txt");
    b.wait_for("the .txt to be saved", |_| {
        std::fs::read_to_string(&saved).is_ok_and(|t| t.contains(codes[9].as_str()))
    });
    let file = std::fs::read_to_string(&saved).expect("the downloaded codes");
    for c in &codes {
        assert!(file.contains(c.as_str()), "{c} in the .txt: {file}");
    }
    assert!(file.contains(OWNER), "{file}");
    b.session_cmd(
        http::Method::POST,
        "goog/cdp/execute",
        Some(json!({"cmd": "Browser.grantPermissions", "params": {
            "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
        }})),
    );
    b.click("#codes-copy");
    b.wait_for("the copy to be announced", |b| {
        !b.find("#codes-status").text().is_empty()
    });
    assert_eq!(b.find("#codes-status").text(), "Copied to the clipboard.");
    let clip = b.execute_async(
        "var done = arguments[0]; navigator.clipboard.readText().then(done, function (e) { done('failed: ' + e); });",
        vec![],
    );
    assert!(
        clip.as_str().is_some_and(|c| c.contains(codes[9].as_str())),
        "the clipboard holds the codes: {clip}"
    );
    b.execute(
        "window.print = function () { window.__printed = true; };",
        vec![],
    );
    b.click("#codes-print");
    assert_eq!(
        b.execute("return window.__printed === true", vec![]),
        json!(true)
    );
    // Print hides the page's chrome and buttons.
    let hidden_in_print = b.execute(
        "return Array.from(document.styleSheets).some(function (s) {\
           return Array.from(s.cssRules).some(function (r) {\
             return r.media && r.media.mediaText === 'print' && r.cssText.indexOf('.code-actions') >= 0; }); })",
        vec![],
    );
    assert_eq!(hidden_in_print, json!(true));
    b.submit_and_wait("#continue");

    // A refused turn-off keeps its section open with the reason: the owner's role requires
    // a second factor and this is the last one (refused before any secret is checked).
    assert!(b.find("#disable").attr("open").is_none());
    b.click("#disable summary");
    b.fill("#disable_password", "wrong wrong wrong");
    b.fill("#disable_code", "123456");
    b.submit_and_wait("#mfa-disable-form button");
    assert!(
        b.find("#disable").attr("open").is_some(),
        "the section stays open"
    );
    assert!(b.find("#recovery").attr("open").is_none());
    let reason = b.find("#error").text();
    assert!(
        reason.contains("last second factor and your role requires one"),
        "{reason}"
    );
    assert_eq!(b.find("#mfa-status").text(), "on");
    assert_accessible(&b, axe.as_deref(), "a failed step-up");

    // A sign-in with a recovery code from a new device (the CLI): both notices arrive.
    let (s, r) = api(
        &d,
        "/api/v1/auth/login",
        json!({"email": OWNER, "password": PASSWORD, "client": "cli"}),
        None,
    );
    assert_eq!(s, 200, "{r}");
    let (s, r) = api(
        &d,
        "/api/v1/auth/mfa/verify",
        json!({"challenge": r["challenge"], "recovery_code": codes[0]}),
        None,
    );
    assert_eq!(s, 200, "{r}");
    let cli = r["token"].as_str().expect("token").to_string();
    let mails = smtp
        .wait_for(|m| {
            let joined = m.join("\n---\n").replace("=\r\n", "").replace("=\n", "");
            (joined.contains("A recovery code was used (9 left)")
                && joined.contains("A sign-in from a new device"))
            .then_some(joined)
        })
        .unwrap_or_else(|| panic!("notices not delivered: {:?}\n{}", smtp.messages(), d.log()));
    assert!(mails.contains(&format!("To: {OWNER}")), "{mails}");
    assert!(!mails.contains(codes[0].as_str()), "never the code itself");
    assert!(mails.contains("Unknown device"), "{mails}");

    // Sign out all other sessions: the CLI's ends, this browser stays.
    b.goto(&d.url("/security"));
    assert!(
        b.find("#revoke-others-hint")
            .text()
            .contains("1 other session")
    );
    b.submit_and_wait("#revoke-others");
    assert!(
        b.find("#notice")
            .text()
            .contains("other sessions are signed out"),
        "{}",
        b.source()
    );
    assert!(b.current_url().contains("/security"));
    let gone = http()
        .get(d.url("/api/v1/auth/session"))
        .bearer_auth(&cli)
        .send()
        .expect("request");
    assert_eq!(gone.status().as_u16(), 401);
    assert!(!b.exists("#revoke-others"), "no other session left");

    // The sessions table on a phone: no sideways scroll, each row a block.
    let (s, _) = api(
        &d,
        "/api/v1/auth/login",
        json!({"email": OWNER, "password": PASSWORD, "client": "cli"}),
        None,
    );
    assert_eq!(s, 200);
    set_viewport(&b, 390, 844);
    b.refresh();
    let sw = scroll_width(&b);
    assert!(sw <= 390, "{sw}px wide: {}", overflowing(&b, 390));
    let display = b.execute(
        "return getComputedStyle(document.querySelector('#sessions-table td')).display",
        vec![],
    );
    assert_eq!(display, json!("block"));
    let path = screenshots_dir().join("security-sessions-390x844.png");
    b.save_screenshot(&path);
    assert_accessible(&b, axe.as_deref(), "the Security tab at 390 px");
}
