//! The ingest path: what a key may send, refused look-alikes, bad batches, browser use.

use super::*;

#[tokio::test]
async fn ingest_accepts_a_good_key_and_last_use_is_visible_at_once_then_flushed() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (id, secret) = prod_key(&fx, &tok, json!({})).await;
    let r = fx
        .ingest(&secret, json!({"events": [{"a": 1}, {"b": [1, 2]}], "environment": "production", "org": "acme"}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    assert_eq!(r.body, json!({"accepted": 2}));
    assert_eq!(fx.store.ingest_count("org_acme").await.unwrap(), 2);

    // Visible before any flush: listings add what is pending in memory.
    let list = fx.get("/api/v1/orgs/api-keys", &tok).await;
    let k = &list.body["items"][0];
    assert_eq!(k["last_used_ip"], "127.0.0.1");
    assert_eq!(k["last_used_at"], wt_core::clock::rfc3339(T0));
    assert_eq!(k["use_count"], 1);
    let conn = rusqlite_open(&fx);
    let stored = |c: &rusqlite::Connection| -> (i64, Option<String>) {
        c.query_row("SELECT use_count, last_used_ip FROM api_keys", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
    };
    assert_eq!(stored(&conn), (0, None), "no database write per request");
    fx.state.caches.flush(fx.store.as_ref()).await;
    assert_eq!(stored(&conn), (1, Some("127.0.0.1".into())));
    let shown = fx.get(&format!("/api/v1/orgs/api-keys/{id}"), &tok).await;
    assert_eq!(
        shown.body["use_count"], 1,
        "not counted twice after the flush"
    );
    assert_eq!(shown.body["sources"][0]["ip"], "127.0.0.1");
    assert_eq!(shown.body["sources"][0]["count"], 1);
}

#[tokio::test]
async fn look_alike_unknown_and_misplaced_keys_get_401_and_store_nothing() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (_, secret) = prod_key(&fx, &tok, json!({})).await;
    let mut typo: Vec<char> = secret.chars().collect();
    typo[20] = if typo[20] == 'a' { 'b' } else { 'a' };
    let typo: String = typo.into_iter().collect();
    let unknown = wt_core::apikey::generate(wt_api::Environment::Production);
    for bad in [
        typo.as_str(),
        unknown.expose(),
        &secret.replacen("wtk_live_", "wtk_test_", 1),
        &secret[..secret.len() - 1],
        "wtk_live_",
        "",
        "not-a-key",
    ] {
        let r = fx.ingest(bad, one_event()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{bad}");
        assert!(is_problem(&r));
    }
    // Only the Authorization header counts (G.51).
    for r in [
        Request::post(format!("/api/v1/ingest/events?key={secret}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(one_event().to_string()))
            .unwrap(),
        Request::post("/api/v1/ingest/events")
            .header("x-api-key", &secret)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(one_event().to_string()))
            .unwrap(),
        Request::post("/api/v1/ingest/events")
            .header(header::AUTHORIZATION, format!("Basic {secret}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(one_event().to_string()))
            .unwrap(),
    ] {
        assert_eq!(fx.send(r).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(fx.store.ingest_count("org_acme").await.unwrap(), 0);
}

#[tokio::test]
async fn keys_authenticate_only_ingestion_and_sessions_do_not_ingest() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (_, secret) = prod_key(&fx, &tok, json!({})).await;
    for path in [
        "/api/v1/auth/session",
        "/api/v1/orgs/api-keys",
        "/api/v1/orgs/audit-logs",
    ] {
        let r = fx.get(path, &secret).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(r.body["code"], "wrong_credential");
    }
    let r = fx.ingest(&tok, one_event()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["code"], "wrong_credential");
}

#[tokio::test]
async fn bad_batches_get_clear_4xx_and_nothing_is_stored_half_way() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (_, secret) = prod_key(&fx, &tok, json!({})).await;
    let many: Vec<Value> = (0..1001).map(|i| json!({"i": i})).collect();
    let huge_event = json!({"events": [{"blob": "x".repeat(70_000)}]});
    let cases = [
        (json!({"events": []}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"events": many}), StatusCode::PAYLOAD_TOO_LARGE),
        (
            json!({"events": [{"ok": 1}, 5]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"events": [{"ok": 1}, "s"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"events": [{"ok": 1}], "admin": true}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"event": [{"ok": 1}]}), StatusCode::BAD_REQUEST),
        (json!([{"ok": 1}]), StatusCode::BAD_REQUEST),
        (huge_event, StatusCode::PAYLOAD_TOO_LARGE),
        (
            json!({"events": [{"ok": 1}], "environment": "sandbox"}),
            StatusCode::FORBIDDEN,
        ),
        (
            json!({"events": [{"ok": 1}], "org": "other"}),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (body, status) in cases {
        let r = fx.ingest(&secret, body.clone()).await;
        assert_eq!(
            r.status,
            status,
            "{}: {:?}",
            &body.to_string()[..40.min(body.to_string().len())],
            r.body
        );
        assert!(is_problem(&r));
    }
    // Raw bodies: not JSON, empty, wrong media type, over the body limit.
    let raw = |ct: &str, body: Vec<u8>| {
        Request::post("/api/v1/ingest/events")
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    for (r, status) in [
        (
            raw("application/json", b"{\"events\": [".to_vec()),
            StatusCode::BAD_REQUEST,
        ),
        (raw("application/json", vec![]), StatusCode::BAD_REQUEST),
        (
            raw("text/plain", b"{\"events\":[{}]}".to_vec()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            raw("application/json", vec![b' '; 10 << 20]),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ] {
        let resp = fx.send(r).await;
        assert_eq!(resp.status, status, "{:?}", resp.body);
        assert!(is_problem(&resp));
    }
    assert_eq!(fx.store.ingest_count("org_acme").await.unwrap(), 0);
    let k = fx.get("/api/v1/orgs/api-keys", &tok).await;
    assert!(
        k.body["items"][0]["last_used_at"].is_null(),
        "failures are not uses"
    );
}

#[tokio::test]
async fn browser_use_is_refused_by_default_always_recorded_and_allowed_by_policy() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (id, secret) = prod_key(&fx, &tok, json!({})).await;
    let browser = |origin: Option<&str>, ua: &str| {
        let mut b = Request::post("/api/v1/ingest/events")
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, ua);
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        b.body(Body::from(one_event().to_string())).unwrap()
    };
    let r = fx
        .send(browser(Some("https://shop.example"), "curl/8"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["code"], "browser_not_allowed");
    let r = fx
        .send(browser(None, "Mozilla/5.0 (X11; Linux x86_64) Chrome/120"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let k = fx.get(&format!("/api/v1/orgs/api-keys/{id}"), &tok).await;
    assert_eq!(k.body["browser_use"]["count"], 2);
    assert_eq!(k.body["browser_use"]["last_origin"], "https://shop.example");
    assert_eq!(k.body["use_count"], 0);
    assert_eq!(fx.count(actions::API_KEY_BROWSER_USE).await, 1);

    let p = fx
        .send(req(
            "PATCH",
            "/api/v1/orgs/settings",
            &tok,
            Some(json!({"browser_ingest": "allow"})),
        ))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{:?}", p.body);
    assert_eq!(p.body["browser_ingest"], "allow");
    let r = fx.send(browser(Some("https://shop.example"), "x")).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    fx.state.caches.flush(fx.store.as_ref()).await;
    let k = fx.get(&format!("/api/v1/orgs/api-keys/{id}"), &tok).await;
    assert_eq!(
        k.body["browser_use"]["count"], 3,
        "accepted or not, it is recorded"
    );
    assert_eq!(k.body["use_count"], 1);
}

/// An ingest request with `Idempotency-Key: key`.
fn idempotent(secret: &str, key: &str, body: &Value) -> Request<Body> {
    let mut r = req("POST", "/api/v1/ingest/events", secret, Some(body.clone()));
    r.headers_mut()
        .insert("idempotency-key", key.parse().unwrap());
    r.extensions_mut()
        .insert(ConnectInfo(LOCAL.parse::<SocketAddr>().unwrap()));
    r
}

#[tokio::test]
async fn a_retried_batch_with_its_idempotency_key_is_stored_once_and_answered_the_same() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (_, secret) = prod_key(&fx, &tok, json!({})).await;
    let body = json!({"events": [{"a": 1}, {"b": 2}, {"c": 3}]});

    let first = fx.send(idempotent(&secret, "batch-0001", &body)).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{:?}", first.body);
    assert_eq!(first.body, json!({"accepted": 3}));
    assert!(first.headers.get("idempotent-replayed").is_none());

    // 50 retries at once (a load balancer retrying after a lost answer): one copy stored.
    let retries = futures_util::future::join_all(
        (0..50).map(|_| fx.send(idempotent(&secret, "batch-0001", &body))),
    )
    .await;
    for r in &retries {
        assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
        assert_eq!(r.body, json!({"accepted": 3}));
        assert_eq!(r.headers["idempotent-replayed"], "true");
    }
    assert_eq!(fx.store.ingest_count("org_acme").await.unwrap(), 3);

    // The same key with other events: refused, nothing stored.
    let other = json!({"events": [{"z": 26}]});
    let r = fx.send(idempotent(&secret, "batch-0001", &other)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert_eq!(r.body["code"], "idempotency_key_reused");
    assert_eq!(fx.store.ingest_count("org_acme").await.unwrap(), 3);

    // A sandbox key of the same org reusing the key with the same body: a conflict, not
    // a replay of the production batch.
    let sandbox = fx
        .create_key(
            &tok,
            json!({"name": "tests", "environment": "sandbox", "owner_email": EMAIL}),
        )
        .await;
    assert_eq!(sandbox.status, StatusCode::CREATED, "{:?}", sandbox.body);
    let sandbox = sandbox.body["secret"].as_str().unwrap().to_string();
    let r = fx.send(idempotent(&sandbox, "batch-0001", &body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert_eq!(r.body["code"], "idempotency_key_reused");
    assert_eq!(fx.store.ingest_count("org_acme").await.unwrap(), 3);

    // Without a key, or with a new one, a batch is stored again.
    assert_eq!(
        fx.ingest(&secret, body.clone()).await.status,
        StatusCode::ACCEPTED
    );
    let r = fx.send(idempotent(&secret, "batch-0002", &body)).await;
    assert!(r.headers.get("idempotent-replayed").is_none());
    assert_eq!(fx.store.ingest_count("org_acme").await.unwrap(), 9);

    // After the window the key is new again.
    fx.clock
        .advance(wtd::service::ingest::IDEMPOTENCY_WINDOW + 1);
    let r = fx.send(idempotent(&secret, "batch-0001", &other)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    assert_eq!(r.body, json!({"accepted": 1}));
    assert_eq!(fx.store.ingest_count("org_acme").await.unwrap(), 10);
}

#[tokio::test]
async fn bad_idempotency_keys_get_a_clear_422_and_store_nothing() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (_, secret) = prod_key(&fx, &tok, json!({})).await;
    let body = json!({"events": [{"a": 1}]});
    for bad in ["", "with space", &"k".repeat(256), "tab\there"] {
        let mut r = req("POST", "/api/v1/ingest/events", &secret, Some(body.clone()));
        r.headers_mut().insert(
            "idempotency-key",
            axum::http::HeaderValue::from_str(bad).unwrap(),
        );
        let r = fx.send_from(r, LOCAL).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad:?}: {:?}",
            r.body
        );
        assert_eq!(r.body["code"], "validation_failed");
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap()
                .contains("Idempotency-Key")
        );
    }
    // Not UTF-8 at all.
    let mut r = req("POST", "/api/v1/ingest/events", &secret, Some(body.clone()));
    r.headers_mut().insert(
        "idempotency-key",
        axum::http::HeaderValue::from_bytes(b"\xffkey").unwrap(),
    );
    assert_eq!(
        fx.send_from(r, LOCAL).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(fx.store.ingest_count("org_acme").await.unwrap(), 0);
}
