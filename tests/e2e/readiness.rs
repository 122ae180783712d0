//! The readiness checklist end to end: `wt check` against a real
//! daemon, a viewer automation token as `WT_TOKEN`, JUnit XML checked by a real parser.

use crate::harness::{Daemon, OWNER, http, run};
use crate::team::owner_session;
use serde_json::{Value, json};

fn wt(d: &Daemon, tok: &str, args: &[&str]) -> (i32, String, String) {
    let mut c = d.wt();
    c.env("WT_TOKEN", tok).args(args);
    run(c, "")
}

fn check_json(d: &Daemon, tok: &str) -> (i32, Value) {
    let (code, out, err) = wt(d, tok, &["check", "--format", "json"]);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    (code, v)
}

fn status(v: &Value, id: &str) -> String {
    v["checks"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["id"] == id))
        .and_then(|c| c["status"].as_str())
        .unwrap_or("missing")
        .to_string()
}

#[test]
fn a_fresh_org_is_not_ready_until_mfa_roles_and_the_log_are_reviewed() {
    let d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let (code, v) = check_json(&d, &tok);
    assert_eq!(code, 1, "not ready exits 1: {v}");
    for id in ["mfa", "least_privilege", "audit_reviewed"] {
        assert_eq!(status(&v, id), "fail", "{id}: {v}");
    }
    let mfa = &v["checks"][0];
    assert_eq!(mfa["evidence"][0]["label"], OWNER);

    // Enroll MFA (a new session after confirmation), review roles and the log.
    let tok = crate::team::enroll_mfa(&d, &tok);
    let (code, _, err) = wt(&d, &tok, &["members", "review", "--yes"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = wt(&d, &tok, &["audit", "review"]);
    assert_eq!(code, 0, "{err}");
    let (code, v) = check_json(&d, &tok);
    assert_eq!(code, 0, "ready: {v}");
    assert_eq!(v["ready"], true);
}

#[test]
fn a_key_used_from_a_browser_fails_item_three_until_rotated_and_revoked() {
    let d = Daemon::start();
    let tok = owner_session(&d);
    let created = http()
        .post(d.url("/api/v1/orgs/api-keys"))
        .bearer_auth(&tok)
        .json(&json!({"name": "web-shop", "environment": "production", "owner_email": OWNER}))
        .send()
        .expect("create");
    let k: Value = created.json().expect("json");
    let (id, secret) = (
        k["id"].as_str().expect("id").to_string(),
        k["secret"].as_str().expect("secret").to_string(),
    );
    let r = http()
        .post(d.url("/api/v1/ingest/events"))
        .bearer_auth(&secret)
        .header("Origin", "https://app.example")
        .json(&json!({"events": [{"type": "click"}]}))
        .send()
        .expect("ingest");
    assert_eq!(r.status().as_u16(), 403, "refused by default, but recorded");
    let (_, v) = check_json(&d, &tok);
    assert_eq!(status(&v, "keys_server_side"), "fail");
    let c = v["checks"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["id"] == "keys_server_side"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(c["evidence"][0]["id"], id.as_str());

    let (code, _, err) = wt(
        &d,
        &tok,
        &["keys", "rotate", &id, "--grace", "1h", "--output", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = wt(&d, &tok, &["keys", "revoke", &id, "--yes"]);
    assert_eq!(code, 0, "{err}");
    let (_, v) = check_json(&d, &tok);
    assert_eq!(status(&v, "keys_server_side"), "pass", "{v}");
}

#[test]
fn a_viewer_token_writes_junit_exits_1_while_failing_and_cannot_create_keys() {
    let d = Daemon::start();
    let tok = owner_session(&d);
    let (code, out, err) = wt(
        &d,
        &tok,
        &[
            "token",
            "create",
            "--name",
            "ci-readiness",
            "--role",
            "viewer",
            "--expires",
            "30d",
            "--output",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let created: Value = serde_json::from_str(&out).expect("json");
    let viewer = created["secret"].as_str().expect("secret").to_string();
    assert!(viewer.starts_with("wtat_"));

    let (code, xml, err) = wt(&d, &viewer, &["check", "--format", "junit"]);
    assert_eq!(code, 1, "a failing check exits 1: {err}");
    let doc =
        roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("invalid XML ({e}):\n{xml}"));
    let cases: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 7, "one testcase per check");
    let failed: Vec<&str> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .filter_map(|c| c.attribute("name"))
        .collect();
    assert!(
        failed.iter().any(|n| n.contains("least_privilege")),
        "{failed:?}"
    );
    let suite_failures = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .and_then(|s| s.attribute("failures"))
        .and_then(|f| f.parse::<usize>().ok());
    assert_eq!(suite_failures, Some(failed.len()));

    let (code, _, err) = wt(
        &d,
        &viewer,
        &[
            "keys", "create", "--env", "sandbox", "--name", "x", "--owner", OWNER,
        ],
    );
    assert_eq!(code, 4, "permission denied: {err}");

    // Revoked: "couldn't check" (3), and the message points at WT_TOKEN, not `wt login`.
    let id = created["id"].as_str().expect("id");
    let (code, _, err) = wt(&d, &tok, &["token", "revoke", id, "--yes"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = wt(&d, &viewer, &["check"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("WT_TOKEN"), "{err}");
}
