//! MFA end to end: codes from an independent TOTP implementation (Debian's `oathtool`),
//! the real daemon's clock, raw HTTP and the real `wt`.

use crate::harness::{Daemon, OWNER, PASSWORD, http};
use serde_json::{Value, json};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The TOTP code of `secret` (base32) at time step `step`, computed by oathtool.
pub fn oathtool(secret: &str, step: u64) -> String {
    let at = format!("@{}", step * 30);
    let out = Command::new("oathtool")
        .args(["--totp", "-b", secret, "--now", &at])
        .output()
        .expect("oathtool is installed (Debian package oathtool)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn have_oathtool() -> bool {
    Command::new("oathtool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn post(d: &Daemon, path: &str, body: Value, token: Option<&str>) -> (u16, Value) {
    let mut req = http().post(d.url(path)).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().expect("request");
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

/// Runs `attempt(step)` with the current step; retries once if the step changed while the
/// request was in flight and it failed (a code computed at a boundary). No sleeping.
fn at_current_step<T>(mut attempt: impl FnMut(u64) -> Result<T, String>) -> T {
    for _ in 0..3 {
        let before = now() / 30;
        match attempt(before) {
            Ok(v) => return v,
            Err(e) if now() / 30 != before => eprintln!("step changed mid-request ({e}); retrying"),
            Err(e) => panic!("{e}"),
        }
    }
    panic!("three step boundaries in a row")
}

#[test]
fn independent_codes_enroll_and_log_in_and_replays_and_old_codes_are_refused() {
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed (Debian package oathtool)");
        return;
    }
    let mut d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let (s, e) = post(&d, "/api/v1/auth/mfa/totp/enroll", json!({}), Some(&tok));
    assert_eq!(s, 200, "{e}");
    let secret = e["secret"].as_str().expect("secret").to_string();
    assert!(
        e["otpauth_uri"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("secret={secret}"))
    );

    // Confirm with the previous step's code, so the current step's is still unused for login.
    let step = at_current_step(|t| {
        let (s, b) = post(
            &d,
            "/api/v1/auth/mfa/totp/confirm",
            json!({"code": oathtool(&secret, t - 1)}),
            Some(&tok),
        );
        if s == 200 {
            Ok(t)
        } else {
            Err(format!("confirm {s} {b}"))
        }
    });

    let challenge = || {
        let (s, b) = post(
            &d,
            "/api/v1/auth/login",
            json!({"email": OWNER, "password": PASSWORD, "client": "cli"}),
            None,
        );
        assert_eq!((s, b["mfa_required"].clone()), (200, json!(true)), "{b}");
        b["challenge"].as_str().expect("challenge").to_string()
    };
    let ch = challenge();
    let code = at_current_step(|t| {
        let code = oathtool(&secret, t.max(step));
        let (s, b) = post(
            &d,
            "/api/v1/auth/mfa/verify",
            json!({"challenge": ch, "code": code}),
            None,
        );
        if s == 200 && b["token"].is_string() {
            Ok(code)
        } else {
            Err(format!("verify {s} {b}"))
        }
    });

    // The same code again: refused, and audited as a replay.
    let ch2 = challenge();
    let (s, b) = post(
        &d,
        "/api/v1/auth/mfa/verify",
        json!({"challenge": ch2, "code": code}),
        None,
    );
    assert_eq!((s, b["code"].clone()), (401, json!("invalid_code")));
    // A code from two steps ago: refused.
    let (s, b) = post(
        &d,
        "/api/v1/auth/mfa/verify",
        json!({"challenge": ch2, "code": oathtool(&secret, now() / 30 - 2)}),
        None,
    );
    assert_eq!((s, b["code"].clone()), (401, json!("invalid_code")));
    assert!(d.terminate().is_some_and(|s| s.success()));
    let db = audit_actions(&d);
    assert!(db.iter().any(|a| a == "mfa.code.replayed"), "{db:?}");
    assert!(db.iter().any(|a| a == "mfa.enrolled"), "{db:?}");
}

/// Audit actions, read straight from the database after the daemon stopped, once
/// `wtd audit verify` has confirmed the chain.
fn audit_actions(d: &Daemon) -> Vec<String> {
    let out = Command::new(crate::harness::bin("wtd"))
        .args(["audit", "verify", "--data-dir"])
        .arg(d.data_dir())
        .output()
        .expect("verify");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let conn = rusqlite::Connection::open_with_flags(
        d.data_dir().join("watchtower.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open db");
    let mut st = conn
        .prepare("SELECT action FROM audit_log ORDER BY seq")
        .expect("prepare");
    st.query_map([], |r| r.get::<_, String>(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}
