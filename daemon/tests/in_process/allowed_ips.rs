//! Allowed IPs: edits that would lock the caller out, trusted proxies, the dry run, and
//! changes made through another daemon (SECURITY.md H).

use super::*;

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
    for _ in 0..5 {
        prod_key(&fx, &tok, json!({})).await;
    }
    let (id, secret) = prod_key(&fx, &tok, json!({})).await;
    assert_eq!(
        fx.ingest(&secret, one_event()).await.status,
        StatusCode::ACCEPTED
    );
    let (loads, applied) = fx.state.caches.refresh_work();
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
    // The daemon read the one revoked key, not its six keys (migration 0028).
    assert_eq!(
        fx.state.caches.refresh_work(),
        (loads, applied + 1),
        "a refresh reads the changed rows only"
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
