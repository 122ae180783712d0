//! Device login approvals against the approver's current standing (SECURITY.md J.59), and
//! the RFC 8628 form encoding on a raw socket: the real `wtd`, console form posts as a
//! browser without JavaScript sends them, TOTP codes from `oathtool`.

use crate::device_login::{
    Console, api_login, console_sign_in, daemon, enroll_totp, fresh_code, input_value, poll,
    start_grant, status_of,
};
use crate::harness::{Daemon, OWNER, PASSWORD, http};
use crate::hygiene::mailed_token;
use crate::mfa::have_oathtool;
use serde_json::{Value, json};
use std::io::{Read, Write};

const ADMIN: &str = "admin@acme.test";

/// Invites `email` as `role` and accepts it; returns the new member's id.
fn add_member(d: &Daemon, owner: &str, email: &str, role: &str) -> String {
    let r = http()
        .post(d.url("/api/v1/orgs/invites"))
        .bearer_auth(owner)
        .json(&json!({"email": email, "role": role}))
        .send()
        .expect("invite");
    assert_eq!(r.status().as_u16(), 201);
    let invite = mailed_token(d, email, "wti_");
    let r = http()
        .post(d.url("/api/v1/invites/accept"))
        .json(&json!({"token": invite, "name": "Admin", "password": PASSWORD}))
        .send()
        .expect("accept");
    assert_eq!(r.status().as_u16(), 201);
    r.json::<Value>().expect("json")["user"]["id"]
        .as_str()
        .expect("user id")
        .to_string()
}

/// The approve screen of `user_code` for `c`: (grant id, the role it shows).
fn approve_screen(d: &Daemon, c: &Console, user_code: &str) -> (String, String) {
    let (s, page) = c.post(d, "/device", &[("user_code", user_code)]);
    assert_eq!(s, 200, "{page}");
    (
        input_value(&page, "grant").expect("grant"),
        input_value(&page, "role").expect("the role the screen shows"),
    )
}

fn session_role(d: &Daemon, token: &str) -> String {
    let v: Value = http()
        .get(d.url("/api/v1/auth/session"))
        .bearer_auth(token)
        .send()
        .expect("session")
        .json()
        .expect("json");
    v["role"].as_str().unwrap_or_default().to_string()
}

#[test]
fn an_approver_demoted_or_removed_after_opening_the_approve_screen_is_refused() {
    if !have_oathtool() {
        eprintln!("SKIPPED: needs oathtool");
        return;
    }
    let d = daemon();
    let owner = api_login(&d, OWNER, None);
    let admin_id = add_member(&d, &owner, ADMIN, "admin");
    let admin_tok = api_login(&d, ADMIN, None);
    let (secret, _, codes) = enroll_totp(&d, &admin_tok);
    let admin = console_sign_in(&d, ADMIN, &codes[0]);
    let member = d.url(&format!("/api/v1/orgs/members/{admin_id}"));

    // Demoted while the screen that says "admin" is open: refused before the code is
    // checked, nothing approved; the terminal keeps waiting.
    let g = start_grant(&d, json!({"client_id": "wt"}));
    let device_code = g["device_code"].as_str().expect("device code").to_string();
    let (grant, role) = approve_screen(&d, &admin, g["user_code"].as_str().expect("code"));
    assert_eq!(role, "admin");
    let r = http()
        .patch(&member)
        .bearer_auth(&owner)
        .json(&json!({"role": "analyst"}))
        .send()
        .expect("demote");
    assert_eq!(r.status().as_u16(), 200);
    let code = fresh_code(&secret);
    let (s, page) = admin.post(
        &d,
        "/device/approve",
        &[("grant", &grant), ("role", &role), ("code", &code)],
    );
    assert_eq!(s, 409, "{page}");
    assert!(page.contains("role changed"), "{page}");
    assert_eq!(status_of(&d, &grant), "pending");
    let (s, v) = poll(&d, &device_code);
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("authorization_pending"))
    );
    // The screen again shows the role now; approving it with the same (unspent) code
    // gives a session that acts as an analyst, never above.
    assert_eq!(input_value(&page, "role").as_deref(), Some("analyst"));
    let (s, page) = admin.post(
        &d,
        "/device/approve",
        &[("grant", &grant), ("role", "analyst"), ("code", &code)],
    );
    assert_eq!(s, 200, "{page}");
    std::thread::sleep(std::time::Duration::from_secs(6));
    let (s, v) = poll(&d, &device_code);
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        session_role(&d, v["access_token"].as_str().expect("token")),
        "analyst"
    );

    // Removed while a screen is open: the console session is gone, nothing approved.
    let g = start_grant(&d, json!({}));
    let device_code = g["device_code"].as_str().expect("device code").to_string();
    let (grant, role) = approve_screen(&d, &admin, g["user_code"].as_str().expect("code"));
    assert_eq!(role, "analyst");
    let r = http()
        .delete(&member)
        .bearer_auth(&owner)
        .send()
        .expect("remove");
    assert_eq!(r.status().as_u16(), 204, "{:?}", r.text());
    let (s, page) = admin.post(
        &d,
        "/device/approve",
        &[("grant", &grant), ("role", &role), ("code", "000000")],
    );
    assert!(s == 401 || s == 303, "{s}: {page}");
    assert_eq!(status_of(&d, &grant), "pending");
    let (s, v) = poll(&d, &device_code);
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("authorization_pending"))
    );
}

/// One HTTP/1.1 request on its own socket: (status, content type, body).
fn raw(d: &Daemon, path: &str, content_type: &str, body: &str) -> (u16, String, Value) {
    let base = d.url("");
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(host).expect("connect");
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    let (head, body) = out.split_once("\r\n\r\n").expect("a response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status");
    let ct = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_string)
        })
        .unwrap_or_default();
    // Close-delimited or chunked: the JSON object is between the outer braces.
    let json = match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) => serde_json::from_str(&body[a..=b]).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (status, ct, json)
}

#[test]
fn the_device_endpoints_take_the_rfc_form_encoding_on_a_raw_socket() {
    let d = daemon();
    const FORM: &str = "application/x-www-form-urlencoded";
    let (s, _, v) = raw(&d, "/api/v1/auth/device", FORM, "client_id=wt&os=plan9");
    assert_eq!(s, 200, "{v}");
    let code = v["device_code"].as_str().expect("device code").to_string();
    let grant = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code";
    let (s, ct, v) = raw(
        &d,
        "/api/v1/auth/device/token",
        FORM,
        &format!("grant_type={grant}&device_code={code}&client_id=wt"),
    );
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("authorization_pending")),
        "{v}"
    );
    assert_eq!(ct, "application/json", "RFC 6749 §5.2 JSON");
    // Too soon again: slow_down; JSON bodies still work.
    let (s, _, v) = raw(
        &d,
        "/api/v1/auth/device/token",
        "application/json",
        &json!({"device_code": code}).to_string(),
    );
    assert_eq!((s, v["error"].as_str()), (400, Some("slow_down")), "{v}");
    // A repeated parameter, a foreign grant type: the RFC's errors, as JSON.
    let (s, ct, v) = raw(
        &d,
        "/api/v1/auth/device/token",
        FORM,
        &format!("device_code={code}&device_code={code}"),
    );
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("invalid_request")),
        "{v}"
    );
    assert_eq!(ct, "application/json");
    let (s, _, v) = raw(
        &d,
        "/api/v1/auth/device/token",
        FORM,
        &format!("grant_type=client_credentials&device_code={code}"),
    );
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("unsupported_grant_type")),
        "{v}"
    );
    assert_eq!(status_of_newest(&d), "pending");
}

fn status_of_newest(d: &Daemon) -> String {
    d.sql_column("SELECT status FROM device_grants ORDER BY created_at DESC, id DESC LIMIT 1")
        .pop()
        .unwrap_or_default()
}
