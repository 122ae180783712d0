//! Issue #27: per-key rate limits and the leaked-key kill switch, end to end: a real
//! `wtd`, the real `wt`, GitHub-format reports signed with a P-256 key pair the test makes.
//! (The real-nginx 429 is in gateway.rs, beside the gateway block it runs.)

use crate::harness::{Daemon, OWNER, http, run};
use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::{EncodePublicKey, LineEnding};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn wt(d: &Daemon, tok: &str, args: &[&str]) -> Value {
    wt_in(d, tok, args, "")
}

fn wt_in(d: &Daemon, tok: &str, args: &[&str], stdin: &str) -> Value {
    let mut c = d.wt();
    c.env("WT_TOKEN", tok).args(args).args(["--output", "json"]);
    let (code, out, err) = run(c, stdin);
    assert_eq!(code, 0, "wt {args:?}: {out} {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn create_key(d: &Daemon, tok: &str, name: &str) -> (String, String) {
    let k = wt(
        d,
        tok,
        &[
            "keys",
            "create",
            "--env",
            "production",
            "--name",
            name,
            "--owner",
            OWNER,
        ],
    );
    (
        k["id"].as_str().unwrap().to_string(),
        k["secret"].as_str().unwrap().to_string(),
    )
}

/// One ingest request: (status, headers, body).
fn ingest(d: &Daemon, key: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = http()
        .post(d.url("/api/v1/ingest/events"))
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(r#"{"events":[{"type":"login"}]}"#)
        .send()
        .expect("ingest");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().unwrap_or_default())
}

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[test]
fn fifty_simultaneous_requests_spend_exactly_the_burst_and_the_rest_get_429() {
    let d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let (id, key) = create_key(&d, &tok, "limited");
    // 1 per hour, a burst of 10: nothing comes back during the test, so counts are exact.
    let updated = wt(
        &d,
        &tok,
        &["keys", "update", &id, "--rate", "1/h", "--burst", "10"],
    );
    assert_eq!(updated["rate_limit"], json!({"rate": "1/h", "burst": 10}));

    let statuses: Vec<(u16, String, String, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|_| {
                s.spawn(|| {
                    let (st, h, _) = ingest(&d, &key);
                    (
                        st,
                        header(&h, "retry-after").to_string(),
                        header(&h, "ratelimit-policy").to_string(),
                        header(&h, "ratelimit").to_string(),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = statuses.iter().filter(|s| s.0 == 202).count();
    let throttled: Vec<_> = statuses.iter().filter(|s| s.0 == 429).collect();
    assert_eq!((ok, throttled.len()), (10, 40), "{statuses:?}");
    for (_, retry, policy, state) in &throttled {
        assert_eq!(policy, "\"key\";q=10;w=36000");
        assert!(state.starts_with("\"key\";r=0;t="), "{state}");
        let retry: u64 = retry.parse().unwrap();
        assert!((3000..=3600).contains(&retry), "Retry-After {retry}");
    }
    // Accepted answers carry the headers too, with what is left.
    assert!(
        statuses
            .iter()
            .any(|s| s.0 == 202 && s.3.starts_with("\"key\";r=9;")),
        "{statuses:?}"
    );

    // Throttled requests are counted; `wt keys show` shows them beside the uses.
    let shown = wt(&d, &tok, &["keys", "show", &id]);
    assert_eq!(shown["use_count"], 10, "{shown}");
    assert_eq!(shown["throttled"]["count"], 40, "{shown}");
    let mut table = d.wt();
    table
        .env("WT_TOKEN", &tok)
        .args(["keys", "show", &id, "--output", "table"]);
    let (code, out, err) = run(table, "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1/h (burst 10)"), "{out}");
    assert!(out.contains("40 requests (429)"), "{out}");

    // Removing the limit applies to the next request.
    wt(&d, &tok, &["keys", "update", &id, "--rate", "none"]);
    let (st, h, _) = ingest(&d, &key);
    assert_eq!(st, 202);
    assert!(h.get("ratelimit").is_none());

    // Bad limits are refused with a reason, before and at the server.
    let mut c = d.wt();
    c.env("WT_TOKEN", &tok)
        .args(["keys", "update", &id, "--rate", "5/day"]);
    let (code, _, err) = run(c, "");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("500/s"), "{err}");
    let r = http()
        .patch(d.url(&format!("/api/v1/orgs/api-keys/{id}")))
        .bearer_auth(&tok)
        .json(&json!({"rate": "0/s"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 422, "{:?}", r.text());
}

#[test]
fn the_org_default_applies_to_keys_without_their_own_limit_and_verify_names_the_budget() {
    let d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let (_, plain) = create_key(&d, &tok, "plain");
    let (own_id, own) = create_key(&d, &tok, "own");
    wt(
        &d,
        &tok,
        &["keys", "update", &own_id, "--rate", "1/h", "--burst", "5"],
    );
    let r = http()
        .patch(d.url("/api/v1/orgs/settings"))
        .bearer_auth(&tok)
        .json(&json!({"key_rate": "1/h", "key_burst": 2}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{:?}", r.text());
    let settings = wt(&d, &tok, &["org", "show"]);
    assert_eq!(
        settings["key_rate_limit"],
        json!({"rate": "1/h", "burst": 2})
    );

    let codes: Vec<u16> = (0..3).map(|_| ingest(&d, &plain).0).collect();
    assert_eq!(codes, [202, 202, 429], "the org default: burst 2");
    let codes: Vec<u16> = (0..6).map(|_| ingest(&d, &own).0).collect();
    assert_eq!(
        codes,
        [202, 202, 202, 202, 202, 429],
        "the key's own limit wins"
    );

    // The gateway's authorize answers 429 alike; keys/verify names the budget.
    let r = http()
        .get(d.url("/api/v1/ingest/authorize"))
        .bearer_auth(&plain)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().get("retry-after").is_some());
    let (id3, third) = create_key(&d, &tok, "third");
    let svc = wt(
        &d,
        &tok,
        &[
            "token",
            "create",
            "--name",
            "gw",
            "--role",
            "analyst",
            "--expires",
            "30d",
            "--scope",
            "keys:verify",
        ],
    );
    let svc = svc["secret"].as_str().unwrap().to_string();
    let verify = || {
        http()
            .post(d.url("/api/v1/keys/verify"))
            .bearer_auth(&svc)
            .json(&json!({"key": third}))
            .send()
            .unwrap()
            .json::<Value>()
            .unwrap()
    };
    let v = verify();
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(
        v["rate_limit"],
        json!({"rate": "1/h", "burst": 2, "remaining": 1, "reset_seconds": 3600}),
        "{v}"
    );
    verify();
    let v = verify();
    assert_eq!(
        (&v["valid"], &v["code"]),
        (&json!(false), &json!("rate_limited")),
        "{v}"
    );
    assert!(v["retry_after"].as_u64().unwrap() > 0, "{v}");
    let shown = wt(&d, &tok, &["keys", "show", &id3]);
    assert_eq!(shown["throttled"]["count"], 1, "{shown}");
}

/// A P-256 key pair as a partner holds it, and the public keys file `wtd` reads.
struct Partner {
    key: SigningKey,
    file: tempfile::NamedTempFile,
}

impl Partner {
    fn new() -> Partner {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(
            &std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
                .to_le_bytes()[..8],
        );
        seed[31] = 1;
        let key = SigningKey::from_slice(&seed).expect("a P-256 key");
        let pem = key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("pem");
        let doc = json!({"public_keys": [
            {"key_identifier": "gh-test-1", "key": pem, "is_current": true}
        ]});
        let file = tempfile::NamedTempFile::new().expect("keys file");
        std::fs::write(file.path(), doc.to_string()).expect("write keys");
        Partner { key, file }
    }

    fn sign(&self, body: &[u8]) -> String {
        let sig: DerSignature = self.key.sign(body);
        base64::engine::general_purpose::STANDARD.encode(sig.as_bytes())
    }

    fn daemon(&self) -> Daemon {
        let d = Daemon::start_with(&["--secret-scanning-keys", self.file.path().to_str().unwrap()]);
        d.setup();
        d
    }
}

fn report_body(tokens: &[&str], url: &str) -> Vec<u8> {
    let items: Vec<Value> = tokens
        .iter()
        .map(|t| json!({"token": t, "type": "watchtower_ingestion_key", "url": url, "source": "gist"}))
        .collect();
    serde_json::to_vec(&items).unwrap()
}

fn send_report(d: &Daemon, key_id: &str, sig: &str, body: Vec<u8>) -> (u16, Value) {
    let r = http()
        .post(d.url("/api/v1/leaks/github"))
        .header("github-public-key-identifier", key_id)
        .header("github-public-key-signature", sig)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .expect("report");
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

/// Mails in the outbox (the `.eml` files) that mention `needle`.
fn mails_with(d: &Daemon, needle: &str) -> Vec<String> {
    std::fs::read_dir(d.data_dir().join("outbox"))
        .map(|r| {
            r.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .filter(|m| m.contains(needle))
                .collect()
        })
        .unwrap_or_default()
}

fn wait_for_mails(d: &Daemon, needle: &str, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let m = mails_with(d, needle);
        if m.len() >= n || Instant::now() > deadline {
            return m;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn audit_count(d: &Daemon, tok: &str, action: &str) -> usize {
    let mut c = d.wt();
    c.env("WT_TOKEN", tok).args([
        "audit", "list", "--action", action, "--limit", "100", "--output", "json",
    ]);
    let (code, out, err) = run(c, "");
    assert_eq!(code, 0, "{err}");
    out.lines().filter(|l| !l.trim().is_empty()).count()
}

/// The `keys_server_side` item of `wt check` (exit 0 or 1: other items may fail).
fn check_item(d: &Daemon, tok: &str) -> Value {
    let mut c = d.wt();
    c.env("WT_TOKEN", tok)
        .args(["check", "--only", "keys_server_side", "--format", "json"]);
    let (code, out, err) = run(c, "");
    assert!(code == 0 || code == 1, "{code} {err}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    v["checks"][0].clone()
}

#[test]
fn a_key_pasted_into_a_gist_is_revoked_by_a_signed_report_and_the_owner_is_mailed() {
    let p = Partner::new();
    let d = p.daemon();
    let tok = d.login_token();
    let (id, key) = create_key(&d, &tok, "pasted");
    let (other_id, other) = create_key(&d, &tok, "bystander");
    assert_eq!(ingest(&d, &key).0, 202);

    let look_alike = "wtk_live_0000000000000000000000000000000000000000000000000";
    let body = report_body(&[&key, look_alike], "https://gist.github.com/x/1");
    let sig = p.sign(&body);
    let (status, labels) = send_report(&d, "gh-test-1", &sig, body);
    assert_eq!(status, 200, "{labels}");
    assert_eq!(
        labels,
        json!([
            {"token_raw": key, "token_type": "watchtower_ingestion_key", "label": "true_positive"},
            {"token_raw": look_alike, "token_type": "watchtower_ingestion_key", "label": "false_positive"},
        ])
    );
    // The very next request fails; the other key still works.
    assert_eq!(ingest(&d, &key).0, 401);
    assert_eq!(ingest(&d, &other).0, 202);
    let shown = wt(&d, &tok, &["keys", "show", &id]);
    assert_eq!(shown["status"], "revoked", "{shown}");
    assert_eq!(shown["leak_source"], "github:gist", "{shown}");
    assert!(shown["leaked_at"].is_string());
    let other_shown = wt(&d, &tok, &["keys", "show", &other_id]);
    assert_eq!(other_shown["status"], "active");
    // The owner is mailed, once; the audit log has one entry.
    let mails = wait_for_mails(&d, "was leaked", 1);
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].contains(OWNER) && mails[0].contains("gist.github.com/x/1"));
    assert!(!mails[0].contains(&key[9..]), "the secret is never mailed");
    assert_eq!(audit_count(&d, &tok, "api_key.leaked"), 1);
    // `wt check` passes: the leaked key no longer works.
    let item = check_item(&d, &tok);
    assert_eq!(item["status"], "pass", "{item}");
}

#[test]
fn bad_signatures_unknown_key_ids_replays_and_oversized_bodies_change_nothing() {
    let p = Partner::new();
    let d = p.daemon();
    let tok = d.login_token();
    let (id, key) = create_key(&d, &tok, "target");
    let body = report_body(&[&key], "");
    let sig = p.sign(&body);
    // Signed by someone else.
    let stranger = Partner::new();
    let (s, _) = send_report(&d, "gh-test-1", &stranger.sign(&body), body.clone());
    assert_eq!(s, 401);
    // Our signature over another body.
    let (s, _) = send_report(&d, "gh-test-1", &p.sign(b"[]"), body.clone());
    assert_eq!(s, 401);
    // Unknown key id, garbage signature, no headers.
    assert_eq!(send_report(&d, "gh-other", &sig, body.clone()).0, 401);
    assert_eq!(send_report(&d, "gh-test-1", "%%%", body.clone()).0, 401);
    let r = http()
        .post(d.url("/api/v1/leaks/github"))
        .body(body.clone())
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // Oversized: refused before anything else.
    let big = vec![b' '; 2 * 1024 * 1024];
    let (s, _) = send_report(&d, "gh-test-1", &p.sign(&big), big);
    assert_eq!(s, 413);
    assert_eq!(ingest(&d, &key).0, 202, "nothing was revoked");

    // The genuine one works once; its replay is refused.
    assert_eq!(send_report(&d, "gh-test-1", &sig, body.clone()).0, 200);
    assert_eq!(ingest(&d, &key).0, 401);
    assert_eq!(send_report(&d, "gh-test-1", &sig, body).0, 409);
    assert_eq!(audit_count(&d, &tok, "api_key.leaked"), 1);
    let shown = wt(&d, &tok, &["keys", "show", &id]);
    assert_eq!(shown["status"], "revoked");
}

#[test]
fn fifty_simultaneous_reports_of_one_key_revoke_it_once_with_one_audit_entry_and_one_mail() {
    let p = Partner::new();
    let d = p.daemon();
    let tok = d.login_token();
    let (_, key) = create_key(&d, &tok, "popular");
    let statuses: Vec<(u16, Value)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|i| {
                let body = report_body(&[&key], &format!("https://gist.github.com/x/{i}"));
                let sig = p.sign(&body);
                let d = &d;
                s.spawn(move || send_report(d, "gh-test-1", &sig, body))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (s, v) in &statuses {
        assert_eq!(*s, 200, "{v}");
        assert_eq!(v[0]["label"], "true_positive", "{v}");
    }
    assert_eq!(ingest(&d, &key).0, 401);
    assert_eq!(audit_count(&d, &tok, "api_key.leaked"), 1);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(wait_for_mails(&d, "was leaked", 1).len(), 1);
}

#[test]
fn the_self_report_answers_alike_for_real_and_made_up_keys_revokes_real_ones_and_is_rate_limited() {
    let d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let (id, key) = create_key(&d, &tok, "found");
    let made_up = "wtk_live_0000000000000000000000000000000000000000000000000";
    let send = |k: &str| {
        let start = Instant::now();
        let r = http()
            .post(d.url("/api/v1/leaks/report"))
            .json(&json!({"keys": [k], "url": "https://pastebin.example/abc"}))
            .send()
            .unwrap();
        (
            r.status().as_u16(),
            r.text().unwrap_or_default(),
            start.elapsed(),
        )
    };
    let (s1, b1, t1) = send(made_up);
    let (s2, b2, t2) = send(&key);
    assert_eq!((s1, &b1), (s2, &b2), "identical answers");
    assert_eq!(s1, 202);
    assert!(
        t1 < Duration::from_millis(500) && t2 < Duration::from_millis(500),
        "{t1:?} {t2:?}"
    );
    // Revoked shortly after the answer.
    let deadline = Instant::now() + Duration::from_secs(10);
    while ingest(&d, &key).0 != 401 {
        assert!(Instant::now() < deadline, "the reported key still works");
        std::thread::sleep(Duration::from_millis(50));
    }
    let shown = wt(&d, &tok, &["keys", "show", &id]);
    assert_eq!(shown["leak_source"], "self_report", "{shown}");
    // Malformed input: a clear 4xx, no 500.
    let r = http()
        .post(d.url("/api/v1/leaks/report"))
        .body("not json")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 422, "{:?}", r.text());
    // Per address: the burst is 10 (3 spent above), then 429.
    let mut codes = Vec::new();
    for _ in 0..8 {
        codes.push(send(made_up).0);
    }
    assert_eq!(codes, [202, 202, 202, 202, 202, 202, 202, 429], "{codes:?}");
}

#[test]
fn wt_keys_leaked_replaces_a_released_quarantined_key_and_wt_check_fails_until_then() {
    let p = Partner::new();
    let d = p.daemon();
    let tok = d.login_token();
    let (id, key) = create_key(&d, &tok, "quarantined");
    let r = http()
        .patch(d.url("/api/v1/orgs/settings"))
        .bearer_auth(&tok)
        .json(&json!({"leak_policy": "quarantine"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{:?}", r.text());
    let body = report_body(&[&key], "https://gist.github.com/y/2");
    assert_eq!(send_report(&d, "gh-test-1", &p.sign(&body), body).0, 200);
    // Quarantined: refused, not revoked.
    assert_eq!(ingest(&d, &key).0, 401);
    let shown = wt(&d, &tok, &["keys", "show", &id]);
    assert!(shown["quarantined_at"].is_string(), "{shown}");
    assert_eq!(shown["revoked_at"], Value::Null);
    // Released (a false positive, says the admin): works again, and readiness fails.
    wt(&d, &tok, &["keys", "update", &id, "--release"]);
    assert_eq!(ingest(&d, &key).0, 202);
    let item = check_item(&d, &tok);
    assert_eq!(item["status"], "fail", "{item}");
    assert!(
        item["summary"].as_str().unwrap().contains("leaked"),
        "{item}"
    );

    // The runbook: the secret on stdin, the successor's secret on stdout.
    let mut c = d.wt();
    c.env("WT_TOKEN", &tok)
        .args(["keys", "leaked", "--output", "table"]);
    let (code, out, err) = run(c, &format!("{key}\n"));
    assert_eq!(code, 0, "{err}");
    let new_secret = out.trim();
    assert!(new_secret.starts_with("wtk_live_"), "{out}");
    assert_ne!(new_secret, key);
    assert!(err.contains(&id), "{err}");
    assert_eq!(ingest(&d, &key).0, 401, "the leaked key died at once");
    assert_eq!(ingest(&d, new_secret).0, 202);
    assert_eq!(check_item(&d, &tok)["status"], "pass");
    // Not a key of this org (made up): refused, exit 1, nothing printed.
    let mut c = d.wt();
    c.env("WT_TOKEN", &tok).args(["keys", "leaked"]);
    let (code, out, _) = run(
        c,
        "wtk_live_0000000000000000000000000000000000000000000000000\n",
    );
    assert_ne!(code, 0);
    assert!(out.is_empty());
}

#[test]
fn with_two_replicas_each_counts_its_own_budget_and_a_limit_change_reaches_both() {
    if crate::harness::postgres_admin_url().is_none() {
        eprintln!(
            "SKIPPED with_two_replicas_each_counts_its_own_budget: needs PostgreSQL (runs in \
             the suite's PostgreSQL pass, WT_TEST_DATABASE_URL)"
        );
        return;
    }
    let a = Daemon::start();
    a.setup();
    let b = a.replica();
    let tok = a.login_token();
    let (id, key) = create_key(&a, &tok, "shared");
    wt(
        &a,
        &tok,
        &["keys", "update", &id, "--rate", "1/h", "--burst", "3"],
    );
    // The change made through A applies on B's next request; counters are per replica:
    // each admits its own burst (documented: N replicas, up to N times the limit).
    let on_a: Vec<u16> = (0..4).map(|_| ingest(&a, &key).0).collect();
    let on_b: Vec<u16> = (0..4).map(|_| ingest(&b, &key).0).collect();
    assert_eq!(on_a, [202, 202, 202, 429]);
    assert_eq!(on_b, [202, 202, 202, 429]);
    // Removing the limit on A lifts it on B at once.
    wt(&a, &tok, &["keys", "update", &id, "--rate", "none"]);
    assert_eq!(ingest(&b, &key).0, 202);
}
