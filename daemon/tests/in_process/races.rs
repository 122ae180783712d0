//! Races: many requests on one object at once get exactly the safe outcome,
//! every round. Requests run as parallel tasks on a multi-threaded runtime.

use super::*;
use wt_core::mfa::code_at_step;

/// Sends all requests at once; returns their statuses in order.
async fn at_once(fx: &Fx, reqs: Vec<Request<Body>>) -> Vec<StatusCode> {
    let tasks: Vec<_> = reqs
        .into_iter()
        .map(|r| {
            let app = fx.app.clone();
            tokio::spawn(async move { app.oneshot(r).await.unwrap().status() })
        })
        .collect();
    let mut out = vec![];
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn post(path: &str, tok: Option<&str>, body: Value) -> Request<Body> {
    let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = tok {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::from(body.to_string())).unwrap()
}

fn delete(path: &str, tok: &str) -> Request<Body> {
    Request::delete(path)
        .header(header::AUTHORIZATION, format!("Bearer {tok}"))
        .body(Body::empty())
        .unwrap()
}

fn count(s: &[StatusCode], want: StatusCode) -> usize {
    s.iter().filter(|x| **x == want).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_invite_accepted_twice_at_once_creates_one_member() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    for round in 0..5 {
        let email = format!("twice{round}@acme.test");
        let r = fx
            .post(
                "/api/v1/orgs/invites",
                json!({"email": email, "role": "viewer"}),
                Some(&tok),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let t = super::token_in_mail(&fx, &email, "wti_").await;
        let reqs = (0..4)
            .map(|i| {
                post(
                    "/api/v1/invites/accept",
                    None,
                    json!({"token": t, "name": format!("N{i}"), "password": PASSWORD}),
                )
            })
            .collect();
        let s = at_once(&fx, reqs).await;
        assert_eq!(count(&s, StatusCode::CREATED), 1, "round {round}: {s:?}");
        let members = fx.get("/api/v1/orgs/members", &tok).await;
        let n = members.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["email"] == email.as_str())
            .count();
        assert_eq!(n, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_rotated_and_revoked_at_once_ends_revoked_either_way() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    for round in 0..10 {
        let k = fx
            .post(
                "/api/v1/orgs/api-keys",
                json!({"name": format!("k{round}"), "environment": "production", "owner_email": EMAIL}),
                Some(&tok),
            )
            .await;
        let (id, secret) = (
            k.body["id"].as_str().unwrap().to_string(),
            k.body["secret"].as_str().unwrap().to_string(),
        );
        let path = format!("/api/v1/orgs/api-keys/{id}");
        let s = at_once(
            &fx,
            vec![
                post(
                    &format!("{path}/rotate"),
                    Some(&tok),
                    json!({"grace_seconds": 3600}),
                ),
                delete(&path, &tok),
                post(
                    &format!("{path}/rotate"),
                    Some(&tok),
                    json!({"grace_seconds": 3600}),
                ),
            ],
        )
        .await;
        assert_eq!(
            s[1],
            StatusCode::NO_CONTENT,
            "revocation always succeeds: {s:?}"
        );
        assert!(
            count(&s, StatusCode::CREATED) <= 1,
            "one pending rotation per key: {s:?}"
        );
        // Whatever the order, the old key is dead at once, in the database and the cache.
        let shown = fx.get(&path, &tok).await;
        assert_eq!(shown.body["status"], "revoked", "round {round}");
        let r = fx
            .post(
                "/api/v1/ingest/events",
                json!({"events": [{"a": 1}]}),
                Some(&secret),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "round {round}: {s:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_totp_code_submitted_twice_at_once_logs_in_once() {
    let fx = fixture().await;
    let (_, secret, _) = super::mfa::enrolled(&fx).await;
    for round in 0..5 {
        fx.clock.advance(wt_core::mfa::STEP as i64);
        let mut challenges = vec![];
        for _ in 0..3 {
            let r = fx.login(EMAIL, PASSWORD).await;
            challenges.push(r.body["challenge"].as_str().unwrap().to_string());
        }
        let code = code_at_step(&secret, super::mfa::step_now(&fx));
        let reqs = challenges
            .iter()
            .map(|c| {
                post(
                    "/api/v1/auth/mfa/verify",
                    None,
                    json!({"challenge": c, "code": code}),
                )
            })
            .collect();
        let s = at_once(&fx, reqs).await;
        assert_eq!(count(&s, StatusCode::OK), 1, "round {round}: {s:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn allowed_ip_edits_at_once_keep_the_list_and_the_cache_in_step() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    // Loopback first: the caller must stay allowed while the edits race (otherwise an edit
    // that lands first rightly locks out the requests still in flight).
    let first = fx
        .post(
            "/api/v1/orgs/allowed-ips",
            json!({"cidr": "127.0.0.0/8"}),
            Some(&tok),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let reqs = (0..16)
        .map(|i| {
            post(
                "/api/v1/orgs/allowed-ips",
                Some(&tok),
                json!({"cidr": format!("10.{i}.0.0/16")}),
            )
        })
        .collect();
    let s = at_once(&fx, reqs).await;
    assert_eq!(count(&s, StatusCode::CREATED), 16, "{s:?}");
    let stored = fx.store.allowed_ips_list("org_acme").await.unwrap();
    assert_eq!(stored.len(), 17);
    let cached = fx.state.caches.org("org_acme").unwrap();
    assert_eq!(
        cached.allowed.len(),
        17,
        "the cache holds what the database holds"
    );
}
