//! The PostgreSQL pool's guardrails with the real `wtd` and real PostgreSQL servers: a
//! restart under ingest load absorbed, a locked table answered 503 with nothing stored, a
//! role's connection limit below the pool, `/readyz` while the database is down.
//!
//! Restarts and roles need a server of the test's own: each test here that restarts or
//! adds a role runs `initdb` + `pg_ctl` in a temporary directory on a free port (as the
//! `postgres` user when run as root) and stops it afterwards; never the shared server.
//! They run in the PostgreSQL pass (`WT_TEST_DATABASE_URL` set) with `initdb` installed;
//! otherwise each says SKIPPED.

use crate::harness::{Daemon, OWNER, PgDatabase, Reach, http, pg_client, postgres_admin_url};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A PostgreSQL server of this test's own, stopped and removed on drop.
struct OwnServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

fn pg_bin() -> Option<PathBuf> {
    let from_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .filter(|d| d.join("initdb").exists());
    from_config.or_else(|| {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|d| d.join("initdb").exists())
            .collect();
        dirs.sort_by_key(|d| {
            d.parent()
                .and_then(Path::file_name)
                .and_then(|n| n.to_str())
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(0)
        });
        dirs.pop()
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl OwnServer {
    /// A fresh server, or `None` (and SKIPPED) outside the PostgreSQL pass or without
    /// `initdb`.
    fn start(test: &str) -> Option<OwnServer> {
        if postgres_admin_url().is_none() {
            eprintln!("SKIPPED {test}: PostgreSQL only (set WT_TEST_DATABASE_URL)");
            return None;
        }
        let Some(bin) = pg_bin() else {
            eprintln!("SKIPPED {test}: no initdb/pg_ctl (Debian: apt-get install postgresql)");
            return None;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        if is_root() {
            let ok = Command::new("chown")
                .arg("postgres:")
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown postgres: {}", dir.path().display());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let s = OwnServer { dir, bin, port };
        s.run(&[
            "initdb",
            "-D",
            &s.data(),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
        ]);
        s.pg_ctl(&["start"]);
        Some(s)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// Runs a server program (as `postgres` when we are root: initdb refuses root).
    fn run(&self, args: &[&str]) -> std::process::Output {
        let program = self.bin.join(args[0]);
        let mut c = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        let out = c.args(&args[1..]).output().expect("run a server program");
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// `pg_ctl ACTION [-m MODE]`, waiting until it is done.
    fn pg_ctl(&self, action: &[&str]) {
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log").display().to_string();
        let data = self.data();
        let mut args = vec!["pg_ctl", "-D", &data, "-l", &log, "-w", "-o", &opts];
        args.extend_from_slice(action);
        self.run(&args);
    }

    fn url(&self, user: &str, db: &str) -> String {
        format!(
            "postgres://{user}@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    fn admin(&self) -> postgres::Client {
        pg_client(&self.url("postgres", "postgres")).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A daemon on a fresh database of this server, with `args` for every `wtd`.
    fn daemon(&self, args: &[&str]) -> Daemon {
        self.daemon_as("postgres", args)
    }

    /// ... reached as `user` (who must be able to create the schema).
    fn daemon_as(&self, user: &str, args: &[&str]) -> Daemon {
        let db = PgDatabase::create(&self.url("postgres", "postgres"));
        self.admin()
            .batch_execute(&format!("ALTER DATABASE {} OWNER TO {user}", db.name))
            .unwrap_or_else(|e| panic!("{e}"));
        let reach = Reach {
            vars: vec![("WT_DATABASE_URL".into(), self.url(user, &db.name))],
            args: args.iter().map(|a| a.to_string()).collect(),
        };
        Daemon::start_on_database(db, reach)
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = Command::new(if is_root() { "runuser" } else { "true" })
            .args(if is_root() {
                vec!["-u", "postgres", "--"]
            } else {
                vec![]
            })
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &self.data(), "-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// An ingestion key of the daemon's org.
fn ingest_key(d: &Daemon) -> String {
    d.setup();
    let tok = d.login_token();
    let key: Value = http()
        .post(d.url("/api/v1/orgs/api-keys"))
        .bearer_auth(&tok)
        .json(&json!({"name": "load", "environment": "production", "owner_email": OWNER}))
        .send()
        .expect("key")
        .json()
        .expect("json");
    key["secret"].as_str().expect("secret").to_string()
}

/// One event with `id`: (status, Retry-After, time taken).
fn ingest(d: &Daemon, key: &str, id: &str) -> (u16, Option<String>, Duration) {
    let t = Instant::now();
    let r = http()
        .post(d.url("/api/v1/ingest/events"))
        .bearer_auth(key)
        .json(&json!({"events": [{"type": "pool", "id": id}]}))
        .send()
        .expect("ingest");
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    (r.status().as_u16(), retry, t.elapsed())
}

/// `/readyz`: (status, Retry-After, time taken).
fn readyz(d: &Daemon) -> (u16, Option<String>, Duration) {
    let t = Instant::now();
    let r = http().get(d.url("/readyz")).send().expect("readyz");
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    (r.status().as_u16(), retry, t.elapsed())
}

/// The event ids stored, with how often each is.
fn stored_ids(d: &Daemon) -> HashMap<String, usize> {
    let mut ids = HashMap::new();
    for p in d.sql_column("SELECT payload FROM ingest_events") {
        if let Some(id) = serde_json::from_str::<Value>(&p)
            .ok()
            .and_then(|v| v["id"].as_str().map(String::from))
        {
            *ids.entry(id).or_default() += 1;
        }
    }
    ids
}

/// A value of `/metrics` (0 when absent).
fn metric(d: &Daemon, name: &str) -> u64 {
    let text = http()
        .get(d.url("/metrics"))
        .send()
        .and_then(|r| r.text())
        .expect("metrics");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Waits (up to `limit`) until `cond` holds; false if it never did.
fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    cond()
}

#[test]
fn a_fast_restart_under_ingest_load_fails_no_request_and_loses_or_doubles_no_event() {
    let Some(server) = OwnServer::start("a_fast_restart_under_ingest_load") else {
        return;
    };
    let d = server.daemon(&[]);
    let key = ingest_key(&d);
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let failed = Arc::new(Mutex::new(Vec::<(String, u16)>::new()));
    let slowest = Arc::new(Mutex::new(Duration::ZERO));
    let sent = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..6)
        .map(|c| {
            let (acked, failed, slowest, sent, stop) = (
                Arc::clone(&acked),
                Arc::clone(&failed),
                Arc::clone(&slowest),
                Arc::clone(&sent),
                Arc::clone(&stop),
            );
            let (base, key) = (d.base.clone(), key.clone());
            std::thread::spawn(move || {
                let client = http();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let id = format!("c{c}-{n}");
                    n += 1;
                    let t = Instant::now();
                    let r = client
                        .post(format!("{base}/api/v1/ingest/events"))
                        .bearer_auth(&key)
                        .json(&json!({"events": [{"type": "pool", "id": id}]}))
                        .send();
                    let status = r.map_or(0, |r| r.status().as_u16());
                    if let Ok(mut s) = slowest.lock() {
                        *s = (*s).max(t.elapsed());
                    }
                    sent.fetch_add(1, Ordering::Relaxed);
                    if status == 202 {
                        acked.lock().expect("acked").push(id);
                    } else {
                        failed.lock().expect("failed").push((id, status));
                    }
                }
            })
        })
        .collect();
    assert!(
        wait_until(Duration::from_secs(30), || sent.load(Ordering::Relaxed)
            >= 200),
        "the load did not start"
    );
    let before = sent.load(Ordering::Relaxed);
    let t = Instant::now();
    server.pg_ctl(&["-m", "fast", "restart"]);
    let outage = t.elapsed();
    // Load goes on until well after the restart.
    let resumed = wait_until(Duration::from_secs(30), || {
        sent.load(Ordering::Relaxed) >= before + 300
    });
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().expect("client");
    }
    assert!(resumed, "ingestion did not resume after the restart");
    let failed = failed.lock().expect("failed").clone();
    let acked = acked.lock().expect("acked").clone();
    let retries = metric(&d, "wt_database_retries_total");
    let connect_failures = metric(&d, "wt_database_connect_failures_total");
    eprintln!(
        "restart took {outage:?}; {} requests acknowledged, {} failed; slowest {:?}; \
         {retries} retried calls, {connect_failures} failed connection attempts",
        acked.len(),
        failed.len(),
        slowest.lock().map(|s| *s).unwrap_or_default()
    );
    assert!(
        failed.is_empty(),
        "requests failed across a {outage:?} restart: {:?}",
        &failed[..failed.len().min(10)]
    );
    // The restart did reach the daemon: its connections broke and were replaced.
    assert!(
        retries + connect_failures > 0,
        "the daemon never noticed the restart"
    );
    let stored = stored_ids(&d);
    let doubled: Vec<_> = stored.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "stored twice: {doubled:?}");
    let lost: Vec<_> = acked
        .iter()
        .filter(|id| !stored.contains_key(*id))
        .collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    assert_eq!(
        stored.len(),
        acked.len(),
        "only acknowledged events are stored"
    );
}

#[test]
fn a_table_locked_past_the_lock_timeout_gets_503_with_retry_after_and_stores_nothing() {
    let Some(admin) = postgres_admin_url() else {
        eprintln!("SKIPPED a_table_locked_past_the_lock_timeout: PostgreSQL only");
        return;
    };
    let db = PgDatabase::create(&admin);
    let url = db.url.clone();
    let d = Daemon::start_on_database(
        db,
        Reach {
            vars: vec![("WT_DATABASE_URL".into(), url.clone())],
            args: vec![
                "--database-lock-timeout".into(),
                "1s".into(),
                "--database-statement-timeout".into(),
                "2s".into(),
            ],
        },
    );
    let key = ingest_key(&d);
    assert_eq!(ingest(&d, &key, "before").0, 202);

    // An operator's session holds the table ingestion writes, far longer than 1 s.
    let mut holder = pg_client(&url).unwrap_or_else(|e| panic!("{e}"));
    let mut tx = holder.transaction().expect("begin");
    tx.batch_execute("LOCK TABLE ingest_events IN ACCESS EXCLUSIVE MODE")
        .expect("lock");
    let refused: Vec<String> = (0..3).map(|i| format!("refused-{i}")).collect();
    for id in &refused {
        let (status, retry, took) = ingest(&d, &key, id);
        assert_eq!(status, 503, "{id}: a locked table is 503, not 408 or 500");
        assert_eq!(retry.as_deref(), Some("2"), "{id}: with Retry-After");
        assert!(
            took < Duration::from_secs(8),
            "{id}: answered after {took:?}, well before the 30 s request timeout"
        );
    }
    // The database itself answers: ready.
    assert_eq!(readyz(&d).0, 200);
    tx.rollback().expect("unlock");

    assert_eq!(ingest(&d, &key, "after").0, 202);
    let stored = stored_ids(&d);
    for id in &refused {
        assert!(!stored.contains_key(id), "{id} was refused but stored");
    }
    assert!(stored.contains_key("before") && stored.contains_key("after"));
    assert!(
        metric(&d, "wt_database_errors_total{class=\"55\"}") >= 3,
        "lock timeouts are counted by SQLSTATE class"
    );

    // Limits that could outlive the request timeout are refused at start.
    let out = d
        .wtd()
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(d.data_dir())
        .args([
            "--request-timeout",
            "6",
            "--database-statement-timeout",
            "5s",
        ])
        .output()
        .expect("wtd serve");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--database-statement-timeout (5s)"), "{err}");
}

#[test]
fn a_role_limit_below_the_pool_makes_requests_wait_and_readyz_honest() {
    let Some(server) = OwnServer::start("a_role_limit_below_the_pool") else {
        return;
    };
    server
        .admin()
        .batch_execute("CREATE ROLE wt_small LOGIN CONNECTION LIMIT 2")
        .expect("role");
    let d = server.daemon_as(
        "wt_small",
        &[
            "--database-pool-size",
            "8",
            "--database-pool-min",
            "0",
            "--database-idle-timeout",
            "1s",
            "--database-acquire-timeout",
            "2s",
        ],
    );
    let key = ingest_key(&d);
    // Many requests at once, each wanting a connection: 8 permits, 2 connections.
    let client = http();
    let results: Vec<(u16, Duration)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..40)
            .map(|i| {
                let (d, key, client) = (&d, &key, &client);
                s.spawn(move || {
                    let t = Instant::now();
                    let r = if i % 2 == 0 {
                        client.get(d.url("/readyz")).send()
                    } else {
                        client
                            .post(d.url("/api/v1/ingest/events"))
                            .bearer_auth(key)
                            .json(
                                &json!({"events": [{"type": "pool", "id": format!("burst-{i}")}]}),
                            )
                            .send()
                    };
                    (r.map_or(0, |r| r.status().as_u16()), t.elapsed())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("request"))
            .collect()
    });
    let failed: Vec<_> = results
        .iter()
        .filter(|(s, _)| *s != 200 && *s != 202)
        .collect();
    assert!(
        failed.is_empty(),
        "requests failed under the role limit: {failed:?}"
    );
    let open = server
        .admin()
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = 'wt_small'",
            &[],
        )
        .map(|r| r.get::<_, i64>(0))
        .unwrap_or(-1);
    assert!(open <= 2, "the role limit holds: {open} connections");
    assert!(
        metric(&d, "wt_database_connect_failures_total") > 0,
        "the burst reached the role's limit (and waited instead of failing)"
    );
    assert_eq!(metric(&d, "wt_database_pool_acquire_timeouts_total"), 0);

    eprintln!(
        "40 requests at once on a role limited to 2 connections: slowest {:?}",
        results.iter().map(|r| r.1).max().unwrap_or_default()
    );
    // Idle connections above the minimum (0) go after the idle timeout (the daemon's own
    // background work may keep one busy).
    assert!(
        wait_until(Duration::from_secs(10), || metric(
            &d,
            "wt_database_pool_open"
        ) <= 1),
        "idle connections were not closed"
    );
    // Then no connection can be had (the role is at its limit: here, a limit of 0 and
    // the daemon's sessions ended): /readyz says so within the acquire timeout.
    let mut admin = server.admin();
    admin
        .batch_execute(
            "ALTER ROLE wt_small CONNECTION LIMIT 0;
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'wt_small'",
        )
        .expect("limit");
    let (status, retry, took) = readyz(&d);
    assert_eq!(status, 503, "no connection to be had: not ready");
    assert_eq!(retry.as_deref(), Some("2"));
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(6),
        "red after about the 2 s acquire timeout, not at once or never: {took:?}"
    );
    assert!(metric(&d, "wt_database_pool_acquire_timeouts_total") >= 1);
    admin
        .batch_execute("ALTER ROLE wt_small CONNECTION LIMIT 2")
        .expect("limit");
    assert!(
        wait_until(Duration::from_secs(10), || readyz(&d).0 == 200),
        "ready again once the role's connections are free"
    );
}

#[test]
fn readyz_is_red_while_the_database_is_down_and_green_again_after() {
    let Some(server) = OwnServer::start("readyz_is_red_while_the_database_is_down") else {
        return;
    };
    let d = server.daemon(&["--database-acquire-timeout", "1s"]);
    let key = ingest_key(&d);
    assert_eq!(readyz(&d).0, 200);
    server.pg_ctl(&["-m", "fast", "stop"]);
    let (status, retry, took) = readyz(&d);
    assert_eq!(status, 503);
    assert_eq!(retry.as_deref(), Some("2"));
    assert!(
        took < Duration::from_secs(5),
        "red within the acquire timeout: {took:?}"
    );
    let (status, retry, _) = ingest(&d, &key, "while-down");
    assert_eq!(
        (status, retry.as_deref()),
        (503, Some("2")),
        "503, never 500"
    );
    server.pg_ctl(&["start"]);
    assert!(
        wait_until(Duration::from_secs(20), || readyz(&d).0 == 200),
        "ready again after the database came back"
    );
    assert_eq!(ingest(&d, &key, "after").0, 202);
    assert!(!stored_ids(&d).contains_key("while-down"));
}
