//! Setup, sign-in and the login throttle.

use super::*;

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
