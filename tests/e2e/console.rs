//! The web console in a real browser: headless Chromium through WebDriver against a real
//! `wtd`. A new member clicks the link in the invitation mail, sets a password, enrolls
//! MFA from the manual secret (codes from `oathtool`), logs out, logs in with TOTP,
//! revokes another session and changes the password; page script never sees the session
//! cookie, the QR code decodes (zbarimg) to the same otpauth URI, and a form posted from
//! another origin is refused. The Security tab's screenshot is kept as an artifact.
//!
//! An owner's side: the Members tab shows the admin who lacks the MFA their role requires,
//! highlighted; the owner invites someone from the Invites tab and revokes the invite;
//! allows a network on the Allowed IPs tab after its dry run named the session and the key
//! source it cuts off (connections from 127.0.0.2), which are refused from then on; reads
//! the Readiness tab. axe-core finds no serious or critical accessibility violation on the
//! console's pages.

use crate::harness::{Daemon, PASSWORD, http};
use crate::hygiene::mailed_token;
use crate::mfa::{have_oathtool, oathtool};
use crate::webdriver::{Browser, require_axe, require_browser};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ANN: &str = "ann@acme.test";
const NEW_PASSWORD: &str = "a fresh and rather long passphrase 2026";

fn step_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / 30)
        .unwrap_or(0)
}

/// Where test artifacts go: `target/test-artifacts/` next to the binaries.
pub(crate) fn artifact(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let target = exe
        .ancestors()
        .nth(3)
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    target.join("test-artifacts").join(name)
}

fn text_content(b: &Browser, id: &str) -> String {
    b.execute(
        "return document.getElementById(arguments[0]).textContent",
        vec![json!(id)],
    )
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// The QR code on screen, decoded by zbarimg (Debian `zbar-tools`), if installed.
fn decode_qr(png: &[u8]) -> Option<String> {
    let path = artifact("enroll-qr.png");
    std::fs::create_dir_all(path.parent()?).ok()?;
    std::fs::write(&path, png).ok()?;
    let out = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&path)
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A page on another origin (same host, other port: the same *site*, so the browser
/// still sends the SameSite=Strict cookie) whose form posts to the daemon.
fn attacker_page(target: &str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let page = format!(
        "<!doctype html><form id=evil method=post action=\"{target}/logout\">\
         <input type=hidden name=csrf value=guess><button id=go>win a prize</button></form>"
    );
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten().take(4) {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                page.len()
            );
        }
    });
    url
}

fn api(d: &Daemon, path: &str, body: Value, token: Option<&str>) -> (u16, Value) {
    let mut r = http().post(d.url(path)).json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().expect("request");
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

#[test]
fn a_new_member_goes_from_the_mailed_link_to_mfa_and_manages_their_security_in_a_browser() {
    if !require_browser() {
        return;
    }
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed (Debian package oathtool)");
        return;
    }
    let mut d = Daemon::start();
    d.setup();
    let owner = d.login_token();
    let (s, b) = api(
        &d,
        "/api/v1/orgs/invites",
        json!({"email": ANN, "role": "admin"}),
        Some(&owner),
    );
    assert_eq!(s, 201, "{b}");
    let token = mailed_token(&d, ANN, "wti_");
    let mail_dir = d.data_dir().join("outbox");
    let mails: String = std::fs::read_dir(&mail_dir)
        .expect("outbox")
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect::<String>()
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let link = format!("{}/invite#token={token}", d.base);
    assert!(mails.contains(&link), "the mail carries {link}");

    let b = Browser::start();
    // The link: console.js posts the fragment's token, then drops it from the address bar.
    b.goto(&link);
    b.find("#invite-accept-form");
    assert!(!b.current_url().contains("token="), "{}", b.current_url());
    assert!(b.find("#invite-summary").text().contains(ANN));
    // Form 1: name and password.
    b.fill("#name", "Ann Example");
    b.fill("#password", PASSWORD);
    b.fill("#password_confirm", PASSWORD);
    b.submit_and_wait("#accept-submit");
    // Straight into enrollment (admins must use MFA).
    let secret = b.find("#secret").text().replace(' ', "");
    let uri = text_content(&b, "otpauth-uri");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(b.exists("#qr svg"));
    match decode_qr(&b.screenshot_png()) {
        Some(decoded) if !decoded.is_empty() => assert_eq!(decoded, uri, "the QR code"),
        _ if std::env::var("WT_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!("zbarimg (Debian zbar-tools) did not decode the QR code")
        }
        _ => eprintln!("SKIPPED the QR decode: zbarimg (Debian zbar-tools) not installed"),
    }
    // Form 2: the code from the manual secret (the previous step's, so the current one
    // is left for the login below).
    let confirm_step = step_now() - 1;
    b.fill("#code", &oathtool(&secret, confirm_step));
    b.submit_and_wait("#confirm-submit");
    let codes: Vec<String> = b
        .find_all("#recovery-codes li")
        .iter()
        .map(|e| e.text())
        .collect();
    assert_eq!(codes.len(), 10, "{}", b.source());
    assert!(b.find("#who").text().contains(ANN), "signed in");

    // Page script cannot read the session cookie, which the browser does hold.
    let visible = b.execute("return document.cookie", vec![]);
    assert!(
        !visible.as_str().unwrap_or_default().contains("wt_session"),
        "{visible}"
    );
    let cookie = b.cookie("__Host-wt_session").expect("session cookie");
    assert_eq!(cookie["httpOnly"], json!(true), "{cookie}");
    assert_eq!(cookie["secure"], json!(true), "{cookie}");
    assert_eq!(cookie["sameSite"], json!("Strict"), "{cookie}");

    // Log out, log in with the password and a TOTP code.
    b.goto(&d.url("/security"));
    b.submit_and_wait("#logout");
    assert!(b.current_url().ends_with("/login"), "{}", b.current_url());
    b.goto(&d.url("/security"));
    assert!(b.current_url().ends_with("/login"), "signed out for real");
    b.fill("#email", ANN);
    b.fill("#password", PASSWORD);
    b.submit_and_wait("#login-submit");
    let login_step = (confirm_step + 1).max(step_now());
    b.fill("#code", &oathtool(&secret, login_step));
    b.submit_and_wait("#mfa-submit");
    assert!(
        b.current_url().ends_with("/security"),
        "{}",
        b.current_url()
    );
    assert_eq!(b.find("#mfa-status").text(), "on");

    // Another session (the CLI's, signed in with a recovery code) is revoked from the tab.
    let (s, r) = api(
        &d,
        "/api/v1/auth/login",
        json!({"email": ANN, "password": PASSWORD, "client": "cli"}),
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
    let other = r["token"].as_str().expect("token").to_string();
    let other_id = r["session"]["id"].as_str().expect("id").to_string();
    b.refresh();
    let row = format!("tr[data-session-id='{other_id}'] button.revoke");
    b.submit_and_wait(&row);
    assert!(b.find("#notice").text().contains("revoked"));
    let gone = http()
        .get(d.url("/api/v1/auth/session"))
        .bearer_auth(&other)
        .send()
        .expect("request");
    assert_eq!(gone.status().as_u16(), 401);
    b.save_screenshot(&artifact("security-tab.png"));
    eprintln!(
        "Security tab screenshot: {}",
        artifact("security-tab.png").display()
    );

    // A form on another origin that posts to us is refused, and changes nothing.
    let evil = attacker_page(&d.base);
    b.goto(&evil);
    b.submit_and_wait("#go");
    assert!(
        b.find("#error").text().contains("cross-site"),
        "{}",
        b.source()
    );
    b.goto(&d.url("/security"));
    assert!(b.current_url().ends_with("/security"), "still signed in");

    // Change the password: needs a TOTP step later than the login's.
    let deadline = Instant::now() + Duration::from_secs(40);
    while step_now() <= login_step {
        assert!(Instant::now() < deadline, "the clock is stuck");
        std::thread::sleep(Duration::from_millis(200));
    }
    b.fill("#current_password", PASSWORD);
    b.fill("#new_password", NEW_PASSWORD);
    b.fill("#new_password_confirm", NEW_PASSWORD);
    b.fill("#password_code", &oathtool(&secret, step_now()));
    b.submit_and_wait("#password-submit");
    assert!(
        b.find("#notice").text().contains("password is changed"),
        "{}",
        b.source()
    );
    let (s, _) = api(
        &d,
        "/api/v1/auth/login",
        json!({"email": ANN, "password": NEW_PASSWORD, "client": "cli"}),
        None,
    );
    assert_eq!(s, 200, "the new password works");
    let (s, _) = api(
        &d,
        "/api/v1/auth/login",
        json!({"email": ANN, "password": PASSWORD, "client": "cli"}),
        None,
    );
    assert_eq!(s, 401, "the old one does not");
    d.terminate();
}

/// Invites `email` as `role` over the API and accepts for them (name "`name`").
fn join(d: &Daemon, owner: &str, email: &str, role: &str, name: &str) {
    let (s, b) = api(
        d,
        "/api/v1/orgs/invites",
        json!({"email": email, "role": role}),
        Some(owner),
    );
    assert_eq!(s, 201, "{b}");
    let token = mailed_token(d, email, "wti_");
    let (s, b) = api(
        d,
        "/api/v1/invites/accept",
        json!({"token": token, "name": name, "password": PASSWORD}),
        None,
    );
    assert_eq!(s, 201, "{b}");
}

/// The serious and critical axe-core violations of the page now shown, if axe is there.
pub(crate) fn assert_accessible(b: &Browser, axe: Option<&str>, what: &str) {
    if let Some(axe) = axe {
        let found = b.axe_violations(axe);
        assert!(found.is_empty(), "{what}: axe-core found {found:#?}");
    }
}

#[test]
fn an_owner_finds_the_admin_without_mfa_invites_someone_and_revokes_the_invite() {
    if !require_browser() {
        return;
    }
    let axe = require_axe();
    let mut d = Daemon::start();
    d.setup();
    let owner = d.login_token();
    // The product default requires MFA of admins: Ada has none yet, Al (analyst) needs none.
    join(&d, &owner, "ada@acme.test", "admin", "Ada Admin");
    join(&d, &owner, "al@acme.test", "analyst", "Al Analyst");
    // Enough people for the list's filter box (console.js) to show.
    for i in 1..=6 {
        join(
            &d,
            &owner,
            &format!("v{i}@acme.test"),
            "viewer",
            &format!("Viewer {i}"),
        );
    }

    let b = Browser::start();
    if let Some(axe) = axe.as_deref() {
        // The check itself works: a page with an unlabelled field fails it.
        b.goto("data:text/html,<!doctype html><html lang=en><title>t</title><input>");
        let found = b.axe_violations(axe);
        assert!(found.iter().any(|v| v.starts_with("label:")), "{found:?}");
    }
    b.goto(&d.url("/login"));
    assert_accessible(&b, axe.as_deref(), "the login page");
    b.fill("#email", crate::harness::OWNER);
    b.fill("#password", PASSWORD);
    b.submit_and_wait("#login-submit");
    assert!(
        b.current_url().ends_with("/security"),
        "{}",
        b.current_url()
    );
    assert_accessible(&b, axe.as_deref(), "the Security tab");

    // Members: the navigation leads there; Ada's row stands out.
    b.submit_and_wait("#tabs a[href='/members']");
    assert!(b.current_url().ends_with("/members"), "{}", b.current_url());
    b.find("#members-table");
    let missing: Vec<_> = b
        .find_all("tr[data-mfa='missing']")
        .into_iter()
        .map(|r| (r.text(), r.attr("data-member-id").unwrap_or_default()))
        .collect();
    // The owner (still in the grace after setup) and Ada both lack it; Al needs none.
    let (ada_row, ada_id) = missing
        .iter()
        .find(|(text, _)| text.contains("ada@acme.test"))
        .unwrap_or_else(|| panic!("Ada's row is not marked: {}", b.source()));
    assert!(ada_row.contains("required, not set up"), "{ada_row}");
    assert!(
        !missing
            .iter()
            .any(|(text, _)| text.contains("al@acme.test"))
    );
    let al = b.find("tr[data-mfa='off']");
    assert!(al.text().contains("al@acme.test"));
    let background = |css: &str| {
        b.execute(
            "return getComputedStyle(document.querySelector(arguments[0])).backgroundColor",
            vec![json!(css)],
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    };
    let (highlight, plain) = (
        background(&format!("tr[data-member-id='{ada_id}']")),
        background("tr[data-mfa='off']"),
    );
    assert_ne!(highlight, plain, "the row without MFA is highlighted");
    assert_accessible(&b, axe.as_deref(), "the Members tab");
    // console.js filters the rows as one types; without it every row shows.
    let visible = |b: &Browser| {
        b.execute(
            "return Array.from(document.querySelectorAll('#members-table tbody tr'))\
               .filter(function (r) { return !r.hidden; }).length",
            vec![],
        )
        .as_u64()
        .unwrap_or(0)
    };
    assert_eq!(visible(&b), 9);
    b.fill("#member-filter", "al@acme");
    b.wait_for("the filter to leave Al's row only", |b| visible(b) == 1);
    assert!(
        b.find("#members-table tbody tr:not([hidden])")
            .text()
            .contains("Al Analyst")
    );
    b.fill("#member-filter", "");
    b.find("#member-filter").send_keys(" ");
    b.wait_for("every row back", |b| visible(b) == 9);
    b.save_screenshot(&artifact("members-tab.png"));
    b.submit_and_wait(&format!("tr[data-member-id='{ada_id}'] a.manage"));
    assert!(b.find("h1").text().contains("Ada Admin"));
    assert!(
        b.find("#remove-form")
            .text()
            .contains("Remove Ada Admin (ada@acme.test) from")
    );
    assert_accessible(&b, axe.as_deref(), "a member's page");

    // Invites: invite someone, see it pending, revoke it.
    b.submit_and_wait("#tabs a[href='/invites']");
    assert_accessible(&b, axe.as_deref(), "the Invites tab");
    b.fill("#invite_email", "newbie@acme.test");
    b.find("#invite_role option[value='analyst']").click();
    b.submit_and_wait("#invite-submit");
    assert!(
        b.find("#notice").text().contains("invite is sent"),
        "{}",
        b.source()
    );
    let row = "tr[data-invite-id][data-status='pending']";
    let pending: Vec<_> = b
        .find_all(row)
        .into_iter()
        .filter(|r| r.text().contains("newbie@acme.test"))
        .collect();
    assert_eq!(pending.len(), 1, "{}", b.source());
    let id = pending[0].attr("data-invite-id").expect("id");
    assert!(pending[0].text().contains("analyst"));
    let mailed = mailed_token(&d, "newbie@acme.test", "wti_");
    b.submit_and_wait(&format!("tr[data-invite-id='{id}'] button.revoke"));
    assert!(
        b.find("#notice").text().contains("revoked"),
        "{}",
        b.source()
    );
    assert_eq!(
        b.find(&format!("tr[data-invite-id='{id}']"))
            .attr("data-status")
            .as_deref(),
        Some("revoked")
    );
    assert_accessible(&b, axe.as_deref(), "the Invites tab after a revoke");
    b.save_screenshot(&artifact("invites-tab.png"));
    let (s, _) = api(&d, "/api/v1/invites/verify", json!({"token": mailed}), None);
    assert_ne!(s, 200, "the revoked invite's link is dead");
    let invites = http()
        .get(d.url("/api/v1/orgs/invites"))
        .bearer_auth(&owner)
        .send()
        .expect("request")
        .json::<Value>()
        .expect("json");
    let newbie = invites["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["email"] == "newbie@acme.test")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(newbie["status"], "revoked", "{invites}");

    allowed_ips_after_the_dry_run(&d, &b, &owner, axe.as_deref());
    readiness_page(&d, &b, axe.as_deref());

    // An unknown console path is a page, not JSON.
    b.goto(&d.url("/members-nope"));
    assert_eq!(b.find("h1").text(), "Page not found");
    assert_accessible(&b, axe.as_deref(), "the 404 page");
    d.terminate();
}

/// A client whose connections come from 127.0.0.2 (another loopback address): a member and
/// a key "elsewhere" for the allowed-IP list.
fn from_elsewhere() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// The Allowed IPs tab: Al signs in and a key sends events from 127.0.0.2; the owner asks
/// to allow 127.0.0.1/32 only, the dry run names Al's session and the key's source, the
/// owner confirms with the password, and both are refused from then on.
fn allowed_ips_after_the_dry_run(d: &Daemon, b: &Browser, owner: &str, axe: Option<&str>) {
    let elsewhere = from_elsewhere();
    let r = elsewhere
        .post(d.url("/api/v1/auth/login"))
        .json(&json!({"email": "al@acme.test", "password": PASSWORD, "client": "cli"}))
        .send()
        .expect("login");
    assert_eq!(r.status().as_u16(), 200);
    let al: Value = r.json().expect("json");
    let al = al["token"].as_str().expect("token").to_string();
    let (s, key) = api(
        d,
        "/api/v1/orgs/api-keys",
        json!({"name": "billing", "environment": "production", "owner_email": crate::harness::OWNER}),
        Some(owner),
    );
    assert_eq!(s, 201, "{key}");
    let ingest = |c: &reqwest::blocking::Client| {
        c.post(d.url("/api/v1/ingest/events"))
            .bearer_auth(key["secret"].as_str().unwrap_or_default())
            .json(&json!({"events": [{"type": "login", "user": "u1"}]}))
            .send()
            .expect("ingest")
            .status()
            .as_u16()
    };
    assert_eq!(ingest(&elsewhere), 202);
    let al_session = |c: &reqwest::blocking::Client| {
        c.get(d.url("/api/v1/auth/session"))
            .bearer_auth(&al)
            .send()
            .expect("session")
            .status()
            .as_u16()
    };
    assert_eq!(al_session(&elsewhere), 200);

    b.submit_and_wait("#tabs a[href='/allowed-ips']");
    b.find("#no-entries");
    assert_accessible(b, axe, "the Allowed IPs tab");
    b.fill("#add_cidr", "127.0.0.1");
    b.fill("#add_note", "this host");
    b.submit_and_wait("#add-submit");
    let sessions = b.find("#cut-off-sessions").text();
    assert!(sessions.contains("al@acme.test"), "{}", b.source());
    assert!(sessions.contains("127.0.0.2"), "{sessions}");
    assert!(!sessions.contains(crate::harness::OWNER), "{sessions}");
    let keys = b.find("#cut-off-keys").text();
    assert!(
        keys.contains("billing") && keys.contains("127.0.0.2"),
        "{keys}"
    );
    assert!(b.find("#caller").text().contains("stays allowed"));
    assert_accessible(b, axe, "the allowed-IP dry run");
    assert_eq!(al_session(&elsewhere), 200, "the dry run changed nothing");
    b.fill("#confirm_password", PASSWORD);
    b.submit_and_wait("#confirm-submit");
    assert!(
        b.find("#notice").text().contains("network is allowed"),
        "{}",
        b.source()
    );
    assert!(b.find("#allowed-ips-table").text().contains("127.0.0.1/32"));
    assert_accessible(b, axe, "the Allowed IPs tab with an entry");
    b.save_screenshot(&artifact("allowed-ips-tab.png"));
    assert_eq!(al_session(&elsewhere), 403, "Al's session is cut off");
    assert_eq!(ingest(&elsewhere), 403, "so is the key from there");
    assert_eq!(ingest(&http()), 202, "but not from an allowed address");
}

/// The Readiness tab: the MFA item fails, naming Ada, with the console action.
fn readiness_page(d: &Daemon, b: &Browser, axe: Option<&str>) {
    b.goto(&d.url("/readiness"));
    let mfa = b.find("#check-mfa");
    assert_eq!(mfa.attr("data-status").as_deref(), Some("fail"));
    assert!(mfa.text().contains("ada@acme.test"), "{}", b.source());
    assert!(b.exists("#check-mfa a[href='/members']"));
    assert!(b.exists("#tabs a[href='/readiness'][aria-current='page']"));
    assert_accessible(b, axe, "the Readiness tab");
    b.save_screenshot(&artifact("readiness-tab.png"));
}
