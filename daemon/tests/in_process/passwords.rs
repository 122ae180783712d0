//! Password policy and the password flows: forgot, reset, change (SECURITY.md D).

use super::*;

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
async fn common_and_context_passwords_are_refused_at_acceptance_saying_why() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    invite(&fx, &tok, "i@x.test", "viewer").await;
    let t = token_in_mail(&fx, "i@x.test", "wti_").await;
    for (pw, why) in [
        ("baseball", "breached and common"),
        ("my acme password is long", "acme"),
        ("trustno1trustno1", "too easy to guess: repeats"),
    ] {
        let r = fx
            .post(
                "/api/v1/invites/accept",
                json!({"token": t, "name": "I", "password": pw}),
                None,
            )
            .await;
        assert_eq!(r.body["code"], "password_policy");
        assert!(
            r.body["detail"].as_str().unwrap().contains(why),
            "{:?}",
            r.body
        );
    }
    // Viewers have no MFA enforced here: 15 characters.
    let short = fx
        .post(
            "/api/v1/invites/accept",
            json!({"token": t, "name": "I", "password": "only12chars!"}),
            None,
        )
        .await;
    assert!(short.body["detail"].as_str().unwrap().contains("15"));
}

/// Issue #22's three passwords that got through, and what the refusal must say.
const OBVIOUS: [(&str, &str); 3] = [
    ("passwordpassword", "breached and common passwords"),
    ("qwertyuiopasdfgh", "breached and common passwords"),
    ("Acme2026Acme2026", "must not contain \"acme\""),
];

/// A 422 `password_policy` whose detail says `why`.
fn refused_saying(r: &Resp, pw: &str, why: &str) {
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{pw}: {:?}",
        r.body
    );
    assert_eq!(r.body["code"], "password_policy", "{pw}");
    let detail = r.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(why), "{pw}: {detail}");
}

#[tokio::test]
async fn obvious_passwords_are_refused_at_setup_acceptance_reset_and_change_saying_why() {
    let fx = fixture().await;
    for (pw, why) in OBVIOUS {
        let r = fx
            .post(
                "/api/v1/setup",
                json!({"token": SETUP_TOKEN, "name": "Owner", "password": pw}),
                None,
            )
            .await;
        refused_saying(&r, pw, why);
    }
    let tok = owner(&fx).await;

    invite(&fx, &tok, "i@x.test", "viewer").await;
    let t = token_in_mail(&fx, "i@x.test", "wti_").await;
    for (pw, why) in OBVIOUS {
        let r = fx
            .post(
                "/api/v1/invites/accept",
                json!({"token": t, "name": "Ivy", "password": pw}),
                None,
            )
            .await;
        refused_saying(&r, pw, why);
    }
    // The person's own name counts as context too.
    let r = fx
        .post(
            "/api/v1/invites/accept",
            json!({"token": t, "name": "Ivy Brennan", "password": "Brennan.2026.Summer!"}),
            None,
        )
        .await;
    refused_saying(&r, "Brennan.2026.Summer!", "must not contain \"brennan\"");

    for (pw, why) in OBVIOUS {
        let r = fx
            .post(
                "/api/v1/auth/password/change",
                json!({"current_password": PASSWORD, "new_password": pw}),
                Some(&tok),
            )
            .await;
        refused_saying(&r, pw, why);
    }

    let r = fx
        .post(
            "/api/v1/auth/password/forgot",
            json!({"email": EMAIL}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let reset = reset_token(&fx).await;
    for (pw, why) in OBVIOUS {
        let r = fx
            .post(
                "/api/v1/auth/password/reset",
                json!({"token": reset, "new_password": pw}),
                None,
            )
            .await;
        refused_saying(&r, pw, why);
    }
    // None of the refusals used up the links or changed the password; a passphrase works.
    let ok = fx
        .post(
            "/api/v1/invites/accept",
            json!({"token": t, "name": "Ivy", "password": "a different long passphrase 9"}),
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{:?}", ok.body);
    let ok = fx
        .post(
            "/api/v1/auth/password/reset",
            json!({"token": reset, "new_password": "a brand new passphrase 7"}),
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{:?}", ok.body);
    assert_eq!(
        fx.login(EMAIL, "a brand new passphrase 7").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn mail_links_come_from_the_configured_url_never_the_host_header() {
    let fx = fixture_with(Settings {
        public_url: Some("https://wt.acme.example".into()),
        hosts: wt_core::hosts::HostPolicy::new(
            Some("https://wt.acme.example"),
            [0, 0, 0, 0].into(),
        )
        .unwrap(),
        link_base: Some("https://wt.acme.example".into()),
        ..Settings::default()
    })
    .await;
    let tok = owner(&fx).await;
    // A Host this server does not serve is refused before anything happens; a
    // loopback Host (served) still does not make the links.
    let req = Request::post("/api/v1/orgs/invites")
        .header(header::HOST, "evil.example")
        .header(header::AUTHORIZATION, format!("Bearer {tok}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"email": "l@x.test", "role": "viewer"}).to_string(),
        ))
        .unwrap();
    assert_eq!(fx.send(req).await.status, StatusCode::MISDIRECTED_REQUEST);
    let req = Request::post("/api/v1/orgs/invites")
        .header(header::HOST, "127.0.0.1:9999")
        .header("x-forwarded-host", "evil.example")
        .header(header::AUTHORIZATION, format!("Bearer {tok}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"email": "l@x.test", "role": "viewer"}).to_string(),
        ))
        .unwrap();
    assert_eq!(fx.send(req).await.status, StatusCode::CREATED);
    let all = mails(&fx).await.join("\n");
    assert!(
        all.contains("https://wt.acme.example/invite#token=wti_"),
        "{all}"
    );
    assert!(
        !all.contains("evil.example") && !all.contains("127.0.0.1"),
        "{all}"
    );
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_known_and_unknown_emails() {
    let fx = fixture().await;
    owner(&fx).await;
    let known = fx
        .post(
            "/api/v1/auth/password/forgot",
            json!({"email": EMAIL}),
            None,
        )
        .await;
    let unknown = fx
        .post(
            "/api/v1/auth/password/forgot",
            json!({"email": "nobody@acme.test"}),
            None,
        )
        .await;
    assert_eq!(known.status, StatusCode::ACCEPTED);
    assert_eq!((known.status, &known.raw), (unknown.status, &unknown.raw));
    let names = |r: &Resp| {
        let mut v: Vec<_> = r.headers.keys().map(|k| k.to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(names(&known), names(&unknown));
}

/// Reset mails that reached the outbox so far.
async fn reset_mails(fx: &Fx) -> usize {
    mails(fx)
        .await
        .iter()
        .filter(|m| m.contains("wtr_"))
        .count()
}

/// Lets the spawned forgot-password tasks finish (bounded).
async fn settle(fx: &Fx, want: usize) -> usize {
    for _ in 0..100 {
        if reset_mails(fx).await >= want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    reset_mails(fx).await
}

#[tokio::test]
async fn forgot_password_never_refuses_the_owner_and_bounds_their_mail() {
    let fx = fixture().await;
    owner(&fx).await;
    // Others, from ten addresses, ask for the owner's reset again and again.
    for i in 0..10u8 {
        let app = App::new(fx.state.clone(), Limits::default())
            .for_peer(SocketAddr::from(([203, 0, 113, i + 1], 40000)));
        let req = Request::post("/api/v1/auth/password/forgot")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({"email": EMAIL}).to_string()))
            .unwrap();
        let r = app.oneshot(req).await.unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED, "request {i}");
    }
    // One mail: while its link is fresh, nobody's request mints another or kills it.
    assert_eq!(settle(&fx, 1).await, 1);
    let first = token_in_mail(&fx, EMAIL, "wtr_").await;
    // The owner's own request is answered the same, never 429 (J.67)...
    fx.clock.advance(10 * 60);
    let r = fx
        .post(
            "/api/v1/auth/password/forgot",
            json!({"email": EMAIL}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(
        settle(&fx, 2).await,
        1,
        "nothing more while the link is fresh"
    );
    // ...and the link in their inbox still works, ten minutes on.
    let verify = |t: String| {
        let fx = &fx;
        async move {
            fx.post(
                "/api/v1/auth/password/reset/verify",
                json!({"token": t}),
                None,
            )
            .await
            .status
        }
    };
    assert_eq!(verify(first.clone()).await, StatusCode::OK);
    // After 15 minutes a request mails a new link, which replaces the old one.
    fx.clock.advance(6 * 60);
    let r = fx
        .post(
            "/api/v1/auth/password/forgot",
            json!({"email": EMAIL}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(settle(&fx, 2).await, 2);
    let second = token_in_mail(&fx, EMAIL, "wtr_").await;
    assert_ne!(first, second);
    assert_eq!(verify(second).await, StatusCode::OK);
    assert_eq!(verify(first).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn forgot_password_is_limited_per_requester_address() {
    let fx = fixture().await;
    owner(&fx).await;
    for i in 0..20 {
        let r = fx
            .post(
                "/api/v1/auth/password/forgot",
                json!({"email": format!("x{i}@elsewhere.test")}),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "request {i}");
    }
    let r = fx
        .post(
            "/api/v1/auth/password/forgot",
            json!({"email": EMAIL}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_reset_link_works_once_ends_every_session_and_does_not_log_in() {
    let fx = fixture().await;
    let old = owner(&fx).await;
    fx.post(
        "/api/v1/auth/password/forgot",
        json!({"email": EMAIL}),
        None,
    )
    .await;
    let t = reset_token(&fx).await;
    let v = fx
        .post(
            "/api/v1/auth/password/reset/verify",
            json!({"token": t}),
            None,
        )
        .await;
    assert_eq!(
        (v.status, v.body["email_hint"].as_str()),
        (StatusCode::OK, Some("o***@acme.test"))
    );
    let v2 = fx
        .post(
            "/api/v1/auth/password/reset/verify",
            json!({"token": t}),
            None,
        )
        .await;
    assert_eq!(v2.status, StatusCode::OK, "verifying does not consume");
    let new_pw = "a brand new passphrase 7";
    let r = fx
        .post(
            "/api/v1/auth/password/reset",
            json!({"token": t, "new_password": new_pw}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert!(r.body.get("token").is_none());
    let again = fx
        .post(
            "/api/v1/auth/password/reset",
            json!({"token": t, "new_password": "yet another passphrase 8"}),
            None,
        )
        .await;
    assert_eq!(again.body["code"], "reset_token_invalid");
    assert_eq!(
        fx.get("/api/v1/auth/session", &old).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fx.login(EMAIL, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(fx.login(EMAIL, new_pw).await.status, StatusCode::OK);
    let all = mails(&fx).await.join("\n");
    assert!(all.contains("Your password was reset"));
    assert!(
        fx.actions()
            .await
            .contains(&actions::PASSWORD_RESET.to_string())
    );
}

#[tokio::test]
async fn of_two_parallel_reset_completions_exactly_one_succeeds() {
    let fx = fixture().await;
    owner(&fx).await;
    fx.post(
        "/api/v1/auth/password/forgot",
        json!({"email": EMAIL}),
        None,
    )
    .await;
    let t = reset_token(&fx).await;
    let mut tasks = vec![];
    for i in 0..2 {
        let app = fx.app.clone();
        let body = json!({"token": t, "new_password": format!("parallel passphrase number {i}")})
            .to_string();
        tasks.push(tokio::spawn(async move {
            let req = Request::post("/api/v1/auth/password/reset")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap();
            app.oneshot(req).await.unwrap().status()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap() == StatusCode::NO_CONTENT {
            ok += 1;
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn a_new_reset_request_kills_older_tokens_and_tokens_expire_in_30_minutes() {
    let fx = fixture().await;
    owner(&fx).await;
    fx.post(
        "/api/v1/auth/password/forgot",
        json!({"email": EMAIL}),
        None,
    )
    .await;
    let first = reset_token(&fx).await;
    // Within 15 minutes a new request changes nothing (J.67); after, it replaces the link.
    fx.clock.advance(15 * 60);
    fx.post(
        "/api/v1/auth/password/forgot",
        json!({"email": EMAIL}),
        None,
    )
    .await;
    let mut second = first.clone();
    for _ in 0..200 {
        second = token_in_mail(&fx, EMAIL, "wtr_").await;
        if second != first {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_ne!(first, second);
    let v1 = fx
        .post(
            "/api/v1/auth/password/reset/verify",
            json!({"token": first}),
            None,
        )
        .await;
    assert_eq!(v1.body["code"], "reset_token_invalid");
    fx.clock.advance(30 * 60);
    let v2 = fx
        .post(
            "/api/v1/auth/password/reset/verify",
            json!({"token": second}),
            None,
        )
        .await;
    assert_eq!(v2.body["code"], "reset_token_invalid");
}

#[tokio::test]
async fn with_mfa_a_reset_needs_a_code_too() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    let e = fx
        .post("/api/v1/auth/mfa/totp/enroll", json!({}), Some(&tok))
        .await;
    let secret = totp_rs::Secret::try_from_base32(e.body["secret"].as_str().unwrap())
        .unwrap()
        .as_bytes()
        .to_vec();
    let step = |fx: &Fx| wt_core::Clock::now(fx.clock.as_ref()) as u64 / 30;
    fx.post(
        "/api/v1/auth/mfa/totp/confirm",
        json!({"code": wt_core::mfa::code_at_step(&secret, step(&fx))}),
        Some(&tok),
    )
    .await;
    fx.post(
        "/api/v1/auth/password/forgot",
        json!({"email": EMAIL}),
        None,
    )
    .await;
    let t = reset_token(&fx).await;
    let v = fx
        .post(
            "/api/v1/auth/password/reset/verify",
            json!({"token": t}),
            None,
        )
        .await;
    assert_eq!(v.body["mfa_required"], true);
    let pw = "a brand new passphrase 7";
    let no_code = fx
        .post(
            "/api/v1/auth/password/reset",
            json!({"token": t, "new_password": pw}),
            None,
        )
        .await;
    assert_eq!(no_code.body["code"], "mfa_code_required");
    fx.clock.advance(30);
    let ok = fx
        .post(
            "/api/v1/auth/password/reset",
            json!({"token": t, "new_password": pw, "code": wt_core::mfa::code_at_step(&secret, step(&fx))}),
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{:?}", ok.body);
    // Still no session from the password alone afterwards.
    assert_eq!(fx.login(EMAIL, pw).await.body["mfa_required"], true);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let other = fx.token().await;
    let wrong = fx
        .post(
            "/api/v1/auth/password/change",
            json!({"current_password": "not it at all 123", "new_password": "a brand new passphrase 7"}),
            Some(&tok),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let common = fx
        .post(
            "/api/v1/auth/password/change",
            json!({"current_password": PASSWORD, "new_password": "baseball"}),
            Some(&tok),
        )
        .await;
    assert_eq!(common.body["code"], "password_policy");
    let ok = fx
        .post(
            "/api/v1/auth/password/change",
            json!({"current_password": PASSWORD, "new_password": "a brand new passphrase 7"}),
            Some(&tok),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{:?}", ok.body);
    assert_eq!(
        fx.get("/api/v1/auth/session", &other).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fx.get("/api/v1/auth/session", &tok).await.status,
        StatusCode::OK
    );
    assert!(
        mails(&fx)
            .await
            .join("\n")
            .contains("Your password was changed")
    );
    let acts = fx.actions().await;
    assert!(
        acts.contains(&actions::PASSWORD_CHANGE_FAILED.to_string())
            && acts.contains(&actions::PASSWORD_CHANGED.to_string())
    );
}

#[tokio::test]
async fn wrong_current_passwords_count_toward_the_login_throttle() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    for _ in 0..5 {
        fx.post(
            "/api/v1/auth/password/change",
            json!({"current_password": "not it at all 123", "new_password": "a brand new passphrase 7"}),
            Some(&tok),
        )
        .await;
    }
    assert_eq!(
        fx.login(EMAIL, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn guessing_tokens_is_throttled_per_address() {
    let fx = fixture().await;
    for i in 0..20 {
        let r = fx
            .post(
                "/api/v1/auth/password/reset/verify",
                json!({"token": format!("wtr_{i:0>43}")}),
                None,
            )
            .await;
        assert_eq!(r.body["code"], "reset_token_invalid");
    }
    let r = fx
        .post(
            "/api/v1/invites/verify",
            json!({"token": format!("wti_{}", "x".repeat(43))}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_throttled_account_can_still_reset_its_password() {
    let fx = fixture().await;
    owner(&fx).await;
    for _ in 0..6 {
        fx.login(EMAIL, "wrong password 123").await;
    }
    assert_eq!(
        fx.login(EMAIL, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    fx.post(
        "/api/v1/auth/password/forgot",
        json!({"email": EMAIL}),
        None,
    )
    .await;
    let t = reset_token(&fx).await;
    let r = fx
        .post(
            "/api/v1/auth/password/reset",
            json!({"token": t, "new_password": "a brand new passphrase 7"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
}
