//! `wtd backup` under load and `wtd restore`: the copy is consistent, restores
//! into a daemon that works, and a restore never runs under a live daemon.

use crate::harness::{Daemon, OWNER, PASSWORD, bin, http};
use serde_json::{Value, json};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

fn wtd(data: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(bin("wtd"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .expect("run wtd");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ingested(db: &std::path::Path) -> i64 {
    let c = rusqlite::Connection::open(db).expect("open");
    c.query_row("SELECT COUNT(*) FROM ingest_events", [], |r| r.get(0))
        .expect("count")
}

#[test]
fn a_backup_under_load_restores_into_a_working_daemon_with_a_verified_chain() {
    if crate::harness::on_postgres(
        "a_backup_under_load_restores_into_a_working_daemon_with_a_verified_chain",
    ) {
        return;
    }
    let d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let key: Value = http()
        .post(d.url("/api/v1/orgs/api-keys"))
        .bearer_auth(&tok)
        .json(&json!({"name": "load", "environment": "production", "owner_email": OWNER}))
        .send()
        .expect("create key")
        .json()
        .expect("json");
    let secret = key["secret"].as_str().expect("secret").to_string();

    // Load: ingest batches and audited writes (sessions) until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));
    let load = {
        let (stop, acked, base, secret) =
            (stop.clone(), acked.clone(), d.base.clone(), secret.clone());
        std::thread::spawn(move || {
            let c = http();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let r = c
                    .post(format!("{base}/api/v1/ingest/events"))
                    .bearer_auth(&secret)
                    .json(&json!({"events": [{"n": i}, {"n": i + 1}]}))
                    .send()
                    .expect("ingest");
                assert_eq!(r.status().as_u16(), 202);
                acked.fetch_add(2, Ordering::SeqCst);
                if i % 20 == 0 {
                    c.post(format!("{base}/api/v1/auth/login"))
                        .json(&json!({"email": OWNER, "password": PASSWORD, "client": "cli"}))
                        .send()
                        .expect("login");
                }
                i += 2;
            }
        })
    };
    while acked.load(Ordering::SeqCst) < 200 {
        std::thread::yield_now();
    }
    let before = acked.load(Ordering::SeqCst) as i64;
    let file = d.dir.path().join("backup.db");
    let (ok, out, err) = wtd(
        &d.data_dir(),
        &["backup", "--to", file.to_str().expect("path")],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("integrity ok") && out.contains("audit chains verified"),
        "{out}"
    );
    assert!(err.contains("master key is NOT in this backup"), "{err}");
    // Still under load: a second backup to the same file is refused.
    let (ok, _, err) = wtd(
        &d.data_dir(),
        &["backup", "--to", file.to_str().expect("path")],
    );
    assert!(!ok && err.contains("already exists"), "{err}");
    stop.store(true, Ordering::Relaxed);
    load.join().expect("load thread");

    // Every event acknowledged before the backup started is in it.
    assert!(ingested(&file) >= before, "{} < {before}", ingested(&file));

    // Never under a live daemon.
    let (ok, _, err) = wtd(
        &d.data_dir(),
        &["restore", "--from", file.to_str().expect("path"), "--force"],
    );
    assert!(!ok && err.contains("stop it first"), "{err}");

    // Restore into a second data directory with the same master key, and serve it.
    let mut e = Daemon::start();
    e.terminate();
    let (ok, _, err) = wtd(
        &e.data_dir(),
        &["restore", "--from", file.to_str().expect("path")],
    );
    assert!(
        !ok && err.contains("--force"),
        "an existing database needs --force: {err}"
    );
    std::fs::copy(
        d.data_dir().join("master.key"),
        e.data_dir().join("master.key"),
    )
    .expect("key");
    let (ok, out, err) = wtd(
        &e.data_dir(),
        &["restore", "--from", file.to_str().expect("path"), "--force"],
    );
    assert!(ok, "{err}");
    assert!(out.contains("audit chains verified"), "{out}");
    e.serve();
    let who = http()
        .post(e.url("/api/v1/auth/login"))
        .json(&json!({"email": OWNER, "password": PASSWORD, "client": "cli"}))
        .send()
        .expect("login");
    assert_eq!(who.status().as_u16(), 200, "the restored owner can log in");
    let r = http()
        .post(e.url("/api/v1/ingest/events"))
        .bearer_auth(&secret)
        .json(&json!({"events": [{"after": "restore"}]}))
        .send()
        .expect("ingest");
    assert_eq!(
        r.status().as_u16(),
        202,
        "the restored key works with the same master key"
    );
    let (ok, out, _) = wtd(&e.data_dir(), &["audit", "verify"]);
    assert!(ok && out.contains("ok"), "{out}");
}
