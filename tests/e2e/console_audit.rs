//! The Audit log tab in a real browser (headless Chromium through WebDriver) against a
//! real `wtd`: an owner opens the tab, sees the activity chart, and follows the log live
//! while the real `wt` CLI invites someone (the entry appears at the top of the table
//! without a reload, through the page's EventSource); filters by an action prefix; sees
//! the Readiness tab's audit item fail, marks the log reviewed through the newest entry,
//! and sees the item pass; verifies the chain. axe-core finds no serious or critical
//! violation at 1280x800 and 390x844; screenshots of both are kept as artifacts
//! (`target/test-artifacts/screenshots/audit-*.png`).

use crate::harness::{Daemon, OWNER, PASSWORD, http};
use crate::webdriver::{Browser, require_axe, require_browser};
use serde_json::{Value, json};
use std::path::PathBuf;

/// Where test artifacts go: `target/test-artifacts/` next to the binaries.
fn artifact(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let target = exe
        .ancestors()
        .nth(3)
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    target.join("test-artifacts").join(name)
}

fn assert_accessible(b: &Browser, axe: Option<&str>, what: &str) {
    if let Some(axe) = axe {
        let found = b.axe_violations(axe);
        assert!(found.is_empty(), "{what}: axe-core found {found:#?}");
    }
}

fn window(b: &Browser, width: u32, height: u32) {
    b.session_cmd(
        http::Method::POST,
        "window/rect",
        Some(json!({"width": width, "height": height})),
    );
}

fn scroll_to(b: &Browser, id: &str) {
    b.execute(
        "document.getElementById(arguments[0]).scrollIntoView();",
        vec![json!(id)],
    );
}

fn failed_login(d: &Daemon) {
    let r = http()
        .post(d.url("/api/v1/auth/login"))
        .json(&json!({"email": OWNER, "password": "not the password 1", "client": "cli"}))
        .send()
        .expect("login");
    assert_eq!(r.status().as_u16(), 401);
}

/// The actions of the table's rows, top to bottom.
fn actions(b: &Browser) -> Vec<String> {
    b.execute(
        "return Array.from(document.querySelectorAll('#audit-table tbody tr td.action'))\
           .map(function (td) { return td.textContent; })",
        vec![],
    )
    .as_array()
    .cloned()
    .unwrap_or_default()
    .into_iter()
    .map(|v| v.as_str().unwrap_or_default().to_string())
    .collect()
}

fn readiness_item(b: &Browser, d: &Daemon) -> String {
    b.goto(&d.url("/readiness"));
    b.find("#check-audit_reviewed")
        .attr("data-status")
        .unwrap_or_default()
}

#[test]
fn an_owner_follows_the_audit_log_live_while_the_cli_invites_someone_then_reviews_and_verifies() {
    if !require_browser() {
        return;
    }
    let axe = require_axe();
    // No MFA rule, so the owner acts at once (this test is about the audit log).
    let mut d = Daemon::start();
    d.kill_hard();
    d.sql("UPDATE orgs SET mfa_required_roles = ''");
    d.serve();
    d.setup();
    let tok = d.login_token();
    for _ in 0..3 {
        failed_login(&d);
    }

    let b = Browser::start();
    window(&b, 1280, 800);
    b.goto(&d.url("/login"));
    b.fill("#email", OWNER);
    b.fill("#password", PASSWORD);
    b.submit_and_wait("#login-submit");
    b.submit_and_wait("#tabs a[href='/audit']");
    assert!(b.current_url().ends_with("/audit"), "{}", b.current_url());
    assert_eq!(
        b.find("#tabs a[href='/audit']")
            .attr("aria-current")
            .as_deref(),
        Some("page")
    );
    // The chart counted today's entries: at least the three failures.
    let chart = b.find("#activity");
    let total: u64 = chart
        .attr("data-total")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    assert!(total >= 5, "setup, sign-ins and 3 failures: {total}");
    let failures: u64 = b
        .find("ul.legend li[data-series='failure'] .count")
        .text()
        .parse()
        .unwrap_or(0);
    assert_eq!(failures, 3);
    let drawn: u64 = b
        .execute(
            "return Array.from(document.querySelectorAll('#activity rect[data-value]'))\
               .reduce(function (n, r) { return n + Number(r.getAttribute('data-value')); }, 0)",
            vec![],
        )
        .as_u64()
        .unwrap_or(0);
    assert_eq!(drawn, total, "the bars add up to the total");
    // The bars are coloured by outcome through the stylesheet (no inline style).
    let fill = b
        .execute(
            "return getComputedStyle(document.querySelector('#activity rect.bar-failure')).fill",
            vec![],
        )
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(fill.starts_with("rgb(181, 71, 8)"), "{fill}");
    assert_accessible(&b, axe.as_deref(), "the Audit log tab");
    b.save_screenshot(&artifact("screenshots/audit-1280x800.png"));
    scroll_to(&b, "entries-section");
    b.save_screenshot(&artifact("screenshots/audit-1280x800-entries.png"));

    // Live: the EventSource is open; a change through the real CLI appears at the top,
    // without a reload (the marker set on this document survives).
    b.wait_for("the live view to connect", |b| {
        b.find("#live-status").text().starts_with("Live:")
    });
    b.execute("window.__still_here = 1;", vec![]);
    let before = actions(&b).len();
    let out = d
        .wt()
        .env("WT_TOKEN", &tok)
        .args(["invite", "create", "newbie@acme.test", "--role", "viewer"])
        .output()
        .expect("wt invite create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    b.wait_for("the CLI's invite at the top of the table", |b| {
        actions(b).first().map(String::as_str) == Some("invite.created")
    });
    assert_eq!(
        b.execute("return window.__still_here === 1;", vec![]),
        Value::Bool(true),
        "no reload"
    );
    assert_eq!(actions(&b).len(), before + 1, "one new row, no duplicate");
    let top = b.find("#audit-table tbody tr");
    assert!(top.text().contains("newbie@acme.test") || top.text().contains("invite"));
    assert!(
        b.find("#live-status").text().contains("1 new"),
        "{}",
        b.find("#live-status").text()
    );

    // Filters: an action prefix keeps only those entries; the form keeps the value.
    b.fill("#action", "auth.login.*");
    b.find("#outcome option[value='failure']").click();
    b.submit_and_wait("#filter-submit");
    let shown = actions(&b);
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert!(shown.iter().all(|a| a == "auth.login.failed"), "{shown:?}");
    assert_eq!(
        b.find("#action").property("value").as_deref(),
        Some("auth.login.*")
    );
    assert_eq!(
        b.find("ul.legend li[data-series='success'] .count").text(),
        "0",
        "the chart follows the filters"
    );
    assert_accessible(&b, axe.as_deref(), "the Audit log tab, filtered");

    // Readiness: the invite is a sensitive change nobody reviewed.
    assert_eq!(readiness_item(&b, &d), "fail");
    b.goto(&d.url("/audit"));
    b.submit_and_wait("#review-all button");
    assert!(
        b.find("#notice").text().contains("The review is recorded"),
        "{}",
        b.source()
    );
    assert!(b.find("#review-state").text().contains("Nothing new since"));
    assert!(!b.exists("#review-all"), "nothing left to review");
    assert_eq!(readiness_item(&b, &d), "pass", "green after the review");

    // Verify the chain.
    b.goto(&d.url("/audit"));
    b.submit_and_wait("#verify-form button");
    let result = b.find("#verify-result");
    assert_eq!(result.attr("data-ok").as_deref(), Some("true"));
    assert!(
        result.text().contains("The chain verifies"),
        "{}",
        result.text()
    );
    assert_accessible(&b, axe.as_deref(), "the chain check's result");

    // A phone: the page still works and passes axe; screenshot kept.
    window(&b, 390, 844);
    b.goto(&d.url("/audit"));
    b.find("#audit-table");
    assert_accessible(&b, axe.as_deref(), "the Audit log tab at 390x844");
    b.save_screenshot(&artifact("screenshots/audit-390x844.png"));
    // Nothing makes the page itself scroll sideways (the entries table scrolls in its own
    // region); otherwise name what sticks out.
    let wider = b.execute(
        "var w = document.documentElement.clientWidth; \
         if (document.documentElement.scrollWidth <= w) { return []; } \
         return ['scrollWidth ' + document.documentElement.scrollWidth].concat(Array.from(document.querySelectorAll('body *')) \
           .filter(function (e) { return !e.closest('.table-scroll') && e.getBoundingClientRect().right > w + 1; }) \
           .slice(0, 12) \
           .map(function (e) { return e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ' > ' + w; }));",
        vec![],
    );
    assert_eq!(
        wider,
        json!([]),
        "no sideways scrolling of the page at 390 px"
    );
    scroll_to(&b, "entries-section");
    b.save_screenshot(&artifact("screenshots/audit-390x844-entries.png"));
    d.terminate();
}
