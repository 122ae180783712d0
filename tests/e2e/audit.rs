//! The audit log from the CLI: live tail across a daemon restart, tamper detection.

use crate::harness::{Daemon, OWNER, PASSWORD, bin, http};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// An org whose owner may act without MFA (lifted in the database before serving), and
/// the owner's token. Keeps these tests about the audit log.
fn daemon_without_mfa_rule() -> (Daemon, String) {
    let mut d = Daemon::start();
    d.kill_hard();
    d.sql("UPDATE orgs SET mfa_required_roles = ''");
    d.serve();
    d.setup();
    let tok = d.login_token();
    (d, tok)
}

fn failed_login(d: &Daemon) {
    let r = http()
        .post(d.url("/api/v1/auth/login"))
        .json(&json!({"email": OWNER, "password": "not the password 1", "client": "cli"}))
        .send()
        .expect("login");
    assert_eq!(r.status().as_u16(), 401);
}

#[test]
fn tail_follow_shows_new_entries_and_survives_a_daemon_restart_without_gap_or_duplicate() {
    let (mut d, tok) = daemon_without_mfa_rule();
    // One entry before wt starts: `-n 1` prints it once wt has read where the log ends,
    // so every entry written after it arrives must come through the stream.
    failed_login(&d);
    let mut child = Command::new(bin("wt"))
        .args([
            "audit",
            "tail",
            "-n",
            "1",
            "--follow",
            "--output",
            "json",
            "--action",
            "auth.login.failed",
        ])
        .env("WT_SERVER", &d.base)
        .env("WT_TOKEN", &tok)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("wt audit tail");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str(&line) {
                let _ = tx.send(v);
            }
        }
    });
    let next = |rx: &mpsc::Receiver<Value>| {
        rx.recv_timeout(Duration::from_secs(20))
            .expect("an entry in time")
    };

    // wt has read where the log ends once it prints the entry made before it started;
    // entries after it prove the stream.
    let mut seen = vec![next(&rx)];
    failed_login(&d);
    seen.push(next(&rx));
    failed_login(&d);
    seen.push(next(&rx));

    // Restart the daemon on the same address: wt reconnects with backoff and resumes.
    let port = d.base.rsplit(':').next().expect("port").to_string();
    d.terminate();
    d.serve_on(&format!("127.0.0.1:{port}"));
    failed_login(&d);
    seen.push(next(&rx));
    failed_login(&d);
    seen.push(next(&rx));

    let _ = child.kill();
    let _ = child.wait();
    let seqs: Vec<i64> = seen
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "in order, no duplicate: {seqs:?}"
    );
    assert!(
        seen.iter().all(|e| e["action"] == "auth.login.failed"),
        "filters apply to the stream"
    );
    // No gap: every failed login in the log is among what wt printed.
    let all = http()
        .get(d.url("/api/v1/orgs/audit-logs?action=auth.login.failed&order=asc&limit=100"))
        .bearer_auth(&tok)
        .send()
        .expect("list")
        .json::<Value>()
        .expect("json");
    let logged: Vec<i64> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(logged, seqs);
    let _ = PASSWORD;
}

#[test]
fn editing_a_row_in_the_database_makes_wt_audit_verify_name_it() {
    let (mut d, tok) = daemon_without_mfa_rule();
    let mut verify = d.wt();
    verify
        .env("WT_TOKEN", &tok)
        .args(["audit", "verify", "--output", "json"]);
    let out = verify.output().expect("verify");
    assert!(out.status.success());
    d.kill_hard();
    // Someone with write access to the database drops the guard and edits an entry.
    let drop_guard = if d.is_postgres() {
        "DROP TRIGGER audit_log_no_update ON audit_log;"
    } else {
        "DROP TRIGGER audit_log_no_update;"
    };
    d.sql(&format!(
        "{drop_guard} UPDATE audit_log SET details = '{{\"edited\":true}}' WHERE seq = 2;"
    ));
    d.serve();
    let tok = d.login_token();
    let mut verify = d.wt();
    verify
        .env("WT_TOKEN", &tok)
        .args(["audit", "verify", "--output", "table"]);
    let out = verify.output().expect("verify");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("BROKEN at seq 2"), "{text}");
    // The operator's offline check agrees, without the daemon.
    d.kill_hard();
    let off = d
        .wtd()
        .args(["audit", "verify", "--data-dir"])
        .arg(d.data_dir())
        .output()
        .expect("wtd");
    assert_eq!(off.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&off.stdout).contains("BROKEN at seq 2"));
}

#[test]
fn export_writes_every_entry_oldest_first_and_resumes_after_a_seq() {
    let (d, tok) = daemon_without_mfa_rule();
    for _ in 0..3 {
        failed_login(&d);
    }
    let mut c = d.wt();
    c.env("WT_TOKEN", &tok)
        .args(["audit", "export", "--format", "jsonl"]);
    let out = c.output().expect("export");
    assert!(out.status.success());
    let seqs: Vec<i64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("json line")["seq"]
                .as_i64()
                .expect("seq")
        })
        .collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    let mut c = d.wt();
    c.env("WT_TOKEN", &tok)
        .args(["audit", "export", "--format", "csv", "--after", "3"]);
    let out = c.output().expect("export");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .expect("header")
            .starts_with("seq,occurred_at,actor_type")
    );
    assert!(lines.next().expect("row").starts_with("\"4\","));
}
