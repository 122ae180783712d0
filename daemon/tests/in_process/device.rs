//! `wt login --web` on the wire (RFC 8628): both endpoints take the RFC's form encoding
//! (§3.1, §3.4) and JSON alike; errors of the token endpoint stay RFC 6749 §5.2 JSON
//! whatever the request's encoding. The browser side is `tests/e2e/device_login.rs`.

use super::console::{cookie_of, field, html};
use super::mfa::{enrolled, step_now};
use super::*;
use wt_core::mfa::{STEP, code_at_step};

const PUBLIC: &str = "http://localhost:7878";
const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

async fn device_fixture() -> Fx {
    fixture_with(Settings {
        public_url: Some(PUBLIC.into()),
        link_base: Some(PUBLIC.into()),
        ..Settings::default()
    })
    .await
}

fn raw(path: &str, content_type: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body.to_string()))
        .unwrap()
}

const FORM: &str = "application/x-www-form-urlencoded";

fn oauth_error(r: &Resp) -> String {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(
        r.headers[header::CONTENT_TYPE],
        "application/json",
        "RFC 6749 §5.2 JSON, never problem+json"
    );
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    r.body["error"].as_str().unwrap_or_default().to_string()
}

fn console_form(path: &str, fields: &[(&str, &str)], cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::post(path)
        .header(header::HOST, "localhost:7878")
        .header(header::ORIGIN, PUBLIC)
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, FORM);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, format!("{}={c}", wt_api::SESSION_COOKIE));
    }
    b.body(Body::from(super::console::encode(fields))).unwrap()
}

#[tokio::test]
async fn the_device_endpoints_take_the_rfc_form_encoding_and_json() {
    let fx = device_fixture().await;
    fx.setup().await;
    // §3.1 as a form, with client_id.
    let r = fx
        .send(raw(
            "/api/v1/auth/device",
            FORM,
            "client_id=wt&client_version=9.9.9&os=plan9+mips",
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let form_code = r.body["device_code"].as_str().unwrap().to_string();
    assert!(
        r.body["verification_uri"]
            .as_str()
            .unwrap()
            .starts_with(PUBLIC)
    );
    // And as JSON.
    let r = fx
        .send(raw(
            "/api/v1/auth/device",
            "application/json",
            r#"{"client_id": "wt"}"#,
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let json_code = r.body["device_code"].as_str().unwrap().to_string();
    // Neither: 415; a bad client_id or an unknown parameter: a clear 4xx.
    let r = fx.send(raw("/api/v1/auth/device", "text/plain", "x")).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = fx
        .send(raw("/api/v1/auth/device", FORM, "client_id=%01bad"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let r = fx
        .send(raw("/api/v1/auth/device", FORM, "client_id=wt&colour=red"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);

    // §3.4 as a form: pending (RFC JSON); as JSON: pending too.
    let poll_form = |code: &str| {
        raw(
            "/api/v1/auth/device/token",
            FORM,
            &format!(
                "grant_type={}&device_code={code}&client_id=wt",
                GRANT.replace(':', "%3A")
            ),
        )
    };
    assert_eq!(
        oauth_error(&fx.send(poll_form(&form_code)).await),
        "authorization_pending"
    );
    let r = fx
        .send(raw(
            "/api/v1/auth/device/token",
            "application/json",
            &json!({"grant_type": GRANT, "device_code": json_code, "client_id": "wt"}).to_string(),
        ))
        .await;
    assert_eq!(oauth_error(&r), "authorization_pending");
    // Polled again at once: slow_down, with the new interval.
    let r = fx.send(poll_form(&form_code)).await;
    assert_eq!(oauth_error(&r), "slow_down");
    assert!(r.body["interval"].as_i64().unwrap() > 5, "{:?}", r.body);

    // Errors in the form's own terms, all RFC JSON.
    for (body, error) in [
        (
            format!("grant_type=password&device_code={form_code}"),
            "unsupported_grant_type",
        ),
        (
            format!("device_code={form_code}&device_code={json_code}"),
            "invalid_request",
        ),
        (
            format!("device_code={form_code}&scope=x"),
            "invalid_request",
        ),
        ("grant_type=x".to_string(), "invalid_request"),
        ("%ZZ=&&&".to_string(), "invalid_request"),
        (
            "device_code=wtdc_not_a_real_code_0123456789".to_string(),
            "invalid_grant",
        ),
    ] {
        let r = fx.send(raw("/api/v1/auth/device/token", FORM, &body)).await;
        assert_eq!(oauth_error(&r), error, "{body}: {:?}", r.body);
    }
}

#[tokio::test]
async fn a_form_encoded_poll_redeems_an_approved_code_once() {
    let fx = device_fixture().await;
    let (_, secret, _) = enrolled(&fx).await;
    let r = fx
        .send(raw("/api/v1/auth/device", FORM, "client_id=wt"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let device_code = r.body["device_code"].as_str().unwrap().to_string();
    let user_code = r.body["user_code"].as_str().unwrap().to_string();
    // The owner signs in on the console (password + code) and approves with a fresh code.
    fx.clock.advance(STEP as i64);
    let r = fx
        .send(console_form(
            "/login",
            &[("email", EMAIL), ("password", PASSWORD)],
            None,
        ))
        .await;
    let challenge = field(&html(&r), "challenge");
    let r = fx
        .send(console_form(
            "/login/mfa",
            &[
                ("challenge", &challenge),
                ("code", &code_at_step(&secret, step_now(&fx))),
            ],
            None,
        ))
        .await;
    let cookie = cookie_of(&r).expect("signed in");
    let page = html(
        &fx.send(
            Request::get("/device")
                .header(header::HOST, "localhost:7878")
                .header(
                    header::COOKIE,
                    format!("{}={cookie}", wt_api::SESSION_COOKIE),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    );
    let csrf = field(&page, "csrf");
    let r = fx
        .send(console_form(
            "/device",
            &[("csrf", &csrf), ("user_code", &user_code)],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let grant = field(&html(&r), "grant");
    fx.clock.advance(STEP as i64);
    let r = fx
        .send(console_form(
            "/device/approve",
            &[
                ("csrf", &csrf),
                ("grant", &grant),
                ("code", &code_at_step(&secret, step_now(&fx))),
            ],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let poll = || {
        raw(
            "/api/v1/auth/device/token",
            FORM,
            &format!(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code={device_code}&client_id=wt"
            ),
        )
    };
    let r = fx.send(poll()).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["token_type"], "Bearer");
    let token = r.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        fx.get("/api/v1/auth/session", &token).await.status,
        StatusCode::OK
    );
    // Single use: the same code again is refused, in the RFC's terms.
    fx.clock.advance(10);
    assert_eq!(oauth_error(&fx.send(poll()).await), "invalid_grant");
}

#[tokio::test]
async fn a_device_code_lapses_after_ten_minutes_and_cannot_be_answered_then() {
    let fx = device_fixture().await;
    let (_, secret, _) = enrolled(&fx).await;
    let r = fx
        .send(raw("/api/v1/auth/device", FORM, "client_id=wt&org=acme"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["expires_in"], 600);
    let device_code = r.body["device_code"].as_str().unwrap().to_string();
    let user_code = r.body["user_code"].as_str().unwrap().to_string();
    let poll = || {
        raw(
            "/api/v1/auth/device/token",
            FORM,
            &format!("device_code={device_code}"),
        )
    };
    // The owner opens its approve screen in the first minute.
    fx.clock.advance(STEP as i64);
    let r = fx
        .send(console_form(
            "/login",
            &[("email", EMAIL), ("password", PASSWORD)],
            None,
        ))
        .await;
    let challenge = field(&html(&r), "challenge");
    let r = fx
        .send(console_form(
            "/login/mfa",
            &[
                ("challenge", &challenge),
                ("code", &code_at_step(&secret, step_now(&fx))),
            ],
            None,
        ))
        .await;
    let cookie = cookie_of(&r).expect("signed in");
    let page = html(
        &fx.send(
            Request::get("/device")
                .header(header::HOST, "localhost:7878")
                .header(
                    header::COOKIE,
                    format!("{}={cookie}", wt_api::SESSION_COOKIE),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    );
    let csrf = field(&page, "csrf");
    let r = fx
        .send(console_form(
            "/device",
            &[("csrf", &csrf), ("user_code", &user_code)],
            Some(&cookie),
        ))
        .await;
    let grant = field(&html(&r), "grant");
    // One second before ten minutes: still waiting.
    fx.clock.advance(599 - STEP as i64);
    assert_eq!(oauth_error(&fx.send(poll()).await), "authorization_pending");
    // At ten minutes: lapsed for the terminal and for the approver (the code unspent).
    fx.clock.advance(1);
    assert_eq!(oauth_error(&fx.send(poll()).await), "expired_token");
    let r = fx
        .send(console_form(
            "/device/approve",
            &[
                ("csrf", &csrf),
                ("grant", &grant),
                ("code", &code_at_step(&secret, step_now(&fx))),
            ],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", html(&r));
    assert!(html(&r).contains("lapsed"), "{}", html(&r));
    assert_eq!(oauth_error(&fx.send(poll()).await), "expired_token");
    // Bound to its org from the start: the org's log has the expiry, once.
    let expired = fx.count("device_login.expired").await;
    assert_eq!(expired, 1, "audited once");
}
