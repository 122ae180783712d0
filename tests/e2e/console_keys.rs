//! The console's Ingestion keys tab in a real browser (headless Chromium through WebDriver)
//! against a real `wtd`: the owner creates a key, copies the secret shown once (the Copy
//! button that console.js wires, read back from the clipboard), sends events with it
//! through the real ingest API from two source addresses (127.0.0.1 and 127.0.0.2), sees
//! them in the key's chart, sources and the list's sparkline, rotates it with a 1-hour
//! grace, watches the old key's "still used from" list update by itself while a sender on
//! the old key appears from 127.0.0.3, then revokes the old key, which is refused from
//! then on. axe-core runs on every keys page; each is kept as a screenshot at 1280x800 and
//! 390x844 (`target/test-artifacts/screenshots/keys-*.png`).

use crate::console::{artifact, assert_accessible};
use crate::harness::{Daemon, OWNER, PASSWORD, http};
use crate::webdriver::{Browser, require_axe, require_browser};
use serde_json::{Value, json};
use std::time::Duration;

/// A client whose connections come from another loopback address.
fn client_from(last: u8) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, last]))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Sends one event with `key` from `client`; the status.
fn ingest(d: &Daemon, client: &reqwest::blocking::Client, key: &str) -> u16 {
    client
        .post(d.url("/api/v1/ingest/events"))
        .bearer_auth(key)
        .json(&json!({"events": [{"type": "login", "user": "u1"}]}))
        .send()
        .expect("ingest")
        .status()
        .as_u16()
}

/// Resizes the window (WebDriver's Set Window Rect) so that the viewport is `width` x
/// `height` CSS pixels (the window's own frame, if any, added).
fn resize(b: &Browser, width: i64, height: i64) {
    let set = |w: i64, h: i64| {
        b.session_cmd(
            http::Method::POST,
            "window/rect",
            Some(json!({"width": w, "height": h})),
        );
    };
    set(width, height);
    let inner = b.execute("return [window.innerWidth, window.innerHeight];", vec![]);
    let (iw, ih) = (
        inner[0].as_i64().unwrap_or(width),
        inner[1].as_i64().unwrap_or(height),
    );
    if (iw, ih) != (width, height) {
        set(2 * width - iw, 2 * height - ih);
    }
}

/// Screenshots of the page at 1280x800 and 390x844; at the narrow size the page's main
/// content must not be wider than the screen (wide tables scroll inside their box).
fn screenshots(b: &Browser, name: &str) {
    for (w, h) in [(1280, 800), (390, 844)] {
        resize(b, w, h);
        let overflow = b
            .execute(
                "var m = document.querySelector('main');\
                 return m.scrollWidth - m.clientWidth;",
                vec![],
            )
            .as_i64()
            .unwrap_or(0);
        assert!(
            overflow <= 1,
            "{name} at {w}px: main overflows by {overflow}px"
        );
        let page_overflow = b
            .execute(
                "var d = document.documentElement; return d.scrollWidth - d.clientWidth;",
                vec![],
            )
            .as_i64()
            .unwrap_or(0);
        let wide = b.execute(
            "var w = document.documentElement.clientWidth;\
             return Array.from(document.querySelectorAll('body *'))\
               .filter(function (e) {\
                 return e.getBoundingClientRect().right > w + 1 && !e.closest('.visually-hidden');\
               })\
               .slice(0, 8).map(function (e) {\
                 return e.tagName + '#' + e.id + '.' + e.getAttribute('class') + ' '\
                   + Math.round(e.getBoundingClientRect().right); });",
            vec![],
        );
        assert!(
            page_overflow <= 1,
            "{name} at {w}px: the page is {page_overflow}px wider than the screen: {wide}"
        );
        b.save_screenshot(&artifact(&format!("screenshots/keys-{name}-{w}x{h}.png")));
    }
    resize(b, 1280, 1600);
}

fn value_of(b: &Browser, css: &str) -> String {
    b.find(css).property("value").unwrap_or_default()
}

/// The addresses in the key page's sources table.
fn sources(b: &Browser) -> Vec<String> {
    b.execute(
        "return Array.from(document.querySelectorAll('#sources-live tr[data-ip]'))\
           .map(function (r) { return r.getAttribute('data-ip'); });",
        vec![],
    )
    .as_array()
    .into_iter()
    .flatten()
    .filter_map(|v| v.as_str().map(str::to_string))
    .collect()
}

#[test]
fn an_admin_creates_a_key_copies_it_rotates_it_with_a_grace_and_watches_the_old_one() {
    if !require_browser() {
        return;
    }
    let axe = require_axe();
    let axe = axe.as_deref();
    let mut d = Daemon::start();
    d.setup();
    let b = Browser::start();
    b.goto(&d.url("/login"));
    b.fill("#email", OWNER);
    b.fill("#password", PASSWORD);
    b.submit_and_wait("#login-submit");

    // The tab, empty at first.
    b.submit_and_wait("#tabs a[href='/keys']");
    assert!(b.current_url().ends_with("/keys"), "{}", b.current_url());
    assert!(
        b.find("#env-production")
            .text()
            .contains("No production keys.")
    );
    assert_accessible(&b, axe, "the Ingestion keys tab, empty");
    screenshots(&b, "list-empty");

    // Create: the secret once, with a Copy button that puts it on the clipboard.
    b.fill("#key_name", "billing");
    b.find("#key_environment option[value='production']")
        .click();
    b.find("#key_expires option[value='90d']").click();
    b.submit_and_wait("#create-key-submit");
    assert_eq!(b.find("h1").text(), "Key created");
    let secret = value_of(&b, "#key-secret");
    assert!(secret.starts_with("wtk_live_"), "{secret}");
    for name in ["clipboard-read", "clipboard-write"] {
        b.session_cmd(
            http::Method::POST,
            "permissions",
            Some(json!({"descriptor": {"name": name}, "state": "granted"})),
        );
    }
    assert_eq!(
        b.execute(
            "return !document.getElementById('copy-secret').hidden;",
            vec![]
        ),
        json!(true),
        "console.js shows the Copy button"
    );
    b.click("#copy-secret");
    b.wait_for("the Copy button to say Copied", |b| {
        b.find("#copy-secret").text() == "Copied"
    });
    assert!(b.find("#copy-status").text().contains("copied"));
    let pasted = b.execute_async(
        "var done = arguments[arguments.length - 1];\
         navigator.clipboard.readText().then(done, function (e) { done('ERR ' + e); });",
        vec![],
    );
    assert_eq!(
        pasted.as_str(),
        Some(secret.as_str()),
        "the clipboard has the secret"
    );
    assert_accessible(&b, axe, "the new key's secret");
    screenshots(&b, "created");
    b.submit_and_wait("#to-key");
    let key_url = b.current_url();
    assert!(!b.source().contains(&secret), "the secret is shown once");

    // Events through the real API, from two addresses.
    let here = http();
    let elsewhere = client_from(2);
    for _ in 0..3 {
        assert_eq!(ingest(&d, &here, &secret), 202);
    }
    assert_eq!(ingest(&d, &elsewhere, &secret), 202);
    b.refresh();
    let mut seen = sources(&b);
    seen.sort();
    assert_eq!(seen, vec!["127.0.0.1", "127.0.0.2"], "{}", b.source());
    let chart = b.find("#usage-chart-figure svg");
    assert_eq!(chart.attr("data-total").as_deref(), Some("4"));
    assert_eq!(b.find_all("#usage-chart-figure rect.bar").len(), 1);
    assert!(b.find("#last-used").text().contains("127.0.0.2"));
    assert_accessible(&b, axe, "a key's page");
    screenshots(&b, "detail");

    // The list: the sparkline and the sources.
    b.submit_and_wait("#tabs a[href='/keys']");
    let row = b.find("tr[data-key-id]");
    assert!(row.text().contains("wtk_live_…"), "{}", row.text());
    assert!(row.text().contains("127.0.0.2"), "{}", row.text());
    let spark = b.find("tr[data-key-id] svg.sparkline");
    assert_eq!(spark.attr("data-total").as_deref(), Some("4"));
    assert!(
        spark
            .attr("aria-label")
            .unwrap_or_default()
            .contains("4 requests in the last 7 days, at most 4 in one hour")
    );
    assert_accessible(&b, axe, "the Ingestion keys tab");
    screenshots(&b, "list");

    // Rotate with a 1-hour grace: a new secret; the old key's page shows where it is
    // still used from, and updates by itself.
    b.goto(&key_url);
    b.find("#rotate_grace option[value='3600']").click();
    b.click("#rotate_confirm");
    b.submit_and_wait("#rotate-submit");
    assert_eq!(b.find("h1").text(), "Key rotated");
    let new_secret = value_of(&b, "#key-secret");
    assert!(new_secret.starts_with("wtk_live_") && new_secret != secret);
    assert_accessible(&b, axe, "the rotated key's secret");
    screenshots(&b, "rotated");
    b.submit_and_wait("#watch-old");
    assert_eq!(b.current_url(), key_url);
    assert_eq!(b.find("#sources-heading").text(), "Still used from");
    assert!(b.find("#grace-end").text().contains("UTC"));
    assert_eq!(
        b.find("#key").attr("data-status").as_deref(),
        Some("rotating")
    );
    b.execute("window.__still_here = 1;", vec![]);
    let third = client_from(3);
    assert_eq!(
        ingest(&d, &third, &secret),
        202,
        "the old key works in its grace"
    );
    assert_eq!(ingest(&d, &here, &new_secret), 202, "so does the new one");
    b.wait_for(
        "the old key's sources to show 127.0.0.3 without a reload",
        |b| sources(b).iter().any(|ip| ip == "127.0.0.3"),
    );
    assert_eq!(
        b.execute("return window.__still_here;", vec![]),
        json!(1),
        "updated in place, not reloaded"
    );
    assert_accessible(&b, axe, "the old key's page during its grace");
    screenshots(&b, "rotating");

    // Revoke the old key now: confirmed by a box that names it; refused from then on.
    let label = b.find("label[for='revoke_confirm']").text();
    assert!(label.contains("Revoke billing (wtk_live_…"), "{label}");
    b.click("#revoke_confirm");
    b.submit_and_wait("#revoke-submit");
    assert!(
        b.find("#notice").text().contains("revoked"),
        "{}",
        b.source()
    );
    assert_eq!(
        b.find("#key").attr("data-status").as_deref(),
        Some("revoked")
    );
    assert!(!b.exists("#revoke-form") && !b.exists("#rotate-form"));
    assert_eq!(ingest(&d, &third, &secret), 401);
    assert_eq!(ingest(&d, &here, &new_secret), 202);
    assert_accessible(&b, axe, "a revoked key's page");
    screenshots(&b, "revoked");

    // The API agrees.
    let token = d.login_token();
    let list: Value = http()
        .get(d.url("/api/v1/orgs/api-keys"))
        .bearer_auth(&token)
        .send()
        .expect("list")
        .json()
        .expect("json");
    let statuses: Vec<_> = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|k| k["status"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(statuses.len(), 2, "{list}");
    assert!(statuses.contains(&"revoked".to_string()) && statuses.contains(&"active".to_string()));
    d.terminate();
}
