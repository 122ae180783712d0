//! Ingestion keys, the ingest path and allowed IPs through the whole router (SECURITY.md G
//! and H). Time moves with the manual clock; nothing sleeps.

use super::*;
use axum::extract::ConnectInfo;

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

async fn owner(fx: &Fx) -> String {
    fx.setup().await;
    fx.token().await
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

#[tokio::test]
async fn a_key_is_shown_once_stored_as_a_peppered_hash_and_listed_by_prefix_and_last4() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let r = fx
        .create_key(
            &tok,
            json!({"name": "billing", "environment": "production", "owner_email": EMAIL,
                   "allowed_cidrs": ["10.0.0.1/8", "::ffff:192.0.2.0/120"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let secret = r.body["secret"].as_str().unwrap();
    assert!(secret.starts_with("wtk_live_") && secret.len() == 9 + 49);
    assert_eq!(
        wt_core::apikey::parse(secret),
        Ok(wt_api::Environment::Production)
    );
    assert_eq!(r.body["last4"], &secret[secret.len() - 4..]);
    assert_eq!(
        r.body["allowed_cidrs"],
        json!(["10.0.0.0/8", "192.0.2.0/24"])
    );
    assert_eq!(r.body["owner"]["email"], EMAIL);
    assert_eq!(r.body["status"], "active");

    // Stored: neither the secret nor its plain SHA-256 (a pepper from the master key).
    let conn = rusqlite_open(&fx);
    let stored: String = conn
        .query_row("SELECT secret_hash FROM api_keys", [], |r| r.get(0))
        .unwrap();
    assert_ne!(stored, secret);
    assert_ne!(stored, wt_core::token::hash(secret));
    assert_eq!(stored.len(), 64);

    let list = fx.get("/api/v1/orgs/api-keys", &tok).await;
    assert_eq!(list.status, StatusCode::OK);
    let raw = String::from_utf8_lossy(&list.raw);
    assert!(
        !raw.contains(&secret[9..]),
        "a listing never shows the secret"
    );
    assert!(list.body["items"][0]["secret"].is_null());
    assert_eq!(list.body["items"][0]["prefix"], "wtk_live_");
    assert!(list.body["items"][0]["last_used_at"].is_null());
    // The audit entry names the key, never the secret.
    let entries = fx.store.audit_entries("org_acme", 0, 100).await.unwrap();
    let created = entries
        .iter()
        .find(|e| e.action == actions::API_KEY_CREATED)
        .unwrap();
    assert!(
        !serde_json::to_string(created)
            .unwrap()
            .contains(&secret[9..])
    );
}

#[tokio::test]
async fn key_creation_validates_owner_name_cidrs_and_expiry() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    for (body, code) in [
        (
            json!({"name": "k", "environment": "production", "owner_email": "stranger@x.test"}),
            "validation_failed",
        ),
        (
            json!({"name": " ", "environment": "production", "owner_email": EMAIL}),
            "validation_failed",
        ),
        (
            json!({"name": "k", "environment": "prod", "owner_email": EMAIL}),
            "malformed_request",
        ),
        (
            json!({"name": "k", "environment": "sandbox", "owner_email": EMAIL, "allowed_cidrs": ["10.0.0.1/33"]}),
            "validation_failed",
        ),
        (
            json!({"name": "k", "environment": "sandbox", "owner_email": EMAIL, "allowed_cidrs": ["::ffff:1.2.3.4/129"]}),
            "validation_failed",
        ),
        (
            json!({"name": "k", "environment": "sandbox", "owner_email": EMAIL, "allowed_cidrs": ["garbage"]}),
            "validation_failed",
        ),
        (
            json!({"name": "k", "environment": "sandbox", "owner_email": EMAIL, "expires_at": "2020-01-01T00:00:00Z"}),
            "validation_failed",
        ),
        (
            json!({"name": "k", "environment": "sandbox", "owner_email": EMAIL, "expires_at": "tomorrow"}),
            "validation_failed",
        ),
        (
            json!({"name": "k", "environment": "sandbox", "owner_email": EMAIL, "secret": "mine"}),
            "malformed_request",
        ),
    ] {
        let r = fx.create_key(&tok, body.clone()).await;
        assert!(
            r.status.is_client_error() && is_problem(&r),
            "{body}: {:?}",
            r.body
        );
        assert_eq!(r.body["code"], code, "{body}");
    }
    assert_eq!(
        fx.count(actions::API_KEY_CREATED).await,
        0,
        "nothing stored"
    );
}

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
async fn revocation_is_effective_on_the_very_next_request_and_denials_are_audited_once() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (id, secret) = prod_key(&fx, &tok, json!({})).await;
    assert_eq!(
        fx.ingest(&secret, one_event()).await.status,
        StatusCode::ACCEPTED
    );
    let d = fx
        .send(req(
            "DELETE",
            &format!("/api/v1/orgs/api-keys/{id}"),
            &tok,
            None,
        ))
        .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT);
    // Same second, next request.
    for _ in 0..5 {
        let r = fx.ingest(&secret, one_event()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(fx.store.ingest_count("org_acme").await.unwrap(), 1);
    assert_eq!(fx.count(actions::API_KEY_REVOKED).await, 1);
    assert_eq!(
        fx.count(actions::API_KEY_DENIED).await,
        1,
        "a flood writes one entry per window"
    );
    let again = fx
        .send(req(
            "DELETE",
            &format!("/api/v1/orgs/api-keys/{id}"),
            &tok,
            None,
        ))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // Last use only moves on success (G.52).
    let k = fx.get(&format!("/api/v1/orgs/api-keys/{id}"), &tok).await;
    assert_eq!(k.body["use_count"], 1);
    assert_eq!(k.body["status"], "revoked");
}

#[tokio::test]
async fn rotation_keeps_the_old_key_for_the_grace_then_only_the_successor_works() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (old_id, old) = prod_key(&fx, &tok, json!({"allowed_cidrs": ["127.0.0.0/8"]})).await;
    let r = fx
        .post(
            &format!("/api/v1/orgs/api-keys/{old_id}/rotate"),
            json!({"grace_seconds": 2}),
            Some(&tok),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let new = r.body["secret"].as_str().unwrap().to_string();
    let new_id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["previous_id"], old_id);
    assert_eq!(
        r.body["previous_expires_at"],
        wt_core::clock::rfc3339(T0 + 2)
    );
    assert_eq!(r.body["environment"], "production");
    assert_eq!(r.body["allowed_cidrs"], json!(["127.0.0.0/8"]));
    assert_eq!(r.body["rotated_from"], old_id);

    assert_eq!(
        fx.ingest(&old, one_event()).await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        fx.ingest(&new, one_event()).await.status,
        StatusCode::ACCEPTED
    );
    let shown = fx
        .get(&format!("/api/v1/orgs/api-keys/{old_id}"), &tok)
        .await;
    assert_eq!(shown.body["status"], "rotating");
    assert_eq!(shown.body["rotated_to"], new_id);
    assert_eq!(
        shown.body["sources"][0]["ip"], "127.0.0.1",
        "where the old key is still used"
    );

    // One pending rotation per key.
    let twice = fx
        .post(
            &format!("/api/v1/orgs/api-keys/{old_id}/rotate"),
            json!({}),
            Some(&tok),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);

    fx.clock.advance(2);
    assert_eq!(
        fx.ingest(&old, one_event()).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fx.ingest(&new, one_event()).await.status,
        StatusCode::ACCEPTED
    );
    let list = fx.get("/api/v1/orgs/api-keys", &tok).await;
    for k in list.body["items"].as_array().unwrap() {
        assert_eq!(k["last_used_ip"], "127.0.0.1", "{k}");
    }
    // An expired key cannot be rotated.
    let expired = fx
        .post(
            &format!("/api/v1/orgs/api-keys/{old_id}/rotate"),
            json!({}),
            Some(&tok),
        )
        .await;
    assert_eq!(expired.status, StatusCode::CONFLICT);

    // Grace 0 revokes at once; a revoked key cannot be rotated.
    let r0 = fx
        .post(
            &format!("/api/v1/orgs/api-keys/{new_id}/rotate"),
            json!({"grace_seconds": 0}),
            Some(&tok),
        )
        .await;
    assert_eq!(r0.status, StatusCode::CREATED);
    assert_eq!(
        fx.ingest(&new, one_event()).await.status,
        StatusCode::UNAUTHORIZED
    );
    let third = r0.body["secret"].as_str().unwrap();
    assert_eq!(
        fx.ingest(third, one_event()).await.status,
        StatusCode::ACCEPTED
    );
    let again = fx
        .post(
            &format!("/api/v1/orgs/api-keys/{new_id}/rotate"),
            json!({}),
            Some(&tok),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let rotated: Vec<_> = fx
        .store
        .audit_entries("org_acme", 0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == actions::API_KEY_ROTATED)
        .collect();
    assert_eq!(rotated.len(), 2);
    assert_eq!(rotated[0].details["previous_id"], old_id);
    assert_eq!(rotated[0].details["new_id"], new_id);
}

#[tokio::test]
async fn a_grace_never_outlives_the_keys_own_expiry() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (id, old) = prod_key(
        &fx,
        &tok,
        json!({"expires_at": wt_core::clock::rfc3339(T0 + 100)}),
    )
    .await;
    let r = fx
        .post(
            &format!("/api/v1/orgs/api-keys/{id}/rotate"),
            json!({"grace_seconds": 86400}),
            Some(&tok),
        )
        .await;
    assert_eq!(
        r.body["previous_expires_at"],
        wt_core::clock::rfc3339(T0 + 100)
    );
    fx.clock.advance(100);
    assert_eq!(
        fx.ingest(&old, one_event()).await.status,
        StatusCode::UNAUTHORIZED
    );
    let too_long = fx
        .post(
            &format!(
                "/api/v1/orgs/api-keys/{}/rotate",
                r.body["id"].as_str().unwrap()
            ),
            json!({"grace_seconds": 31 * 86400}),
            Some(&tok),
        )
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_key_allowlist_refuses_other_addresses_with_403_and_an_audit_entry() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (_, secret) = prod_key(&fx, &tok, json!({"allowed_cidrs": ["10.0.0.0/8"]})).await;
    let r = fx.ingest(&secret, one_event()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["code"], "ip_not_allowed");
    assert_eq!(fx.count(actions::API_KEY_DENIED).await, 1);
    // IPv4-mapped IPv6 peers are normalised before matching.
    let ok = fx
        .ingest_from(&secret, one_event(), "[::ffff:10.1.2.3]:5000")
        .await;
    assert_eq!(ok.status, StatusCode::ACCEPTED, "{:?}", ok.body);
    let k = fx.get("/api/v1/orgs/api-keys", &tok).await;
    assert_eq!(k.body["items"][0]["last_used_ip"], "10.1.2.3");
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

#[tokio::test]
async fn key_management_needs_owner_or_admin_and_reads_need_analyst() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (id, _) = prod_key(&fx, &tok, json!({})).await;
    let viewer = super::team_member(&fx, &tok, "viewer@acme.test", "viewer").await;
    let r = fx.get("/api/v1/orgs/api-keys", &viewer).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let analyst = super::team_member(&fx, &tok, "analyst@acme.test", "analyst").await;
    assert_eq!(
        fx.get("/api/v1/orgs/api-keys", &analyst).await.status,
        StatusCode::OK
    );
    let c = fx
        .create_key(
            &analyst,
            json!({"name": "k", "environment": "sandbox", "owner_email": EMAIL}),
        )
        .await;
    assert_eq!(c.status, StatusCode::FORBIDDEN);
    let d = fx
        .send(req(
            "DELETE",
            &format!("/api/v1/orgs/api-keys/{id}"),
            &analyst,
            None,
        ))
        .await;
    assert_eq!(d.status, StatusCode::FORBIDDEN);
    // Updating: owner must be a member; name and allowlist change.
    let u = fx
        .send(req(
            "PATCH",
            &format!("/api/v1/orgs/api-keys/{id}"),
            &tok,
            Some(json!({"name": "renamed", "owner_email": "analyst@acme.test", "allowed_cidrs": ["192.0.2.0/24"]})),
        ))
        .await;
    assert_eq!(u.status, StatusCode::OK, "{:?}", u.body);
    assert_eq!(u.body["owner"]["email"], "analyst@acme.test");
    assert_eq!(u.body["allowed_cidrs"], json!(["192.0.2.0/24"]));
    let other_org = fx.get("/api/v1/orgs/api-keys/key_doesnotexist", &tok).await;
    assert_eq!(other_org.status, StatusCode::NOT_FOUND);
}

// ---- Allowed IPs ----

async fn add_ip(fx: &Fx, tok: &str, body: Value, from: &str) -> Resp {
    fx.send_from(
        req("POST", "/api/v1/orgs/allowed-ips", tok, Some(body)),
        from,
    )
    .await
}

#[tokio::test]
async fn an_allowlist_that_excludes_the_caller_is_refused_unless_forced_then_enforced() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (_, secret) = prod_key(&fx, &tok, json!({})).await;
    let r = add_ip(
        &fx,
        &tok,
        json!({"cidr": "10.0.0.0/8", "note": "office"}),
        LOCAL,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.body["code"], "would_lock_out");
    assert!(r.body["detail"].as_str().unwrap().contains("127.0.0.1"));
    assert!(
        fx.store
            .allowed_ips_list("org_acme")
            .await
            .unwrap()
            .is_empty()
    );

    let r = add_ip(
        &fx,
        &tok,
        json!({"cidr": "10.0.0.0/8", "force": true}),
        LOCAL,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["created_by"], EMAIL);
    // The very next request from 127.0.0.1: refused, sessions and keys alike.
    let who = fx.get("/api/v1/auth/session", &tok).await;
    assert_eq!(who.status, StatusCode::FORBIDDEN);
    assert_eq!(who.body["code"], "ip_not_allowed");
    let again = fx.get("/api/v1/auth/session", &tok).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert_eq!(
        fx.ingest(&secret, one_event()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        fx.count(actions::ACCESS_DENIED_IP).await,
        1,
        "rate-limited entries"
    );
    // From inside the list, both work, and the entry counts its hits.
    let inside = "10.9.8.7:1234";
    let who = fx
        .send_from(req("GET", "/api/v1/auth/session", &tok, None), inside)
        .await;
    assert_eq!(who.status, StatusCode::OK);
    assert_eq!(
        fx.ingest_from(&secret, one_event(), inside).await.status,
        StatusCode::ACCEPTED
    );
    fx.state.caches.flush(fx.store.as_ref()).await;
    let list = fx
        .send_from(req("GET", "/api/v1/orgs/allowed-ips", &tok, None), inside)
        .await;
    // Hits are coalesced too: the two requests before the flush.
    assert_eq!(list.body["items"][0]["hit_count"], 2);
    assert_eq!(fx.count(actions::ALLOWED_IP_ADDED).await, 1);
    let entries = fx.store.audit_entries("org_acme", 0, 100).await.unwrap();
    let added = entries
        .iter()
        .find(|e| e.action == actions::ALLOWED_IP_ADDED)
        .unwrap();
    assert_eq!(added.details["forced"], true);
    assert_eq!(added.details["cidr"], "10.0.0.0/8");
}

#[tokio::test]
async fn a_spoofed_forwarded_for_changes_nothing_unless_the_peer_is_a_trusted_proxy() {
    // No trusted proxy: X-Forwarded-For is ignored.
    let fx = fixture().await;
    let tok = owner(&fx).await;
    add_ip(
        &fx,
        &tok,
        json!({"cidr": "10.0.0.0/8", "force": true}),
        LOCAL,
    )
    .await;
    let spoof = Request::get("/api/v1/auth/session")
        .header(header::AUTHORIZATION, format!("Bearer {tok}"))
        .header("x-forwarded-for", "10.1.2.3")
        .body(Body::empty())
        .unwrap();
    assert_eq!(fx.send(spoof).await.status, StatusCode::FORBIDDEN);

    // Behind a trusted proxy (127.0.0.1): the rightmost untrusted hop is the client.
    let fx = fixture_with(Settings {
        trusted_proxies: vec![wt_core::netaddr::parse_cidr("127.0.0.1").unwrap()],
        ..Settings::default()
    })
    .await;
    let tok = owner(&fx).await;
    let r = add_ip(&fx, &tok, json!({"cidr": "10.0.0.0/8"}), LOCAL).await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "no XFF: the proxy itself is the client"
    );
    add_ip(
        &fx,
        &tok,
        json!({"cidr": "10.0.0.0/8", "force": true}),
        LOCAL,
    )
    .await;
    let via = |xff: &str| {
        Request::get("/api/v1/auth/session")
            .header(header::AUTHORIZATION, format!("Bearer {tok}"))
            .header("x-forwarded-for", xff)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(fx.send(via("10.1.2.3")).await.status, StatusCode::OK);
    assert_eq!(
        fx.send(via("10.1.2.3, 127.0.0.1")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        fx.send(via("10.1.2.3, 203.0.113.9")).await.status,
        StatusCode::FORBIDDEN,
        "a client-supplied left part does not win"
    );
    assert_eq!(fx.send(via("garbage")).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn allowlist_edits_need_owner_or_admin_and_a_recent_sign_in() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let analyst = super::team_member(&fx, &tok, "analyst@acme.test", "analyst").await;
    let r = add_ip(&fx, &analyst, json!({"cidr": "127.0.0.0/8"}), LOCAL).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["code"], "forbidden");

    fx.clock.advance(11 * 60);
    let r = add_ip(&fx, &tok, json!({"cidr": "127.0.0.0/8"}), LOCAL).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["code"], "step_up_required");
    let wrong = fx
        .post(
            "/api/v1/auth/step-up",
            json!({"password": "not the password"}),
            Some(&tok),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let ok = fx
        .post(
            "/api/v1/auth/step-up",
            json!({"password": PASSWORD}),
            Some(&tok),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    assert_eq!(ok.body["until"], wt_core::clock::rfc3339(T0 + 21 * 60));
    let r = add_ip(&fx, &tok, json!({"cidr": "127.0.0.0/8"}), LOCAL).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let dup = add_ip(&fx, &tok, json!({"cidr": "127.0.0.1/8"}), LOCAL).await;
    assert_eq!(
        dup.status,
        StatusCode::CONFLICT,
        "normalised duplicates are refused"
    );
    let actions = fx.actions().await;
    assert!(actions.contains(&actions::STEP_UP.to_string()));

    for bad in [
        "10.0.0.1/33",
        "::ffff:1.2.3.4/129",
        "garbage",
        "",
        "1.2.3.4/-1",
    ] {
        let r = add_ip(&fx, &tok, json!({"cidr": bad}), LOCAL).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(is_problem(&r));
    }
    // Removing the entry that holds the caller, leaving others: refused unless forced.
    let second = add_ip(&fx, &tok, json!({"cidr": "192.0.2.0/24"}), LOCAL).await;
    assert_eq!(second.status, StatusCode::CREATED);
    let id = r.body["id"].as_str().unwrap();
    let d = fx
        .send(req(
            "DELETE",
            &format!("/api/v1/orgs/allowed-ips/{id}"),
            &tok,
            None,
        ))
        .await;
    assert_eq!(d.status, StatusCode::CONFLICT);
    assert_eq!(d.body["code"], "would_lock_out");
    // Removing the other one is fine; then the last one empties the list (allows all).
    let sid = second.body["id"].as_str().unwrap();
    let d = fx
        .send(req(
            "DELETE",
            &format!("/api/v1/orgs/allowed-ips/{sid}"),
            &tok,
            None,
        ))
        .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT);
    let d = fx
        .send(req(
            "DELETE",
            &format!("/api/v1/orgs/allowed-ips/{id}"),
            &tok,
            None,
        ))
        .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT);
    assert_eq!(fx.count(actions::ALLOWED_IP_REMOVED).await, 2);
}

#[tokio::test]
async fn the_dry_run_names_sessions_and_key_sources_a_list_would_cut_off() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (id, secret) = prod_key(&fx, &tok, json!({})).await;
    assert_eq!(
        fx.ingest_from(&secret, one_event(), "198.51.100.7:9")
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let r = fx
        .post(
            "/api/v1/orgs/allowed-ips/check",
            json!({"cidrs": ["10.0.0.0/8"]}),
            Some(&tok),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["caller_allowed"], false);
    assert_eq!(r.body["caller_ip"], "127.0.0.1");
    assert_eq!(r.body["sessions"][0]["email"], EMAIL);
    assert_eq!(r.body["keys"][0]["key_id"], id);
    assert_eq!(r.body["keys"][0]["ip"], "198.51.100.7");
    let ok = fx
        .post(
            "/api/v1/orgs/allowed-ips/check",
            json!({"cidrs": ["127.0.0.0/8", "198.51.100.0/24"]}),
            Some(&tok),
        )
        .await;
    assert_eq!(ok.body["caller_allowed"], true);
    assert_eq!(ok.body["sessions"], json!([]));
    assert_eq!(ok.body["keys"], json!([]));
    let bad = fx
        .post(
            "/api/v1/orgs/allowed-ips/check",
            json!({"cidrs": ["nope"]}),
            Some(&tok),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        fx.store
            .allowed_ips_list("org_acme")
            .await
            .unwrap()
            .is_empty(),
        "a dry run changes nothing"
    );
}

/// Another daemon on the same database changes keys and allowed IPs behind this one's
/// back (here: straight through the store, so this daemon's caches are not told). With a
/// shared database the next request sees it anyway; alone (the default) the daemon trusts
/// its caches, which is why the check is only on for PostgreSQL.
#[tokio::test]
async fn with_a_shared_database_changes_made_elsewhere_apply_to_the_next_request() {
    let fx = fixture_with(Settings {
        shared_database: true,
        ..Settings::default()
    })
    .await;
    let tok = owner(&fx).await;
    let (id, secret) = prod_key(&fx, &tok, json!({})).await;
    assert_eq!(
        fx.ingest(&secret, one_event()).await.status,
        StatusCode::ACCEPTED
    );
    let elsewhere = AuditEvent::new(
        Actor::operator(),
        actions::API_KEY_REVOKED,
        &RequestMeta::default(),
    );
    fx.store
        .api_key_revoke("org_acme", &id, fx.state.now(), elsewhere)
        .await
        .unwrap();
    assert_eq!(
        fx.ingest(&secret, one_event()).await.status,
        StatusCode::UNAUTHORIZED,
        "revoked through another daemon: refused on the very next request"
    );
    // An allowed-IP list added elsewhere that excludes this client applies at once too.
    fx.store
        .allowed_ip_add(
            wt_store::AllowedIpRecord {
                id: "aip_elsewhere".into(),
                org_id: "org_acme".into(),
                cidr: "203.0.113.0/24".into(),
                note: None,
                created_by: "ops@elsewhere".into(),
                created_at: fx.state.now(),
                hit_count: 0,
                last_hit_at: None,
            },
            AuditEvent::new(
                Actor::operator(),
                actions::ALLOWED_IP_ADDED,
                &RequestMeta::default(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        fx.get("/api/v1/auth/session", &tok).await.status,
        StatusCode::FORBIDDEN
    );
}
