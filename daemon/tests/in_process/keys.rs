//! Ingestion keys: shown once, stored hashed, revoked at once, rotated with a grace,
//! managed by owners and admins (SECURITY.md G). Time moves with the manual clock.

use super::*;

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

#[tokio::test]
async fn a_rotated_keys_successor_keeps_its_own_rate_limit_and_allowlist() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (old_id, _) = prod_key(&fx, &tok, json!({"allowed_cidrs": ["10.0.0.0/8"]})).await;
    // Set after creation: the limit and a changed allowlist are the key's own now.
    let r = fx
        .send(patch(
            &format!("/api/v1/orgs/api-keys/{old_id}"),
            &tok,
            json!({"rate": "2/h", "burst": 2, "allowed_cidrs": ["127.0.0.0/8"]}),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = fx
        .post(
            &format!("/api/v1/orgs/api-keys/{old_id}/rotate"),
            json!({"grace_seconds": 0}),
            Some(&tok),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let new_id = r.body["id"].as_str().unwrap().to_string();
    let new = r.body["secret"].as_str().unwrap().to_string();
    assert_eq!(r.body["rate_limit"], json!({"rate": "2/h", "burst": 2}));
    assert_eq!(r.body["allowed_cidrs"], json!(["127.0.0.0/8"]));
    let shown = fx
        .get(&format!("/api/v1/orgs/api-keys/{new_id}"), &tok)
        .await;
    assert_eq!(shown.body["rate_limit"], json!({"rate": "2/h", "burst": 2}));
    assert_eq!(shown.body["allowed_cidrs"], json!(["127.0.0.0/8"]));

    // Enforced on the successor: the burst of 2, then 429; another address: 403.
    for _ in 0..2 {
        assert_eq!(
            fx.ingest(&new, one_event()).await.status,
            StatusCode::ACCEPTED
        );
    }
    let third = fx.ingest(&new, one_event()).await;
    assert_eq!(
        third.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{:?}",
        third.body
    );
    assert_eq!(
        fx.ingest_from(&new, one_event(), "192.0.2.7:5000")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// The key cache loads a page of keys at a time (issue #29: never the whole key set as
/// records beside the cache): with two full pages and a part, every key is cached once,
/// those on each side of a page boundary included, in one whole load.
#[tokio::test]
async fn the_key_cache_loads_every_key_a_page_at_a_time() {
    let fx = fixture().await;
    owner(&fx).await;
    let owner_id = fx
        .store
        .user_for_login(EMAIL)
        .await
        .unwrap()
        .expect("owner")
        .user
        .id;
    let cache = wtd::keycache::Caches::new(wt_core::apikey::KeyHasher::new(&[9; 32]));
    const KEYS: usize = 2 * 5_000 + 7;
    let secret = |i: usize| format!("wtk_live_paged{i:06}");
    for i in 0..KEYS {
        fx.store
            .api_key_create(
                wt_store::NewApiKey {
                    id: format!("key_paged{i:06}"),
                    org_id: "org_acme".into(),
                    name: format!("k{i}"),
                    environment: wt_api::Environment::Production,
                    secret_hash: wtd::keycache::hash_hex(&cache.hash(&secret(i))),
                    last4: "abcd".into(),
                    owner_id: owner_id.clone(),
                    created_by: owner_id.clone(),
                    created_at: T0,
                    expires_at: None,
                    allowed_cidrs: vec![],
                },
                AuditEvent::new(
                    Actor::operator(),
                    actions::API_KEY_CREATED,
                    &RequestMeta::default(),
                ),
            )
            .await
            .unwrap();
    }
    cache.load(fx.store.as_ref(), T0).await.unwrap();
    assert_eq!(cache.len(), KEYS, "every key, once");
    for i in [0, 4_999, 5_000, 5_001, 9_999, 10_000, KEYS - 1] {
        assert!(
            cache
                .key(&cache.hash(&secret(i)))
                .is_some_and(|k| *k.id == format!("key_paged{i:06}")),
            "key {i} is cached"
        );
    }
    assert_eq!(cache.refresh_work(), (1, 0), "one whole load");
}
