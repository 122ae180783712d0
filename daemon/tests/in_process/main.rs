//! In-process tests of the whole router with a settable clock: the rules that depend on
//! time (throttling, idle and absolute session limits, token expiry) are proven here by
//! moving the clock, never by sleeping. The end-to-end suite in `tests/e2e` covers the real
//! binaries over real sockets.
//!
//! One module per noun of the API (`invites`, `members`, `passwords`, `keys`, ...); the
//! fixture (`Fx`: a router over a fresh SQLite store and a manual clock) and the mail
//! helpers are here, visible to every module.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;
use wt_api::Role;
use wt_core::ManualClock;
use wt_core::audit::{Actor, AuditEvent, RequestMeta, actions};
use wt_core::crypto::MasterKey;
use wt_store::sqlite::{DB_FILE, SqliteStore};
use wt_store::{
    AllowedIpStore, AuditStore, IngestStore, InviteStore, KeyStore, MemberStore, NewOrg,
    NewSetupToken, OrgStore, UserStore,
};
use wtd::app::{App, Limits};
use wtd::mailer::{MailConfig, Transport, deliver_due};
use wtd::state::{AppState, Settings};

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
/// `invites.rs`); returns their bearer token.
async fn team_member(fx: &Fx, _owner_tok: &str, email: &str, role: &str) -> String {
    let hash = wtd::service::hashing::hash(&fx.state, PASSWORD.to_string())
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

/// Delivers queued mail to `<dir>/outbox` and returns every mail body delivered so far.
async fn mails(fx: &Fx) -> Vec<String> {
    let outbox = fx.dir.path().join("outbox");
    let cfg = MailConfig {
        transport: Transport::Outbox(outbox.clone()),
        from: "WatchTower <noreply@localhost>".parse().unwrap(),
    };
    deliver_due(&fx.state, &cfg).await;
    let mut files: Vec<_> = std::fs::read_dir(&outbox)
        .map(|it| it.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .iter()
        .map(|p| decode_qp(&std::fs::read_to_string(p).unwrap()))
        .collect()
}

/// Undoes quoted-printable (soft line breaks and `=XX`), as a mail reader would.
fn decode_qp(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'='
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The last token with `prefix` in any delivered mail to `to`.
async fn token_in_mail(fx: &Fx, to: &str, prefix: &str) -> String {
    let all = mails(fx).await;
    let mail = all
        .iter()
        .rev()
        .find(|m| m.contains(&format!("To: {to}")) && m.contains(prefix))
        .unwrap_or_else(|| panic!("no mail to {to} with {prefix}: {all:?}"));
    let i = mail.rfind(prefix).unwrap();
    mail[i..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// Waits for the forgot-password background task to queue its mail (bounded).
async fn reset_token(fx: &Fx) -> String {
    for _ in 0..200 {
        let all = mails(fx).await;
        if all.iter().any(|m| m.contains("wtr_")) {
            return token_in_mail(fx, EMAIL, "wtr_").await;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no reset mail");
}

async fn owner(fx: &Fx) -> String {
    fx.setup().await;
    fx.token().await
}

async fn invite(fx: &Fx, tok: &str, email: &str, role: &str) -> Resp {
    fx.post(
        "/api/v1/orgs/invites",
        json!({"email": email, "role": role}),
        Some(tok),
    )
    .await
}

/// Invites and accepts a new member; returns their bearer token.
async fn join(fx: &Fx, owner_tok: &str, email: &str, role: &str) -> String {
    let r = invite(fx, owner_tok, email, role).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let t = token_in_mail(fx, email, "wti_").await;
    let a = fx
        .post(
            "/api/v1/invites/accept",
            json!({"token": t, "name": "New Member", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{:?}", a.body);
    let l = fx.login(email, PASSWORD).await;
    l.body["token"].as_str().unwrap().to_string()
}

fn patch(path: &str, tok: &str, body: Value) -> Request<Body> {
    Request::patch(path)
        .header(header::AUTHORIZATION, format!("Bearer {tok}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn delete(path: &str, tok: &str) -> Request<Body> {
    Request::delete(path)
        .header(header::AUTHORIZATION, format!("Bearer {tok}"))
        .body(Body::empty())
        .unwrap()
}

async fn member_id(fx: &Fx, tok: &str, email: &str) -> String {
    let r = fx.get("/api/v1/orgs/members", tok).await;
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == email)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn rusqlite_open(fx: &Fx) -> rusqlite::Connection {
    rusqlite::Connection::open(fx.dir.path().join(DB_FILE)).unwrap()
}

// ---- keys, ingest and allowed IPs ----

const LOCAL: &str = "127.0.0.1:40000";

impl Fx {
    /// Sends `r` as if from `from` (a socket peer address).
    async fn send_from(&self, mut r: Request<Body>, from: &str) -> Resp {
        let addr: SocketAddr = from.parse().unwrap();
        r.extensions_mut().insert(ConnectInfo(addr));
        self.send(r).await
    }

    async fn ingest(&self, key: &str, body: Value) -> Resp {
        self.ingest_from(key, body, LOCAL).await
    }

    async fn ingest_from(&self, key: &str, body: Value, from: &str) -> Resp {
        self.send_from(req("POST", "/api/v1/ingest/events", key, Some(body)), from)
            .await
    }

    async fn create_key(&self, tok: &str, body: Value) -> Resp {
        self.post("/api/v1/orgs/api-keys", body, Some(tok)).await
    }

    async fn count(&self, action: &str) -> usize {
        self.actions().await.iter().filter(|a| *a == action).count()
    }
}

/// Creates a production key; returns (id, secret).
async fn prod_key(fx: &Fx, tok: &str, extra: Value) -> (String, String) {
    let mut body = json!({"name": "billing", "environment": "production", "owner_email": EMAIL});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let r = fx.create_key(tok, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    (
        r.body["id"].as_str().unwrap().to_string(),
        r.body["secret"].as_str().unwrap().to_string(),
    )
}

fn one_event() -> Value {
    json!({"events": [{"type": "login", "user": "u1"}]})
}

mod allowed_ips;
mod audit;
mod audit_checkpoints;
mod audit_sinks;
mod console;
mod console_allowed_ips;
mod console_audit;
mod console_invites;
mod console_keys;
mod console_members;
mod console_next;
mod console_passkeys;
mod console_readiness;
mod console_security;
mod device;
mod events;
mod gateway;
mod hosts;
mod ingest;
mod invites;
mod keys;
mod lifecycle;
mod login;
mod members;
mod metrics;
mod mfa;
mod passwords;
mod races;
mod readiness;
mod routes;
mod sessions;
mod standing;
