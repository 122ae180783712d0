//! `wt login --web` (RFC 8628 device authorization grant) end to end: the real `wt` in its
//! own process (a kernel keyutils keyring, as on a headless server), the real `wtd`, the
//! console approving with Chromium's virtual authenticator or, without JavaScript, with a
//! TOTP code over plain form posts; then raw HTTP for what a person would not do (RFC
//! 8628 errors on the wire, 50 simultaneous polls, guessed user codes, another org).

use crate::harness::{Daemon, OWNER, PASSWORD, bin, http};
use crate::mfa::{at_current_step, have_oathtool, oathtool};
use crate::webdriver::{Browser, require_axe, require_browser};
use serde_json::{Value, json};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::passkeys::BETA_OWNER;

/// A daemon whose public URL is `http://localhost:PORT` (passkeys need a domain name),
/// with a second org, Beta, claimed by its owner; the Acme owner claimed too (the
/// passkey tests' daemon).
pub(crate) fn daemon() -> Daemon {
    crate::passkeys::daemon().0
}

fn keyutils_available() -> bool {
    Command::new("keyctl")
        .args(["session", "-", "true"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A CLI session token of `email` (password, then the TOTP code at `step` when MFA is on).
pub(crate) fn api_login(d: &Daemon, email: &str, totp: Option<(&str, u64)>) -> String {
    let r = http()
        .post(d.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD, "client": "cli"}))
        .send()
        .expect("login");
    let v: Value = r.json().expect("json");
    if let Some(t) = v["token"].as_str() {
        return t.to_string();
    }
    let (secret, step) = totp.expect("MFA is on: a secret");
    let r = http()
        .post(d.url("/api/v1/auth/mfa/verify"))
        .json(&json!({"challenge": v["challenge"], "code": oathtool(secret, step)}))
        .send()
        .expect("verify");
    r.json::<Value>().expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string()
}

/// Enrolls TOTP for the session `tok`. Returns the secret, the step its confirmation
/// used (a later code must use a later step: replays are refused, and the server takes
/// the current and the previous step only, so the next fresh code is the current step's)
/// and the recovery codes (the console sign-ins of these tests use one, keeping the TOTP
/// steps for approvals).
pub(crate) fn enroll_totp(d: &Daemon, tok: &str) -> (String, u64, Vec<String>) {
    let r = http()
        .post(d.url("/api/v1/auth/mfa/totp/enroll"))
        .bearer_auth(tok)
        .json(&json!({}))
        .send()
        .expect("enroll");
    let secret = r.json::<Value>().expect("json")["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let (step, codes) = at_current_step(|t| {
        let r = http()
            .post(d.url("/api/v1/auth/mfa/totp/confirm"))
            .bearer_auth(tok)
            .json(&json!({"code": oathtool(&secret, t - 1)}))
            .send()
            .map_err(|e| e.to_string())?;
        if r.status().as_u16() != 200 {
            return Err(format!("confirm {}", r.status()));
        }
        let v: Value = r.json().map_err(|e| e.to_string())?;
        let codes = v["recovery_codes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        Ok((t - 1, codes))
    });
    (secret, step, codes)
}

/// The TOTP code of the current step, for an approval (after a confirmation at an
/// earlier step).
pub(crate) fn fresh_code(secret: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    oathtool(secret, now / 30)
}

/// The value of the first `<input name="NAME" value="...">` in a page.
pub(crate) fn input_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_string())
}

/// A form body as a browser encodes it.
fn urlencoded(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A console session over plain HTTP (what a browser without JavaScript does).
pub(crate) struct Console {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) fn post_form(
    d: &Daemon,
    cookie: Option<&str>,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, Option<String>) {
    let mut r = http()
        .post(d.url(path))
        .header("Sec-Fetch-Site", "same-origin")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(urlencoded(fields));
    if let Some(c) = cookie {
        r = r.header("Cookie", c);
    }
    let r = r.send().expect("form post");
    let status = r.status().as_u16();
    let set_cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    (status, r.text().unwrap_or_default(), set_cookie)
}

/// Signs in to the console with the password and a recovery code.
pub(crate) fn console_sign_in(d: &Daemon, email: &str, recovery_code: &str) -> Console {
    let (s, page, _) = post_form(
        d,
        None,
        "/login",
        &[("email", email), ("password", PASSWORD)],
    );
    assert_eq!(s, 200, "{page}");
    let challenge = input_value(&page, "challenge").expect("the MFA step's challenge");
    let (s, page, cookie) = post_form(
        d,
        None,
        "/login/mfa",
        &[("challenge", &challenge), ("recovery_code", recovery_code)],
    );
    assert_eq!(s, 303, "{page}");
    let cookie = cookie.expect("a session cookie");
    let page = http()
        .get(d.url("/device"))
        .header("Cookie", &cookie)
        .send()
        .expect("device page")
        .text()
        .expect("html");
    let csrf = input_value(&page, "csrf").expect("the csrf token");
    Console { cookie, csrf }
}

impl Console {
    pub(crate) fn post(&self, d: &Daemon, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let (s, page, _) = post_form(d, Some(&self.cookie), path, &all);
        (s, page)
    }

    /// Types the user code; returns the approve screen's grant id.
    pub(crate) fn lookup(&self, d: &Daemon, user_code: &str) -> String {
        let (s, page) = self.post(d, "/device", &[("user_code", user_code)]);
        assert_eq!(s, 200, "{page}");
        input_value(&page, "grant").expect("the approve screen")
    }
}

/// `wt login --web` (then `wt whoami`) running in its own kernel keyring session.
struct WebLogin {
    child: Child,
    dir: tempfile::TempDir,
}

impl WebLogin {
    fn start(d: &Daemon, args: &[&str]) -> WebLogin {
        let dir = tempfile::tempdir().expect("tempdir");
        let wt = bin("wt");
        let wt = wt.to_str().expect("utf8 path");
        let p = |f: &str| dir.path().join(f).to_string_lossy().into_owned();
        let script = format!(
            "{wt} login --web --no-input {args} >{out} 2>{err}; rc=$?; \
             if [ $rc = 0 ]; then {wt} whoami --output json >{who} 2>&1; fi; exit $rc",
            args = args.join(" "),
            out = p("out"),
            err = p("err"),
            who = p("whoami"),
        );
        let child = Command::new("keyctl")
            .args(["session", "-", "bash", "-c", &script])
            .env("WT_SERVER", d.url(""))
            .env("WT_KEYRING", "keyutils")
            .env("NO_COLOR", "1")
            .env_remove("WT_TOKEN")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .spawn()
            .expect("keyctl");
        WebLogin { child, dir }
    }

    fn read(&self, f: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default()
    }

    /// The user code and the link with it, once `wt` printed them.
    fn code(&self) -> (String, String) {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let err = self.read("err");
            if let (Some(a), Some(b)) = (err.find("enter the code "), err.find("(or open ")) {
                let code = err[a + 15..]
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                let link = err[b + 9..]
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches(')')
                    .to_string();
                return (code, link);
            }
            assert!(Instant::now() < until, "wt printed no code: {err}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for `wt` to end: (exit code, stdout, stderr, `wt whoami` output).
    fn finish(mut self) -> (i32, String, String, String) {
        let until = Instant::now() + Duration::from_secs(90);
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s;
            }
            if Instant::now() > until {
                let _ = self.child.kill();
                panic!("wt login --web did not end: {}", self.read("err"));
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        (
            status.code().unwrap_or(-1),
            self.read("out"),
            self.read("err"),
            self.read("whoami"),
        )
    }
}

pub(crate) fn start_grant(d: &Daemon, body: Value) -> Value {
    let r = http()
        .post(d.url("/api/v1/auth/device"))
        .json(&body)
        .send()
        .expect("device");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    r.json().expect("json")
}

pub(crate) fn poll(d: &Daemon, device_code: &str) -> (u16, Value) {
    let r = http()
        .post(d.url("/api/v1/auth/device/token"))
        .json(&json!({"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": device_code}))
        .send()
        .expect("poll");
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

/// The stored status of the only grant whose user code is `user_code`'s (by its id on
/// the approve screen), or of the newest grant.
/// The status of grant `id` (the newest by creation time is ambiguous within a second).
pub(crate) fn status_of(d: &Daemon, id: &str) -> String {
    assert!(
        id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "{id}"
    );
    d.sql_column(&format!(
        "SELECT status FROM device_grants WHERE id = '{id}'"
    ))
    .pop()
    .unwrap_or_default()
}

fn newest_status(d: &Daemon) -> String {
    d.sql_column("SELECT status FROM device_grants ORDER BY created_at DESC, id DESC LIMIT 1")
        .pop()
        .unwrap_or_default()
}

#[test]
fn wt_login_web_is_approved_with_a_passkey_in_chromium_and_whoami_works_from_the_keyring() {
    if !require_browser() || !keyutils_available() {
        eprintln!("SKIPPED: needs chromium and `keyctl session -`");
        return;
    }
    let axe = require_axe();
    let d = daemon();
    let b = Browser::start();
    b.session_cmd(
        http::Method::POST,
        "webauthn/authenticator",
        Some(json!({
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": true,
            "hasUserVerification": true, "isUserVerified": true,
            "automaticPresenceSimulation": true,
        })),
    );
    // The admin registers a passkey in the console.
    let base = d.url("").replace("127.0.0.1", "localhost");
    b.goto(&format!("{base}/login"));
    b.fill("#email", OWNER);
    b.fill("#password", PASSWORD);
    b.submit_and_wait("#login-submit");
    b.fill("#passkey_name", "Laptop");
    b.submit_and_wait("#passkey-add");
    b.click("#passkey-go");
    b.wait_for("the recovery codes", |b| b.exists("#recovery-codes"));

    // On the "headless server": wt login --web, nothing typed.
    let login = WebLogin::start(&d, &[]);
    let (code, link) = login.code();
    assert_eq!(code.len(), 9, "{code}");
    assert!(
        link.starts_with(&format!("{base}/device?user_code=")),
        "{link}"
    );

    // On "another machine": the printed link, the code filled in, approve with the passkey.
    b.goto(&link);
    assert_eq!(
        b.find("#user_code").property("value").as_deref(),
        Some(code.as_str())
    );
    if let Some(axe) = axe.as_deref() {
        let v = b.axe_violations(axe);
        assert!(v.is_empty(), "device page: {v:#?}");
    }
    b.submit_and_wait("#device-continue");
    assert_eq!(b.find("#device-user-code").text(), code);
    assert_eq!(b.find("#device-request-ip").text(), "127.0.0.1");
    assert_eq!(
        b.find("#device-client-version").text(),
        env!("CARGO_PKG_VERSION")
    );
    assert!(b.find("#device-os").text().contains(std::env::consts::OS));
    if let Some(axe) = axe.as_deref() {
        let v = b.axe_violations(axe);
        assert!(v.is_empty(), "approve screen: {v:#?}");
    }
    b.submit_and_wait("#device-approve-passkey-go");
    b.click("#passkey-go");
    b.wait_for("the approval", |b| b.exists("#device-done"));
    assert_eq!(
        b.find("#device-done").attr("data-approved").as_deref(),
        Some("true")
    );

    let (rc, out, err, who) = login.finish();
    assert_eq!(rc, 0, "{out}\n{err}");
    assert!(err.contains("Approved."), "{err}");
    let who: Value = serde_json::from_str(&who).unwrap_or_else(|e| panic!("{e}: {who}"));
    assert_eq!(who["user"]["email"], OWNER);
    assert_eq!(who["org"]["slug"], "acme");

    // Audited: requested, approved (by whom, from where, with what), redeemed.
    assert_eq!(
        d.sql_column("SELECT status FROM device_grants"),
        vec!["redeemed"]
    );
    let rows = d.sql_column(
        "SELECT action || ' ' || COALESCE(actor_email, '-') FROM audit_log WHERE action LIKE 'device_login.%' ORDER BY seq",
    );
    assert_eq!(
        rows,
        vec![
            "device_login.requested -".to_string(),
            format!("device_login.approved {OWNER}"),
            format!("device_login.redeemed {OWNER}"),
        ],
    );
    let approved =
        d.sql_column("SELECT details FROM audit_log WHERE action = 'device_login.approved'");
    assert!(
        approved[0].contains("\"factor\":\"passkey\""),
        "{approved:?}"
    );
    assert!(
        approved[0].contains("\"request_ip\":\"127.0.0.1\""),
        "{approved:?}"
    );
}

#[test]
fn a_denied_login_exits_8_and_a_lapsed_one_exits_9_and_neither_stores_a_credential() {
    if !have_oathtool() || !keyutils_available() {
        eprintln!("SKIPPED: needs oathtool and `keyctl session -`");
        return;
    }
    let d = daemon();
    let tok = api_login(&d, OWNER, None);
    let (secret, _, codes) = enroll_totp(&d, &tok);
    let console = console_sign_in(&d, OWNER, &codes[0]);

    // Denied in the console (no factor needed to refuse).
    let login = WebLogin::start(&d, &[]);
    let (code, _) = login.code();
    let grant = console.lookup(&d, &code.to_lowercase().replace('-', ""));
    let (s, page) = console.post(&d, "/device/deny", &[("grant", &grant)]);
    assert_eq!(s, 200, "{page}");
    assert!(page.contains("data-approved=\"false\""), "{page}");
    let (rc, out, err, who) = login.finish();
    assert_eq!(rc, 8, "{out}\n{err}");
    assert!(err.contains("denied"), "{err}");
    assert!(who.is_empty(), "no whoami after a failed login: {who}");
    // Answered once: approving it now is refused.
    let code_now = fresh_code(&secret);
    let (s, _) = console.post(
        &d,
        "/device/approve",
        &[("grant", &grant), ("code", &code_now)],
    );
    assert_eq!(s, 409);

    // Lapsed: nobody answers; ten minutes pass (in the database).
    let login = WebLogin::start(&d, &["--org", "acme"]);
    let _ = login.code();
    d.sql("UPDATE device_grants SET expires_at = 0 WHERE status = 'pending'");
    let (rc, out, err, _) = login.finish();
    assert_eq!(rc, 9, "{out}\n{err}");
    assert!(err.contains("lapsed"), "{err}");
    assert_eq!(newest_status(&d), "expired");

    let rows = d
        .sql_column("SELECT action FROM audit_log WHERE action LIKE 'device_login.%' ORDER BY seq");
    assert_eq!(
        rows,
        vec![
            "device_login.requested",
            "device_login.denied",
            "device_login.requested",
            "device_login.expired"
        ]
    );
}

#[test]
fn the_token_endpoint_speaks_rfc_8628_and_one_of_fifty_polls_gets_the_session() {
    if !have_oathtool() {
        eprintln!("SKIPPED: needs oathtool");
        return;
    }
    let d = daemon();
    let g = start_grant(&d, json!({"client_version": "9.9.9", "os": "plan9 mips"}));
    let user_code = g["user_code"].as_str().expect("user_code").to_string();
    let device_code = g["device_code"].as_str().expect("device_code").to_string();
    assert_eq!(g["expires_in"], 600);
    assert_eq!(g["interval"], 5);
    assert_eq!(user_code.len(), 9);
    assert_eq!(&user_code[4..5], "-");
    assert!(
        user_code
            .chars()
            .filter(|c| *c != '-')
            .all(|c| "BCDFGHJKLMNPQRSTVWXZ".contains(c))
    );
    assert_eq!(
        g["verification_uri"],
        d.url("/device").replace("127.0.0.1", "localhost")
    );
    // Hashed at rest: neither code is in the database.
    let dump = d.sql_column("SELECT device_code_hash || ' ' || user_code_hash FROM device_grants");
    assert!(!dump[0].contains(&device_code) && !dump[0].contains(&user_code.replace('-', "")));

    // RFC 8628 §3.5 on the wire: pending, then slow_down when polled sooner than 5 s.
    let (s, v) = poll(&d, &device_code);
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("authorization_pending")),
        "{v}"
    );
    let (s, v) = poll(&d, &device_code);
    assert_eq!((s, v["error"].as_str()), (400, Some("slow_down")), "{v}");
    assert_eq!(v["interval"], 10);
    let (_, v) = poll(&d, &device_code);
    assert_eq!(v["interval"], 15, "every slow_down adds 5 seconds");
    for (body, want) in [
        (json!({"device_code": "wtdc_nope"}), "invalid_grant"),
        (
            json!({"grant_type": "password", "device_code": device_code}),
            "unsupported_grant_type",
        ),
        (json!({"code": 1}), "invalid_request"),
    ] {
        let r = http()
            .post(d.url("/api/v1/auth/device/token"))
            .json(&body)
            .send()
            .expect("poll");
        assert_eq!(r.status().as_u16(), 400);
        assert_eq!(r.json::<Value>().expect("json")["error"], want);
    }
    let r = http()
        .post(d.url("/api/v1/auth/device/token"))
        .body("not json")
        .send()
        .expect("poll");
    assert_eq!(r.status().as_u16(), 400);

    let tok = api_login(&d, OWNER, None);
    let (secret, step, codes) = enroll_totp(&d, &tok);
    let console = console_sign_in(&d, OWNER, &codes[0]);
    let grant = console.lookup(&d, &user_code);
    // The approve screen shows what asks.
    let (_, page) = console.post(&d, "/device", &[("user_code", &user_code)]);
    for shown in ["9.9.9", "plan9 mips", "127.0.0.1", &user_code] {
        assert!(page.contains(shown), "{shown} on the approve screen");
    }
    // The cookie alone cannot approve: no code, a wrong code, a replayed code.
    let (s, _) = console.post(&d, "/device/approve", &[("grant", &grant)]);
    assert_ne!(s, 200);
    let (s, _) = console.post(
        &d,
        "/device/approve",
        &[("grant", &grant), ("code", "000000")],
    );
    assert_ne!(s, 200);
    let replayed = oathtool(&secret, step);
    let (s, _) = console.post(
        &d,
        "/device/approve",
        &[("grant", &grant), ("code", &replayed)],
    );
    assert_ne!(s, 200, "the confirmation's code is spent");
    assert_eq!(status_of(&d, &grant), "pending");
    // Without a CSRF token: refused too.
    let (s, _, _) = post_form(
        &d,
        Some(&console.cookie),
        "/device/approve",
        &[("grant", &grant), ("code", "123456")],
    );
    assert!(s >= 400, "{s}");

    let fresh = fresh_code(&secret);
    let (s, page) = console.post(
        &d,
        "/device/approve",
        &[("grant", &grant), ("code", &fresh)],
    );
    assert_eq!(s, 200, "{page}");
    assert!(page.contains("data-approved=\"true\""));

    // 50 simultaneous polls: exactly one session.
    let answers: Vec<(u16, Value)> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..50)
            .map(|_| sc.spawn(|| poll(&d, &device_code)))
            .collect();
        hs.into_iter()
            .map(|h| h.join().expect("poll thread"))
            .collect()
    });
    let won: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, v)| v)
        .collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    for (s, v) in answers.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(
            (*s, v["error"].as_str()),
            (400, Some("invalid_grant")),
            "{v}"
        );
    }
    assert_eq!(won[0]["token_type"], "Bearer");
    let session = won[0]["access_token"].as_str().expect("token");
    let who: Value = http()
        .get(d.url("/api/v1/auth/session"))
        .bearer_auth(session)
        .send()
        .expect("whoami")
        .json()
        .expect("json");
    assert_eq!(who["user"]["email"], OWNER);
    assert_eq!(who["org"]["slug"], "acme");
    // Redeemed twice: refused.
    let (s, v) = poll(&d, &device_code);
    assert_eq!((s, v["error"].as_str()), (400, Some("invalid_grant")));
}

#[test]
fn another_orgs_member_cannot_approve_into_the_first_and_a_signed_out_approver_yields_no_session() {
    if !have_oathtool() {
        eprintln!("SKIPPED: needs oathtool");
        return;
    }
    let d = daemon();
    let beta_tok = api_login(&d, BETA_OWNER, None);
    let (beta_secret, _, beta_codes) = enroll_totp(&d, &beta_tok);
    let beta = console_sign_in(&d, BETA_OWNER, &beta_codes[0]);

    // A login for Acme: Beta's owner can neither approve nor deny it.
    let g = start_grant(&d, json!({"org": "acme"}));
    let (s, page) = beta.post(
        &d,
        "/device",
        &[("user_code", g["user_code"].as_str().expect("code"))],
    );
    assert_eq!(s, 403, "{page}");
    assert!(page.contains("acme"), "{page}");
    // Its id (not shown to Beta; taken from the database) is no use either: 404.
    let grant = d
        .sql_column("SELECT id FROM device_grants ORDER BY created_at DESC, id DESC LIMIT 1")
        .pop()
        .expect("a grant");
    let code = fresh_code(&beta_secret);
    let (s, _) = beta.post(&d, "/device/approve", &[("grant", &grant), ("code", &code)]);
    assert_eq!(s, 404);
    let (s, _) = beta.post(&d, "/device/deny", &[("grant", &grant)]);
    assert_eq!(s, 404);
    assert_eq!(status_of(&d, &grant), "pending");

    // A login that names no org is approved into the approver's org, Beta.
    let g = start_grant(&d, json!({}));
    let grant = beta.lookup(&d, g["user_code"].as_str().expect("code"));
    let code = fresh_code(&beta_secret);
    let (s, page) = beta.post(&d, "/device/approve", &[("grant", &grant), ("code", &code)]);
    assert_eq!(s, 200, "{page}");
    let (s, v) = poll(&d, g["device_code"].as_str().expect("device code"));
    assert_eq!(s, 200, "{v}");
    let who: Value = http()
        .get(d.url("/api/v1/auth/session"))
        .bearer_auth(v["access_token"].as_str().expect("token"))
        .send()
        .expect("whoami")
        .json()
        .expect("json");
    assert_eq!(who["org"]["slug"], "beta");
    // Its audit entries are Beta's only.
    let acme = d.sql_column("SELECT o.slug FROM audit_log a JOIN orgs o ON o.id = a.org_id WHERE a.action = 'device_login.redeemed'");
    assert_eq!(acme, vec!["beta"]);

    // Approved, then the approver signs out of the approving session: no session (Acme's
    // owner this time: each account's TOTP step is used once).
    let tok = api_login(&d, OWNER, None);
    let (secret, _, codes) = enroll_totp(&d, &tok);
    let acme = console_sign_in(&d, OWNER, &codes[0]);
    let g = start_grant(&d, json!({}));
    let grant = acme.lookup(&d, g["user_code"].as_str().expect("code"));
    let code = fresh_code(&secret);
    let (s, _) = acme.post(&d, "/device/approve", &[("grant", &grant), ("code", &code)]);
    assert_eq!(s, 200);
    let (s, _) = acme.post(&d, "/logout", &[]);
    assert_eq!(s, 303);
    let (s, v) = poll(&d, g["device_code"].as_str().expect("device code"));
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("access_denied")),
        "{v}"
    );
    assert_eq!(status_of(&d, &grant), "denied");
}

#[test]
fn guessed_user_codes_and_bursts_of_device_codes_are_throttled() {
    if !have_oathtool() {
        eprintln!("SKIPPED: needs oathtool");
        return;
    }
    let d = daemon();
    let tok = api_login(&d, OWNER, None);
    let (_, _, codes) = enroll_totp(&d, &tok);
    let console = console_sign_in(&d, OWNER, &codes[0]);
    let g = start_grant(&d, json!({}));
    // Guesses: a handful answer "no such code", then the member waits (429).
    let mut statuses = vec![];
    for _ in 0..7 {
        statuses.push(console.post(&d, "/device", &[("user_code", "BBBB-BBBB")]).0);
    }
    assert!(statuses[..5].iter().all(|s| *s == 422), "{statuses:?}");
    assert_eq!(statuses[6], 429, "{statuses:?}");
    // Even the right code waits now.
    let (s, _) = console.post(
        &d,
        "/device",
        &[("user_code", g["user_code"].as_str().expect("code"))],
    );
    assert_eq!(s, 429);

    // Device codes from one address: a burst, then 429 with Retry-After.
    let mut last = 200;
    for _ in 0..30 {
        let r = http()
            .post(d.url("/api/v1/auth/device"))
            .json(&json!({}))
            .send()
            .expect("device");
        last = r.status().as_u16();
        if last == 429 {
            assert!(r.headers().get("retry-after").is_some());
            break;
        }
    }
    assert_eq!(last, 429);
}

/// `wt login --web` output helper types are exercised above; this checks the printed
/// instructions do not leak the device code (the CLI's bearer secret).
#[test]
fn the_device_code_never_reaches_the_terminal_or_the_log() {
    if !keyutils_available() {
        eprintln!("SKIPPED: needs `keyctl session -`");
        return;
    }
    let d = daemon();
    let login = WebLogin::start(&d, &[]);
    let _ = login.code();
    let err = login.read("err");
    d.sql("UPDATE device_grants SET expires_at = 0");
    let (rc, _, _, _) = login.finish();
    assert_eq!(rc, 9);
    assert!(!err.contains("wtdc_"), "{err}");
    assert!(!d.log().contains("wtdc_"), "the daemon's log");
}
