//! Bursts against a real `wtd` over real sockets (SECURITY.md J.60): for every counted or
//! single-use secret, N >= 50 requests are released at once (one connection each, held at
//! a barrier until all are ready) and the exact bound is asserted. An attempt that was
//! checked answers 401 (or succeeds); one refused before any check answers 429.

use crate::harness::{Daemon, OWNER, PASSWORD, http, post_json as post};
use crate::hygiene::mailed_token;
use crate::mfa::{at_current_step, have_oathtool, oathtool};
use serde_json::{Value, json};
use std::sync::{Arc, Barrier};

/// One request of a burst: path, JSON body, bearer token, `X-Forwarded-For`.
#[derive(Clone)]
struct Shot {
    path: String,
    body: Value,
    token: Option<String>,
    forwarded_for: Option<String>,
}

fn shot(path: &str, body: Value) -> Shot {
    Shot {
        path: path.to_string(),
        body,
        token: None,
        forwarded_for: None,
    }
}

/// Releases every shot at once, each on its own connection; returns (status, code) each.
fn burst(d: &Daemon, shots: Vec<Shot>) -> Vec<(u16, String)> {
    let gate = Arc::new(Barrier::new(shots.len()));
    let threads: Vec<_> = shots
        .into_iter()
        .map(|s| {
            let (gate, url) = (gate.clone(), d.url(&s.path));
            std::thread::spawn(move || {
                let client = http();
                let mut req = client.post(url).json(&s.body);
                if let Some(t) = &s.token {
                    req = req.bearer_auth(t);
                }
                if let Some(ip) = &s.forwarded_for {
                    req = req.header("x-forwarded-for", ip);
                }
                let req = req.build().expect("request");
                gate.wait();
                let r = client.execute(req).expect("response");
                let status = r.status().as_u16();
                let body: Value = r.json().unwrap_or(Value::Null);
                (
                    status,
                    body["code"].as_str().unwrap_or_default().to_string(),
                )
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .collect()
}

fn count(out: &[(u16, String)], status: u16) -> usize {
    out.iter().filter(|(s, _)| *s == status).count()
}

fn login(email: &str, password: &str) -> Shot {
    shot(
        "/api/v1/auth/login",
        json!({"email": email, "password": password, "client": "cli"}),
    )
}

#[test]
fn sixty_guesses_at_one_account_at_once_get_five_checks_and_the_right_one_no_more() {
    let d = Daemon::start();
    d.setup();
    let shots: Vec<Shot> = (0..60)
        .map(|_| login(OWNER, "wrong password 123"))
        .collect();
    let out = burst(&d, shots);
    assert_eq!(count(&out, 401), 5, "{out:?}");
    assert_eq!(count(&out, 429), 55, "{out:?}");
    // The right password, right after: refused unchecked while the wait lasts.
    let (s, b) = post(
        &d,
        "/api/v1/auth/login",
        json!({"email": OWNER, "password": PASSWORD, "client": "cli"}),
        None,
    );
    assert_eq!(s, 429, "{b}");
}

#[test]
fn sixty_unknown_emails_from_one_address_at_once_get_twenty_checks() {
    let d = Daemon::start();
    d.setup();
    let shots = (0..60)
        .map(|i| login(&format!("nobody{i}@elsewhere.test"), "wrong password 123"))
        .collect();
    let out = burst(&d, shots);
    assert_eq!(count(&out, 401), 20, "{out:?}");
    assert_eq!(count(&out, 429), 40, "{out:?}");
}

#[test]
fn one_hundred_fifty_addresses_guessing_one_account_at_once_get_five_checks() {
    let d = Daemon::start_with(&["--trusted-proxy", "127.0.0.1/32"]);
    d.setup();
    let shots = (0..150)
        .map(|i| Shot {
            forwarded_for: Some(format!("198.51.100.{}", i + 1)),
            ..login(OWNER, "wrong password 123")
        })
        .collect();
    let out = burst(&d, shots);
    assert_eq!(count(&out, 401), 5, "{out:?}");
    assert_eq!(count(&out, 429), 145, "{out:?}");
}

#[test]
fn fifty_wrong_step_up_passwords_at_once_get_five_checks() {
    let d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let shots = (0..50)
        .map(|_| Shot {
            token: Some(tok.clone()),
            ..shot(
                "/api/v1/auth/step-up",
                json!({"password": "wrong password 123"}),
            )
        })
        .collect();
    let out = burst(&d, shots);
    assert_eq!(count(&out, 401), 5, "{out:?}");
    assert_eq!(count(&out, 429), 45, "{out:?}");
}

/// Enrolls the owner in TOTP; returns (secret, recovery codes).
fn enroll(d: &Daemon, tok: &str) -> (String, Vec<String>) {
    let (s, e) = post(d, "/api/v1/auth/mfa/totp/enroll", json!({}), Some(tok));
    assert_eq!(s, 200, "{e}");
    let secret = e["secret"].as_str().expect("secret").to_string();
    let codes = at_current_step(|t| {
        let (s, b) = post(
            d,
            "/api/v1/auth/mfa/totp/confirm",
            json!({"code": oathtool(&secret, t - 1)}),
            Some(tok),
        );
        if s == 200 {
            Ok(b["recovery_codes"]
                .as_array()
                .expect("codes")
                .iter()
                .map(|c| c.as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>())
        } else {
            Err(format!("confirm {s} {b}"))
        }
    });
    (secret, codes)
}

fn challenge(d: &Daemon) -> String {
    let (s, b) = post(
        d,
        "/api/v1/auth/login",
        json!({"email": OWNER, "password": PASSWORD, "client": "cli"}),
        None,
    );
    assert_eq!(s, 200, "{b}");
    b["challenge"].as_str().expect("challenge").to_string()
}

#[test]
fn fifty_codes_on_one_challenge_at_once_get_five_checks() {
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed (Debian package oathtool)");
        return;
    }
    let d = Daemon::start();
    d.setup();
    enroll(&d, &d.login_token());
    let ch = challenge(&d);
    let shots = (0..50)
        .map(|i| {
            shot(
                "/api/v1/auth/mfa/verify",
                json!({"challenge": ch, "code": format!("{:06}", 100_000 + i)}),
            )
        })
        .collect();
    let out = burst(&d, shots);
    let wrong = out.iter().filter(|(_, c)| c == "invalid_code").count();
    assert_eq!(wrong, 5, "{out:?}");
    assert_eq!(count(&out, 200), 0, "{out:?}");
}

/// A daemon whose owner has TOTP on, and 50 pending logins answered with `code` at once.
fn recovery_burst(right: bool) -> Vec<(u16, String)> {
    let d = Daemon::start();
    d.setup();
    let (_, codes) = enroll(&d, &d.login_token());
    let code = if right {
        codes[0].clone()
    } else {
        "abcdefghjkmn".to_string()
    };
    let challenges: Vec<String> = (0..50).map(|_| challenge(&d)).collect();
    let shots = challenges
        .iter()
        .map(|ch| {
            shot(
                "/api/v1/auth/mfa/verify",
                json!({"challenge": ch, "recovery_code": code}),
            )
        })
        .collect();
    burst(&d, shots)
}

#[test]
fn one_recovery_code_sent_fifty_times_at_once_logs_in_once() {
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed (Debian package oathtool)");
        return;
    }
    let out = recovery_burst(true);
    assert_eq!(count(&out, 200), 1, "single use: {out:?}");
}

#[test]
fn fifty_wrong_recovery_codes_at_once_get_five_checks() {
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed (Debian package oathtool)");
        return;
    }
    // Five are checked: the second-factor count holds across pending logins.
    let out = recovery_burst(false);
    assert_eq!(count(&out, 401), 5, "{out:?}");
    assert_eq!(count(&out, 429), 45, "{out:?}");
}

#[test]
fn one_invite_accepted_fifty_times_at_once_creates_one_member() {
    let d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let email = "joiner@acme.test";
    let (s, b) = post(
        &d,
        "/api/v1/orgs/invites",
        json!({"email": email, "role": "viewer"}),
        Some(&tok),
    );
    assert_eq!(s, 201, "{b}");
    let invite = mailed_token(&d, email, "wti_");
    let shots = (0..50)
        .map(|i| {
            shot(
                "/api/v1/invites/accept",
                json!({"token": invite, "name": format!("Joiner {i}"), "password": PASSWORD}),
            )
        })
        .collect();
    let out = burst(&d, shots);
    assert_eq!(count(&out, 201), 1, "{out:?}");
    let r = http()
        .get(d.url("/api/v1/orgs/members"))
        .bearer_auth(&tok)
        .send()
        .expect("members");
    let members: Value = r.json().expect("json");
    let joined = members["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|m| m["email"] == email)
        .count();
    assert_eq!(joined, 1);
}

#[test]
fn fifty_wrong_invite_tokens_from_one_address_at_once_get_twenty_checks() {
    let d = Daemon::start();
    d.setup();
    let shots = (0..50)
        .map(|i| {
            shot(
                "/api/v1/invites/verify",
                json!({"token": format!("wti_{:043}", i)}),
            )
        })
        .collect();
    let out = burst(&d, shots);
    assert_eq!(count(&out, 429), 30, "{out:?}");
    assert_eq!(out.len() - count(&out, 429), 20, "{out:?}");
}

#[test]
fn one_reset_token_completed_fifty_times_at_once_works_once() {
    let d = Daemon::start();
    d.setup();
    let (s, _) = post(
        &d,
        "/api/v1/auth/password/forgot",
        json!({"email": OWNER}),
        None,
    );
    assert_eq!(s, 202);
    let reset = mailed_token(&d, OWNER, "wtr_");
    let shots = (0..50)
        .map(|i| {
            shot(
                "/api/v1/auth/password/reset",
                json!({"token": reset, "new_password": format!("a brand new passphrase {i:02}")}),
            )
        })
        .collect();
    let out = burst(&d, shots);
    let done = out.iter().filter(|(s, _)| (200..300).contains(s)).count();
    assert_eq!(done, 1, "{out:?}");
}

#[test]
fn one_setup_token_claimed_fifty_times_at_once_makes_one_owner() {
    let d = Daemon::start();
    let shots = (0..50)
        .map(|i| {
            shot(
                "/api/v1/setup",
                json!({"token": d.setup_token, "name": format!("Owner {i}"), "password": PASSWORD}),
            )
        })
        .collect();
    let out = burst(&d, shots);
    assert_eq!(count(&out, 201), 1, "{out:?}");
}
