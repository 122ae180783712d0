//! Ingested events that go somewhere (issue #27), against a real `wtd` and the real `wt`:
//! the consumer API by cursor and its SSE stream, resumed across a daemon restart with no
//! gap and no duplicate; the `events:read` scope, other orgs and roles (the adversary
//! pass); storage per org in `wt org show` and `/metrics`; and `wt events tail` printing a
//! payload full of terminal escapes inert. Retention pruning itself is proven with the
//! injected clock in daemon/tests/in_process/events.rs.

use crate::harness::{Daemon, OWNER, PASSWORD, http, run};
use crate::hygiene::mailed_token;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `wt ... --output json` as `tok`; the parsed output.
fn wt_json(d: &Daemon, tok: &str, args: &[&str]) -> Value {
    let mut c = d.wt();
    c.env("WT_TOKEN", tok).args(args).args(["--output", "json"]);
    let (code, out, err) = run(c, "");
    assert_eq!(code, 0, "wt {args:?}: {out} {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// A production key's secret.
fn key(d: &Daemon, tok: &str) -> String {
    let k = wt_json(
        d,
        tok,
        &[
            "keys",
            "create",
            "--env",
            "production",
            "--name",
            "pipeline",
            "--owner",
            OWNER,
        ],
    );
    k["secret"].as_str().expect("secret").to_string()
}

/// An automation token of `role` with `scopes`.
fn token(d: &Daemon, tok: &str, role: &str, scopes: &[&str]) -> String {
    let mut args = vec![
        "token",
        "create",
        "--name",
        "consumer",
        "--role",
        role,
        "--expires",
        "30d",
    ];
    for s in scopes {
        args.extend(["--scope", s]);
    }
    wt_json(d, tok, &args)["secret"]
        .as_str()
        .expect("secret")
        .to_string()
}

/// Ingests `events` with `key`.
fn ingest(d: &Daemon, key: &str, events: Vec<Value>) {
    let r = http()
        .post(d.url("/api/v1/ingest/events"))
        .bearer_auth(key)
        .json(&json!({ "events": events }))
        .send()
        .expect("ingest");
    assert_eq!(r.status().as_u16(), 202, "{:?}", r.text());
}

fn numbered(from: u64, n: u64) -> Vec<Value> {
    (from..from + n).map(|i| json!({"n": i})).collect()
}

/// `GET path` as `tok`: (status, JSON).
fn get(d: &Daemon, path: &str, tok: &str) -> (u16, Value) {
    let r = http()
        .get(d.url(path))
        .bearer_auth(tok)
        .send()
        .expect("get");
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

/// Reads every event of the org by cursor, `limit` at a time: their `n`s and the last seq.
fn read_all(d: &Daemon, tok: &str, after: i64, limit: u32) -> (Vec<u64>, i64) {
    let (mut ns, mut after) = (Vec::new(), after);
    loop {
        let (status, page) = get(
            d,
            &format!("/api/v1/orgs/events?after={after}&limit={limit}"),
            tok,
        );
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().cloned().unwrap_or_default();
        for e in &items {
            assert!(e["seq"].as_i64().unwrap_or(0) > after, "{e}");
            ns.push(e["payload"]["n"].as_u64().expect("n"));
        }
        after = page["next_after"].as_i64().expect("next_after");
        if items.len() < limit as usize {
            return (ns, after);
        }
    }
}

/// Waits until `f` holds (the PostgreSQL watermark lags a couple of seconds).
fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `wt events tail --after SEQ --follow --output json` as a child, its stdout lines on a
/// channel.
fn follow(d: &Daemon, tok: &str, after: i64) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(crate::harness::bin("wt"))
        .env("WT_SERVER", &d.base)
        .env("WT_TOKEN", tok)
        .env("NO_COLOR", "1")
        .args(["events", "tail", "--after", &after.to_string(), "--follow"])
        .args(["--output", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("wt events tail");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// The next `n` lines of a follower, parsed.
fn next_lines(rx: &mpsc::Receiver<String>, n: usize) -> Vec<Value> {
    (0..n)
        .map(|_| {
            let line = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("an event line in time");
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
        })
        .collect()
}

#[test]
fn a_consumer_reads_by_cursor_follows_and_resumes_after_a_daemon_restart_with_no_gap() {
    let mut d = Daemon::start();
    d.setup();
    let owner = d.login_token();
    let secret = key(&d, &owner);
    let consumer = token(&d, &owner, "analyst", &["events:read"]);
    for b in 0..3 {
        ingest(&d, &secret, numbered(b * 5, 5));
    }
    // By cursor, 4 at a time: every event once, in order.
    let (ns, last) = eventually("15 events", || {
        let r = read_all(&d, &consumer, 0, 4);
        (r.0.len() == 15).then_some(r)
    });
    assert_eq!(ns, (0..15).collect::<Vec<_>>());
    // Caught up: an empty page keeps the cursor.
    let (status, page) = get(&d, &format!("/api/v1/orgs/events?after={last}"), &consumer);
    assert_eq!(
        (status, page["next_after"].as_i64()),
        (200, Some(last)),
        "{page}"
    );

    // The real `wt events tail --follow`, resumed from the middle.
    let middle = {
        let (_, page) = get(&d, "/api/v1/orgs/events?after=0&limit=10", &consumer);
        page["next_after"].as_i64().expect("cursor")
    };
    let (mut child, rx) = follow(&d, &consumer, middle);
    let first: Vec<u64> = next_lines(&rx, 5)
        .iter()
        .map(|e| e["payload"]["n"].as_u64().unwrap_or(999))
        .collect();
    assert_eq!(first, vec![10, 11, 12, 13, 14]);
    ingest(&d, &secret, numbered(15, 3));
    let live: Vec<u64> = next_lines(&rx, 3)
        .iter()
        .map(|e| e["payload"]["n"].as_u64().unwrap_or(999))
        .collect();
    assert_eq!(live, vec![15, 16, 17]);

    // Restart the daemon on the same address; events stored meanwhile and after.
    let addr = d.base.trim_start_matches("http://").to_string();
    d.terminate();
    d.serve_on(&addr);
    ingest(&d, &secret, numbered(18, 4));
    let resumed = next_lines(&rx, 4);
    let ns: Vec<u64> = resumed
        .iter()
        .map(|e| e["payload"]["n"].as_u64().unwrap_or(999))
        .collect();
    assert_eq!(ns, vec![18, 19, 20, 21], "no gap, no duplicate");
    let seqs: Vec<i64> = resumed.iter().filter_map(|e| e["seq"].as_i64()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "nothing printed twice"
    );

    // The SSE stream itself: Last-Event-ID resumes right after it.
    let mut r = http()
        .get(d.url("/api/v1/orgs/events/stream"))
        .bearer_auth(&consumer)
        .header("last-event-id", seqs[1].to_string())
        .send()
        .expect("stream");
    assert_eq!(r.status().as_u16(), 200);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(20);
    while !String::from_utf8_lossy(&buf).contains("\"n\":21") {
        assert!(
            Instant::now() < deadline,
            "stream: {}",
            String::from_utf8_lossy(&buf)
        );
        let n = std::io::Read::read(&mut r, &mut chunk).expect("read");
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf);
    assert!(
        text.contains(&format!("id: {}\nevent: event\n", seqs[2])),
        "{text}"
    );
    assert!(
        !text.contains("\"n\":19"),
        "at or before Last-Event-ID: {text}"
    );
}

#[test]
fn the_consumer_api_answers_only_scoped_tokens_permitted_roles_and_the_callers_org() {
    let d = Daemon::start();
    d.setup();
    let owner = d.login_token();
    let secret = key(&d, &owner);
    ingest(&d, &secret, numbered(0, 3));

    // A token without events:read: 403 naming the scope, on the list and the stream.
    let unscoped = token(&d, &owner, "analyst", &[]);
    for path in ["/api/v1/orgs/events", "/api/v1/orgs/events/stream"] {
        let (status, v) = get(&d, path, &unscoped);
        assert_eq!(status, 403, "{path}: {v}");
        assert!(
            v["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("events:read"),
            "{v}"
        );
    }
    // `wt events list` with it: the permission-denied exit code, the scope named.
    let mut c = d.wt();
    c.env("WT_TOKEN", &unscoped).args(["events", "list"]);
    let (code, _, err) = run(c, "");
    assert_ne!(code, 0);
    assert!(err.contains("events:read"), "{err}");
    // A viewer token cannot even be given the scope (its role lacks the permission).
    let mut c = d.wt();
    c.env("WT_TOKEN", &owner).args([
        "token",
        "create",
        "--name",
        "v",
        "--role",
        "viewer",
        "--expires",
        "1d",
        "--scope",
        "events:read",
    ]);
    let (code, _, err) = run(c, "");
    assert_ne!(code, 0, "{err}");

    // A viewer member's own session: 403.
    let r = http()
        .post(d.url("/api/v1/orgs/invites"))
        .bearer_auth(&owner)
        .json(&json!({"email": "viewer@acme.test", "role": "viewer"}))
        .send()
        .expect("invite");
    assert_eq!(r.status().as_u16(), 201);
    let invite = mailed_token(&d, "viewer@acme.test", "wti_");
    let r = http()
        .post(d.url("/api/v1/invites/accept"))
        .json(&json!({"token": invite, "name": "Viewer", "password": PASSWORD}))
        .send()
        .expect("accept");
    assert_eq!(r.status().as_u16(), 201);
    let r = http()
        .post(d.url("/api/v1/auth/login"))
        .json(&json!({"email": "viewer@acme.test", "password": PASSWORD, "client": "cli"}))
        .send()
        .expect("login");
    let viewer = r.json::<Value>().expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string();
    let (status, v) = get(&d, "/api/v1/orgs/events", &viewer);
    assert_eq!(status, 403, "{v}");

    // The owner's session reads them (people need no scope, only the permission).
    let (status, v) = eventually("the owner's page", || {
        let r = get(&d, "/api/v1/orgs/events", &owner);
        (r.1["items"].as_array().map_or(0, Vec::len) == 3).then_some(r)
    });
    assert_eq!(status, 200, "{v}");

    // Bad input: clear 400s, never a 500.
    let scoped = token(&d, &owner, "analyst", &["events:read"]);
    for q in [
        "limit=0",
        "limit=1001",
        "after=-1",
        "after=abc",
        "cursor=5",
        "last=0",
        "last=5&after=1",
    ] {
        let (status, v) = get(&d, &format!("/api/v1/orgs/events?{q}"), &scoped);
        assert!((400..500).contains(&status), "{q}: {status} {v}");
    }
    let r = http()
        .get(d.url("/api/v1/orgs/events/stream"))
        .bearer_auth(&scoped)
        .header("last-event-id", "soon")
        .send()
        .expect("stream");
    assert_eq!(r.status().as_u16(), 422);
    // Revoking the token ends its access.
    let tokens = wt_json(&d, &owner, &["token", "list"]);
    let id = tokens
        .as_array()
        .and_then(|a| a.iter().find(|t| t["scopes"] == json!(["events:read"])))
        .and_then(|t| t["id"].as_str())
        .expect("token id")
        .to_string();
    let mut c = d.wt();
    c.env("WT_TOKEN", &owner)
        .args(["token", "revoke", &id, "--yes"]);
    let (code, _, err) = run(c, "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(get(&d, "/api/v1/orgs/events", &scoped).0, 401);
}

#[test]
fn another_orgs_consumer_sees_nothing_of_this_orgs_events() {
    let mut d = Daemon::start();
    d.terminate();
    let out = d
        .wtd_owner()
        .args([
            "org",
            "create",
            "--org",
            "Beta",
            "--owner-email",
            "beta@beta.test",
        ])
        .arg("--data-dir")
        .arg(d.data_dir())
        .output()
        .expect("wtd org create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let beta_setup = String::from_utf8_lossy(&out.stdout).trim().to_string();
    d.serve();
    d.setup();
    let owner = d.login_token();
    let secret = key(&d, &owner);
    ingest(&d, &secret, numbered(0, 5));
    let alpha = token(&d, &owner, "analyst", &["events:read"]);
    let (_, last) = eventually("alpha's events", || {
        let r = read_all(&d, &alpha, 0, 100);
        (r.0.len() == 5).then_some(r)
    });

    let r = http()
        .post(d.url("/api/v1/setup"))
        .json(&json!({"token": beta_setup, "name": "Beta", "password": PASSWORD}))
        .send()
        .expect("setup beta");
    assert_eq!(r.status().as_u16(), 201);
    let r = http()
        .post(d.url("/api/v1/auth/login"))
        .json(&json!({"email": "beta@beta.test", "password": PASSWORD, "client": "cli"}))
        .send()
        .expect("login");
    let beta = r.json::<Value>().expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string();
    let beta_consumer = token(&d, &beta, "analyst", &["events:read"]);
    for q in ["after=0", "after=0&limit=1000", "last=1000"] {
        let (status, page) = get(&d, &format!("/api/v1/orgs/events?{q}"), &beta_consumer);
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["items"], json!([]), "{q}: {page}");
    }
    // A cursor from Alpha reveals nothing either (no gap, no items).
    let (_, page) = get(
        &d,
        &format!("/api/v1/orgs/events?after={}", last - 2),
        &beta_consumer,
    );
    assert_eq!(page["items"], json!([]), "{page}");
    assert!(page.get("gap").is_none(), "{page}");
    // Beta's org show counts none of Alpha's events.
    let shown = wt_json(&d, &beta, &["org", "show"]);
    assert_eq!(shown["events"]["stored_events"], 0, "{shown}");
}

#[test]
fn storage_per_org_shows_in_org_show_and_metrics_and_retention_is_set_per_org() {
    let d = Daemon::start_with(&[
        "--event-prune-interval",
        "200ms",
        "--event-retention",
        "14d",
    ]);
    d.setup();
    let owner = d.login_token();
    let secret = key(&d, &owner);
    ingest(&d, &secret, numbered(0, 7));
    let shown = eventually("the count", || {
        let s = wt_json(&d, &owner, &["org", "show"]);
        (s["events"]["stored_events"] == 7).then_some(s)
    });
    assert_eq!(shown["events"]["retention_seconds"], 14 * 86_400, "{shown}");
    assert_eq!(shown["events"]["retention_source"], "installation");
    assert!(
        shown["events"]["stored_bytes"].as_i64().unwrap_or(0) >= 7 * 6,
        "{shown}"
    );
    let set = wt_json(&d, &owner, &["org", "set", "event-retention", "30d"]);
    assert_eq!(set["events"]["retention_seconds"], 30 * 86_400, "{set}");
    assert_eq!(set["events"]["retention_source"], "org");
    // Out of bounds: a usage error before any request.
    let mut c = d.wt();
    c.env("WT_TOKEN", &owner)
        .args(["org", "set", "event-retention", "10m"]);
    let (code, _, err) = run(c, "");
    assert_eq!(code, 2, "{err}");
    // The API refuses it too (never a 500).
    let r = http()
        .patch(d.url("/api/v1/orgs/settings"))
        .bearer_auth(&owner)
        .json(&json!({"event_retention_seconds": 10}))
        .send()
        .expect("patch");
    assert_eq!(r.status().as_u16(), 422);
    let table = {
        let mut c = d.wt();
        c.env("WT_TOKEN", &owner)
            .args(["org", "show", "--output", "table"]);
        run(c, "").1
    };
    assert!(
        table.contains("event-retention") && table.contains("30days (org)"),
        "{table}"
    );
    assert!(table.contains("stored-events"), "{table}");
    let metrics = http()
        .get(d.url("/metrics"))
        .send()
        .expect("metrics")
        .text()
        .unwrap_or_default();
    assert!(
        metrics.contains("wt_events_stored{org=\"acme\"} 7"),
        "{metrics}"
    );
    assert!(
        metrics.contains("wt_events_stored_bytes{org=\"acme\"}"),
        "{metrics}"
    );
}

#[test]
fn wt_events_tail_prints_a_payload_full_of_terminal_escapes_inert() {
    let d = Daemon::start();
    d.setup();
    let owner = d.login_token();
    let secret = key(&d, &owner);
    let evil = json!({
        "title": "\u{1b}]0;pwned\u{7}",
        "csi": "\u{9b}31mred",
        "bidi": "txt\u{202e}exe.pdf",
        "del": "a\u{7f}b",
    });
    ingest(&d, &secret, vec![evil.clone()]);
    for format in ["table", "json"] {
        let out = eventually("the event", || {
            let mut c = d.wt();
            c.env("WT_TOKEN", &owner)
                .args(["events", "tail", "--output", format]);
            let (code, out, err) = run(c, "");
            assert_eq!(code, 0, "{err}");
            out.contains("pwned").then_some(out)
        });
        for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{7f}'] {
            assert!(
                !out.contains(bad),
                "{format}: {bad:?} reached stdout: {out:?}"
            );
        }
        assert!(out.contains("\\u001b]0;pwned\\u0007"), "{format}: {out}");
        if format == "json" {
            let e: Value = serde_json::from_str(out.trim()).expect("one JSON line");
            assert_eq!(e["payload"], evil, "the same value, escaped");
        }
    }
}
