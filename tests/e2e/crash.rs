//! Crash safety: ten `kill -9` cycles at varying points of a mixed load
//! (ingest, key create/rotate/revoke, invites, logins). After each restart every
//! acknowledged write is present, `PRAGMA integrity_check` is ok and the audit chain
//! verifies. The test prints one line per cycle.

use crate::harness::{Daemon, OWNER, PASSWORD, bin, http};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Acked {
    events: Mutex<Vec<String>>,
    keys: Mutex<Vec<String>>,
    revoked: Mutex<Vec<String>>,
    invites: Mutex<Vec<String>>,
    sessions: Mutex<Vec<String>>,
}

fn push(v: &Mutex<Vec<String>>, s: String) {
    v.lock().unwrap_or_else(|p| p.into_inner()).push(s);
}

fn take(v: &Mutex<Vec<String>>) -> Vec<String> {
    std::mem::take(&mut *v.lock().unwrap_or_else(|p| p.into_inner()))
}

fn ok(r: Result<reqwest::blocking::Response, reqwest::Error>, want: u16) -> Option<Value> {
    let r = r.ok()?;
    (r.status().as_u16() == want).then(|| r.json().unwrap_or(Value::Null))
}

#[test]
fn ten_kill_9_cycles_under_mixed_load_lose_no_acknowledged_write() {
    if crate::harness::on_postgres("ten_kill_9_cycles_under_mixed_load_lose_no_acknowledged_write")
    {
        return;
    }
    let mut d = Daemon::start();
    d.setup();
    let db = d.data_dir().join("watchtower.db");
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for cycle in 0..10 {
        let tok = d.login_token();
        let key: Value = http()
            .post(d.url("/api/v1/orgs/api-keys"))
            .bearer_auth(&tok)
            .json(&json!({"name": format!("c{cycle}"), "environment": "production", "owner_email": OWNER}))
            .send()
            .expect("key")
            .json()
            .expect("json");
        let secret = key["secret"].as_str().expect("secret").to_string();
        let acked = Arc::new(Acked::default());
        let events = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let base = d.base.clone();

        let ingest = {
            let (acked, events, stop, base) =
                (acked.clone(), events.clone(), stop.clone(), base.clone());
            std::thread::spawn(move || {
                let c = http();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let id = format!("c{cycle}-e{i}");
                    let r = c
                        .post(format!("{base}/api/v1/ingest/events"))
                        .bearer_auth(&secret)
                        .json(&json!({"events": [{"id": id}]}))
                        .send();
                    match ok(r, 202) {
                        Some(_) => {
                            push(&acked.events, id);
                            events.fetch_add(1, Ordering::SeqCst);
                        }
                        None => break,
                    }
                    i += 1;
                }
            })
        };
        let admin = {
            let (acked, stop, base, tok) = (acked.clone(), stop.clone(), base.clone(), tok.clone());
            std::thread::spawn(move || {
                let c = http();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let created = ok(
                        c.post(format!("{base}/api/v1/orgs/api-keys"))
                            .bearer_auth(&tok)
                            .json(&json!({"name": format!("c{cycle}-k{i}"), "environment": "sandbox", "owner_email": OWNER}))
                            .send(),
                        201,
                    );
                    let Some(k) = created else { break };
                    let id = k["id"].as_str().unwrap_or_default().to_string();
                    push(&acked.keys, id.clone());
                    if let Some(r) = ok(
                        c.post(format!("{base}/api/v1/orgs/api-keys/{id}/rotate"))
                            .bearer_auth(&tok)
                            .json(&json!({"grace_seconds": 60}))
                            .send(),
                        201,
                    ) {
                        push(
                            &acked.keys,
                            r["id"].as_str().unwrap_or_default().to_string(),
                        );
                    } else {
                        break;
                    }
                    if ok(
                        c.delete(format!("{base}/api/v1/orgs/api-keys/{id}"))
                            .bearer_auth(&tok)
                            .send(),
                        204,
                    )
                    .is_some()
                    {
                        push(&acked.revoked, id);
                    } else {
                        break;
                    }
                    match ok(
                        c.post(format!("{base}/api/v1/orgs/invites"))
                            .bearer_auth(&tok)
                            .json(&json!({"email": format!("c{cycle}-i{i}@acme.test"), "role": "viewer"}))
                            .send(),
                        201,
                    ) {
                        Some(v) => push(&acked.invites, v["id"].as_str().unwrap_or_default().to_string()),
                        None => break,
                    }
                    match ok(
                        c.post(format!("{base}/api/v1/auth/login"))
                            .json(&json!({"email": OWNER, "password": PASSWORD, "client": "cli"}))
                            .send(),
                        200,
                    ) {
                        Some(v) => push(
                            &acked.sessions,
                            v["token"].as_str().unwrap_or_default().to_string(),
                        ),
                        None => break,
                    }
                    i += 1;
                }
            })
        };
        // A different point in the load each cycle.
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let at = 20 + (seed >> 33) as usize % 200;
        while events.load(Ordering::SeqCst) < at && !ingest.is_finished() {
            std::thread::yield_now();
        }
        d.kill_hard();
        stop.store(true, Ordering::Relaxed);
        ingest.join().expect("ingest thread");
        admin.join().expect("admin thread");
        d.serve();

        let conn = rusqlite::Connection::open(&db).expect("open db");
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity");
        assert_eq!(integrity, "ok", "cycle {cycle}");
        let stored: HashSet<String> = conn
            .prepare("SELECT payload FROM ingest_events")
            .expect("prepare")
            .query_map([], |r| r.get::<_, String>(0))
            .expect("query")
            .flatten()
            .filter_map(|p| {
                serde_json::from_str::<Value>(&p).ok()?["id"]
                    .as_str()
                    .map(String::from)
            })
            .collect();
        let ev = take(&acked.events);
        let lost: Vec<&String> = ev.iter().filter(|e| !stored.contains(*e)).collect();
        assert!(
            lost.is_empty(),
            "cycle {cycle}: acknowledged events lost: {lost:?}"
        );
        let keys = take(&acked.keys);
        for k in &keys {
            let n: i64 = conn
                .query_row("SELECT COUNT(*) FROM api_keys WHERE id = ?1", [k], |r| {
                    r.get(0)
                })
                .expect("count");
            assert_eq!(n, 1, "cycle {cycle}: acknowledged key {k} lost");
        }
        let revoked = take(&acked.revoked);
        for k in &revoked {
            let r: Option<i64> = conn
                .query_row("SELECT revoked_at FROM api_keys WHERE id = ?1", [k], |r| {
                    r.get(0)
                })
                .expect("revoked_at");
            assert!(
                r.is_some(),
                "cycle {cycle}: acknowledged revocation of {k} lost"
            );
        }
        let invites = take(&acked.invites);
        for i in &invites {
            let n: i64 = conn
                .query_row("SELECT COUNT(*) FROM invites WHERE id = ?1", [i], |r| {
                    r.get(0)
                })
                .expect("count");
            assert_eq!(n, 1, "cycle {cycle}: acknowledged invite {i} lost");
        }
        let sessions = take(&acked.sessions);
        for s in &sessions {
            let r = http()
                .get(d.url("/api/v1/auth/session"))
                .bearer_auth(s)
                .send()
                .expect("whoami");
            assert_eq!(
                r.status().as_u16(),
                200,
                "cycle {cycle}: acknowledged session lost"
            );
        }
        let out = Command::new(bin("wtd"))
            .args(["audit", "verify", "--data-dir"])
            .arg(d.data_dir())
            .output()
            .expect("verify");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "cycle {cycle}: {text}");
        println!(
            "kill -9 cycle {cycle}: {} events, {} keys, {} revocations, {} invites, {} sessions acknowledged; all present; integrity ok; {}",
            ev.len(),
            keys.len(),
            revoked.len(),
            invites.len(),
            sessions.len(),
            text.trim()
        );
    }
}

/// Unmounts (lazily) on drop.
struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_gives_503_and_red_readiness_then_recovers_without_a_restart() {
    if crate::harness::on_postgres(
        "a_full_disk_gives_503_and_red_readiness_then_recovers_without_a_restart",
    ) {
        return;
    }
    let mut d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let key: Value = http()
        .post(d.url("/api/v1/orgs/api-keys"))
        .bearer_auth(&tok)
        .json(&json!({"name": "fill", "environment": "production", "owner_email": OWNER}))
        .send()
        .expect("key")
        .json()
        .expect("json");
    let secret = key["secret"].as_str().expect("secret").to_string();
    d.terminate();

    // Move the data directory onto a small tmpfs (needs root; said clearly otherwise).
    let data = d.data_dir();
    let saved = d.dir.path().join("data.saved");
    std::fs::rename(&data, &saved).expect("move data");
    std::fs::create_dir(&data).expect("mkdir");
    let mounted = Command::new("mount")
        // mode=0700: wtd refuses a data directory others can read (a tmpfs root is 1777).
        .args(["-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs"])
        .arg(&data)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!(
            "SKIPPED a_full_disk_gives_503...: mounting a tmpfs needs root (CI runs it as root)"
        );
        return;
    }
    let _unmount = Mounted(data.clone());
    for entry in std::fs::read_dir(&saved).expect("read saved").flatten() {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), data.join(entry.file_name())).expect("copy");
        }
    }
    d.serve();
    let ingest = |n: usize| {
        let events: Vec<Value> = (0..n)
            .map(|i| json!({"i": i, "pad": "x".repeat(200)}))
            .collect();
        http()
            .post(d.url("/api/v1/ingest/events"))
            .bearer_auth(&secret)
            .json(&json!({"events": events}))
            .send()
            .expect("ingest")
    };
    assert_eq!(ingest(1).status().as_u16(), 202);

    // Fill the file system.
    let filler = data.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).expect("filler");
        let chunk = vec![0u8; 64 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
    }
    let mut refused = None;
    for _ in 0..500 {
        let r = ingest(500);
        match r.status().as_u16() {
            202 => continue,
            s => {
                refused = Some((s, r.json::<Value>().unwrap_or_default()));
                break;
            }
        }
    }
    let (status, body) = refused.expect("a full disk must refuse writes");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "unavailable", "{body}");
    let ready = http().get(d.url("/readyz")).send().expect("readyz");
    assert_eq!(
        ready.status().as_u16(),
        503,
        "readiness is red while writes fail"
    );

    // Space returns: readiness and writes recover without a restart.
    std::fs::remove_file(&filler).expect("remove filler");
    let ready = http().get(d.url("/readyz")).send().expect("readyz");
    assert_eq!(ready.status().as_u16(), 200);
    assert_eq!(ingest(10).status().as_u16(), 202);
    let conn = rusqlite::Connection::open(data.join("watchtower.db")).expect("open");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(integrity, "ok");
    let out = Command::new(bin("wtd"))
        .args(["audit", "verify", "--data-dir"])
        .arg(&data)
        .output()
        .expect("verify");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    d.kill_hard();
}
