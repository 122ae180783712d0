//! A bounded soak: mixed traffic on loopback for `WT_SOAK_SECONDS` (default 20;
//! CI runs 60): ingest, logins, key create/rotate/list, invites, audit reads, readiness,
//! whoami. No request may fail, and resident memory may not grow by more than
//! `MAX_GROWTH_MIB` between the end of the warm-up (a fifth of the run) and the end.

use crate::harness::{Daemon, OWNER, PASSWORD, http};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Stated bound on memory growth after warm-up.
const MAX_GROWTH_MIB: u64 = 24;

#[test]
fn mixed_traffic_for_a_bounded_time_has_no_errors_and_bounded_memory() {
    let secs: u64 = std::env::var("WT_SOAK_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let key: Value = http()
        .post(d.url("/api/v1/orgs/api-keys"))
        .bearer_auth(&tok)
        .json(&json!({"name": "soak", "environment": "production", "owner_email": OWNER}))
        .send()
        .expect("key")
        .json()
        .expect("json");
    let secret = key["secret"].as_str().expect("secret").to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(AtomicUsize::new(0));
    let mut workers = vec![];
    // Ingest (two threads), admin traffic, reads.
    for w in 0..4 {
        let (stop, requests, base, secret, tok) = (
            stop.clone(),
            requests.clone(),
            d.base.clone(),
            secret.clone(),
            tok.clone(),
        );
        workers.push(std::thread::spawn(move || {
            let c = http();
            let mut i: u64 = 0;
            while !stop.load(Ordering::Relaxed) {
                let (what, r) = match (w, i % 8) {
                    (0 | 1, _) => (
                        "ingest",
                        c.post(format!("{base}/api/v1/ingest/events"))
                            .bearer_auth(&secret)
                            .json(&json!({"events": [{"w": w, "i": i}, {"w": w, "i": i + 1}]}))
                            .send(),
                    ),
                    (2, 0) => (
                        "login",
                        c.post(format!("{base}/api/v1/auth/login"))
                            .json(&json!({"email": OWNER, "password": PASSWORD, "client": "cli"}))
                            .send(),
                    ),
                    (2, 1) => (
                        "key create",
                        c.post(format!("{base}/api/v1/orgs/api-keys"))
                            .bearer_auth(&tok)
                            .json(&json!({"name": format!("s{i}"), "environment": "sandbox", "owner_email": OWNER}))
                            .send(),
                    ),
                    (2, 2) => (
                        "invite",
                        c.post(format!("{base}/api/v1/orgs/invites"))
                            .bearer_auth(&tok)
                            .json(&json!({"email": format!("soak{i}@acme.test"), "role": "viewer"}))
                            .send(),
                    ),
                    (2, _) => ("keys", c.get(format!("{base}/api/v1/orgs/api-keys")).bearer_auth(&tok).send()),
                    (_, 0) => ("readiness", c.get(format!("{base}/api/v1/orgs/readiness")).bearer_auth(&tok).send()),
                    (_, 1) => ("whoami", c.get(format!("{base}/api/v1/auth/session")).bearer_auth(&tok).send()),
                    (_, _) => (
                        "audit",
                        c.get(format!("{base}/api/v1/orgs/audit-logs?limit=50&action=api_key.*"))
                            .bearer_auth(&tok)
                            .send(),
                    ),
                };
                let r = r.unwrap_or_else(|e| panic!("{what}: {e}"));
                assert!(
                    r.status().is_success(),
                    "{what} answered {}: {}",
                    r.status(),
                    r.text().unwrap_or_default()
                );
                requests.fetch_add(1, Ordering::Relaxed);
                i += 2;
            }
        }));
    }
    let start = Instant::now();
    let warm = Duration::from_secs(secs.max(5) / 5);
    let end = Duration::from_secs(secs.max(5));
    let mut rss_warm = None;
    while start.elapsed() < end {
        if rss_warm.is_none() && start.elapsed() >= warm {
            rss_warm = d.rss_kib();
        }
        if workers.iter().any(|w| w.is_finished()) {
            break;
        }
        std::thread::park_timeout(Duration::from_millis(200));
    }
    let rss_end = d.rss_kib();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("a worker failed (see its panic above)");
    }
    let (warm_kib, end_kib) = (rss_warm.expect("rss"), rss_end.expect("rss"));
    let n = requests.load(Ordering::Relaxed);
    eprintln!(
        "soak: {n} requests in {:?}, no errors; RSS {} MiB after warm-up, {} MiB at the end",
        start.elapsed(),
        warm_kib / 1024,
        end_kib / 1024
    );
    assert!(
        end_kib <= warm_kib + MAX_GROWTH_MIB * 1024,
        "memory grew from {warm_kib} KiB to {end_kib} KiB"
    );
    assert!(n > 100, "the soak did too little: {n} requests");
}
