//! PostgreSQL over TLS, and the database password outside the URL, with the real `wtd`
//! against the throwaway servers of `scripts/pg-test-cluster.sh` (`scripts/test.sh`
//! starts them): a TLS server whose certificate names `localhost`, signed by a CA of the
//! script's, that takes client certificates for the role `wt_cert` and SCRAM passwords
//! for members of `wt_password`; and a plain-text server. Without them (the variables
//! below unset), each test says SKIPPED.

use crate::harness::{Daemon, PgDatabase, Reach, http, pg_client};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

/// The servers `scripts/pg-test-cluster.sh` started.
struct Cluster {
    certs: PathBuf,
    tls_port: u16,
    plain_port: u16,
}

impl Cluster {
    fn get(test: &str) -> Option<Cluster> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        match (
            var("WT_TEST_PG_TLS_DIR"),
            var("WT_TEST_PG_TLS_PORT").and_then(|p| p.parse().ok()),
            var("WT_TEST_PG_PLAIN_PORT").and_then(|p| p.parse().ok()),
        ) {
            (Some(certs), Some(tls_port), Some(plain_port)) => Some(Cluster {
                certs: certs.into(),
                tls_port,
                plain_port,
            }),
            _ => {
                eprintln!(
                    "SKIPPED {test}: no TLS test server (scripts/test.sh starts one with \
                     scripts/pg-test-cluster.sh)"
                );
                None
            }
        }
    }

    fn cert(&self, name: &str) -> String {
        self.certs.join(name).display().to_string()
    }

    /// `postgres://USER@HOST:PORT/DB?sslmode=verify-full&sslrootcert=<the CA>` + `extra`.
    fn url_on(&self, host: &str, user: &str, db: &str, extra: &str) -> String {
        format!(
            "postgres://{user}@{host}:{}/{db}?sslmode=verify-full&sslrootcert={}{extra}",
            self.tls_port,
            self.cert("ca.pem")
        )
    }

    fn url(&self, user: &str, db: &str) -> String {
        self.url_on("localhost", user, db, "")
    }

    /// A superuser connection (verified TLS, like every connection of these tests).
    fn admin(&self) -> postgres::Client {
        pg_client(&self.url("postgres", "postgres")).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A fresh database owned by `owner` (it may then create the schema).
    fn database(&self, owner: &str) -> PgDatabase {
        let db = PgDatabase::create(&self.url("postgres", "postgres"));
        self.admin()
            .batch_execute(&format!("ALTER DATABASE {} OWNER TO {owner}", db.name))
            .unwrap_or_else(|e| panic!("{e}"));
        db
    }

    /// A daemon on a fresh database (and its name), reached as the superuser with
    /// `sslmode=verify-full` against the right CA.
    fn daemon_verify_full(&self) -> (Daemon, String) {
        let db = self.database("postgres");
        let name = db.name.clone();
        let d = Daemon::start_on_database(db, reach_by_url(self.url("postgres", &name)));
        (d, name)
    }

    /// A login role that authenticates with `password` (SCRAM, pg_hba's `+wt_password`).
    fn password_role(&self, password: &str) -> String {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let role = format!("wt_pw_{}_{n}", std::process::id());
        self.admin()
            .batch_execute(&format!(
                "DROP ROLE IF EXISTS {role}; \
                 CREATE ROLE {role} LOGIN PASSWORD '{password}' IN ROLE wt_password"
            ))
            .unwrap_or_else(|e| panic!("{e}"));
        role
    }

    /// Ends every session of `role`: the daemon's pooled connections die and it must open
    /// new ones.
    fn end_sessions_of(&self, role: &str) {
        self.admin()
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1",
                &[&role],
            )
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// (connections, all of them over TLS, their client certificates' DNs) of `db`.
    fn connections_of(&self, db: &str) -> (i64, bool, Vec<String>) {
        let row = self
            .admin()
            .query_one(
                "SELECT count(*), coalesce(bool_and(s.ssl), false), \
                        coalesce(array_agg(DISTINCT s.client_dn) \
                                 FILTER (WHERE s.client_dn IS NOT NULL), '{}') \
                 FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
                 WHERE a.datname = $1",
                &[&db],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        (row.get(0), row.get(1), row.get(2))
    }
}

fn reach_by_url(url: String) -> Reach {
    Reach {
        vars: vec![("WT_DATABASE_URL".into(), url)],
        args: vec![],
    }
}

/// `wtd migrate` against `url`: the quickest full connection attempt (TLS, password,
/// migrations), no data directory needed.
fn migrate(url: &str) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    std::process::Command::new(crate::harness::bin("wtd"))
        .env_remove("WT_DATABASE_URL")
        .args(["migrate", "--data-dir"])
        .arg(dir.path().join("data"))
        .args(["--database-url", url])
        .output()
        .expect("run wtd migrate")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// Polls `/readyz` (which opens a connection when the pooled ones died) until it answers
/// `want`, for at most 30 s.
fn wait_ready(d: &Daemon, want: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = http()
            .get(d.url("/readyz"))
            .send()
            .map_or(0, |r| r.status().as_u16());
        if got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz never answered {want} (last {got}); log: {}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn verify_full_against_the_right_ca_serves_over_tls() {
    let Some(c) = Cluster::get("verify_full_against_the_right_ca_serves_over_tls") else {
        return;
    };
    let (d, name) = c.daemon_verify_full();
    d.setup();
    d.login_token();
    let (n, all_tls, _) = c.connections_of(&name);
    assert!(n > 0 && all_tls, "{n} connections, all over TLS: {all_tls}");
    assert!(!d.log().contains("NOT ENCRYPTED"), "{}", d.log());
}

#[test]
fn a_wrong_ca_refuses_to_start_and_says_why() {
    let Some(c) = Cluster::get("a_wrong_ca_refuses_to_start_and_says_why") else {
        return;
    };
    let (mut d, name) = c.daemon_verify_full();
    d.terminate();
    let wrong = c.url("postgres", &name).replace("ca.pem", "other-ca.pem");
    let out = d
        .wtd()
        .env("WT_DATABASE_URL", &wrong)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(d.data_dir())
        .output()
        .expect("run wtd serve");
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "the database's certificate is not signed by a CA in sslrootcert={}",
            c.cert("other-ca.pem")
        )),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));
}

#[test]
fn verify_full_checks_the_host_name_and_verify_ca_does_not() {
    let Some(c) = Cluster::get("verify_full_checks_the_host_name_and_verify_ca_does_not") else {
        return;
    };
    // The certificate names `localhost`, not 127.0.0.1.
    let out = migrate(&c.url_on("127.0.0.1", "postgres", "postgres", ""));
    let err = stderr(&out);
    assert!(
        !out.status.success() && err.contains("not valid for the host 127.0.0.1"),
        "{err}"
    );
    let verify_ca = c
        .url_on("127.0.0.1", "postgres", "postgres", "")
        .replace("verify-full", "verify-ca");
    let out = migrate(&verify_ca);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_plaintext_only_server_is_refused_when_tls_is_required() {
    let Some(c) = Cluster::get("a_plaintext_only_server_is_refused_when_tls_is_required") else {
        return;
    };
    for params in [
        "sslmode=require".to_string(),
        format!("sslmode=verify-full&sslrootcert={}", c.cert("ca.pem")),
    ] {
        let url = format!(
            "postgres://postgres@localhost:{}/postgres?{params}",
            c.plain_port
        );
        let out = migrate(&url);
        let err = stderr(&out);
        let mode = params.split(['=', '&']).nth(1).unwrap_or_default();
        assert!(!out.status.success(), "{err}");
        assert!(
            err.contains(&format!(
                "does not accept TLS connections, but sslmode={mode} requires TLS"
            )),
            "{err}"
        );
    }
    // The default (prefer) still reaches a plain-text server on loopback.
    let out = migrate(&format!(
        "postgres://postgres@127.0.0.1:{}/postgres",
        c.plain_port
    ));
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn client_certificates_authenticate_with_sslcert_and_sslkey() {
    let Some(c) = Cluster::get("client_certificates_authenticate_with_sslcert_and_sslkey") else {
        return;
    };
    let db = c.database("wt_cert");
    let name = db.name.clone();
    // pg_hba takes wt_cert by certificate only: without one, refused.
    let out = migrate(&c.url("wt_cert", &name));
    let err = stderr(&out);
    assert!(
        !out.status.success() && err.contains("requires a valid client certificate"),
        "{err}"
    );
    let with_cert = c.url_on(
        "localhost",
        "wt_cert",
        &name,
        &format!(
            "&sslcert={}&sslkey={}",
            c.cert("client.crt"),
            c.cert("client.key")
        ),
    );
    let d = Daemon::start_on_database(db, reach_by_url(with_cert));
    d.setup();
    d.login_token();
    let (n, all_tls, dns) = c.connections_of(&name);
    assert!(n > 0 && all_tls, "{n} connections, all over TLS: {all_tls}");
    assert_eq!(dns, vec!["/CN=wt_cert".to_string()]);
}

/// Rotates `role`'s password to `new` without restarting `d`: while the daemon's source
/// still holds the old one its new connections fail; once `update_source` wrote the new
/// one, the next new connection works.
fn rotate_without_restart(
    c: &Cluster,
    d: &Daemon,
    role: &str,
    new: &str,
    update_source: impl Fn(),
) {
    c.admin()
        .batch_execute(&format!("ALTER ROLE {role} PASSWORD '{new}'"))
        .unwrap_or_else(|e| panic!("{e}"));
    c.end_sessions_of(role);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !d.log().contains("password authentication failed") {
        assert!(
            Instant::now() < deadline,
            "old password never refused: {}",
            d.log()
        );
        // Each try opens a connection with the old password, once the pooled ones died.
        let _ = http().get(d.url("/readyz")).send();
        std::thread::sleep(Duration::from_millis(100));
    }
    update_source();
    wait_ready(d, 200);
    d.login_token();
}

/// A daemon whose role logs in with a password that `keep` writes where the daemon finds
/// it (in `dir`; it returns how `wtd` reaches the database), rotated without a restart;
/// no password ever reaches the log.
fn password_rotation(test: &str, keep: impl Fn(&Cluster, &Path, &str, &str, &str) -> Reach) {
    let Some(c) = Cluster::get(test) else {
        return;
    };
    let (first, second) = ("first-Secret-1", "second-Secret-2");
    let role = c.password_role(first);
    let db = c.database(&role);
    let name = db.name.clone();
    let dir = tempfile::tempdir().expect("dir");
    let reach = keep(&c, dir.path(), &role, &name, first);
    let d = Daemon::start_on_database(db, reach);
    d.setup();
    d.login_token();
    rotate_without_restart(&c, &d, &role, second, || {
        keep(&c, dir.path(), &role, &name, second);
    });
    let log = d.log();
    assert!(!log.contains(first) && !log.contains(second), "{log}");
}

#[test]
fn the_password_comes_from_pgpass_and_a_new_one_needs_no_restart() {
    password_rotation(
        "the_password_comes_from_pgpass_and_a_new_one_needs_no_restart",
        |c, home, role, db, password| {
            let line = format!("# wt\nlocalhost:{}:{db}:{role}:{password}\n", c.tls_port);
            write_private(&home.join(".pgpass"), &line);
            let mut reach = reach_by_url(c.url(role, db));
            reach.vars.push(("HOME".into(), home.display().to_string()));
            reach
        },
    );
}

#[test]
fn the_url_file_gives_the_password_and_is_read_again() {
    password_rotation(
        "the_url_file_gives_the_password_and_is_read_again",
        |c, dir, role, db, password| {
            let file = dir.join("database-url");
            write_private(&file, &(c.url(&format!("{role}:{password}"), db) + "\n"));
            Reach {
                vars: vec![],
                args: vec!["--database-url-file".into(), file.display().to_string()],
            }
        },
    );
}
