//! In-process tests of the whole router with a settable clock: the rules that depend on
//! time (throttling, idle and absolute session limits, token expiry) are proven here by
//! moving the clock, never by sleeping. The end-to-end suite in `tests/` covers the real
//! binaries over real sockets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::app::{App, Limits};
use crate::state::{AppState, Settings};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;
use wt_core::ManualClock;
use wt_core::audit::{Actor, AuditEvent, RequestMeta, actions};
use wt_core::crypto::MasterKey;
use wt_store::sqlite::{DB_FILE, SqliteStore};
use wt_store::{
    AllowedIpStore, AuditStore, IngestStore, InviteStore, KeyStore, MemberStore, NewOrg,
    NewSetupToken, OrgStore, UserStore,
};

const T0: i64 = 1_800_000_000;
const SETUP_TOKEN: &str = "wtsetup_0123456789abcdefghijABCDEFGHIJ0123456789abc";
const PASSWORD: &str = "correct horse battery staple 42";
const EMAIL: &str = "owner@acme.test";

struct Fx {
    app: App,
    state: AppState,
    clock: Arc<ManualClock>,
    store: Arc<SqliteStore>,
    dir: tempfile::TempDir,
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
    raw: Vec<u8>,
}

/// An org whose roles do not require MFA (most tests are about other things).
async fn fixture_with(settings: Settings) -> Fx {
    fixture_mfa(settings, vec![]).await
}

/// An org with the given MFA-required roles (the product default is owner, admin, risk_lead).
async fn fixture_mfa(settings: Settings, mfa_roles: Vec<wt_api::Role>) -> Fx {
    assert_eq!(SETUP_TOKEN.len(), "wtsetup_".len() + 43);
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join(DB_FILE)).unwrap());
    store
        .create_org(
            NewOrg {
                id: "org_acme".into(),
                slug: "acme".into(),
                name: "Acme".into(),
            },
            Some(NewSetupToken {
                token_hash: wt_core::token::hash(SETUP_TOKEN),
                owner_email: EMAIL.into(),
                expires_at: T0 + 24 * 3600,
            }),
            AuditEvent::new(
                Actor::operator(),
                actions::ORG_CREATED,
                &RequestMeta::default(),
            ),
            T0,
        )
        .await
        .unwrap();
    store
        .set_mfa_required_roles(
            "org_acme",
            mfa_roles,
            T0,
            AuditEvent::new(
                Actor::operator(),
                actions::ORG_SETTINGS_UPDATED,
                &RequestMeta::default(),
            ),
        )
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let state = AppState::new(
        store.clone(),
        clock.clone(),
        settings,
        MasterKey::generate(),
    );
    state.start().await.unwrap();
    let app = App::new(state.clone(), Limits::default())
        .for_peer(SocketAddr::from(([127, 0, 0, 1], 40000)));
    Fx {
        app,
        state,
        clock,
        store,
        dir,
    }
}

async fn fixture() -> Fx {
    fixture_with(Settings::default()).await
}

impl Fx {
    async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let raw = axum::body::to_bytes(resp.into_body(), 1 << 22)
            .await
            .unwrap()
            .to_vec();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            raw,
        }
    }

    async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Resp {
        let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(Body::from(body.to_string())).unwrap())
            .await
    }

    async fn get(&self, path: &str, token: &str) -> Resp {
        let req = Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    async fn setup(&self) -> Resp {
        self.post(
            "/api/v1/setup",
            json!({"token": SETUP_TOKEN, "name": "Owner", "password": PASSWORD}),
            None,
        )
        .await
    }

    async fn login(&self, email: &str, password: &str) -> Resp {
        self.post(
            "/api/v1/auth/login",
            json!({"email": email, "password": password, "client": "cli"}),
            None,
        )
        .await
    }

    async fn token(&self) -> String {
        let r = self.login(EMAIL, PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        r.body["token"].as_str().unwrap().to_string()
    }

    async fn actions(&self) -> Vec<String> {
        self.store
            .audit_entries("org_acme", 0, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }
}

/// A member with `role`, created directly in the store (invites are tested in
/// `tests/team.rs`); returns their bearer token.
async fn team_member(fx: &Fx, _owner_tok: &str, email: &str, role: &str) -> String {
    let hash = crate::service::hashing::hash(&fx.state, PASSWORD.to_string())
        .await
        .unwrap();
    fx.store
        .create_member(
            wt_store::NewMember {
                user_id: wt_core::ids::new_id("usr"),
                email: email.into(),
                name: "Member".into(),
                password_hash: hash,
                org_id: "org_acme".into(),
                role: wt_api::Role::parse(role).unwrap(),
                now: fx.state.now(),
            },
            AuditEvent::new(
                Actor::operator(),
                actions::MEMBER_ADDED,
                &RequestMeta::default(),
            ),
        )
        .await
        .unwrap();
    let r = fx.login(email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["token"].as_str().unwrap().to_string()
}

/// A request with a bearer token and an optional JSON body.
fn req(method: &str, path: &str, tok: &str, body: Option<Value>) -> Request<Body> {
    let b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {tok}"));
    match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}

fn is_problem(r: &Resp) -> bool {
    r.headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        == Some(wt_api::PROBLEM_CONTENT_TYPE)
        && r.body["code"].is_string()
}

#[tokio::test]
async fn setup_token_claims_the_owner_once() {
    let fx = fixture().await;
    let r = fx.setup().await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["user"]["email"], EMAIL);
    assert_eq!(r.body["role"], "owner");
    let again = fx.setup().await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(again.body["code"], "setup_token_invalid");
}

#[tokio::test]
async fn setup_token_dies_after_24_hours() {
    let fx = fixture().await;
    fx.clock.advance(24 * 3600);
    let r = fx.setup().await;
    assert_eq!(r.body["code"], "setup_token_invalid");
    // Unknown tokens answer exactly the same.
    let unknown = fx
        .post(
            "/api/v1/setup",
            json!({"token": format!("wtsetup_{}", "x".repeat(43)), "name": "O", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!((unknown.status, unknown.body.clone()), (r.status, r.body));
}

#[tokio::test]
async fn password_policy_refuses_short_and_overlong_passwords_with_reasons() {
    // The owner role has MFA enforced here: 8 characters is the minimum.
    let fx = fixture_mfa(Settings::default(), vec![wt_api::Role::Owner]).await;
    let short = fx
        .post(
            "/api/v1/setup",
            json!({"token": SETUP_TOKEN, "name": "O", "password": "seven77"}),
            None,
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short.body["detail"]
            .as_str()
            .unwrap()
            .contains("at least 8")
    );
    let long = fx
        .post(
            "/api/v1/setup",
            json!({"token": SETUP_TOKEN, "name": "O", "password": "x".repeat(129)}),
            None,
        )
        .await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(long.body["detail"].as_str().unwrap().contains("128"));
    let context = fx
        .post(
            "/api/v1/setup",
            json!({"token": SETUP_TOKEN, "name": "O", "password": "acme acme acme 1"}),
            None,
        )
        .await;
    assert_eq!(context.body["code"], "password_policy");
    // None of the refusals burnt the token.
    assert_eq!(fx.setup().await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn without_enforced_mfa_passwords_need_15_characters() {
    let fx = fixture().await;
    let r = fx
        .post(
            "/api/v1/setup",
            json!({"token": SETUP_TOKEN, "name": "O", "password": "fourteen chars"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["detail"].as_str().unwrap().contains("at least 15"),
        "{:?}",
        r.body
    );
    let ok = fx
        .post(
            "/api/v1/setup",
            json!({"token": SETUP_TOKEN, "name": "O", "password": "fifteen chars!!"}),
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
}

#[tokio::test]
async fn stored_password_is_argon2id_and_tokens_are_stored_hashed() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    let conn = rusqlite_open(&fx);
    let phc: String = conn
        .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
        .unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    let hashes: Vec<String> = conn
        .prepare("SELECT token_hash FROM sessions")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(hashes, vec![wt_core::token::hash(&tok)]);
    let db = std::fs::read(fx.dir.path().join(DB_FILE)).unwrap();
    let wal = std::fs::read(fx.dir.path().join(format!("{DB_FILE}-wal"))).unwrap_or_default();
    for bytes in [db, wal] {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&tok),
            "raw token on disk"
        );
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SETUP_TOKEN),
            "raw setup token on disk"
        );
    }
}

fn rusqlite_open(fx: &Fx) -> rusqlite::Connection {
    rusqlite::Connection::open(fx.dir.path().join(DB_FILE)).unwrap()
}

#[tokio::test]
async fn six_wrong_passwords_get_429_and_the_right_one_works_only_after_the_wait() {
    let fx = fixture().await;
    fx.setup().await;
    for _ in 0..5 {
        assert_eq!(
            fx.login(EMAIL, "wrong password 123").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let sixth = fx.login(EMAIL, "wrong password 123").await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: i64 = sixth.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0);
    // The right password does not get through during the wait...
    assert_eq!(
        fx.login(EMAIL, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    fx.clock.advance(retry - 1);
    assert_eq!(
        fx.login(EMAIL, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...and does after it.
    fx.clock.advance(1);
    assert_eq!(fx.login(EMAIL, PASSWORD).await.status, StatusCode::OK);
    let acts = fx.actions().await;
    assert_eq!(
        acts.iter().filter(|a| *a == actions::LOGIN_FAILED).count(),
        5
    );
    // Three refusals within a minute: one entry (J.61).
    assert_eq!(
        acts.iter()
            .filter(|a| *a == actions::LOGIN_THROTTLED)
            .count(),
        1
    );
    assert_eq!(
        acts.last().map(String::as_str),
        Some(actions::LOGIN_SUCCEEDED)
    );
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_throttled() {
    let fx = fixture().await;
    for i in 0..20 {
        let r = fx
            .login(&format!("user{i}@acme.test"), "wrong password 123")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = fx
        .login("someone-else@acme.test", "wrong password 123")
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn unknown_user_and_wrong_password_answer_identically() {
    let fx = fixture().await;
    fx.setup().await;
    let wrong = fx.login(EMAIL, "wrong password 123").await;
    let unknown = fx.login("nobody@acme.test", "wrong password 123").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.raw, unknown.raw);
    let names = |r: &Resp| {
        let mut v: Vec<_> = r.headers.keys().map(|k| k.as_str().to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(names(&wrong), names(&unknown));
}

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

async fn console_cookie(fx: &Fx) -> String {
    let r = fx
        .post(
            "/api/v1/auth/login",
            json!({"email": EMAIL, "password": PASSWORD, "client": "console"}),
            None,
        )
        .await;
    r.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
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
    let doc: Value = serde_json::from_str(crate::routes::health::OPENAPI).unwrap();
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
    let app_src: String = include_str!("../app.rs").split_whitespace().collect();
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
    // The ingest hot path is answered by `App` before the router (POST only).
    assert!(app_src.contains("!=middleware::INGEST_ROUTE"));
    served.push(format!("POST {}", crate::middleware::INGEST_ROUTE));
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
            Request::get(crate::middleware::INGEST_ROUTE)
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
            Request::post(crate::middleware::INGEST_ROUTE)
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
            Request::post(crate::middleware::INGEST_ROUTE)
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
            crate::middleware::INGEST_ROUTE
        );
        assert!(
            text.lines().any(|l| l.contains(&line)),
            "no count for {status}:\n{text}"
        );
    }
}

mod mfa;

mod team;

mod keys;

mod readiness;

mod races;

mod standing;

mod lifecycle;

mod audit;

mod console;

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

fn metrics_req(token: Option<&str>) -> Request<Body> {
    let mut b = Request::get("/metrics");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn metrics_answer_loopback_only_unless_a_token_is_configured_then_only_the_token() {
    let remote = SocketAddr::from(([203, 0, 113, 7], 5555));
    let status = |fx: &Fx, peer: Option<SocketAddr>, token: Option<&str>| {
        let app = match peer {
            Some(p) => fx.app.for_peer(p),
            None => fx.app.clone(),
        };
        let req = metrics_req(token);
        async move { app.oneshot(req).await.unwrap().status() }
    };
    // No token file: loopback yes, another machine no (and a loopback peer passing on a
    // forwarded request neither: `metrics_are_not_for_proxied_or_rebound_requests_...`).
    let fx = fixture().await;
    assert_eq!(status(&fx, None, None).await, StatusCode::OK);
    assert_eq!(status(&fx, Some(remote), None).await, StatusCode::FORBIDDEN);
    // A token file: the token, from anywhere, and nothing else (loopback included).
    let token = "m".repeat(40);
    let fx = fixture_with(Settings {
        metrics_token: Some(wt_core::secret::SecretString::new(token.clone())),
        ..Settings::default()
    })
    .await;
    assert_eq!(status(&fx, None, None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        status(&fx, None, Some(&"x".repeat(40))).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(&fx, Some(remote), Some(&token)).await,
        StatusCode::OK
    );
    let r = fx
        .send(
            Request::get("/metrics")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&r.raw).contains("wt_http_requests_total"));
}

#[test]
fn the_metrics_token_file_must_be_private_and_long() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("metrics.token");
    std::fs::write(&f, format!("{}\n", "a".repeat(40))).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = crate::server::load_metrics_token(&f)
        .unwrap_err()
        .to_string();
    assert!(err.contains(&format!("chmod 600 {}", f.display())), "{err}");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
    let t = crate::server::load_metrics_token(&f).unwrap();
    assert_eq!(t.expose(), "a".repeat(40), "trimmed");
    std::fs::write(&f, "short\n").unwrap();
    assert!(crate::server::load_metrics_token(&f).is_err());
}
