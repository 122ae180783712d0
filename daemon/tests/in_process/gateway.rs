//! Verification for a gateway in front of another pipeline: `/ingest/authorize` (the nginx
//! `auth_request` contract) and `/keys/verify` with a `keys:verify`-scoped token; token
//! scopes and the creator's standing (SECURITY.md J.59).

use super::*;

const AUTHORIZE: &str = "/api/v1/ingest/authorize";
const VERIFY: &str = "/api/v1/keys/verify";

fn authorize_req(method: &str, auth: Option<&str>) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(AUTHORIZE);
    if let Some(a) = auth {
        b = b.header(header::AUTHORIZATION, a);
    }
    b.body(Body::empty()).unwrap()
}

impl Fx {
    async fn authorize_from(&self, key: &str, from: &str) -> Resp {
        self.send_from(authorize_req("GET", Some(&format!("Bearer {key}"))), from)
            .await
    }

    async fn authorize(&self, key: &str) -> Resp {
        self.authorize_from(key, LOCAL).await
    }
}

fn header_of<'a>(r: &'a Resp, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Stored use count and last address of the only key (what the flush wrote).
fn stored_use(fx: &Fx) -> (i64, Option<String>) {
    rusqlite_open(fx)
        .query_row("SELECT use_count, last_used_ip FROM api_keys", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
}

/// A token with `scopes` and `role`, made by the holder of `tok` (fresh sign-in: no step-up needed).
async fn scoped_token(fx: &Fx, tok: &str, role: &str, scopes: Value) -> Resp {
    fx.post(
        "/api/v1/orgs/access-tokens",
        json!({"name": "gateway", "role": role, "expires_at": "2027-06-01T00:00:00Z", "scopes": scopes}),
        Some(tok),
    )
    .await
}

async fn verify(fx: &Fx, tok: &str, body: Value) -> Resp {
    fx.post(VERIFY, body, Some(tok)).await
}

#[tokio::test]
async fn authorize_answers_204_with_the_three_headers_and_records_use_like_ingest() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (id, secret) = prod_key(&fx, &tok, json!({})).await;
    let r = fx.authorize(&secret).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert!(r.raw.is_empty());
    assert_eq!(header_of(&r, "x-wt-org"), "acme");
    assert_eq!(header_of(&r, "x-wt-environment"), "production");
    assert_eq!(header_of(&r, "x-wt-key-id"), id);
    assert_eq!(header_of(&r, "cache-control"), "no-store");
    // Gateways forward the client's method (and nginx no body): any method is a question.
    for method in ["POST", "HEAD", "PUT"] {
        let r = fx
            .send_from(
                authorize_req(method, Some(&format!("Bearer {secret}"))),
                LOCAL,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{method}");
    }
    // Nothing stored, no database write: usage is in memory until the flush, and shown.
    assert_eq!(fx.store.ingest_count("org_acme").await.unwrap(), 0);
    assert_eq!(stored_use(&fx), (0, None));
    let shown = fx.get(&format!("/api/v1/orgs/api-keys/{id}"), &tok).await;
    assert_eq!(shown.body["use_count"], 4);
    assert_eq!(shown.body["last_used_ip"], "127.0.0.1");
    fx.state.caches.flush(fx.store.as_ref()).await;
    assert_eq!(stored_use(&fx), (4, Some("127.0.0.1".into())));
    let shown = fx.get(&format!("/api/v1/orgs/api-keys/{id}"), &tok).await;
    assert_eq!(
        shown.body["use_count"], 4,
        "not counted twice after the flush"
    );
    assert_eq!(shown.body["sources"][0]["ip"], "127.0.0.1");
}

#[tokio::test]
async fn a_revoked_or_expired_key_gets_401_on_the_very_next_authorize() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (id, secret) = prod_key(&fx, &tok, json!({})).await;
    let (_, short) = prod_key(
        &fx,
        &tok,
        json!({"name": "short", "expires_at": wt_core::clock::rfc3339(T0 + 60)}),
    )
    .await;
    assert_eq!(fx.authorize(&secret).await.status, StatusCode::NO_CONTENT);
    assert_eq!(fx.authorize(&short).await.status, StatusCode::NO_CONTENT);
    let r = fx
        .send(delete(&format!("/api/v1/orgs/api-keys/{id}"), &tok))
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let r = fx.authorize(&secret).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(is_problem(&r));
    assert!(r.headers.get("x-wt-org").is_none());
    assert_eq!(fx.count(actions::API_KEY_DENIED).await, 1);
    fx.clock.advance(61);
    assert_eq!(fx.authorize(&short).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_keys_cidrs_and_the_orgs_allowed_ips_both_apply_behind_the_trusted_proxy_only() {
    let fx = fixture_with(Settings {
        trusted_proxies: vec![wt_core::netaddr::parse_cidr("127.0.0.1").unwrap()],
        ..Settings::default()
    })
    .await;
    let tok = owner(&fx).await;
    let (_, secret) = prod_key(&fx, &tok, json!({"allowed_cidrs": ["10.1.0.0/16"]})).await;
    let via_proxy = |xff: &str| {
        let mut r = authorize_req("GET", Some(&format!("Bearer {secret}")));
        r.headers_mut()
            .insert("x-forwarded-for", xff.parse().unwrap());
        r
    };
    // The key's CIDRs.
    let r = fx.send_from(via_proxy("10.1.2.3"), LOCAL).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    let r = fx.send_from(via_proxy("10.2.0.1"), LOCAL).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["code"], "ip_not_allowed");
    // X-Forwarded-For counts only from the trusted proxy.
    let r = fx.send_from(via_proxy("10.1.2.3"), "192.0.2.7:5000").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The org's list: 10.1.2.0/24 only (forced: the owner is outside it).
    let r = fx
        .send_from(
            req(
                "POST",
                "/api/v1/orgs/allowed-ips",
                &tok,
                Some(json!({"cidr": "10.1.2.0/24", "force": true})),
            ),
            LOCAL,
        )
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let r = fx.send_from(via_proxy("10.1.9.9"), LOCAL).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "inside the key's, outside the org's"
    );
    let r = fx.send_from(via_proxy("10.1.2.3"), LOCAL).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "inside both");
    let mut list = req("GET", "/api/v1/orgs/api-keys", &tok, None);
    list.headers_mut()
        .insert("x-forwarded-for", "10.1.2.200".parse().unwrap());
    let shown = fx.send_from(list, LOCAL).await;
    assert_eq!(shown.status, StatusCode::OK, "{:?}", shown.body);
    assert_eq!(shown.body["items"][0]["last_used_ip"], "10.1.2.3");
}

#[tokio::test]
async fn absent_malformed_or_wrong_credentials_get_401_or_403_never_a_pass() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (_, secret) = prod_key(&fx, &tok, json!({})).await;
    for auth in [
        None,
        Some(String::new()),
        Some("Bearer".to_string()),
        Some("Bearer ".to_string()),
        Some(format!("Basic {secret}")),
        Some(format!("Bearer {}", &secret[..secret.len() - 1])),
        Some("Bearer wtk_live_".to_string()),
        Some("Bearer not a key at all".to_string()),
    ] {
        let r = fx
            .send_from(authorize_req("GET", auth.as_deref()), LOCAL)
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert!(is_problem(&r), "{auth:?}");
        assert!(r.headers.get("x-wt-key-id").is_none());
    }
    // Not UTF-8.
    let mut r = authorize_req("GET", None);
    r.headers_mut().insert(
        header::AUTHORIZATION,
        axum::http::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
    );
    assert_eq!(
        fx.send_from(r, LOCAL).await.status,
        StatusCode::UNAUTHORIZED
    );
    // A session is not an ingestion key.
    let r = fx.authorize(&tok).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["code"], "wrong_credential");
    // Only the Authorization header counts (G.51).
    let r = fx
        .send_from(
            Request::get(format!("{AUTHORIZE}?key={secret}"))
                .header("x-api-key", &secret)
                .body(Body::empty())
                .unwrap(),
            LOCAL,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// A second org, Beta, whose owner is Acme's owner too; returns a CLI token for Beta.
async fn beta_owner(fx: &Fx, acme_owner: &str) -> String {
    let me = member_id(fx, acme_owner, EMAIL).await;
    fx.store
        .create_org(
            wt_store::NewOrg {
                id: "org_beta".into(),
                slug: "beta".into(),
                name: "Beta".into(),
            },
            None,
            AuditEvent::new(
                Actor::operator(),
                actions::ORG_CREATED,
                &RequestMeta::default(),
            ),
            fx.state.now(),
        )
        .await
        .unwrap();
    fx.store
        .set_mfa_required_roles(
            "org_beta",
            vec![],
            fx.state.now(),
            AuditEvent::new(
                Actor::operator(),
                actions::ORG_SETTINGS_UPDATED,
                &RequestMeta::default(),
            ),
        )
        .await
        .unwrap();
    rusqlite_open(fx)
        .execute(
            "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ('org_beta', ?1, 'owner', 0)",
            rusqlite::params![me],
        )
        .unwrap();
    // The daemon learns of an org created beside it at its next load.
    fx.state
        .caches
        .load(fx.store.as_ref(), fx.state.now())
        .await
        .unwrap();
    let r = fx
        .post(
            "/api/v1/auth/login",
            json!({"email": EMAIL, "password": PASSWORD, "client": "cli", "org": "beta"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn another_orgs_key_is_that_orgs_at_authorize_and_unknown_to_this_orgs_verify() {
    let fx = fixture().await;
    let acme = owner(&fx).await;
    let beta = beta_owner(&fx, &acme).await;
    let (beta_id, beta_key) = prod_key(&fx, &beta, json!({"owner_email": EMAIL})).await;
    let r = fx.authorize(&beta_key).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(header_of(&r, "x-wt-org"), "beta");
    assert_eq!(header_of(&r, "x-wt-key-id"), beta_id);
    // Beta's list applies to Beta's keys, not Acme's.
    let r = fx
        .send_from(
            req(
                "POST",
                "/api/v1/orgs/allowed-ips",
                &beta,
                Some(json!({"cidr": "10.0.0.0/8", "force": true})),
            ),
            LOCAL,
        )
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    assert_eq!(fx.authorize(&beta_key).await.status, StatusCode::FORBIDDEN);
    let (_, acme_key) = prod_key(&fx, &acme, json!({})).await;
    assert_eq!(fx.authorize(&acme_key).await.status, StatusCode::NO_CONTENT);
    // Acme's verifying service does not learn of Beta's key, even from inside Beta's list.
    let t = scoped_token(&fx, &acme, "analyst", json!(["keys:verify"])).await;
    let t = t.body["secret"].as_str().unwrap().to_string();
    let r = verify(&fx, &t, json!({"key": beta_key, "ip": "10.1.1.1"})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body, json!({"valid": false, "code": "invalid_key"}));
    let r = verify(&fx, &t, json!({"key": acme_key})).await;
    assert_eq!(r.body["valid"], true, "{:?}", r.body);
    assert_eq!(r.body["org"], "acme");
}

#[tokio::test]
async fn fifty_concurrent_authorizes_all_pass_and_are_all_counted() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (id, secret) = prod_key(&fx, &tok, json!({})).await;
    let answers = futures_util::future::join_all((0..50).map(|_| fx.authorize(&secret))).await;
    assert!(answers.iter().all(|r| r.status == StatusCode::NO_CONTENT));
    let shown = fx.get(&format!("/api/v1/orgs/api-keys/{id}"), &tok).await;
    assert_eq!(shown.body["use_count"], 50);
    fx.state.caches.flush(fx.store.as_ref()).await;
    assert_eq!(stored_use(&fx).0, 50);
}

#[tokio::test]
async fn verify_answers_what_ingest_would_and_records_use() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (id, secret) = prod_key(&fx, &tok, json!({})).await;
    let (_, fenced) = prod_key(
        &fx,
        &tok,
        json!({"name": "fenced", "allowed_cidrs": ["10.1.0.0/16"]}),
    )
    .await;
    let created = scoped_token(&fx, &tok, "analyst", json!(["keys:verify", "keys:verify"])).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["scopes"], json!(["keys:verify"]));
    let t = created.body["secret"].as_str().unwrap().to_string();
    let r = verify(&fx, &t, json!({"key": secret, "ip": "203.0.113.9"})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        r.body,
        json!({"valid": true, "org": "acme", "environment": "production", "key_id": id, "status": "active"})
    );
    let shown = fx.get(&format!("/api/v1/orgs/api-keys/{id}"), &tok).await;
    assert_eq!(shown.body["last_used_ip"], "203.0.113.9");
    assert_eq!(shown.body["use_count"], 1);
    // Allowlists: the client's address, and without one, fail closed.
    let r = verify(&fx, &t, json!({"key": fenced, "ip": "10.1.2.3"})).await;
    assert_eq!(r.body["valid"], true, "{:?}", r.body);
    for body in [
        json!({"key": fenced}),
        json!({"key": fenced, "ip": "10.2.0.1"}),
    ] {
        let r = verify(&fx, &t, body).await;
        assert_eq!(r.body, json!({"valid": false, "code": "ip_not_allowed"}));
    }
    // Unknown, look-alike and revoked keys: one code, whatever the cause.
    let r = fx
        .send(delete(&format!("/api/v1/orgs/api-keys/{id}"), &tok))
        .await;
    assert!(r.status.is_success());
    for key in [
        secret.as_str(),
        "wtk_live_nope",
        "",
        &secret[..secret.len() - 2],
    ] {
        let r = verify(&fx, &t, json!({"key": key})).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            r.body,
            json!({"valid": false, "code": "invalid_key"}),
            "{key}"
        );
    }
    // Bad input: clear 4xx, no 500.
    let r = verify(&fx, &t, json!({"key": fenced, "ip": "10.1.2.3:80"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert!(r.body["detail"].as_str().unwrap_or_default().contains("ip"));
    for body in [
        json!({"key": fenced, "extra": 1}),
        json!({"ip": "10.1.2.3"}),
        json!({"key": 12}),
    ] {
        let r = verify(&fx, &t, body.clone()).await;
        assert!(r.status.is_client_error(), "{body}: {:?}", r.status);
        assert!(is_problem(&r));
    }
}

#[tokio::test]
async fn verify_needs_a_token_with_the_scope_and_names_it() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (_, secret) = prod_key(&fx, &tok, json!({})).await;
    let body = json!({"key": secret});
    // A session, a token without scopes, a token with another scope: 403 naming it.
    let plain = scoped_token(&fx, &tok, "admin", json!([])).await;
    assert_eq!(plain.body["scopes"], json!([]));
    let other = scoped_token(&fx, &tok, "analyst", json!(["readiness:read"])).await;
    for cred in [
        tok.clone(),
        plain.body["secret"].as_str().unwrap().to_string(),
        other.body["secret"].as_str().unwrap().to_string(),
    ] {
        let r = verify(&fx, &cred, body.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
        assert!(is_problem(&r));
        let detail = r.body["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("keys:verify"), "{detail}");
    }
    // Existing routes keep their role rules for scoped and unscoped tokens alike.
    let scoped = scoped_token(&fx, &tok, "analyst", json!(["keys:verify"])).await;
    let scoped = scoped.body["secret"].as_str().unwrap().to_string();
    assert_eq!(
        fx.get("/api/v1/orgs/api-keys", &scoped).await.status,
        StatusCode::OK
    );
    assert_eq!(
        fx.get("/api/v1/orgs/audit-logs", &scoped).await.status,
        StatusCode::FORBIDDEN
    );
    let plain = plain.body["secret"].as_str().unwrap();
    assert_eq!(
        fx.get("/api/v1/orgs/audit-logs", plain).await.status,
        StatusCode::OK
    );
    // A scope beyond the token's role, or unknown, is refused at creation.
    let r = scoped_token(&fx, &tok, "viewer", json!(["keys:verify"])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let r = scoped_token(&fx, &tok, "analyst", json!(["keys:write"])).await;
    assert!(r.status.is_client_error(), "{:?}", r.body);
    // The list shows scopes.
    let list = fx.get("/api/v1/orgs/access-tokens", &tok).await;
    let scopes: Vec<&Value> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["scopes"])
        .collect();
    assert!(scopes.contains(&&json!(["keys:verify"])), "{scopes:?}");
    assert!(scopes.contains(&&json!(["readiness:read"])), "{scopes:?}");
}

#[tokio::test]
async fn a_demoted_or_removed_creators_verify_token_is_refused() {
    let fx = fixture().await;
    let owner_tok = owner(&fx).await;
    let (_, secret) = prod_key(&fx, &owner_tok, json!({})).await;
    let body = json!({"key": secret});
    let carl_tok = team_member(&fx, &owner_tok, "carl@acme.test", "admin").await;
    let made = scoped_token(&fx, &carl_tok, "analyst", json!(["keys:verify"])).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let t = made.body["secret"].as_str().unwrap().to_string();
    assert_eq!(verify(&fx, &t, body.clone()).await.body["valid"], true);
    // Demoted to viewer: the token acts as a viewer, who may not read keys.
    let carl = member_id(&fx, &owner_tok, "carl@acme.test").await;
    let r = fx
        .send(patch(
            &format!("/api/v1/orgs/members/{carl}"),
            &owner_tok,
            json!({"role": "viewer"}),
        ))
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let r = verify(&fx, &t, body.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("keys:verify")
    );
    // Back to analyst it works again; removed, it is gone for good.
    let r = fx
        .send(patch(
            &format!("/api/v1/orgs/members/{carl}"),
            &owner_tok,
            json!({"role": "analyst"}),
        ))
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    assert_eq!(verify(&fx, &t, body.clone()).await.body["valid"], true);
    let r = fx
        .send(delete(&format!("/api/v1/orgs/members/{carl}"), &owner_tok))
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let r = verify(&fx, &t, body).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{:?}", r.body);
}
