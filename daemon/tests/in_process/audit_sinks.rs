//! Audit sinks' API (`/api/v1/orgs/audit-sinks`): who may manage them, step-up, bad input
//! as a clear 4xx, the secret shown once and sealed at rest, and the readiness item.
//! Delivery itself runs against real receivers in `tests/e2e/audit_sinks.rs`.

use super::*;
use wt_store::AuditSinkStore;

const SINKS: &str = "/api/v1/orgs/audit-sinks";

async fn add(fx: &Fx, tok: &str, body: Value) -> Resp {
    fx.send(req("POST", SINKS, tok, Some(body))).await
}

fn hook(name: &str) -> Value {
    json!({"name": name, "kind": "webhook", "url": "http://127.0.0.1:9/hook"})
}

#[tokio::test]
async fn only_owners_and_admins_manage_sinks_and_changes_need_a_recent_sign_in() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let r = add(&fx, &tok, hook("siem")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert!(r.body["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(r.body["sink"]["name"], "siem");
    assert_eq!(fx.count(actions::AUDIT_SINK_CREATED).await, 1);

    for role in ["risk_lead", "analyst", "viewer"] {
        let t = team_member(&fx, &tok, &format!("{role}@acme.test"), role).await;
        let list = fx.get(SINKS, &t).await;
        assert_eq!(list.status, StatusCode::FORBIDDEN, "{role} lists");
        let r = add(&fx, &t, hook(&format!("by-{role}"))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} adds");
        let r = fx
            .send(req(
                "POST",
                &format!("{SINKS}/siem/pause"),
                &t,
                Some(json!({})),
            ))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} pauses");
    }
    let admin = team_member(&fx, &tok, "admin@acme.test", "admin").await;
    assert_eq!(fx.get(SINKS, &admin).await.status, StatusCode::OK);

    // Eleven minutes after sign-in, a change needs a step-up; a test does not.
    fx.clock.advance(11 * 60);
    let r = add(&fx, &tok, hook("later")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["code"], "step_up_required");
    for path in ["pause", "resume", "rotate-secret"] {
        let r = fx
            .send(req(
                "POST",
                &format!("{SINKS}/siem/{path}"),
                &tok,
                Some(json!({})),
            ))
            .await;
        assert_eq!(r.body["code"], "step_up_required", "{path}");
    }
    let r = fx.send(delete(&format!("{SINKS}/siem"), &tok)).await;
    assert_eq!(r.body["code"], "step_up_required");
    let r = fx
        .send(req(
            "POST",
            &format!("{SINKS}/siem/test"),
            &tok,
            Some(json!({})),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        r.body["ok"], false,
        "nothing listens on port 9: {:?}",
        r.body
    );
    assert!(r.body["error"].as_str().is_some_and(|e| !e.is_empty()));
    assert_eq!(fx.count(actions::AUDIT_SINK_TESTED).await, 1);
    // Another org's sink, or none, is a 404.
    let r = fx
        .send(req(
            "POST",
            &format!("{SINKS}/nope/test"),
            &tok,
            Some(json!({})),
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_sink_settings_are_a_clear_4xx_never_a_500() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let long_name = "a".repeat(65);
    for (body, why) in [
        (
            json!({"name": "x", "kind": "webhook", "url": "http://example.com/h"}),
            "https",
        ),
        (
            json!({"name": "x", "kind": "webhook", "url": "https://u:p@example.com/h"}),
            "credentials",
        ),
        (
            json!({"name": "x", "kind": "syslog", "url": "udp://example.com:514"}),
            "tls://",
        ),
        (
            json!({"name": "x", "kind": "syslog", "url": "tcp://example.com"}),
            "port",
        ),
        (
            json!({"name": "x", "kind": "pigeon", "url": "https://example.com"}),
            "kind",
        ),
        (
            json!({"name": "a/b", "kind": "webhook", "url": "https://example.com"}),
            "name",
        ),
        (
            json!({"name": long_name, "kind": "webhook", "url": "https://example.com"}),
            "name",
        ),
        (
            json!({"name": "x", "kind": "webhook", "url": "https://example.com", "ca_pem": "x"}),
            "ca_pem",
        ),
        (
            json!({"name": "x", "kind": "syslog", "url": "tls://example.com", "ca_pem": "not pem"}),
            "ca_pem",
        ),
        (
            json!({"name": "x", "kind": "syslog", "url": "not a url"}),
            "url",
        ),
        (
            json!({"name": "x", "kind": "syslog", "url": "tls://e.x", "client_cert_pem": "x"}),
            "go together",
        ),
        (
            json!({"name": "x", "kind": "syslog", "url": "tcp://e.x:1", "client_cert_pem": "x", "client_key_pem": "y"}),
            "over TLS",
        ),
        (
            json!({"name": "x", "kind": "syslog", "url": "tls://e.x", "client_cert_pem": "x", "client_key_pem": "y"}),
            "client_cert_pem",
        ),
    ] {
        let r = add(&fx, &tok, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            r.body
        );
        assert!(is_problem(&r));
        assert!(
            r.body["detail"].as_str().unwrap_or_default().contains(why),
            "{body}: {:?}",
            r.body
        );
    }
    let r = add(
        &fx,
        &tok,
        json!({"name": "x", "kind": "webhook", "url": "https://e.x", "extra": 1}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "unknown fields: {:?}",
        r.body
    );
    assert_eq!(
        add(&fx, &tok, hook("dup")).await.status,
        StatusCode::CREATED
    );
    let r = add(&fx, &tok, hook("dup")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    let r = fx
        .send(req(
            "POST",
            &format!("{SINKS}/dup/rotate-secret"),
            &tok,
            Some(json!({"overlap_seconds": -1})),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fx.count(actions::AUDIT_SINK_CREATED).await,
        1,
        "refusals change nothing"
    );
}

#[tokio::test]
async fn the_webhook_secret_is_shown_once_and_sealed_at_rest() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let r = add(&fx, &tok, hook("siem")).await;
    let secret = r.body["secret"].as_str().unwrap().to_string();
    let id = r.body["sink"]["id"].as_str().unwrap().to_string();
    let list = fx.get(SINKS, &tok).await;
    assert!(!list.raw.windows(20).any(|w| secret.as_bytes()[6..26] == *w));
    let stored: String = rusqlite_open(&fx)
        .query_row("SELECT secret FROM audit_sinks WHERE id = ?1", [&id], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(stored.starts_with("v1:"), "sealed: {stored}");
    assert!(!stored.contains(&secret[6..]));
    let opened = fx.state.master_key.decrypt(&stored, id.as_bytes()).unwrap();
    assert_eq!(opened, secret.as_bytes(), "bound to the sink id");
    // Rotation: a new secret, the old one kept for the overlap; audit details hold neither.
    let r = fx
        .send(req(
            "POST",
            &format!("{SINKS}/siem/rotate-secret"),
            &tok,
            Some(json!({"overlap_seconds": 3600})),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let new_secret = r.body["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    assert!(r.body["sink"]["previous_secret_until"].is_string());
    let entries = fx.store.audit_entries("org_acme", 0, 1000).await.unwrap();
    let text = serde_json::to_string(
        &entries
            .iter()
            .map(|e| e.details.clone())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(!text.contains(&secret[6..]) && !text.contains(&new_secret[6..]));
}

#[tokio::test]
async fn readiness_warns_on_a_lagging_sink_and_fails_on_one_failing_too_long() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let check = |r: &Resp| {
        r.body["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "audit_sinks")
            .cloned()
    };
    assert!(
        check(&fx.get("/api/v1/orgs/readiness", &tok).await).is_none(),
        "no sink, no item"
    );
    let r = add(&fx, &tok, json!({"name": "siem", "kind": "webhook", "url": "http://127.0.0.1:9/h", "from_start": true})).await;
    let id = r.body["sink"]["id"].as_str().unwrap().to_string();
    let c = check(&fx.get("/api/v1/orgs/readiness", &tok).await).unwrap();
    assert_eq!(c["status"], "pass", "{c}");

    // Nothing delivered for 16 minutes: the entries wait longer than 15 minutes.
    fx.clock.advance(16 * 60);
    let c = check(&fx.get("/api/v1/orgs/readiness", &tok).await).unwrap();
    assert_eq!(c["status"], "warn", "{c}");
    assert_eq!(c["evidence"][0]["label"], "siem");

    // Failing since then, for more than 60 minutes: fail.
    let now = fx.state.now();
    assert_eq!(
        fx.store
            .audit_sinks_claim("wtd-test", now, 30, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        fx.store
            .audit_sink_failed(&id, "wtd-test", "connection refused", now, now + 5)
            .await
            .unwrap()
    );
    fx.clock.advance(61 * 60);
    let r = fx.get("/api/v1/orgs/readiness", &tok).await;
    let c = check(&r).unwrap();
    assert_eq!(c["status"], "fail", "{c}");
    assert!(
        c["evidence"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("connection refused"),
        "{c}"
    );
    assert_eq!(r.body["ready"], false);
    let list = fx.get(SINKS, &tok).await;
    assert!(list.body["items"][0]["lag_entries"].as_i64().unwrap() > 0);
    assert!(list.body["items"][0]["lag_seconds"].as_i64().unwrap() >= 77 * 60);
    assert_eq!(list.body["items"][0]["last_error"], "connection refused");
}
