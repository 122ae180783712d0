//! The route table as a whole: bad input, audit of every auth event, health and OpenAPI,
//! the ingest hot path's layers.

use super::*;

#[tokio::test]
async fn bad_input_gets_a_4xx_problem_never_a_500() {
    let fx = fixture().await;
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("application/json", b"{not json".to_vec(), 400),
        (
            "application/json",
            br#"{"email": 1, "password": [], "client": "cli"}"#.to_vec(),
            400,
        ),
        (
            "application/json",
            br#"{"email":"a@b.c","password":"x","client":"cli","is_admin":true}"#.to_vec(),
            400,
        ),
        (
            "application/json",
            br#"{"email":"a@b.c","password":"x","client":"root"}"#.to_vec(),
            400,
        ),
        (
            "application/json",
            b"{\"email\":\"\xff\xfe\",\"password\":\"x\",\"client\":\"cli\"}".to_vec(),
            400,
        ),
        ("application/json", b"".to_vec(), 400),
        (
            "text/plain",
            br#"{"email":"a@b.c","password":"x","client":"cli"}"#.to_vec(),
            415,
        ),
        ("application/json", vec![b' '; 2 * 1024 * 1024], 413),
    ];
    for (ct, body, want) in cases {
        let req = Request::post("/api/v1/auth/login")
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body.clone()))
            .unwrap();
        let r = fx.send(req).await;
        assert_eq!(
            r.status.as_u16(),
            want,
            "{ct} {:?}",
            String::from_utf8_lossy(&body[..body.len().min(60)])
        );
        assert!(is_problem(&r), "problem+json expected: {:?}", r.body);
    }
    let missing_ct = Request::post("/api/v1/setup")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(
        fx.send(missing_ct).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let nowhere = fx
        .send(Request::get("/api/v1/nope").body(Body::empty()).unwrap())
        .await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert!(is_problem(&nowhere));
    let wrong_method = fx
        .send(
            Request::get("/api/v1/auth/login")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(is_problem(&wrong_method));
    let long_pw = fx.login(EMAIL, &"x".repeat(10_000)).await;
    assert_eq!(
        long_pw.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "overlong password refused before hashing"
    );
}

#[tokio::test]
async fn every_auth_event_is_audited_and_the_chain_verifies() {
    let fx = fixture().await;
    fx.setup().await;
    fx.login(EMAIL, "wrong password 123").await;
    let tok = fx.token().await;
    fx.post("/api/v1/auth/logout", json!({}), Some(&tok)).await;
    let acts = fx.actions().await;
    assert_eq!(
        acts,
        [
            actions::ORG_CREATED,
            actions::ORG_SETTINGS_UPDATED,
            actions::SETUP_COMPLETED,
            actions::LOGIN_FAILED,
            actions::LOGIN_SUCCEEDED,
            actions::LOGOUT
        ]
    );
    let entries = fx.store.audit_entries("org_acme", 0, 100).await.unwrap();
    let text = serde_json::to_string(
        &entries
            .iter()
            .map(|e| e.details.clone())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(!text.contains(PASSWORD) && !text.contains("wrong password") && !text.contains(&tok));
    assert_eq!(entries[4].ip.as_deref(), Some("127.0.0.1"));
    assert!(fx.store.verify_audit("org_acme").await.unwrap().ok);
}

#[tokio::test]
async fn health_ready_metrics_and_openapi_answer() {
    let fx = fixture().await;
    fx.setup().await;
    fx.login(EMAIL, "wrong password 123").await;
    // Label values come from the server's own vocabulary: a made-up method or a path no
    // route matches cannot mint one (bounded cardinality, nothing from the client).
    fx.send(
        Request::builder()
            .method("BREW")
            .uri("/api/v1/auth/session")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    fx.send(
        Request::get("/api/v1/no-such-route-7f3a")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    for (path, want) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let r = fx
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(r.body["status"], want);
    }
    let m = fx
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    let text = String::from_utf8_lossy(&m.raw);
    assert!(
        text.contains(r#"wt_logins_total{outcome="failed"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/api/v1/setup",status="201""#),
        "{text}"
    );
    assert!(text.contains("wt_http_request_duration_seconds_bucket"));
    assert!(text.contains(r#"method="other""#), "{text}");
    assert!(text.contains(r#"route="unmatched""#), "{text}");
    assert!(
        !text.contains("BREW") && !text.contains("no-such-route"),
        "{text}"
    );
    let o = fx
        .send(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(o.body["openapi"].as_str().unwrap().starts_with("3.1"));
}

#[test]
fn openapi_lists_exactly_the_routes_served() {
    let doc: Value = serde_json::from_str(wtd::routes::health::OPENAPI).unwrap();
    let mut documented: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {p}", m.to_uppercase()))
        })
        .collect();
    documented.sort();
    // The route table, with rustfmt's line breaks undone: `.route("/path", get(h).patch(h))`.
    let app_src: String = include_str!("../../src/app.rs")
        .split_whitespace()
        .collect();
    let mut served = vec![];
    for chunk in app_src.split(".route(\"").skip(1) {
        let path = chunk.split('"').next().unwrap();
        let handlers = chunk.split(".route(").next().unwrap();
        let full = if !["/healthz", "/readyz", "/metrics"].contains(&path)
            && !path.starts_with("/api/v1/")
        {
            format!("/api/v1{path}")
        } else {
            path.to_string()
        };
        for method in ["get", "post", "patch", "put", "delete"] {
            if handlers.contains(&format!("\",{method}("))
                || handlers.contains(&format!(").{method}("))
            {
                served.push(format!("{} {full}", method.to_uppercase()));
            }
        }
    }
    // The ingest hot path is answered by `App` before the router (POST only), and so is
    // the gateway's authorize (documented as GET; any method is answered alike).
    assert!(app_src.contains("middleware::INGEST_ROUTE=>"));
    assert!(app_src.contains("middleware::AUTHORIZE_ROUTE=>"));
    served.push(format!("POST {}", wtd::middleware::INGEST_ROUTE));
    served.push(format!("GET {}", wtd::middleware::AUTHORIZE_ROUTE));
    served.sort();
    assert_eq!(documented, served);
}

/// The ingest hot path bypasses the router, not what its layers do: other methods get 405
/// with `Allow`, an oversized body 413, and every answer the common headers, a metrics
/// count under the route's name and the problem+json error mapping.
#[tokio::test]
async fn the_ingest_hot_path_keeps_the_layers_rules() {
    let fx = fixture().await;
    let get = fx
        .send(
            Request::get(wtd::middleware::INGEST_ROUTE)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(get.headers["allow"], "POST");
    assert_eq!(get.headers["cache-control"], "no-store");

    let big = vec![b' '; Limits::default().body_limit + 1];
    let resp = fx
        .send(
            Request::post(wtd::middleware::INGEST_ROUTE)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, "Bearer wtk_x")
                .body(Body::from(big))
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(resp.headers["content-type"], "application/problem+json");

    let unknown = fx
        .send(
            Request::post(wtd::middleware::INGEST_ROUTE)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"events":[{}]}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    for h in ["cache-control", "x-content-type-options", "x-frame-options"] {
        assert!(unknown.headers.contains_key(h), "{h} missing");
    }

    let metrics = fx
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    let text = String::from_utf8(metrics.raw).unwrap();
    for status in ["405", "413", "401"] {
        let line = format!(
            "route=\"{}\",status=\"{status}\"",
            wtd::middleware::INGEST_ROUTE
        );
        assert!(
            text.lines().any(|l| l.contains(&line)),
            "no count for {status}:\n{text}"
        );
    }
}
