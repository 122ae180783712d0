//! The audit log's read side: filters, pages, verification, reviews, the live stream.

use super::*;
use futures_util::StreamExt;

async fn owner(fx: &Fx) -> String {
    fx.setup().await;
    fx.token().await
}

#[tokio::test]
async fn the_log_lists_newest_first_with_filters_and_cursors() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    for _ in 0..3 {
        fx.login(EMAIL, "wrong password 123").await;
    }
    let all = fx.get("/api/v1/orgs/audit-logs?limit=1000", &tok).await;
    let seqs: Vec<i64> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seqs:?}"
    );
    let e = &all.body["items"][0];
    for k in [
        "seq",
        "occurred_at",
        "actor",
        "action",
        "target",
        "ip",
        "user_agent",
        "outcome",
        "details",
        "prev_hash",
        "hash",
    ] {
        assert!(e.get(k).is_some(), "{k} missing in {e}");
    }
    let failed = fx
        .get("/api/v1/orgs/audit-logs?action=auth.login.failed", &tok)
        .await;
    assert_eq!(failed.body["items"].as_array().unwrap().len(), 3);
    let auth = fx
        .get(
            "/api/v1/orgs/audit-logs?action=auth.*&outcome=failure",
            &tok,
        )
        .await;
    assert_eq!(auth.body["items"].as_array().unwrap().len(), 3);
    // Two pages of two, then the rest, by cursor.
    let p1 = fx.get("/api/v1/orgs/audit-logs?limit=2", &tok).await;
    let cur = p1.body["next_cursor"].as_str().unwrap().to_string();
    let p2 = fx
        .get(
            &format!("/api/v1/orgs/audit-logs?limit=2&cursor={cur}"),
            &tok,
        )
        .await;
    let s1: Vec<i64> = p1.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    let s2: Vec<i64> = p2.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!([s1, s2].concat(), seqs[..4].to_vec());
    let last = fx.get("/api/v1/orgs/audit-logs?limit=1000", &tok).await;
    assert!(last.body["next_cursor"].is_null());
    let asc = fx
        .get("/api/v1/orgs/audit-logs?order=asc&after=2&limit=2", &tok)
        .await;
    let s: Vec<i64> = asc.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(s, [3, 4]);
}

#[tokio::test]
async fn bad_audit_queries_get_a_problem() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let empty = fx
        .get("/api/v1/orgs/audit-logs?action=&actor=&since=", &tok)
        .await;
    assert_eq!(
        empty.status,
        StatusCode::OK,
        "empty parameters mean no filter: {:?}",
        empty.body
    );
    for q in [
        "limit=0",
        "limit=5000",
        "order=sideways",
        "since=yesterday",
        "action=a*b",
        "cursor=xyz",
        "outcome=meh",
        "bogus=1",
        "limit=-1",
    ] {
        let r = fx.get(&format!("/api/v1/orgs/audit-logs?{q}"), &tok).await;
        assert!(r.status.is_client_error(), "{q}: {}", r.status);
        assert!(is_problem(&r), "{q}: {:?}", r.body);
    }
}

#[tokio::test]
async fn reading_the_log_needs_the_audit_permission() {
    let fx = fixture().await;
    fx.setup().await;
    let hash = wt_core::password::hash(PASSWORD).unwrap();
    fx.store
        .create_member(
            wt_store::NewMember {
                user_id: "usr_an".into(),
                email: "an@acme.test".into(),
                name: "An".into(),
                password_hash: hash,
                org_id: "org_acme".into(),
                role: wt_api::Role::Analyst,
                now: T0,
            },
            AuditEvent::new(
                Actor::operator(),
                actions::MEMBER_ADDED,
                &RequestMeta::default(),
            ),
        )
        .await
        .unwrap();
    let analyst = fx.login("an@acme.test", PASSWORD).await.body["token"]
        .as_str()
        .unwrap()
        .to_string();
    for path in [
        "/api/v1/orgs/audit-logs",
        "/api/v1/orgs/audit-logs/verify",
        "/api/v1/orgs/audit-logs/stream",
    ] {
        assert_eq!(
            fx.get(path, &analyst).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

#[tokio::test]
async fn verify_reports_the_first_edited_entry() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let ok = fx.get("/api/v1/orgs/audit-logs/verify", &tok).await;
    assert_eq!(ok.body["ok"], true);
    let n = ok.body["entries"].as_i64().unwrap();
    assert!(n >= 3);
    let conn = rusqlite_open(&fx);
    conn.execute_batch("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET details = '{\"x\":1}' WHERE seq = 2;")
        .unwrap();
    let bad = fx.get("/api/v1/orgs/audit-logs/verify", &tok).await;
    assert_eq!(
        (bad.body["ok"].as_bool(), bad.body["first_bad_seq"].as_i64()),
        (Some(false), Some(2))
    );
    // With threads: the same verdict, the same entry; a bad count is a 422, not a 500.
    for jobs in [1, 4] {
        let par = fx
            .get(&format!("/api/v1/orgs/audit-logs/verify?jobs={jobs}"), &tok)
            .await;
        assert_eq!(par.body, bad.body, "jobs {jobs}");
    }
    for q in ["jobs=0", "jobs=x", "jobs=-1", "threads=2"] {
        let r = fx
            .get(&format!("/api/v1/orgs/audit-logs/verify?{q}"), &tok)
            .await;
        assert!(r.status.is_client_error(), "{q}: {}", r.status);
    }
}

#[tokio::test]
async fn reviews_are_recorded_and_unreviewed_shows_only_later_entries() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let r = fx
        .post("/api/v1/orgs/audit-logs/reviews", json!({}), Some(&tok))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let through = r.body["through_seq"].as_i64().unwrap();
    fx.login(EMAIL, "wrong password 123").await;
    let un = fx
        .get("/api/v1/orgs/audit-logs?unreviewed=true", &tok)
        .await;
    let seqs: Vec<i64> = un.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert!(
        !seqs.is_empty() && seqs.iter().all(|s| *s > through),
        "{seqs:?}"
    );
    let too_far = fx
        .post(
            "/api/v1/orgs/audit-logs/reviews",
            json!({"through_seq": 10_000}),
            Some(&tok),
        )
        .await;
    assert_eq!(too_far.status, StatusCode::UNPROCESSABLE_ENTITY);
    let list = fx.get("/api/v1/orgs/audit-logs/reviews", &tok).await;
    assert_eq!(list.body["items"][0]["through_seq"], through);
}

/// Reads SSE frames until `want` events arrived (bounded by a real-time deadline).
async fn read_events(body: axum::body::Body, want: usize) -> Vec<(i64, Value)> {
    let mut stream = body.into_data_stream();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut events = vec![];
    while events.len() < want {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("events in time");
        let Some(Ok(bytes)) = chunk else { break };
        text.push_str(&String::from_utf8_lossy(&bytes));
        while let Some(end) = text.find("\n\n") {
            let frame: String = text.drain(..end + 2).collect();
            let id = frame
                .lines()
                .find_map(|l| l.strip_prefix("id:"))
                .map(|s| s.trim().parse::<i64>().unwrap());
            let data = frame
                .lines()
                .find_map(|l| l.strip_prefix("data:"))
                .map(|s| serde_json::from_str(s.trim()).unwrap());
            if let (Some(id), Some(data)) = (id, data) {
                events.push((id, data));
            }
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_resumes_after_last_event_id_and_then_follows_new_entries() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let req = Request::get("/api/v1/orgs/audit-logs/stream?action=auth.*")
        .header(header::AUTHORIZATION, format!("Bearer {tok}"))
        .header("last-event-id", "1")
        .body(Body::empty())
        .unwrap();
    let resp = fx.app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let body = resp.into_body();
    // A new login while the stream is open.
    let app = fx.app.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let req = Request::post("/api/v1/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"email": EMAIL, "password": "nope nope nope 1", "client": "cli"})
                    .to_string(),
            ))
            .unwrap();
        let _ = app.oneshot(req).await;
    });
    let events = read_events(body, 2).await;
    let ids: Vec<i64> = events.iter().map(|(i, _)| *i).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]) && ids[0] > 1, "{ids:?}");
    assert_eq!(
        events[0].1["action"], "auth.login.succeeded",
        "backlog after Last-Event-ID"
    );
    assert_eq!(events[1].1["action"], "auth.login.failed", "then live");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_streams_end_when_the_daemon_shuts_down() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let req = Request::get("/api/v1/orgs/audit-logs/stream")
        .header(header::AUTHORIZATION, format!("Bearer {tok}"))
        .body(Body::empty())
        .unwrap();
    let resp = fx.app.clone().oneshot(req).await.unwrap();
    let mut s = resp.into_body().into_data_stream();
    let _ = fx.state.shutdown.send(true);
    let end = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Some(Ok(_)) = s.next().await {}
    })
    .await;
    assert!(end.is_ok(), "the stream ended");
}
