//! Sessions: logout, idle and absolute limits, the console cookie and its CSRF rules, a
//! member's own sessions.

use super::*;

#[tokio::test]
async fn logout_kills_the_token() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    assert_eq!(
        fx.get("/api/v1/auth/session", &tok).await.status,
        StatusCode::OK
    );
    assert_eq!(
        fx.post("/api/v1/auth/logout", json!({}), Some(&tok))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let after = fx.get("/api/v1/auth/session", &tok).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert!(is_problem(&after));
    assert!(fx.actions().await.contains(&actions::LOGOUT.to_string()));
}

#[tokio::test]
async fn console_sessions_idle_out_after_30_minutes() {
    let fx = fixture().await;
    fx.setup().await;
    let r = fx
        .post(
            "/api/v1/auth/login",
            json!({"email": EMAIL, "password": PASSWORD, "client": "console"}),
            None,
        )
        .await;
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    let pair = cookie.split(';').next().unwrap().to_string();
    let get = |pair: String| {
        Request::get("/api/v1/auth/session")
            .header(header::COOKIE, pair)
            .body(Body::empty())
            .unwrap()
    };
    fx.clock.advance(29 * 60);
    assert_eq!(
        fx.send(get(pair.clone())).await.status,
        StatusCode::OK,
        "used within the idle window"
    );
    fx.clock.advance(29 * 60);
    assert_eq!(
        fx.send(get(pair.clone())).await.status,
        StatusCode::OK,
        "activity extends it"
    );
    fx.clock.advance(31 * 60);
    assert_eq!(
        fx.send(get(pair)).await.status,
        StatusCode::UNAUTHORIZED,
        "idle for 31 minutes"
    );
}

#[tokio::test]
async fn sessions_end_after_the_absolute_lifetime_even_when_busy() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    for _ in 0..(12 * 6 - 1) {
        fx.clock.advance(600);
        assert_eq!(
            fx.get("/api/v1/auth/session", &tok).await.status,
            StatusCode::OK
        );
    }
    fx.clock.advance(600);
    assert_eq!(
        fx.get("/api/v1/auth/session", &tok).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn console_cookie_has_the_required_attributes_and_no_token_in_the_body() {
    let fx = fixture().await;
    fx.setup().await;
    let r = fx
        .post(
            "/api/v1/auth/login",
            json!({"email": EMAIL, "password": PASSWORD, "client": "console"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("__Host-wt_session=wts_"), "{cookie}");
    let attrs: Vec<&str> = cookie.split(';').map(str::trim).collect();
    for want in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(attrs.contains(&want), "{want} missing in {cookie}");
    }
    assert!(!cookie.to_ascii_lowercase().contains("domain"), "{cookie}");
    assert!(
        r.body.get("token").is_none(),
        "console login must not return the token"
    );
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn console_login_is_refused_where_cookies_cannot_be_secure() {
    let fx = fixture_with(Settings {
        cookies_allowed: false,
        ..Settings::default()
    })
    .await;
    fx.setup().await;
    let r = fx
        .post(
            "/api/v1/auth/login",
            json!({"email": EMAIL, "password": PASSWORD, "client": "console"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.headers.contains_key(header::SET_COOKIE));
}

#[tokio::test]
async fn cookie_requests_from_other_sites_are_refused() {
    let fx = fixture().await;
    fx.setup().await;
    let cookie = console_cookie(&fx).await;
    let logout = |extra: (&'static str, &'static str)| {
        Request::post("/api/v1/auth/logout")
            .header(header::HOST, "127.0.0.1:8470")
            .header(header::COOKIE, cookie.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(extra.0, extra.1)
            .body(Body::from("{}"))
            .unwrap()
    };
    let foreign = fx.send(logout(("origin", "https://evil.example"))).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert_eq!(foreign.body["code"], "csrf_rejected");
    let cross = fx.send(logout(("sec-fetch-site", "cross-site"))).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let form = Request::post("/api/v1/auth/logout")
        .header(header::COOKIE, cookie.clone())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("a=b"))
        .unwrap();
    assert_eq!(
        fx.send(form).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    // The session survived all three; a same-origin request works.
    let same = fx.send(logout(("origin", "http://127.0.0.1:8470"))).await;
    assert_eq!(same.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn console_login_from_a_foreign_origin_is_refused() {
    let fx = fixture().await;
    fx.setup().await;
    let req = Request::post("/api/v1/auth/login")
        .header(header::HOST, "127.0.0.1:8470")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"email": EMAIL, "password": PASSWORD, "client": "console"}).to_string(),
        ))
        .unwrap();
    let r = fx.send(req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!r.headers.contains_key(header::SET_COOKIE));
}

#[tokio::test]
async fn tokens_in_query_strings_are_ignored() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    let req = Request::get(format!(
        "/api/v1/auth/session?access_token={tok}&token={tok}"
    ))
    .body(Body::empty())
    .unwrap();
    assert_eq!(fx.send(req).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn users_list_and_revoke_their_own_sessions() {
    let fx = fixture().await;
    fx.setup().await;
    let a = fx.token().await;
    let b = fx.token().await;
    let list = fx.get("/api/v1/auth/sessions", &a).await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(
        !list.raw.windows(4).any(|w| w == b"wts_"),
        "no token in listings"
    );
    let other = items.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let del = Request::delete(format!("/api/v1/auth/sessions/{other}"))
        .header(header::AUTHORIZATION, format!("Bearer {a}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(fx.send(del).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        fx.get("/api/v1/auth/session", &b).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fx.get("/api/v1/auth/session", &a).await.status,
        StatusCode::OK
    );
    let missing = Request::delete("/api/v1/auth/sessions/ses_nope")
        .header(header::AUTHORIZATION, format!("Bearer {a}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(fx.send(missing).await.status, StatusCode::NOT_FOUND);
    assert!(
        fx.actions()
            .await
            .contains(&actions::SESSION_REVOKED.to_string())
    );
}
