//! Two `wtd` processes on one PostgreSQL database, as behind a load balancer: a key
//! revoked through A is refused by B on the very next request, login throttling counts
//! failures seen by both, and `wt audit tail --follow` on B shows a change made on A
//! within a second. Runs in the PostgreSQL pass of the suite (`WT_TEST_DATABASE_URL`).

use crate::harness::{Daemon, OWNER, http, postgres_admin_url};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn post(d: &Daemon, path: &str, body: Value, token: Option<&str>) -> (u16, Value) {
    let mut r = http().post(d.url(path)).json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().expect("request");
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

pub fn ingest(d: &Daemon, key: &str) -> u16 {
    http()
        .post(d.url("/api/v1/ingest/events"))
        .bearer_auth(key)
        .json(&json!({"events": [{"type": "login", "user": "u1"}]}))
        .send()
        .expect("ingest")
        .status()
        .as_u16()
}

fn wrong_login(d: &Daemon) -> u16 {
    post(
        d,
        "/api/v1/auth/login",
        json!({"email": OWNER, "password": "definitely not it 99", "client": "cli"}),
        None,
    )
    .0
}

#[test]
fn two_replicas_share_revocation_throttling_and_the_audit_tail() {
    if postgres_admin_url().is_none() {
        eprintln!(
            "SKIPPED two_replicas_share_revocation_throttling_and_the_audit_tail: needs \
             PostgreSQL (runs in the suite's PostgreSQL pass, WT_TEST_DATABASE_URL)"
        );
        return;
    }
    let a = Daemon::start();
    a.setup();
    let b = a.replica();
    let tok = a.login_token();
    // The session made on A works on B (sessions live in the database).
    let who = http()
        .get(b.url("/api/v1/auth/session"))
        .bearer_auth(&tok)
        .send()
        .expect("whoami");
    assert_eq!(who.status().as_u16(), 200);

    revocation_on_one_is_seen_by_the_other(&a, &b, &tok);

    // `wt audit tail --follow` on B sees what A writes, within a second.
    let mut tail = Command::new(crate::harness::bin("wt"))
        .args(["audit", "tail", "-n", "1", "--follow", "--output", "json"])
        .env("WT_SERVER", &b.base)
        .env("WT_TOKEN", &tok)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("wt audit tail");
    let stdout = tail.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str(&line) {
                let _ = tx.send(v);
            }
        }
    });
    let wait_for = |action: &str, email: &str| -> Duration {
        let start = Instant::now();
        loop {
            let v = rx
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("no {action} for {email} in the tail"));
            if v["action"] == action && v["target"]["id"].as_str().is_some() {
                let shown = serde_json::to_string(&v).unwrap_or_default();
                if shown.contains(email) {
                    return start.elapsed();
                }
            }
        }
    };
    // `-n 1` prints the newest entry first: once it shows, the tail is connected.
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the tail prints the newest entry");
    let (s, _) = post(
        &a,
        "/api/v1/orgs/invites",
        json!({"email": "from-a@acme.test", "role": "viewer"}),
        Some(&tok),
    );
    assert_eq!(s, 201);
    let latency = wait_for("invite.created", "from-a@acme.test");
    eprintln!("audit tail on B showed A's change after {latency:?}");
    assert!(latency < Duration::from_secs(1), "{latency:?}");
    let _ = tail.kill();
    let _ = tail.wait();

    // A third daemon with another master key is refused before it serves anything.
    let stray = tempfile::tempdir().expect("tempdir");
    {
        use std::io::Write;
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // Private, as a data directory must be: the refusal tested is the master key's.
        std::fs::set_permissions(stray.path(), std::fs::Permissions::from_mode(0o700))
            .expect("chmod");
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(stray.path().join("master.key"))
            .expect("key file");
        writeln!(f, "{}", "ab".repeat(32)).expect("write key");
    }
    let out = a
        .wtd()
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(stray.path())
        .output()
        .expect("wtd serve");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not the master key"), "{err}");

    login_throttling_is_shared(&a, &b);
}

/// A key made on `a` works on `b`; revoked on `a`, `b` refuses it on the very next request.
pub fn revocation_on_one_is_seen_by_the_other(a: &Daemon, b: &Daemon, tok: &str) {
    // A key made on A works on B; revoked on A, B refuses it on the very next request.
    let (s, k) = post(
        a,
        "/api/v1/orgs/api-keys",
        json!({"name": "billing", "environment": "production", "owner_email": OWNER}),
        Some(tok),
    );
    assert_eq!(s, 201, "{k}");
    let key = k["secret"].as_str().expect("secret").to_string();
    let id = k["id"].as_str().expect("id").to_string();
    assert_eq!(ingest(b, &key), 202, "B knows a key created on A");
    let del = http()
        .delete(a.url(&format!("/api/v1/orgs/api-keys/{id}")))
        .bearer_auth(tok)
        .send()
        .expect("revoke");
    assert_eq!(del.status().as_u16(), 204);
    let before = key_cache_work(b);
    assert_eq!(ingest(b, &key), 401, "revoked on A: refused by B at once");
    assert_eq!(ingest(a, &key), 401);
    // B learnt it by reading the changed rows, not by reloading every key (issue #29): still
    // the one whole load made at start, and a few rows for the revocation.
    let after = key_cache_work(b);
    assert_eq!(
        after.0, 1.0,
        "B loaded its key cache whole only at start: {after:?}"
    );
    assert!(
        after.1 - before.1 <= 4.0,
        "the revocation cost B a few rows, not the key set: {before:?} -> {after:?}"
    );
    assert!(after.2 >= 1.0, "B counts its cached keys: {after:?}");
}

/// `(whole loads, rows applied by refreshes, keys cached)` from `d`'s /metrics.
fn key_cache_work(d: &Daemon) -> (f64, f64, f64) {
    let text = http()
        .get(d.url("/metrics"))
        .send()
        .expect("metrics")
        .text()
        .unwrap_or_default();
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in /metrics:\n{text}"))
    };
    (
        value("wt_key_cache_loads"),
        value("wt_key_cache_refresh_rows"),
        value("wt_key_cache_keys"),
    )
}

/// Login throttling counts the failures both daemons see.
pub fn login_throttling_is_shared(a: &Daemon, b: &Daemon) {
    let mut statuses = vec![];
    for i in 0..12 {
        let d = if i % 2 == 0 { a } else { b };
        let s = wrong_login(d);
        statuses.push(s);
        if s == 429 {
            break;
        }
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert!(
        statuses.len() <= 7,
        "throttled after the failures seen by both, not by one: {statuses:?}"
    );
    assert_eq!(wrong_login(a), 429);
    assert_eq!(wrong_login(b), 429);
}

/// The move to PostgreSQL as an operator does it: an SQLite installation with an MFA
/// owner, a key and audit history; `wtd copy` into an empty PostgreSQL database; `wtd
/// serve --database-url` on the same data directory (same master key): the owner logs in
/// with password and TOTP, the key ingests, and `wt audit verify` passes.
#[test]
fn wtd_copy_moves_an_sqlite_installation_to_postgres_that_then_serves_it() {
    if postgres_admin_url().is_none() || !crate::mfa::have_oathtool() {
        eprintln!(
            "SKIPPED wtd_copy_moves_an_sqlite_installation_to_postgres_that_then_serves_it: \
             needs PostgreSQL (WT_TEST_DATABASE_URL) and oathtool"
        );
        return;
    }
    let mut d = Daemon::start_sqlite();
    assert!(!d.is_postgres());
    d.setup();
    let tok = d.login_token();
    let (s, e) = post(&d, "/api/v1/auth/mfa/totp/enroll", json!({}), Some(&tok));
    assert_eq!(s, 200, "{e}");
    let secret = e["secret"].as_str().expect("secret").to_string();
    let step = crate::mfa::at_current_step(|t| {
        let (s, b) = post(
            &d,
            "/api/v1/auth/mfa/totp/confirm",
            json!({"code": crate::mfa::oathtool(&secret, t - 1)}),
            Some(&tok),
        );
        if s == 200 {
            Ok(t)
        } else {
            Err(format!("confirm {s} {b}"))
        }
    });
    let (s, k) = post(
        &d,
        "/api/v1/orgs/api-keys",
        json!({"name": "billing", "environment": "production", "owner_email": OWNER}),
        Some(&tok),
    );
    assert_eq!(s, 201, "{k}");
    let key = k["secret"].as_str().expect("secret").to_string();
    assert_eq!(ingest(&d, &key), 202);
    assert!(d.terminate().is_some_and(|s| s.success()));

    let url = d.use_fresh_postgres();
    let out = d
        .wtd()
        .args(["copy", "--data-dir"])
        .arg(d.data_dir())
        .args(["--to", &url])
        .output()
        .expect("wtd copy");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("audit entries verified"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("audit_log") && stdout.contains("api_keys"),
        "{stdout}"
    );
    // A second copy into the same database is refused.
    let again = d
        .wtd()
        .args(["copy", "--data-dir"])
        .arg(d.data_dir())
        .args(["--to", &url])
        .output()
        .expect("wtd copy");
    assert!(!again.status.success());

    d.serve();
    assert!(d.is_postgres());
    let (s, r) = post(
        &d,
        "/api/v1/auth/login",
        json!({"email": OWNER, "password": crate::harness::PASSWORD, "client": "cli"}),
        None,
    );
    assert_eq!((s, r["mfa_required"].clone()), (200, json!(true)), "{r}");
    let challenge = r["challenge"].as_str().expect("challenge").to_string();
    let token = crate::mfa::at_current_step(|t| {
        let (s, b) = post(
            &d,
            "/api/v1/auth/mfa/verify",
            json!({"challenge": challenge, "code": crate::mfa::oathtool(&secret, t.max(step))}),
            None,
        );
        match b["token"].as_str() {
            Some(t) if s == 200 => Ok(t.to_string()),
            _ => Err(format!("verify {s} {b}")),
        }
    });
    assert_eq!(ingest(&d, &key), 202, "the key works on PostgreSQL");
    let mut verify = d.wt();
    verify
        .env("WT_TOKEN", &token)
        .args(["audit", "verify", "--output", "json"]);
    let out = verify.output().expect("wt audit verify");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert!(out.status.success(), "{v}");
    assert_eq!(v["ok"], json!(true), "{v}");
}

/// On PostgreSQL only `wtd migrate` (and the first `wtd init`) changes the schema: `wtd
/// serve` checks it and refuses one it was not built for, naming what to run, so the
/// runtime role needs no DDL right.
#[test]
fn serve_checks_the_schema_and_only_wtd_migrate_changes_it() {
    if postgres_admin_url().is_none() {
        eprintln!(
            "SKIPPED serve_checks_the_schema_and_only_wtd_migrate_changes_it: needs \
             PostgreSQL (runs in the suite's PostgreSQL pass, WT_TEST_DATABASE_URL)"
        );
        return;
    }
    let mut d = Daemon::start();
    d.setup();
    d.terminate();
    let serve = |d: &Daemon| {
        d.wtd()
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(d.data_dir())
            .output()
            .expect("run wtd serve")
    };

    // One migration short: refused, with the command to run; nothing is migrated.
    d.sql("DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)");
    let out = serve(&d);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("run `wtd migrate`"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));
    let behind = d.sql_column("SELECT COUNT(*) FROM schema_migrations");

    // `wtd migrate` brings it up to date: the missing migration runs again (PostgreSQL
    // migrations from 0015 on are written to re-apply harmlessly: `IF NOT EXISTS`, `OR
    // REPLACE`; the newest one is what this test re-applies).
    let last = d.sql_column("SELECT MAX(version) FROM schema_migrations");
    assert_eq!(behind.len(), 1);
    let out = d
        .wtd_owner()
        .arg("migrate")
        .output()
        .expect("run wtd migrate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let now = d.sql_column("SELECT MAX(version) FROM schema_migrations");
    assert_ne!(now, last, "wtd migrate applied the missing migration");
    d.serve();
    d.login_token();
    d.terminate();

    // One version ahead (a rolling upgrade, the new release migrated first): served,
    // with a warning.
    d.sql(&format!(
        "INSERT INTO schema_migrations (version) VALUES ({})",
        wt_store::postgres::SCHEMA_VERSION + 1
    ));
    d.serve();
    d.login_token();
    assert!(d.log().contains("one ahead of this wtd"), "{}", d.log());
    d.terminate();

    // Two or more ahead: refused.
    d.sql("INSERT INTO schema_migrations (version) VALUES (999999)");
    let out = serve(&d);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("newer than this wtd"), "{err}");
}

/// Three replicas behind haproxy (`option httpchk GET /readyz`), as in production: every
/// request through haproxy keeps working while one replica is killed (haproxy takes it
/// out), and a key revoked through one replica is refused on the next request through
/// haproxy, whichever replica serves it.
#[test]
fn three_replicas_behind_haproxy_survive_a_kill_and_share_revocation() {
    let test = "three_replicas_behind_haproxy_survive_a_kill_and_share_revocation";
    if postgres_admin_url().is_none() {
        eprintln!(
            "SKIPPED {test}: needs PostgreSQL (runs in the suite's PostgreSQL pass, \
             WT_TEST_DATABASE_URL)"
        );
        return;
    }
    if !crate::proxies::have("haproxy", test) {
        return;
    }
    let a = Daemon::start();
    a.setup();
    let mut replicas = [a.replica(), a.replica()];
    let addr = |d: &Daemon| d.base.trim_start_matches("http://").to_string();
    let servers = [addr(&a), addr(&replicas[0]), addr(&replicas[1])];
    let lb =
        crate::proxies::Proxy::haproxy(&servers.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    let all_up = |lb: &crate::proxies::Proxy, up: usize| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let servers = lb.haproxy_servers();
            if servers.iter().filter(|(_, s)| s == "UP").count() == up && servers.len() == 3 {
                return servers;
            }
            assert!(
                Instant::now() < deadline,
                "haproxy servers: {servers:?}\n{}",
                lb.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    all_up(&lb, 3);

    let through = |path: &str| lb.url(path);
    let login = http()
        .post(through("/api/v1/auth/login"))
        .json(&json!({"email": OWNER, "password": crate::harness::PASSWORD, "client": "cli"}))
        .send()
        .expect("login through haproxy");
    assert_eq!(login.status().as_u16(), 200);
    let tok = login.json::<Value>().expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string();
    let key_through_lb = |name: &str| -> (String, String) {
        let r = http()
            .post(through("/api/v1/orgs/api-keys"))
            .bearer_auth(&tok)
            .json(&json!({"name": name, "environment": "production", "owner_email": OWNER}))
            .send()
            .expect("create key");
        assert_eq!(r.status().as_u16(), 201);
        let k: Value = r.json().expect("json");
        (
            k["secret"].as_str().expect("secret").to_string(),
            k["id"].as_str().expect("id").to_string(),
        )
    };
    let ingest_through_lb = |key: &str| -> u16 {
        http()
            .post(through("/api/v1/ingest/events"))
            .bearer_auth(key)
            .json(&json!({"events": [{"type": "login", "user": "u1"}]}))
            .send()
            .map_or(0, |r| r.status().as_u16())
    };

    // Revoked through replica 1 (directly): refused on the very next request through
    // haproxy, and on the next five (round robin: every replica answers some).
    let (key, id) = key_through_lb("billing");
    for _ in 0..3 {
        assert_eq!(ingest_through_lb(&key), 202);
    }
    let del = http()
        .delete(replicas[0].url(&format!("/api/v1/orgs/api-keys/{id}")))
        .bearer_auth(&tok)
        .send()
        .expect("revoke");
    assert_eq!(del.status().as_u16(), 204);
    let after: Vec<u16> = (0..6).map(|_| ingest_through_lb(&key)).collect();
    assert_eq!(
        after,
        vec![401; 6],
        "revoked on one replica, refused by all"
    );

    // One replica killed: every request through haproxy still works (a refused
    // connection is redispatched), and haproxy marks it down.
    let (key, _) = key_through_lb("survivor");
    replicas[1].kill_hard();
    let mut statuses = vec![];
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        statuses.push(ingest_through_lb(&key));
        let down = lb
            .haproxy_servers()
            .iter()
            .any(|(n, s)| n == "r2" && s.starts_with("DOWN"));
        if down && statuses.len() >= 30 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "haproxy did not take the killed replica out: {:?}",
            lb.haproxy_servers()
        );
    }
    assert!(
        statuses.iter().all(|s| *s == 202),
        "requests while a replica died: {statuses:?}"
    );
    eprintln!(
        "{} requests through haproxy while a replica was killed: all 202",
        statuses.len()
    );
    assert_eq!(all_up(&lb, 2).iter().filter(|(_, s)| s == "UP").count(), 2);
}

/// Each replica learns of cache changes from its `LISTEN` session; when that session
/// breaks, a replica never answers from a cache that may be stale: it reads the version
/// (as it did before the listener existed) until the listener reconnects, and after that
/// the listener carries the next revocation again.
#[test]
fn a_replica_whose_listener_breaks_still_refuses_a_revoked_key_at_once() {
    if postgres_admin_url().is_none() {
        eprintln!(
            "SKIPPED a_replica_whose_listener_breaks_still_refuses_a_revoked_key_at_once: \
             needs PostgreSQL (runs in the suite's PostgreSQL pass, WT_TEST_DATABASE_URL)"
        );
        return;
    }
    let a = Daemon::start();
    a.setup();
    let b = a.replica();
    let tok = a.login_token();
    let listeners = format!(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
         AND application_name = '{}'",
        wt_store::postgres::listen::APPLICATION_NAME
    );
    let new_key = |name: &str| -> (String, String) {
        let (s, k) = post(
            &a,
            "/api/v1/orgs/api-keys",
            json!({"name": name, "environment": "production", "owner_email": OWNER}),
            Some(&tok),
        );
        assert_eq!(s, 201, "{k}");
        (
            k["secret"].as_str().expect("secret").to_string(),
            k["id"].as_str().expect("id").to_string(),
        )
    };
    let revoke = |id: &str| {
        let del = http()
            .delete(a.url(&format!("/api/v1/orgs/api-keys/{id}")))
            .bearer_auth(&tok)
            .send()
            .expect("revoke");
        assert_eq!(del.status().as_u16(), 204);
    };
    // Requests on both start both listeners; wait until both sessions are there.
    let wait_for_listeners = |key: &str| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            assert_eq!(ingest(&b, key), 202);
            assert_eq!(ingest(&a, key), 202);
            if a.sql_column(&listeners).len() == 2 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the two listeners never connected"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let (key, id) = new_key("first");
    wait_for_listeners(&key);

    // Break both listening sessions, then revoke through A: B's listener still believes
    // itself connected, its round trip fails, and B reads the version instead.
    a.sql(&format!(
        "SELECT pg_terminate_backend(pid) FROM ({listeners}) AS l"
    ));
    revoke(&id);
    assert_eq!(
        ingest(&b, &key),
        401,
        "revoked on A, listener broken: refused by B"
    );
    assert_eq!(ingest(&a, &key), 401);

    // The listeners reconnect by themselves; the next revocation goes through them.
    let (key, id) = new_key("second");
    wait_for_listeners(&key);
    revoke(&id);
    assert_eq!(ingest(&b, &key), 401, "revoked on A: refused by B at once");
}
