//! `wtd` behind pgbouncer in transaction mode (a real pgbouncer in front of the suite's
//! PostgreSQL): with `--database-pooler transaction` two replicas share revocation,
//! throttling and ingest through it; without the flag the named prepared statements break
//! (`42P05` / `26000`) and the log says which flag to use.

use crate::harness::{Daemon, postgres_admin_url};
use crate::proxies::Proxy;
use crate::replicas::{ingest, login_throttling_is_shared, revocation_on_one_is_seen_by_the_other};
use serde_json::json;

/// Host and port of the suite's PostgreSQL server (`WT_TEST_DATABASE_URL`).
fn server_of(url: &str) -> (String, u16) {
    let rest = &url[url.find("://").map_or(0, |i| i + 3)..];
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let hostport = &rest[..end];
    let hostport = hostport.rsplit_once('@').map_or(hostport, |(_, h)| h);
    match hostport.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse().expect("port")),
        None => (hostport.to_string(), 5432),
    }
}

/// pgbouncer in front of the suite's server, or `None` (the test says SKIPPED).
fn pgbouncer(test: &str, pool_size: usize) -> Option<Proxy> {
    let Some(admin) = postgres_admin_url() else {
        eprintln!(
            "SKIPPED {test}: needs PostgreSQL (runs in the suite's PostgreSQL pass, \
             WT_TEST_DATABASE_URL)"
        );
        return None;
    };
    if !crate::proxies::have("pgbouncer", test) {
        return None;
    }
    let (host, port) = server_of(&admin);
    Some(Proxy::pgbouncer(&host, port, pool_size))
}

/// `d`'s database through `bouncer`, as the runtime role (plain text on loopback).
fn through(d: &Daemon, bouncer: &Proxy) -> String {
    let db = d.pg_database_name().expect("a PostgreSQL daemon");
    let user = if d.pg_roles().is_some() {
        "wt_app"
    } else {
        "postgres"
    };
    format!(
        "postgres://{user}@127.0.0.1:{}/{db}?sslmode=disable",
        bouncer.port
    )
}

#[test]
fn two_replicas_work_behind_pgbouncer_in_transaction_mode_with_the_flag() {
    let test = "two_replicas_work_behind_pgbouncer_in_transaction_mode_with_the_flag";
    let Some(bouncer) = pgbouncer(test, 3) else {
        return;
    };
    let mut a = Daemon::start();
    a.setup();
    a.terminate();
    let url = through(&a, &bouncer);
    let env = [
        ("WT_DATABASE_URL", url.as_str()),
        ("WT_DATABASE_POOLER", "transaction"),
    ];
    a.serve_with_env("127.0.0.1:0", &env);
    let mut b = a.replica_stopped();
    b.serve_with_env("127.0.0.1:0", &env);
    let tok = a.login_token();

    revocation_on_one_is_seen_by_the_other(&a, &b, &tok);
    revocation_on_one_is_seen_by_the_other(&b, &a, &tok);

    // Ingest from both at once, more requests in flight than pgbouncer has server
    // connections (3): every one stored.
    let (s, k) = crate::harness::post_json(
        &a,
        "/api/v1/orgs/api-keys",
        json!({"name": "load", "environment": "production", "owner_email": crate::harness::OWNER}),
        Some(&tok),
    );
    assert_eq!(s, 201, "{k}");
    let key = k["secret"].as_str().expect("secret").to_string();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..8)
            .map(|i| {
                let (d, key) = (if i % 2 == 0 { &a } else { &b }, &key);
                s.spawn(move || (0..15).map(|_| ingest(d, key)).collect::<Vec<_>>())
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    assert_eq!(statuses, vec![202; 120]);
    let stored = a.sql_column("SELECT COUNT(*) FROM ingest_events WHERE key_id = (SELECT id FROM api_keys WHERE name = 'load')");
    assert_eq!(stored, vec!["120".to_string()]);

    login_throttling_is_shared(&a, &b);

    // It really went through pgbouncer, and nothing complained.
    let db = a.pg_database_name().expect("db");
    assert!(
        bouncer.log().contains(&format!("db={db}")),
        "{}",
        bouncer.log()
    );
    for d in [&a, &b] {
        assert!(!d.log().contains("--database-pooler"), "{}", d.log());
        assert!(!d.log().contains("ERROR"), "{}", d.log());
    }
}

/// Without `--database-pooler transaction`, behind pgbouncer in transaction mode: wtd
/// sends its session time limits in the startup packet, which pgbouncer refuses
/// (`unsupported startup parameter: options`), so the daemon refuses to start and says
/// which flag to use. (Were pgbouncer told to ignore them, the named statements of two
/// daemons would meet on one server session: `42P05`, answered 503 with the same hint —
/// `statements::is_pooler_symptom`.)
#[test]
fn without_the_flag_pgbouncer_in_transaction_mode_fails_and_the_log_names_the_flag() {
    let test = "without_the_flag_pgbouncer_in_transaction_mode_fails_and_the_log_names_the_flag";
    let Some(bouncer) = pgbouncer(test, 1) else {
        return;
    };
    let mut a = Daemon::start();
    a.setup();
    a.terminate();
    let url = through(&a, &bouncer);
    let env = [("WT_DATABASE_URL", url.as_str())];
    let err = a
        .try_serve_with_env("127.0.0.1:0", &env)
        .expect_err("wtd cannot start behind the pooler without the flag");
    assert!(err.contains("unsupported startup parameter"), "{err}");
    assert!(err.contains("use --database-pooler transaction"), "{err}");
    a.serve_with_env(
        "127.0.0.1:0",
        &[
            ("WT_DATABASE_URL", url.as_str()),
            ("WT_DATABASE_POOLER", "transaction"),
        ],
    );
    a.login_token();
    let mut b = a.replica_stopped();

    // With the flag, the same replica starts and serves next to the first.
    b.serve_with_env(
        "127.0.0.1:0",
        &[
            ("WT_DATABASE_URL", url.as_str()),
            ("WT_DATABASE_POOLER", "transaction"),
        ],
    );
    b.login_token();
}
