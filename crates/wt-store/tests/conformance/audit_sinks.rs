//! The audit sinks' part of the conformance story: settings, the durable cursor, and the
//! lease that lets exactly one daemon deliver a sink.

use wt_core::audit::{Actor, AuditEvent, RequestMeta};
use wt_store::model::*;
use wt_store::{Store, StoreError};

fn event(action: &'static str) -> AuditEvent {
    AuditEvent::new(Actor::operator(), action, &RequestMeta::default())
}

fn sink(id: &str, org: &str, name: &str, now: i64) -> AuditSinkRecord {
    AuditSinkRecord {
        id: id.into(),
        org_id: org.into(),
        kind: "webhook".into(),
        name: name.into(),
        config: r#"{"url":"https://siem.example/hook"}"#.into(),
        secret: Some("v1:sealed".into()),
        previous_secret: None,
        previous_secret_until: None,
        paused: false,
        delivered_seq: 0,
        created_at: now,
        created_by: "owner@acme.test".into(),
        last_success_at: None,
        last_error: None,
        last_error_at: None,
        failing_since: None,
        failures: 0,
        next_attempt_at: now,
        lease_holder: None,
        lease_until: None,
    }
}

/// Runs after [`crate::story::story`] (it needs the org `org_a`).
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub async fn sinks_story(store: &dyn Store) {
    let now = 1_900_000_000;
    let before = store.audit_last_seq("org_a").await.expect("last seq");
    store
        .audit_sink_create(
            sink("snk_1", "org_a", "siem", now),
            event("audit_sink.created"),
        )
        .await
        .expect("create");
    let dup = store
        .audit_sink_create(
            sink("snk_2", "org_a", "siem", now),
            event("audit_sink.created"),
        )
        .await;
    assert!(
        matches!(dup, Err(StoreError::Conflict(_))),
        "names are unique per org: {dup:?}"
    );
    assert_eq!(
        store.audit_last_seq("org_a").await.expect("last seq"),
        before + 1,
        "the creation is audited, the refused duplicate is not"
    );
    let listed = store.audit_sinks_list("org_a").await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].secret.as_deref(), Some("v1:sealed"));
    assert_eq!(listed[0].delivered_seq, 0);
    assert!(
        store
            .audit_sink_get("org_other", "snk_1")
            .await
            .expect("get")
            .is_none()
    );

    // One holder at a time.
    let a = store
        .audit_sinks_claim("wtd-a", now, 30, 10)
        .await
        .expect("claim a");
    assert_eq!(a.len(), 1, "a due sink is claimed");
    assert_eq!(a[0].lease_holder.as_deref(), Some("wtd-a"));
    let b = store
        .audit_sinks_claim("wtd-b", now + 1, 30, 10)
        .await
        .expect("claim b");
    assert!(
        b.is_empty(),
        "a leased sink is not claimed by another daemon: {b:?}"
    );
    assert!(
        !store
            .audit_sink_delivered("snk_1", "wtd-b", 5, now + 1, 30)
            .await
            .expect("b")
    );
    let again = store
        .audit_sinks_claim("wtd-a", now + 1, 30, 10)
        .await
        .expect("renew");
    assert_eq!(again.len(), 1, "the holder renews its own lease");

    // The cursor moves only forward, only for the holder.
    assert!(
        store
            .audit_sink_delivered("snk_1", "wtd-a", 5, now + 2, 30)
            .await
            .expect("a")
    );
    assert!(
        store
            .audit_sink_delivered("snk_1", "wtd-a", 3, now + 2, 30)
            .await
            .expect("a")
    );
    let s = store
        .audit_sink_get("org_a", "snk_1")
        .await
        .expect("get")
        .expect("present");
    assert_eq!(
        s.delivered_seq, 5,
        "a lower seq never moves the cursor back"
    );
    assert_eq!(s.last_success_at, Some(now + 2));

    // A failure records the error, releases the lease and waits for the backoff.
    assert!(
        !store
            .audit_sink_failed("snk_1", "wtd-b", "x", now + 3, now + 10)
            .await
            .expect("f")
    );
    assert!(
        store
            .audit_sink_failed("snk_1", "wtd-a", "connection refused", now + 3, now + 10)
            .await
            .expect("failed")
    );
    assert!(
        store
            .audit_sink_failed("snk_1", "wtd-a", "again", now + 4, now + 10)
            .await
            .map(|held| !held)
            .expect("after a failure the lease is gone")
    );
    let s = store
        .audit_sink_get("org_a", "snk_1")
        .await
        .expect("get")
        .expect("present");
    assert_eq!(s.last_error.as_deref(), Some("connection refused"));
    assert_eq!(
        (s.failing_since, s.failures, s.lease_holder),
        (Some(now + 3), 1, None)
    );
    assert!(
        store
            .audit_sinks_claim("wtd-b", now + 9, 30, 10)
            .await
            .expect("c")
            .is_empty()
    );
    let b = store
        .audit_sinks_claim("wtd-b", now + 10, 30, 10)
        .await
        .expect("claim b");
    assert_eq!(b.len(), 1, "due again after the backoff, to any daemon");
    assert!(
        store
            .audit_sink_failed("snk_1", "wtd-b", "still down", now + 11, now + 20)
            .await
            .expect("f")
    );
    let s = store
        .audit_sink_get("org_a", "snk_1")
        .await
        .expect("get")
        .expect("present");
    assert_eq!(
        (s.failing_since, s.failures),
        (Some(now + 3), 2),
        "failing since the first"
    );
    let b = store
        .audit_sinks_claim("wtd-b", now + 20, 30, 10)
        .await
        .expect("claim b");
    assert_eq!(b.len(), 1);
    assert!(
        store
            .audit_sink_delivered("snk_1", "wtd-b", 6, now + 21, 30)
            .await
            .expect("d")
    );
    let s = store
        .audit_sink_get("org_a", "snk_1")
        .await
        .expect("get")
        .expect("present");
    assert_eq!((s.delivered_seq, s.failing_since, s.failures), (6, None, 0));
    assert_eq!(s.last_error, None, "a success clears the error");
    // An expired lease is taken over.
    let a = store
        .audit_sinks_claim("wtd-a", now + 21 + 30, 30, 10)
        .await
        .expect("take over");
    assert_eq!(a.len(), 1, "an expired lease is taken over");
    store
        .audit_sink_release("snk_1", "wtd-a")
        .await
        .expect("release");
    let b = store
        .audit_sinks_claim("wtd-b", now + 52, 30, 10)
        .await
        .expect("claim b");
    assert_eq!(b.len(), 1, "a released lease is free at once");

    // Paused sinks are not delivered; resuming makes them due now.
    let p = store
        .audit_sink_set_paused("org_a", "snk_1", true, now + 60, event("audit_sink.paused"))
        .await
        .expect("pause");
    assert!(p.paused);
    assert!(
        store
            .audit_sinks_claim("wtd-b", now + 100, 30, 10)
            .await
            .expect("c")
            .is_empty()
    );
    let missing = store
        .audit_sink_set_paused(
            "org_other",
            "snk_1",
            false,
            now,
            event("audit_sink.resumed"),
        )
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    store
        .audit_sink_set_paused(
            "org_a",
            "snk_1",
            false,
            now + 101,
            event("audit_sink.resumed"),
        )
        .await
        .expect("resume");
    assert_eq!(
        store
            .audit_sinks_claim("wtd-b", now + 101, 30, 10)
            .await
            .expect("c")
            .len(),
        1
    );

    // Rotation keeps the previous secret for the overlap.
    let r = store
        .audit_sink_rotate_secret(
            "org_a",
            "snk_1",
            "v1:new".into(),
            now + 3700,
            now + 100,
            event("audit_sink.secret_rotated"),
        )
        .await
        .expect("rotate");
    assert_eq!(r.secret.as_deref(), Some("v1:new"));
    assert_eq!(r.previous_secret.as_deref(), Some("v1:sealed"));
    assert_eq!(r.previous_secret_until, Some(now + 3700));

    let removed = store
        .audit_sink_remove("org_a", "snk_1", now + 200, event("audit_sink.removed"))
        .await
        .expect("remove");
    assert_eq!(removed.name, "siem");
    assert!(
        store
            .audit_sinks_list("org_a")
            .await
            .expect("list")
            .is_empty()
    );
    let gone = store
        .audit_sink_remove("org_a", "snk_1", now + 200, event("audit_sink.removed"))
        .await;
    assert!(matches!(gone, Err(StoreError::NotFound)), "{gone:?}");
    assert_eq!(
        store.audit_last_seq("org_a").await.expect("last seq"),
        before + 5,
        "create, pause, resume, rotate and remove are each audited"
    );
}
