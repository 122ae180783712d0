//! Which Host a request may name, and the Origin expected of it.

use super::*;

/// A console login (`client: console`) naming `host` and sending `origin`.
fn console_login(host: &str, origin: &str) -> Request<Body> {
    Request::post("/api/v1/auth/login")
        .header(header::HOST, host)
        .header(header::ORIGIN, origin)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"email": EMAIL, "password": PASSWORD, "client": "console"}).to_string(),
        ))
        .unwrap()
}

#[tokio::test]
async fn a_rebound_host_is_refused_before_login_api_console_or_ingest() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    let evil = "rebind.attacker.example:8470";
    // DNS rebinding: the attacker's name now points at 127.0.0.1, the Origin matches it.
    let r = fx
        .send(console_login(evil, "http://rebind.attacker.example:8470"))
        .await;
    assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST, "{:?}", r.body);
    assert!(is_problem(&r) && r.body["code"] == "misdirected_request");
    assert!(!r.headers.contains_key(header::SET_COOKIE));
    // The console's own form login.
    let form = Request::post("/login")
        .header(header::HOST, evil)
        .header(header::ORIGIN, "http://rebind.attacker.example:8470")
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "email={}&password={}",
            EMAIL.replace('@', "%40"),
            PASSWORD.replace(' ', "+")
        )))
        .unwrap();
    let r = fx.send(form).await;
    assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST);
    assert!(!r.headers.contains_key(header::SET_COOKIE));
    // An authenticated API read with a good token, and the ingest hot path.
    let mut read = req("GET", "/api/v1/auth/session", &tok, None);
    read.headers_mut()
        .insert(header::HOST, evil.parse().unwrap());
    assert_eq!(fx.send(read).await.status, StatusCode::MISDIRECTED_REQUEST);
    let ingest = Request::post("/api/v1/ingest/events")
        .header(header::HOST, evil)
        .header(header::AUTHORIZATION, "Bearer wtk_live_x")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"events\":[]}"))
        .unwrap();
    let r = fx.send(ingest).await;
    assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(
        r.headers[header::CACHE_CONTROL],
        "no-store",
        "finished as every answer"
    );
    // Probes answer whatever the host.
    let probe = Request::get("/healthz")
        .header(header::HOST, "10.1.2.3:8470")
        .body(Body::empty())
        .unwrap();
    assert_eq!(fx.send(probe).await.status, StatusCode::OK);
}

#[tokio::test]
async fn loopback_hosts_are_served_and_their_origin_is_ours() {
    let fx = fixture().await;
    fx.setup().await;
    for (host, origin) in [
        ("localhost:8470", "http://localhost:8470"),
        ("127.0.0.1:8470", "http://127.0.0.1:8470"),
        ("[::1]:8470", "http://[::1]:8470"),
    ] {
        let r = fx.send(console_login(host, origin)).await;
        assert_eq!(r.status, StatusCode::OK, "{host}: {:?}", r.body);
        assert!(r.headers.contains_key(header::SET_COOKIE), "{host}");
    }
    // A served Host with another site's Origin is still cross-site.
    let r = fx
        .send(console_login("localhost:8470", "http://localhost:9999"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn with_a_public_url_its_host_is_served_and_its_origin_expected() {
    let public = "https://wt.acme.example";
    let fx = fixture_with(Settings {
        public_url: Some(public.into()),
        hosts: wt_core::hosts::HostPolicy::new(Some(public), [0, 0, 0, 0].into()).unwrap(),
        ..Settings::default()
    })
    .await;
    fx.setup().await;
    let r = fx.send(console_login("wt.acme.example", public)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert!(r.headers.contains_key(header::SET_COOKIE));
    let r = fx
        .send(console_login(
            "other.acme.example",
            "https://other.acme.example",
        ))
        .await;
    assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("wt.acme.example"),
        "{:?}",
        r.body
    );
    // Loopback is served (local tools, a proxy on the same machine) but the expected
    // Origin stays the configured one, never derived from that Host.
    let r = fx
        .send(console_login("127.0.0.1:8470", "http://127.0.0.1:8470"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["code"], "csrf_rejected");
}
