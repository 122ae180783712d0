//! Passkeys as the only second factor, in headless Chromium with a WebDriver virtual
//! authenticator: new recovery codes confirmed with a passkey (console and API), and the
//! passkey list showing how each passkey was made (attestation format, attachment).

use crate::harness::{Daemon, OWNER, http};
use crate::passkeys::{
    api_token_with_recovery_code, audit, authenticator, authenticator_on, daemon, sign_in_password,
};
use crate::webdriver::{Browser, require_browser};
use serde_json::{Value, json};

/// Registers a passkey for whoever is signed in; the recovery codes when it was their
/// first second factor.
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

fn passkeys(d: &Daemon, token: &str) -> Vec<Value> {
    let r = http()
        .get(d.url("/api/v1/auth/passkeys"))
        .bearer_auth(token)
        .send()
        .expect("passkeys");
    assert_eq!(r.status().as_u16(), 200);
    r.json::<Value>().expect("json")["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// In the browser (on our origin): `navigator.credentials.get` with the options an API
/// call returned; the answer as JSON with its buffers base64url, as console.js sends it.
fn assert_with(b: &Browser, options: &Value) -> Value {
    let script = r#"
        var done = arguments[arguments.length - 1];
        var o = arguments[0].publicKey;
        function from(s) {
            s = s.replace(/-/g, '+').replace(/_/g, '/');
            while (s.length % 4) { s += '='; }
            var bin = atob(s), a = new Uint8Array(bin.length);
            for (var i = 0; i < bin.length; i++) { a[i] = bin.charCodeAt(i); }
            return a.buffer;
        }
        function to(buf) {
            var a = new Uint8Array(buf), s = '';
            for (var i = 0; i < a.length; i++) { s += String.fromCharCode(a[i]); }
            return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        }
        o.challenge = from(o.challenge);
        (o.allowCredentials || []).forEach(function (c) { c.id = from(c.id); });
        navigator.credentials.get({publicKey: o}).then(function (c) {
            var r = c.response;
            done({id: c.id, rawId: to(c.rawId), type: c.type, response: {
                clientDataJSON: to(r.clientDataJSON),
                authenticatorData: to(r.authenticatorData),
                signature: to(r.signature),
                userHandle: r.userHandle ? to(r.userHandle) : null
            }, extensions: {}});
        }, function (e) { done({error: String(e)}); });
    "#;
    let v = b.execute_async(script, vec![options.clone()]);
    assert!(v.get("error").is_none(), "{v}");
    v
}

fn regenerate(d: &Daemon, token: &str, body: Value) -> (u16, Value) {
    let r = http()
        .post(d.url("/api/v1/auth/mfa/recovery-codes"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .expect("recovery codes");
    let s = r.status().as_u16();
    (s, r.json().unwrap_or(Value::Null))
}

fn login_with_recovery_code(d: &Daemon, code: &str) -> u16 {
    let r = http()
        .post(d.url("/api/v1/auth/login"))
        .json(&json!({"email": OWNER, "password": crate::harness::PASSWORD, "client": "cli"}))
        .send()
        .expect("login");
    let ch = r.json::<Value>().expect("json")["challenge"].clone();
    http()
        .post(d.url("/api/v1/auth/mfa/verify"))
        .json(&json!({"challenge": ch, "recovery_code": code}))
        .send()
        .expect("verify")
        .status()
        .as_u16()
}

#[test]
fn a_passkey_only_member_gets_new_recovery_codes_with_a_passkey_in_the_console_and_the_api() {
    if !require_browser() {
        return;
    }
    let (d, base) = daemon();
    let b = Browser::start();
    authenticator(&b);
    sign_in_password(&b, &base, OWNER);
    let first = register(&b, &base, "Laptop");
    assert_eq!(first.len(), 10, "the first second factor: codes");

    // Console: no authenticator app, so the passkey confirms.
    b.goto(&format!("{base}/security"));
    assert!(b.exists("#mfa-passkey-only"), "{}", b.source());
    b.execute(
        "document.getElementById('recovery-passkey').open = true",
        vec![],
    );
    b.submit_and_wait("#recovery-passkey-start");
    assert!(b.exists("#passkey-form"), "{}", b.source());
    b.click("#passkey-go");
    b.wait_for("the new codes", |b| b.exists("#recovery-codes"));
    let second: Vec<String> = b
        .find_all("#recovery-codes li")
        .iter()
        .map(|e| e.text())
        .collect();
    assert_eq!(second.len(), 10);
    assert!(second.iter().all(|c| !first.contains(c)));
    assert_ne!(
        login_with_recovery_code(&d, &first[0]),
        200,
        "the old set is void"
    );
    let token = api_token_with_recovery_code(&d, OWNER, &second[0]);

    // API: a password without a code is no step-up for this account; a passkey is.
    let (s, v) = regenerate(&d, &token, json!({"password": crate::harness::PASSWORD}));
    assert!((400..500).contains(&s), "{s} {v}");
    let r = http()
        .post(d.url("/api/v1/auth/step-up/passkey"))
        .bearer_auth(&token)
        .send()
        .expect("step-up start");
    assert_eq!(r.status().as_u16(), 200);
    let start: Value = r.json().expect("json");
    let b_origin = format!("{base}/security");
    b.goto(&b_origin);
    let credential = assert_with(&b, &start["options"]);
    let answer = json!({"passkey": {"ceremony": start["ceremony"], "credential": credential}});
    let (s, v) = regenerate(&d, &token, answer.clone());
    assert_eq!(s, 200, "{v}");
    let third: Vec<String> = v["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect();
    assert_eq!(third.len(), 10);
    assert!(third.iter().all(|c| !second.contains(c)));
    // The same answer again: its ceremony is used; nothing changes.
    let (s, v) = regenerate(&d, &token, answer);
    assert!((400..500).contains(&s), "{s} {v}");
    assert_eq!(login_with_recovery_code(&d, &third[1]), 200);
    // Another session's ceremony is not this one's.
    let other = api_token_with_recovery_code(&d, OWNER, &third[2]);
    let r = http()
        .post(d.url("/api/v1/auth/step-up/passkey"))
        .bearer_auth(&other)
        .send()
        .expect("step-up start");
    let start: Value = r.json().expect("json");
    let credential = assert_with(&b, &start["options"]);
    let (s, v) = regenerate(
        &d,
        &token,
        json!({"passkey": {"ceremony": start["ceremony"], "credential": credential}}),
    );
    assert!((400..500).contains(&s), "{s} {v}");

    let regenerated = audit(&d, &token)
        .iter()
        .filter(|e| e["action"] == "mfa.recovery_codes.regenerated")
        .count();
    assert_eq!(regenerated, 2, "console and API, once each");
}

#[test]
fn the_passkey_list_shows_the_attestation_format_and_where_the_passkey_lives() {
    if !require_browser() {
        return;
    }
    let (d, base) = daemon();
    let b = Browser::start();
    let internal = authenticator(&b);
    sign_in_password(&b, &base, OWNER);
    let codes = register(&b, &base, "Laptop");
    let token = api_token_with_recovery_code(&d, OWNER, &codes[0]);
    let list = passkeys(&d, &token);
    assert_eq!(list.len(), 1, "{list:?}");
    // No attestation asked (no AAGUID policy): format none; built into the "device".
    assert_eq!(list[0]["attestation_format"], "none", "{list:?}");
    assert_eq!(list[0]["authenticator_attachment"], "platform", "{list:?}");

    // With an AAGUID allow-list the registration asks for attestation: a security key
    // (the same model) answers with a packed statement.
    let entries = audit(&d, &token);
    let model = entries
        .iter()
        .find(|e| e["action"] == "passkey.registered")
        .and_then(|e| e["details"]["aaguid"].as_str())
        .map(str::to_string);
    let model = model.unwrap_or_else(|| {
        // Not said without attestation: ask once with a list that names no model.
        let r = http()
            .patch(d.url("/api/v1/orgs/settings"))
            .bearer_auth(&token)
            .json(&json!({"passkey_aaguids": ["cb69481e-8ff7-4039-93ec-0a2729a154a8"]}))
            .send()
            .expect("settings");
        assert_eq!(r.status().as_u16(), 200);
        b.goto(&format!("{base}/security"));
        b.fill("#passkey_name", "Probe");
        b.submit_and_wait("#passkey-add");
        b.click("#passkey-go");
        b.wait_for("the refusal", |b| b.exists("#error"));
        audit(&d, &token)
            .iter()
            .find(|e| e["action"] == "passkey.registered" && e["outcome"] == "denied")
            .and_then(|e| e["details"]["aaguid"].as_str())
            .expect("the model of the refused registration")
            .to_string()
    });
    let r = http()
        .patch(d.url("/api/v1/orgs/settings"))
        .bearer_auth(&token)
        .json(&json!({"passkey_aaguids": [model]}))
        .send()
        .expect("settings");
    assert_eq!(r.status().as_u16(), 200);
    b.session_cmd(
        http::Method::DELETE,
        &format!("webauthn/authenticator/{internal}"),
        None,
    );
    authenticator_on(&b, "usb");
    register(&b, &base, "Key");
    let list = passkeys(&d, &token);
    assert_eq!(list.len(), 2, "{list:?}");
    let key = list.iter().find(|p| p["name"] == "Key").expect("the key");
    assert_eq!(key["attestation_format"], "packed", "{key}");
    assert_eq!(key["authenticator_attachment"], "cross-platform", "{key}");

    // The Security tab shows the same.
    b.goto(&format!("{base}/security"));
    let rows: Vec<String> = b
        .find_all("#passkeys-table tbody tr")
        .iter()
        .map(|e| e.text())
        .collect();
    let laptop = rows.iter().find(|r| r.contains("Laptop")).expect("Laptop");
    assert!(
        laptop.contains("built into the device") && laptop.contains("attestation none"),
        "{laptop}"
    );
    let key = rows.iter().find(|r| r.contains("Key")).expect("Key");
    assert!(
        key.contains("security key or phone") && key.contains("attestation packed"),
        "{key}"
    );
}
