//! Passkeys beyond the second factor (issue #26): passwordless sign-in (a discoverable
//! credential, user verification required), passkey step-up on the admin tabs, the
//! org's `phishing_resistant_required_roles` (readiness fails until owner and admin have
//! a passkey), the AAGUID allow-list, and the last-second-factor rule on TOTP removal
//! (API, CLI, console). The real `wtd`, the real `wt`, headless Chromium with a WebDriver
//! virtual authenticator, and raw HTTP for what a browser would not do (50 concurrent
//! answers, a replayed answer, an answer made on another origin).

use crate::harness::{Daemon, OWNER, PASSWORD, http};
use crate::hygiene::mailed_token;
use crate::mfa::{at_current_step, have_oathtool, oathtool};
use crate::passkeys::{
    api_token_with_recovery_code, audit, authenticator, authenticator_on, credentials, daemon,
    shot, sign_in_password, urlencoded,
};
use crate::webdriver::{Browser, require_axe, require_browser};
use serde_json::{Value, json};

const ADMIN: &str = "admin@acme.test";
const ANALYST: &str = "analyst@acme.test";

fn post(d: &Daemon, path: &str, body: Value, token: &str) -> (u16, Value) {
    let r = http()
        .post(d.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

fn patch_settings(d: &Daemon, token: &str, body: Value) -> (u16, Value) {
    let r = http()
        .patch(d.url("/api/v1/orgs/settings"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .expect("patch settings");
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

/// Invites `email` as `role` and accepts it; returns the new member's id.
fn add_member(d: &Daemon, token: &str, email: &str, role: &str) -> String {
    let (s, b) = post(
        d,
        "/api/v1/orgs/invites",
        json!({"email": email, "role": role}),
        token,
    );
    assert_eq!(s, 201, "{b}");
    let invite = mailed_token(d, email, "wti_");
    let r = http()
        .post(d.url("/api/v1/invites/accept"))
        .json(&json!({"token": invite, "name": "Member", "password": PASSWORD}))
        .send()
        .expect("accept");
    assert_eq!(r.status().as_u16(), 201);
    r.json::<Value>().expect("json")["user"]["id"]
        .as_str()
        .expect("user id")
        .to_string()
}

/// The status of one readiness item, as `wt check --output json` reports it, and the
/// ids of its evidence.
fn readiness_item(d: &Daemon, token: &str, id: &str) -> Option<(String, Vec<String>)> {
    let out = d
        .wt()
        .env("WT_TOKEN", token)
        .args(["check", "--output", "json"])
        .output()
        .expect("wt check");
    let v: Value = serde_json::from_slice(&out.stdout).expect("wt check json");
    v["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .map(|c| {
            (
                c["status"].as_str().unwrap_or_default().to_string(),
                c["evidence"]
                    .as_array()
                    .map(|e| {
                        e.iter()
                            .filter_map(|x| x["id"].as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        })
}

/// Registers a passkey for whoever is signed in; returns the recovery codes when it was
/// their first second factor.
fn register(b: &Browser, base: &str, name: &str) -> Vec<String> {
    b.goto(&format!("{base}/security"));
    b.fill("#passkey_name", name);
    b.submit_and_wait("#passkey-add");
    assert!(b.exists("#passkey-form"), "{}", b.source());
    b.click("#passkey-go");
    b.wait_for("the passkey to be added", |b| {
        b.exists("#recovery-codes") || b.current_url().contains("done=passkey-added")
    });
    b.find_all("#recovery-codes li")
        .iter()
        .map(|e| e.text())
        .collect()
}

/// The `__Host-wt_session=...` pair of a response, if it set one.
fn session_cookie(r: &reqwest::blocking::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find(|c| c.starts_with("__Host-wt_session=") && !c.starts_with("__Host-wt_session=;"))
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
}

/// Posts a passwordless answer (as the hidden form would) to the daemon at `base`.
fn post_signin(base: &str, ceremony: &str, credential: &str) -> reqwest::blocking::Response {
    http()
        .post(format!("{base}/login/passkey/signin"))
        .header("Origin", base)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(urlencoded(&[
            ("ceremony", ceremony),
            ("credential", credential),
            ("org", ""),
        ]))
        .send()
        .expect("signin")
}

/// A passwordless ceremony started as the login page starts it (its hidden form), and
/// the browser's answer to it made on the page at `at` (not posted): (ceremony id,
/// credential JSON). `allow`: the credential to use.
fn capture_at(b: &Browser, base: &str, at: &str, allow: Option<&str>) -> (String, String) {
    let login = http().get(format!("{base}/login")).send().expect("login");
    let html = login.text().unwrap_or_default();
    let ceremony = attr_after(&html, "name=\"ceremony\" value=\"");
    let options = html_unescape(&attr_after(&html, "data-options=\""));
    b.goto(at);
    let script = r#"
        var done = arguments[arguments.length - 1];
        var o = JSON.parse(arguments[0]).publicKey;
        var allow = arguments[1];
        function b64(s) { s = s.replace(/-/g, '+').replace(/_/g, '/'); while (s.length % 4) s += '=';
            var bin = atob(s), out = new Uint8Array(bin.length);
            for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i); return out.buffer; }
        function enc(buf) { if (!buf) return null; var b = new Uint8Array(buf), s = '';
            for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
            return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''); }
        o.challenge = b64(o.challenge);
        o.allowCredentials = allow ? [{type: 'public-key', id: b64(allow)}] : [];
        navigator.credentials.get({publicKey: o}).then(function (c) {
            var r = c.response;
            done({credential: JSON.stringify({id: c.id, rawId: enc(c.rawId), type: c.type,
                response: {clientDataJSON: enc(r.clientDataJSON), authenticatorData: enc(r.authenticatorData),
                    signature: enc(r.signature), userHandle: enc(r.userHandle)}, extensions: {}})});
        }, function (e) { done({error: String(e && e.name)}); });
    "#;
    let got = b.execute_async(
        script,
        vec![json!(options), allow.map_or(Value::Null, |a| json!(a))],
    );
    let credential = got["credential"].as_str().unwrap_or_default().to_string();
    assert!(!credential.is_empty(), "an answer: {got}");
    (ceremony, credential)
}

/// [`capture_at`] on our own origin (the forgotten-password page: no passkey form).
fn capture(b: &Browser, base: &str, allow: Option<&str>) -> (String, String) {
    b.delete_cookies();
    capture_at(b, base, &format!("{base}/forgot"), allow)
}

#[test]
fn a_passkey_signs_in_without_a_password_and_steps_up_on_the_members_tab() {
    if !require_browser() {
        return;
    }
    let axe = require_axe();
    let (d, base) = daemon();
    let b = Browser::start();
    let auth = authenticator(&b);
    let owner_tok = d.login_token();
    let analyst_id = add_member(&d, &owner_tok, ANALYST, "analyst");

    // The owner registers a passkey (a discoverable credential) and signs out.
    sign_in_password(&b, &base, OWNER);
    let codes = register(&b, &base, "Laptop");
    assert_eq!(codes.len(), 10);
    let creds = credentials(&b, &auth);
    assert_eq!(creds.len(), 1);
    assert_eq!(
        creds[0]["isResidentCredential"],
        json!(true),
        "registered as a discoverable credential: {}",
        creds[0]
    );
    b.delete_cookies();

    // The login page offers it: conditional UI in the address field (the browser's
    // autofill lists this site's passkeys) and a button.
    let html = http()
        .get(format!("{base}/login"))
        .send()
        .expect("login page")
        .text()
        .unwrap_or_default();
    assert!(
        html.contains("autocomplete=\"username webauthn\""),
        "{html}"
    );
    assert!(html.contains("id=\"passkey-conditional-form\""));
    assert!(html.contains("id=\"passkey-signin-start\""));

    // No password: picking the passkey (the virtual authenticator picks it at once) and
    // user verification on the device sign in.
    b.goto(&format!("{base}/login"));
    b.wait_for("conditional UI to sign in", |b| {
        b.current_url().ends_with("/security") && b.exists("#logout")
    });
    if let Some(axe) = axe.as_deref() {
        let found = b.axe_violations(axe);
        assert!(found.is_empty(), "security tab, passkey only: {found:#?}");
    }
    shot(&b, "passwordless-signed-in");
    // Passkey only: the authenticator-app section says so, not "off".
    assert!(
        b.find("#mfa").text().contains("on with your passkeys"),
        "{}",
        b.find("#mfa").text()
    );

    // An admin action: the form asks for the password; the passkey confirms instead.
    b.goto(&format!("{base}/members/{analyst_id}"));
    assert!(b.exists("#passkey-step-up"), "{}", b.source());
    b.click("#sessions_confirm");
    b.submit_and_wait("#sessions-submit");
    assert!(
        b.exists("#error"),
        "without a password or a step-up: refused: {}",
        b.source()
    );
    b.submit_and_wait("#passkey-step-up");
    assert!(b.exists("#passkey-form"));
    b.click("#passkey-go");
    b.wait_for("the member page again", |b| {
        b.current_url().ends_with(&format!("/members/{analyst_id}"))
    });
    b.click("#sessions_confirm");
    b.submit_and_wait("#sessions-submit");
    assert!(
        b.current_url().contains("done=sessions"),
        "after a passkey step-up no password: {} {}",
        b.current_url(),
        b.source()
    );

    // Recorded: a sign-in by passkey, the step-up, the action.
    let token = api_token_with_recovery_code(&d, OWNER, &codes[0]);
    let entries = audit(&d, &token);
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "auth.login.succeeded" && e["details"]["method"] == "passkey"),
        "a passwordless sign-in is audited with method passkey"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "passkey.used" && e["details"]["purpose"] == "passwordless"),
        "the passkey's use"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "auth.step_up" && e["details"]["factor"] == "passkey")
    );
}

#[test]
fn passwordless_answers_are_single_use_bound_to_their_ceremony_origin_and_registered_keys() {
    if !require_browser() {
        return;
    }
    let (d, base) = daemon();
    let b = Browser::start();
    let auth = authenticator(&b);
    let owner_tok = d.login_token();
    let analyst_id = add_member(&d, &owner_tok, ANALYST, "analyst");
    sign_in_password(&b, &base, OWNER);
    let codes = register(&b, &base, "Laptop");
    b.delete_cookies();
    let cred = credentials(&b, &auth)[0].clone();
    let owner_cred = cred["credentialId"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    // An answer used once; replayed into a fresh ceremony (its old challenge and
    // counter): refused, no session.
    let (ceremony, used) = capture(&b, &base, None);
    let r = post_signin(&base, &ceremony, &used);
    assert!(session_cookie(&r).is_some(), "the first use signs in");
    let (fresh, _unused) = capture(&b, &base, None);
    let r = post_signin(&base, &fresh, &used);
    assert_eq!(r.status().as_u16(), 401);
    assert!(session_cookie(&r).is_none());
    assert!(r.text().unwrap_or_default().contains("not accepted"));
    // An unknown ceremony id: refused the same way.
    let (_, answer) = capture(&b, &base, None);
    let r = post_signin(&base, "pkc_unknown", &answer);
    assert_eq!(r.status().as_u16(), 401);

    // An authenticator holding a credential this server never registered (the same key
    // material under another credential id, for the right RP and user): refused.
    b.session_cmd(
        http::Method::DELETE,
        &format!("webauthn/authenticator/{auth}"),
        None,
    );
    let stranger = authenticator_on(&b, "usb");
    b.session_cmd(
        http::Method::POST,
        &format!("webauthn/authenticator/{stranger}/credential"),
        Some(json!({
            "credentialId": "c3RyYW5nZXItY3JlZGVudGlhbC0x",
            "isResidentCredential": true,
            "rpId": cred["rpId"],
            "privateKey": cred["privateKey"],
            "userHandle": cred["userHandle"],
            "signCount": 100,
        })),
    );
    let (ceremony, answer) = capture(&b, &base, None);
    let r = post_signin(&base, &ceremony, &answer);
    assert_eq!(r.status().as_u16(), 401, "an unregistered credential");
    assert!(session_cookie(&r).is_none());

    // Another origin (another port of localhost: the same RP ID, so the browser signs)
    // cannot make an answer our origin accepts: the server checks the origin.
    b.session_cmd(
        http::Method::DELETE,
        &format!("webauthn/authenticator/{stranger}"),
        None,
    );
    let again = authenticator(&b);
    b.session_cmd(
        http::Method::POST,
        &format!("webauthn/authenticator/{again}/credential"),
        Some(json!({
            "credentialId": cred["credentialId"],
            "isResidentCredential": true,
            "rpId": cred["rpId"],
            "privateKey": cred["privateKey"],
            "userHandle": cred["userHandle"],
            "signCount": 1000,
        })),
    );
    let page = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        page.path().join("index.html"),
        "<!doctype html><title>elsewhere</title><p>another site</p>",
    )
    .expect("page");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let mut server = std::process::Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .current_dir(page.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python3 http.server");
    let other = format!("http://localhost:{port}");
    let ready = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        http().get(format!("{other}/")).send().is_ok()
    });
    assert!(ready, "the other site serves");
    // Our ceremony's options, answered on the other site's page.
    let (ceremony, credential) = capture_at(&b, &base, &format!("{other}/"), None);
    let r = post_signin(&base, &ceremony, &credential);
    assert_eq!(
        r.status().as_u16(),
        401,
        "an answer made on {other} is refused"
    );
    assert!(session_cookie(&r).is_none());
    // An IP-address origin cannot even ask for our RP ID.
    b.goto(&format!("http://127.0.0.1:{port}/"));
    let got = b.execute_async(
        r#"var done = arguments[arguments.length - 1];
           navigator.credentials.get({publicKey: {challenge: new Uint8Array(32), rpId: 'localhost'}})
             .then(function () { done('signed'); }, function (e) { done(String(e && e.name)); });"#,
        vec![],
    );
    let _ = server.kill();
    let _ = server.wait();
    assert_ne!(got, json!("signed"), "{got}");

    // A removed member's passkey signs no one in. (A fresh authenticator: with the
    // owner's passkey on it, the login page's conditional UI would sign the owner in.)
    b.session_cmd(
        http::Method::DELETE,
        &format!("webauthn/authenticator/{again}"),
        None,
    );
    let analyst_auth = authenticator(&b);
    b.delete_cookies();
    sign_in_password(&b, &base, ANALYST);
    register(&b, &base, "Analyst key");
    b.delete_cookies();
    let analyst_cred = credentials(&b, &analyst_auth)[0]["credentialId"]
        .as_str()
        .expect("the analyst's credential")
        .to_string();
    let token = api_token_with_recovery_code(&d, OWNER, &codes[0]);
    let r = http()
        .delete(d.url(&format!("/api/v1/orgs/members/{analyst_id}")))
        .bearer_auth(&token)
        .send()
        .expect("remove member");
    assert!(r.status().is_success(), "{:?}", r.text());
    let (ceremony, answer) = capture(&b, &base, Some(&analyst_cred));
    let r = post_signin(&base, &ceremony, &answer);
    assert_eq!(r.status().as_u16(), 401, "a removed member's passkey");
    assert!(session_cookie(&r).is_none());

    // Last (the address's failures add up): one answer, 50 concurrent finishes, exactly
    // one session.
    b.session_cmd(
        http::Method::POST,
        &format!("webauthn/authenticator/{analyst_auth}/credential"),
        Some(json!({
            "credentialId": cred["credentialId"],
            "isResidentCredential": true,
            "rpId": cred["rpId"],
            "privateKey": cred["privateKey"],
            "userHandle": cred["userHandle"],
            "signCount": 5000,
        })),
    );
    let (ceremony, credential) = capture(&b, &base, Some(&owner_cred));
    let sessions: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|_| {
                let (base, ceremony, credential) = (&base, &ceremony, &credential);
                s.spawn(move || {
                    usize::from(session_cookie(&post_signin(base, ceremony, credential)).is_some())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    assert_eq!(sessions, 1, "one ceremony, one session");
}

/// The value of the attribute that starts right after `marker` in `html`.
fn attr_after(html: &str, marker: &str) -> String {
    let at = html.find(marker).expect(marker) + marker.len();
    html[at..].split('"').next().unwrap_or_default().to_string()
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn readiness_fails_until_owner_and_admin_have_passkeys_and_the_aaguid_list_is_enforced() {
    if !require_browser() {
        return;
    }
    let (d, base) = daemon();
    let b = Browser::start();
    let auth = authenticator(&b);
    let owner_tok = d.login_token();
    let admin_id = add_member(&d, &owner_tok, ADMIN, "admin");

    // The setting, with the CLI: a bad AAGUID is a usage error; roles are set.
    let out = d
        .wt()
        .env("WT_TOKEN", &owner_tok)
        .args(["org", "set", "passkey-aaguids", "not-a-uuid", "--no-input"])
        .output()
        .expect("wt org set");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an AAGUID"));
    let out = d
        .wt()
        .env("WT_TOKEN", &owner_tok)
        .args([
            "org",
            "set",
            "phishing-resistant-required-roles",
            "owner,admin",
            "--output",
            "json",
        ])
        .output()
        .expect("wt org set");
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v["phishing_resistant_required_roles"],
        json!(["owner", "admin"])
    );

    // Nobody has a passkey: the item fails and names both.
    let (status, who) =
        readiness_item(&d, &owner_tok, "phishing_resistant_mfa").expect("listed when set");
    assert_eq!(status, "fail");
    assert_eq!(who.len(), 2, "{who:?}");
    assert!(who.contains(&admin_id));

    // An allow-list that does not name this authenticator: its registration is refused
    // (and the refusal, with the model it presented, is audited).
    let (s, b2) = patch_settings(
        &d,
        &owner_tok,
        json!({"passkey_aaguids": ["cb69481e-8ff7-4039-93ec-0a2729a154a8"]}),
    );
    assert_eq!(s, 200, "{b2}");
    sign_in_password(&b, &base, OWNER);
    b.fill("#passkey_name", "Laptop");
    b.submit_and_wait("#passkey-add");
    b.click("#passkey-go");
    b.wait_for("the refusal", |b| b.exists("#error"));
    assert!(
        b.find("#error").text().contains("approved security keys"),
        "{}",
        b.source()
    );
    let entries = audit(&d, &owner_tok);
    let denied = entries
        .iter()
        .find(|e| e["action"] == "passkey.registered" && e["outcome"] == "denied")
        .expect("the refusal is audited");
    let model = denied["details"]["aaguid"]
        .as_str()
        .expect("the virtual authenticator's AAGUID (attestation was asked for)")
        .to_string();

    // The list names it: registration works; readiness still fails (the admin).
    let (s, b2) = patch_settings(&d, &owner_tok, json!({"passkey_aaguids": [model]}));
    assert_eq!(s, 200, "{b2}");
    let codes = register(&b, &base, "Laptop");
    assert_eq!(codes.len(), 10);
    let owner_tok = api_token_with_recovery_code(&d, OWNER, &codes[0]);
    let (status, who) = readiness_item(&d, &owner_tok, "phishing_resistant_mfa").expect("item");
    assert_eq!((status.as_str(), who), ("fail", vec![admin_id.clone()]));
    // The console readiness page says the same.
    b.goto(&format!("{base}/readiness"));
    let item = b.find("#check-phishing_resistant_mfa");
    assert_eq!(item.attr("data-status").as_deref(), Some("fail"));
    assert!(item.text().contains(ADMIN), "{}", item.text());
    shot(&b, "readiness-phishing-resistant");

    // The owner's last passkey cannot go while the policy stands.
    b.goto(&format!("{base}/security"));
    b.execute(
        "document.querySelector('#passkeys-table details.remove').open = true",
        vec![],
    );
    b.submit_and_wait("#passkeys-table details.remove button");
    assert!(
        b.find("#error").text().contains("last passkey"),
        "{}",
        b.source()
    );

    // The admin adds one (on another authenticator, same model): readiness passes.
    b.session_cmd(
        http::Method::DELETE,
        &format!("webauthn/authenticator/{auth}"),
        None,
    );
    let _admin_auth = authenticator(&b);
    b.delete_cookies();
    sign_in_password(&b, &base, ADMIN);
    register(&b, &base, "Admin key");
    let (status, who) = readiness_item(&d, &owner_tok, "phishing_resistant_mfa").expect("item");
    assert_eq!((status.as_str(), who.len()), ("pass", 0));
}

#[test]
fn the_last_second_factor_is_not_removed_through_the_api_the_cli_or_the_console() {
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed (Debian package oathtool)");
        return;
    }
    let mut d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let (s, e) = post(&d, "/api/v1/auth/mfa/totp/enroll", json!({}), &tok);
    assert_eq!(s, 200, "{e}");
    let secret = e["secret"].as_str().expect("secret").to_string();
    let confirmed = at_current_step(|t| {
        let (s, b) = post(
            &d,
            "/api/v1/auth/mfa/totp/confirm",
            json!({"code": oathtool(&secret, t - 1)}),
            &tok,
        );
        if s == 200 {
            Ok(b)
        } else {
            Err(format!("confirm {s} {b}"))
        }
    });
    let codes: Vec<String> = confirmed["recovery_codes"]
        .as_array()
        .expect("recovery codes")
        .iter()
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect();
    let tok = api_token_with_recovery_code(&d, OWNER, &codes[0]);

    // The API: the owner's role requires MFA and TOTP is their only factor.
    let (s, b) = post(
        &d,
        "/api/v1/auth/mfa/totp/disable",
        json!({"password": PASSWORD, "code": "000000"}),
        &tok,
    );
    assert_eq!(s, 409, "{b}");
    assert!(
        b["detail"].to_string().contains("last second factor"),
        "{b}"
    );

    // The CLI.
    let out = d
        .wt()
        .env("WT_TOKEN", &tok)
        .args([
            "mfa",
            "disable",
            "--password-stdin",
            "--code-stdin",
            "--yes",
        ])
        .write_stdin(format!("{PASSWORD}\n000000\n"))
        .output()
        .expect("wt mfa disable");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("last second factor"), "{err}");

    // The console (a browser session, its CSRF token from the Security tab).
    let r = http()
        .post(d.url("/api/v1/auth/login"))
        .json(&json!({"email": OWNER, "password": PASSWORD, "client": "console"}))
        .send()
        .expect("login");
    let ch = r.json::<Value>().expect("json")["challenge"]
        .as_str()
        .expect("challenge")
        .to_string();
    let r = http()
        .post(d.url("/api/v1/auth/mfa/verify"))
        .json(&json!({"challenge": ch, "recovery_code": codes[1]}))
        .send()
        .expect("verify");
    let cookie = session_cookie(&r).expect("a console session");
    let page = http()
        .get(d.url("/security"))
        .header("cookie", &cookie)
        .send()
        .expect("security")
        .text()
        .unwrap_or_default();
    let csrf = attr_after(&page, "name=\"csrf\" value=\"");
    let origin = d.url("");
    let r = http()
        .post(d.url("/security/mfa/disable"))
        .header("cookie", &cookie)
        .header("origin", origin.trim_end_matches('/'))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(urlencoded(&[
            ("csrf", csrf.as_str()),
            ("password", PASSWORD),
            ("code", "000000"),
        ]))
        .send()
        .expect("console disable");
    assert_eq!(r.status().as_u16(), 409);
    assert!(r.text().unwrap_or_default().contains("last second factor"));

    // Still on, and no code was spent on the refusals.
    let r = http()
        .get(d.url("/api/v1/auth/mfa"))
        .bearer_auth(&tok)
        .send()
        .expect("status");
    assert_eq!(r.json::<Value>().expect("json")["enabled"], json!(true));

    // Without the requirement the same request reaches the code check (and fails there).
    let (s, b) = patch_settings(&d, &tok, json!({"mfa_required_roles": []}));
    assert_eq!(s, 200, "{b}");
    let (s, b) = post(
        &d,
        "/api/v1/auth/mfa/totp/disable",
        json!({"password": PASSWORD, "code": "000000"}),
        &tok,
    );
    assert_ne!(s, 409, "{b}");
    assert_eq!(b["code"], json!("invalid_code"), "{b}");
    d.terminate();
}
