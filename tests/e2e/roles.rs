//! The least-privilege runtime role (docs/postgres-roles.sql): `wtd serve` connected as
//! `wt_app` does all its work, and that role cannot weaken the append-only audit log or
//! change the schema. Every daemon of the suite's PostgreSQL pass runs this way (harness:
//! `PgDatabase::with_roles`); this test checks the refusals themselves.

use crate::harness::{Daemon, OWNER, http, pg_client, post_json, postgres_admin_url};
use serde_json::json;

#[test]
fn the_runtime_role_serves_but_cannot_touch_the_audit_log_or_the_schema() {
    if postgres_admin_url().is_none() {
        eprintln!(
            "SKIPPED the_runtime_role_serves_but_cannot_touch_the_audit_log_or_the_schema: \
             needs PostgreSQL (runs in the suite's PostgreSQL pass, WT_TEST_DATABASE_URL)"
        );
        return;
    }
    let d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    // Normal work as the runtime role: a key (an audited change), ingest, audit verify.
    let (s, k) = post_json(
        &d,
        "/api/v1/orgs/api-keys",
        json!({"name": "billing", "environment": "production", "owner_email": OWNER}),
        Some(&tok),
    );
    assert_eq!(s, 201, "{k}");
    let key = k["secret"].as_str().expect("secret");
    let ingest = http()
        .post(d.url("/api/v1/ingest/events"))
        .bearer_auth(key)
        .json(&json!({"events": [{"type": "login", "user": "u1"}]}))
        .send()
        .expect("ingest");
    assert_eq!(ingest.status().as_u16(), 202);
    let out = d
        .wt()
        .env("WT_TOKEN", &tok)
        .args(["audit", "verify", "--output", "json"])
        .output()
        .expect("wt audit verify");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let roles = d.pg_roles().expect("the PostgreSQL pass sets up the roles");
    // The daemon really is connected as the runtime role, not as the owner.
    let users = d.sql_column(
        "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() \
         AND backend_type = 'client backend' \
         AND pid <> pg_backend_pid()",
    );
    assert_eq!(users, vec!["wt_app".to_string()], "sessions of wtd serve");
    let entries = d.sql_column("SELECT COUNT(*) FROM audit_log");

    let mut app = pg_client(&roles.runtime_url).expect("connect as wt_app");
    for sql in [
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        "UPDATE audit_log SET actor_type = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "DROP TRIGGER audit_log_no_delete ON audit_log",
        "DROP TABLE audit_log",
        "UPDATE ingest_events SET payload = 'x'",
        "CREATE TABLE scratch (i INT)",
        "CREATE TEMP TABLE scratch (i INT)",
        "CREATE FUNCTION f() RETURNS INT LANGUAGE sql AS 'SELECT 1'",
        "INSERT INTO schema_migrations (version) VALUES (999999)",
    ] {
        let err = app
            .batch_execute(sql)
            .expect_err(&format!("{sql}: allowed to the runtime role"));
        let code = err.code().map(|c| c.code().to_string());
        assert_eq!(code.as_deref(), Some("42501"), "{sql}: {err:?}");
    }
    assert_eq!(d.sql_column("SELECT COUNT(*) FROM audit_log"), entries);
    // Events: the runtime role may DELETE (retention prunes), but the trigger refuses any
    // row above its org's pruned horizon (migration 0023): the ingested event stays.
    let events = d.sql_column("SELECT COUNT(*) FROM ingest_events");
    assert_ne!(events, vec!["0".to_string()], "the event ingested above");
    let err = app
        .batch_execute("DELETE FROM ingest_events")
        .expect_err("a DELETE above the pruned horizon");
    let code = err.code().map(|c| c.code().to_string());
    assert_eq!(code.as_deref(), Some("P0001"), "{err:?}");
    assert!(
        format!("{err:?}").contains("only retention deletes them"),
        "{err:?}"
    );
    assert_eq!(d.sql_column("SELECT COUNT(*) FROM ingest_events"), events);

    // The runtime role cannot migrate: with a migration pending, `wtd migrate` as it is
    // refused, naming the role to use.
    let last = d.sql_column("SELECT MAX(version) FROM schema_migrations");
    d.sql(&format!(
        "DELETE FROM schema_migrations WHERE version = {}",
        last[0]
    ));
    let out = d.wtd().arg("migrate").output().expect("wtd migrate");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("must run as the role that owns the schema"),
        "{err}"
    );
    d.sql(&format!(
        "INSERT INTO schema_migrations (version) VALUES ({})",
        last[0]
    ));

    // The owner can still migrate (nothing pending: it only re-grants).
    let out = d.wtd_owner().arg("migrate").output().expect("wtd migrate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // ... and the grants survived it: the daemon keeps working.
    let (s, _) = post_json(
        &d,
        "/api/v1/orgs/invites",
        json!({"email": "after-migrate@acme.test", "role": "viewer"}),
        Some(&tok),
    );
    assert_eq!(s, 201);
}
