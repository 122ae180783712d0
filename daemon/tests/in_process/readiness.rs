//! The readiness checklist and automation tokens through the whole router.

use super::*;
use wt_api::Role;

fn status_of<'a>(r: &'a Resp, id: &str) -> &'a Value {
    r.body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}: {:?}", r.body))
}

fn statuses(r: &Resp) -> Vec<(String, String)> {
    r.body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_fresh_org_fails_mfa_roles_and_audit_review_then_passes_after_the_work() {
    let fx = fixture_mfa(
        Settings::default(),
        vec![Role::Owner, Role::Admin, Role::RiskLead],
    )
    .await;
    fx.setup().await;
    let tok = fx.token().await;
    let r = fx.get("/api/v1/orgs/readiness", &tok).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["ready"], false);
    assert_eq!(
        statuses(&r),
        [
            ("mfa".into(), "fail".into()),
            ("least_privilege".into(), "fail".into()),
            ("keys_server_side".into(), "pass".into()),
            ("environments_separate".into(), "pass".into()),
            ("key_owners".into(), "pass".into()),
            ("audit_reviewed".into(), "fail".into()),
            ("mail_delivery".into(), "pass".into()),
        ]
    );
    let mfa = status_of(&r, "mfa");
    assert_eq!(mfa["evidence"][0]["label"], EMAIL);
    assert!(mfa["remedy"].as_str().unwrap().contains("wt mfa enroll"));
    let audit = status_of(&r, "audit_reviewed");
    assert!(
        audit["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["label"] == "setup.completed"),
        "{audit}"
    );
    assert_eq!(r.body["settings"]["review_interval_days"], 90);

    // The work: MFA for the owner, a role review, an audit review.
    let (tok, _, _) = super::mfa::enrolled_again(&fx, &tok).await;
    let m = fx
        .post("/api/v1/orgs/members/reviews", json!({}), Some(&tok))
        .await;
    assert_eq!(m.status, StatusCode::CREATED, "{:?}", m.body);
    let a = fx
        .post("/api/v1/orgs/audit-logs/reviews", json!({}), Some(&tok))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{:?}", a.body);
    let r = fx.get("/api/v1/orgs/readiness", &tok).await;
    assert_eq!(r.body["ready"], true, "{:?}", statuses(&r));
    assert!(
        statuses(&r).iter().all(|(_, s)| s == "pass"),
        "{:?}",
        statuses(&r)
    );

    // A sensitive change after the review warns inside the window and fails after it.
    let p = fx
        .send(req(
            "PATCH",
            "/api/v1/orgs/settings",
            &tok,
            Some(json!({"readiness": {"audit_review_window_days": 2}})),
        ))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{:?}", p.body);
    assert_eq!(p.body["readiness"]["audit_review_window_days"], 2);
    let r = fx.get("/api/v1/orgs/readiness", &tok).await;
    assert_eq!(status_of(&r, "audit_reviewed")["status"], "warn");
    assert_eq!(
        r.body["ready"], true,
        "a warning does not make the org unready"
    );
    assert_eq!(r.body["settings"]["audit_review_window_days"], 2);
}

#[tokio::test]
async fn a_key_used_from_browser_code_fails_until_it_is_rotated_away() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    let k = fx
        .post(
            "/api/v1/orgs/api-keys",
            json!({"name": "web", "environment": "production", "owner_email": EMAIL}),
            Some(&tok),
        )
        .await;
    let (id, secret) = (
        k.body["id"].as_str().unwrap().to_string(),
        k.body["secret"].as_str().unwrap().to_string(),
    );
    let used = fx
        .send(
            Request::post("/api/v1/ingest/events")
                .header(header::AUTHORIZATION, format!("Bearer {secret}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ORIGIN, "https://app.example")
                .body(Body::from(json!({"events": [{"a": 1}]}).to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(used.status, StatusCode::FORBIDDEN);
    let r = fx.get("/api/v1/orgs/readiness", &tok).await;
    let c = status_of(&r, "keys_server_side");
    assert_eq!(c["status"], "fail");
    assert_eq!(c["evidence"][0]["id"], id);
    assert!(
        c["evidence"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("https://app.example")
    );
    assert!(c["remedy"].as_str().unwrap().contains("wt keys rotate"));

    let rot = fx
        .post(
            &format!("/api/v1/orgs/api-keys/{id}/rotate"),
            json!({"grace_seconds": 0}),
            Some(&tok),
        )
        .await;
    assert_eq!(rot.status, StatusCode::CREATED);
    let r = fx.get("/api/v1/orgs/readiness", &tok).await;
    assert_eq!(status_of(&r, "keys_server_side")["status"], "pass");
}

#[tokio::test]
async fn key_owners_who_leave_and_old_keys_are_flagged() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    let admin = super::team_member(&fx, &tok, "admin@acme.test", "admin").await;
    let _ = admin;
    let k = fx
        .post(
            "/api/v1/orgs/api-keys",
            json!({"name": "etl", "environment": "production", "owner_email": "admin@acme.test"}),
            Some(&tok),
        )
        .await;
    assert_eq!(k.status, StatusCode::CREATED);
    let admin_id = k.body["owner"]["id"].as_str().unwrap().to_string();
    let r = fx.get("/api/v1/orgs/readiness", &tok).await;
    assert_eq!(status_of(&r, "key_owners")["status"], "pass");
    let d = fx
        .send(req(
            "DELETE",
            &format!("/api/v1/orgs/members/{admin_id}"),
            &tok,
            None,
        ))
        .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT, "{:?}", d.body);
    let r = fx.get("/api/v1/orgs/readiness", &tok).await;
    let c = status_of(&r, "key_owners");
    assert_eq!(c["status"], "fail");
    assert!(
        c["evidence"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("admin@acme.test")
    );
    // Age: warn past 90 days, fail past 180 (the owner's session stays alive by use).
    let u = fx
        .send(req(
            "PATCH",
            &format!("/api/v1/orgs/api-keys/{}", k.body["id"].as_str().unwrap()),
            &tok,
            Some(json!({"owner_email": EMAIL})),
        ))
        .await;
    assert_eq!(u.status, StatusCode::OK);
    fx.store
        .set_mfa_required_roles(
            "org_acme",
            vec![],
            T0,
            AuditEvent::new(
                Actor::operator(),
                actions::ORG_SETTINGS_UPDATED,
                &RequestMeta::default(),
            ),
        )
        .await
        .unwrap();
    fx.clock.advance(91 * 86_400);
    let tok = fx.token().await;
    let r = fx.get("/api/v1/orgs/readiness", &tok).await;
    assert_eq!(status_of(&r, "key_owners")["status"], "warn");
    fx.clock.advance(90 * 86_400);
    let tok = fx.token().await;
    let r = fx.get("/api/v1/orgs/readiness", &tok).await;
    assert_eq!(status_of(&r, "key_owners")["status"], "fail");
}

async fn create_token(fx: &Fx, tok: &str, role: &str, expires_in: i64) -> Resp {
    fx.post(
        "/api/v1/orgs/access-tokens",
        json!({"name": "ci-readiness", "role": role,
               "expires_at": wt_core::clock::rfc3339(fx.state.now() + expires_in)}),
        Some(tok),
    )
    .await
}

#[tokio::test]
async fn a_viewer_token_reads_readiness_and_changes_nothing() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    let c = create_token(&fx, &tok, "viewer", 30 * 86_400).await;
    assert_eq!(c.status, StatusCode::CREATED, "{:?}", c.body);
    let secret = c.body["secret"].as_str().unwrap().to_string();
    let id = c.body["id"].as_str().unwrap().to_string();
    assert!(secret.starts_with("wtat_"));
    // Hashed at rest.
    let conn = rusqlite_open(&fx);
    let stored: String = conn
        .query_row("SELECT token_hash FROM access_tokens", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, wt_core::token::hash(&secret));

    assert_eq!(
        fx.get("/api/v1/orgs/readiness", &secret).await.status,
        StatusCode::OK
    );
    let who = fx.get("/api/v1/auth/session", &secret).await;
    assert_eq!(who.status, StatusCode::OK);
    assert_eq!(who.body["role"], "viewer");
    for (method, path, body) in [
        (
            "POST",
            "/api/v1/orgs/api-keys",
            Some(json!({"name": "k", "environment": "sandbox", "owner_email": EMAIL})),
        ),
        (
            "POST",
            "/api/v1/orgs/invites",
            Some(json!({"email": "x@acme.test", "role": "viewer"})),
        ),
        (
            "POST",
            "/api/v1/auth/password/change",
            Some(json!({"current_password": PASSWORD, "new_password": "another long password 99"})),
        ),
        ("POST", "/api/v1/auth/mfa/totp/enroll", Some(json!({}))),
        ("POST", "/api/v1/auth/logout", None),
        (
            "POST",
            "/api/v1/orgs/access-tokens",
            Some(json!({"name": "n", "role": "viewer", "expires_at": "2099-01-01T00:00:00Z"})),
        ),
        (
            "PATCH",
            "/api/v1/orgs/settings",
            Some(json!({"browser_ingest": "allow"})),
        ),
        ("GET", "/api/v1/orgs/audit-logs", None),
    ] {
        let r = fx.send(req(method, path, &secret, body)).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {:?}",
            r.body
        );
    }
    // Listed with its last use; revocation is immediate.
    let list = fx.get("/api/v1/orgs/access-tokens", &tok).await;
    assert_eq!(list.body["items"][0]["last_used_ip"], "127.0.0.1");
    assert_eq!(list.body["items"][0]["created_by"], EMAIL);
    assert!(!String::from_utf8_lossy(&list.raw).contains(&secret[5..]));
    let d = fx
        .send(req(
            "DELETE",
            &format!("/api/v1/orgs/access-tokens/{id}"),
            &tok,
            None,
        ))
        .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT);
    assert_eq!(
        fx.get("/api/v1/orgs/readiness", &secret).await.status,
        StatusCode::UNAUTHORIZED
    );
    let acts = fx.actions().await;
    assert!(acts.contains(&actions::ACCESS_TOKEN_CREATED.to_string()));
    assert!(acts.contains(&actions::ACCESS_TOKEN_REVOKED.to_string()));
}

#[tokio::test]
async fn tokens_expire_stay_below_their_creator_and_obey_allowed_ips() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    let admin = super::team_member(&fx, &tok, "admin@acme.test", "admin").await;
    let above = create_token(&fx, &admin, "owner", 3600).await;
    assert_eq!(above.status, StatusCode::FORBIDDEN);
    let analyst = super::team_member(&fx, &tok, "analyst@acme.test", "analyst").await;
    assert_eq!(
        create_token(&fx, &analyst, "viewer", 3600).await.status,
        StatusCode::FORBIDDEN
    );
    for (bad, secs) in [("viewer", 0), ("viewer", 400 * 86_400)] {
        assert_eq!(
            create_token(&fx, &tok, bad, secs).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let c = create_token(&fx, &tok, "admin", 3600).await;
    let secret = c.body["secret"].as_str().unwrap().to_string();
    assert_eq!(
        fx.get("/api/v1/orgs/api-keys", &secret).await.status,
        StatusCode::OK
    );
    // An admin token still cannot edit allowed IPs (no step-up for tokens).
    let r = fx
        .post(
            "/api/v1/orgs/allowed-ips",
            json!({"cidr": "127.0.0.0/8"}),
            Some(&secret),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Allowed IPs apply to tokens.
    let r = fx
        .post(
            "/api/v1/orgs/allowed-ips",
            json!({"cidr": "10.0.0.0/8", "force": true}),
            Some(&tok),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = fx.get("/api/v1/orgs/api-keys", &secret).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["code"], "ip_not_allowed");
    // Expiry.
    fx.clock.advance(3600);
    let inside = Request::get("/api/v1/orgs/api-keys")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .extension(axum::extract::ConnectInfo(SocketAddr::from((
            [10, 0, 0, 1],
            1,
        ))))
        .body(Body::empty())
        .unwrap();
    assert_eq!(fx.send(inside).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_viewer_sees_statuses_and_counts_but_no_member_key_or_actor_an_admin_sees_them() {
    let fx = fixture_mfa(Settings::default(), vec![Role::Owner, Role::RiskLead]).await;
    fx.setup().await;
    let owner = fx.token().await;
    let admin = super::team_member(&fx, &owner, "admin@acme.test", "admin").await;
    let viewer = super::team_member(&fx, &owner, "viewer@acme.test", "viewer").await;
    let k = fx
        .post(
            "/api/v1/orgs/api-keys",
            json!({"name": "web-widget", "environment": "production", "owner_email": EMAIL}),
            Some(&owner),
        )
        .await;
    assert_eq!(k.status, StatusCode::CREATED, "{:?}", k.body);
    let key_id = k.body["id"].as_str().unwrap().to_string();
    let secret = k.body["secret"].as_str().unwrap().to_string();
    // The key used from a browser page: item 3 fails with the key and the origin.
    fx.send(
        Request::post("/api/v1/ingest/events")
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ORIGIN, "https://shop.example")
            .body(Body::from(json!({"events": [{"a": 1}]}).to_string()))
            .unwrap(),
    )
    .await;

    // What the viewer's role cannot read anywhere else.
    for path in [
        "/api/v1/orgs/members",
        "/api/v1/orgs/api-keys",
        "/api/v1/orgs/audit-logs",
    ] {
        assert_eq!(
            fx.get(path, &viewer).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let hidden = [
        EMAIL,
        "admin@acme.test",
        "viewer@acme.test",
        key_id.as_str(),
        "web-widget",
        "shop.example",
        "127.0.0.1",
    ];

    let a = fx.get("/api/v1/orgs/readiness", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    let text = String::from_utf8_lossy(&a.raw);
    for x in [
        "owner@acme.test",
        key_id.as_str(),
        "web-widget",
        "shop.example",
    ] {
        assert!(text.contains(x), "the admin sees {x}: {text}");
    }
    let v = fx.get("/api/v1/orgs/readiness", &viewer).await;
    assert_eq!(v.status, StatusCode::OK, "{:?}", v.body);
    let text = String::from_utf8_lossy(&v.raw);
    for x in hidden {
        assert!(!text.contains(x), "a viewer must not see {x}: {text}");
    }
    assert_eq!(statuses(&v), statuses(&a), "the same verdicts");
    for id in ["mfa", "keys_server_side", "audit_reviewed"] {
        let (ac, vc) = (status_of(&a, id), status_of(&v, id));
        assert_eq!(vc["status"], "fail", "{id}");
        assert_eq!(vc["evidence"], json!([]), "{id}");
        assert_eq!(
            vc["evidence_withheld"].as_u64(),
            ac["evidence"].as_array().map(|e| e.len() as u64),
            "{id}: the viewer gets the count"
        );
        assert_eq!(ac["evidence_withheld"], 0, "{id}");
    }
}

#[tokio::test]
async fn mail_waiting_too_long_warns_and_shows_in_metrics_naming_recipients_only_to_member_readers()
{
    use wt_core::mail::DeliveryFailure;
    use wt_store::OutboxStore;
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    let viewer = super::team_member(&fx, &owner, "viewer@acme.test", "viewer").await;
    let r = super::invite(&fx, &owner, "late@acme.test", "analyst").await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let r = fx.get("/api/v1/orgs/readiness", &owner).await;
    assert_eq!(
        status_of(&r, "mail_delivery")["status"],
        "pass",
        "just queued"
    );
    // The relay refuses its certificate, as the mailer records it.
    for m in fx.store.due_mail(T0, 10).await.unwrap() {
        let error = DeliveryFailure::CertificateUntrusted.record("invalid peer certificate");
        fx.store.mail_failed(&m.id, &error, T0 + 30).await.unwrap();
    }
    fx.clock.advance(20 * 60);

    let r = fx.get("/api/v1/orgs/readiness", &owner).await;
    let c = status_of(&r, "mail_delivery");
    assert_eq!(c["status"], "warn", "{c}");
    let summary = c["summary"].as_str().unwrap();
    assert!(
        summary.contains("1 mail undelivered") && summary.contains("certificate_untrusted"),
        "{summary}"
    );
    assert!(
        c["remedy"].as_str().unwrap().contains("--smtp-ca-file"),
        "{c}"
    );
    assert_eq!(c["evidence"][0]["label"], "late@acme.test");
    let v = fx.get("/api/v1/orgs/readiness", &viewer).await;
    let vc = status_of(&v, "mail_delivery");
    assert_eq!(vc["status"], "warn");
    assert_eq!(vc["evidence"], json!([]));
    assert_eq!(vc["evidence_withheld"], 1);
    assert!(!String::from_utf8_lossy(&v.raw).contains("late@acme.test"));

    let metrics = |fx: &Fx| {
        let req = Request::get("/metrics").body(Body::empty()).unwrap();
        let app = fx.app.clone();
        async move {
            let r = app.oneshot(req).await.unwrap();
            let b = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
            String::from_utf8_lossy(&b).into_owned()
        }
    };
    let text = metrics(&fx).await;
    assert!(
        text.contains("wt_mail_oldest_undelivered_age_seconds 1200")
            && text.contains("wt_mail_undelivered 1"),
        "{text}"
    );

    // Delivered at last: the check passes and nothing waits.
    assert!(
        super::mails(&fx)
            .await
            .iter()
            .any(|m| m.contains("late@acme.test"))
    );
    let r = fx.get("/api/v1/orgs/readiness", &owner).await;
    assert_eq!(status_of(&r, "mail_delivery")["status"], "pass");
    let text = metrics(&fx).await;
    assert!(
        text.contains("wt_mail_oldest_undelivered_age_seconds 0")
            && text.contains("wt_mail_undelivered 0"),
        "{text}"
    );
}
