//! The Security tab's polish through the whole router: a failed post shows its error next
//! to the field it is about (`aria-invalid`, `aria-describedby`), keeps its section open
//! and never shows a typed secret again; "sign out all other sessions" (the current one
//! survives, CSRF, audited, 50 at once); the security notice mails on a recovery code's
//! use and on a sign-in from a new device (`wt_core::sessions::is_new_device`).

use super::console::{cookie_of, field, form, html, page_get, text_of};
use super::mfa::step_now;
use super::*;
use wt_core::mfa::{STEP, code_at_step};

const NEW_PASSWORD: &str = "a fresh and rather long passphrase 2026";

/// The opening tag of the element with `id` on a page.
fn tag<'a>(page: &'a str, id: &str) -> &'a str {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    let start = page[..at].rfind('<').unwrap();
    let end = at + page[at..].find('>').unwrap();
    &page[start..=end]
}

/// `id`'s input is marked invalid and points at its message, which says `says`.
fn assert_field_error(page: &str, id: &str, says: &str) {
    let input = tag(page, id);
    assert!(input.contains("aria-invalid=\"true\""), "{input}");
    let described = input
        .split("aria-describedby=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no aria-describedby: {input}"));
    assert!(
        described.split(' ').any(|d| d == format!("{id}-error")),
        "{input}"
    );
    assert!(
        text_of(page, &format!("{id}-error")).contains(says),
        "{id}: {}",
        text_of(page, &format!("{id}-error"))
    );
    // One field in error at a time.
    assert_eq!(page.matches("aria-invalid=\"true\"").count(), 1, "{page}");
}

/// Signs in through the login form from `peer` with `ua`; returns the cookie.
async fn console_login_from(fx: &Fx, peer: &str, ua: &str) -> String {
    let mut r = form("/login", &[("email", EMAIL), ("password", PASSWORD)], None);
    r.headers_mut()
        .insert(header::USER_AGENT, ua.parse().unwrap());
    let r = fx.send_from(r, peer).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    cookie_of(&r).expect("a session cookie")
}

const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

async fn console_login(fx: &Fx) -> String {
    console_login_from(fx, "127.0.0.1:50000", CHROME).await
}

async fn security(fx: &Fx, cookie: &str) -> String {
    let r = fx.send(page_get("/security", Some(cookie))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    html(&r)
}

/// MFA turned on from the Security tab; returns the secret and the recovery codes.
async fn enroll_in_console(fx: &Fx, cookie: &str) -> (Vec<u8>, Vec<String>) {
    let csrf = field(&security(fx, cookie).await, "csrf");
    let r = fx
        .send(form(
            "/security/mfa/enroll",
            &[("csrf", &csrf)],
            Some(cookie),
        ))
        .await;
    let page = html(&r);
    let b32 = text_of(&page, "secret").replace(' ', "");
    let secret = totp_rs::Secret::try_from_base32(&b32)
        .unwrap()
        .as_bytes()
        .to_vec();
    let code = code_at_step(&secret, step_now(fx));
    let r = fx
        .send(form(
            "/security/mfa/confirm",
            &[("csrf", &csrf), ("code", &code)],
            Some(cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    assert_eq!(
        r.headers[header::CACHE_CONTROL],
        "no-store",
        "the codes are never cached"
    );
    let page = html(&r);
    let list = &page[page.find("id=\"recovery-codes\"").unwrap()..];
    let list = &list[..list.find("</ul>").unwrap()];
    let codes = list
        .split("<li>")
        .skip(1)
        .map(|c| c.split('<').next().unwrap().to_string())
        .collect::<Vec<_>>();
    assert_eq!(codes.len(), 10, "{page}");
    // The Copy/Download/Print buttons are there for console.js, hidden without it.
    assert!(tag(&page, "code-actions").contains("hidden"));
    fx.clock.advance(STEP as i64);
    (secret, codes)
}

/// The password form posted with (current, new, again).
async fn post_password(fx: &Fx, cookie: &str, csrf: &str, pw: [&str; 3]) -> Resp {
    let fields = [
        ("csrf", csrf),
        ("current_password", pw[0]),
        ("new_password", pw[1]),
        ("new_password_confirm", pw[2]),
    ];
    fx.send(form("/security/password", &fields, Some(cookie)))
        .await
}

#[tokio::test]
async fn security_tab_errors_sit_at_their_field_in_an_open_section_without_the_secrets() {
    let fx = fixture().await;
    fx.setup().await;
    let cookie = console_login(&fx).await;
    let csrf = field(&security(&fx, &cookie).await, "csrf");
    // A wrong current password: at that field, not "invalid email or password".
    let r = post_password(
        &fx,
        &cookie,
        &csrf,
        ["not my password at all", NEW_PASSWORD, NEW_PASSWORD],
    )
    .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let page = html(&r);
    assert_field_error(&page, "current_password", "current password is not right");
    assert!(tag(&page, "current_password").contains("autofocus"));
    assert!(!page.contains(NEW_PASSWORD) && !page.contains("not my password"));
    // The two new passwords differ: at the second.
    let r = post_password(
        &fx,
        &cookie,
        &csrf,
        [PASSWORD, NEW_PASSWORD, "something else entirely 99"],
    )
    .await;
    let page = html(&r);
    assert_field_error(&page, "new_password_confirm", "not the same");
    assert!(!page.contains(NEW_PASSWORD) && !page.contains(PASSWORD));
    // A refused password: at the new one, whose hint it also points at.
    let r = post_password(
        &fx,
        &cookie,
        &csrf,
        [PASSWORD, "password123", "password123"],
    )
    .await;
    let page = html(&r);
    assert_field_error(&page, "new_password", "");
    assert!(tag(&page, "new_password").contains("new_password-hint new_password-error"));
    assert!(!page.contains("password123"));
    // Nothing changed.
    assert_eq!(fx.login(EMAIL, PASSWORD).await.status, StatusCode::OK);

    // With MFA on, the step-up forms live in closed sections; a failed one stays open.
    let (_secret, _codes) = enroll_in_console(&fx, &cookie).await;
    let page = security(&fx, &cookie).await;
    assert!(!tag(&page, "disable").contains("open"));
    assert!(!tag(&page, "recovery").contains("open"));
    let r = fx
        .send(form(
            "/security/mfa/disable",
            &[
                ("csrf", &csrf),
                ("password", "wrong wrong wrong"),
                ("code", "123456"),
            ],
            Some(&cookie),
        ))
        .await;
    let page = html(&r);
    assert!(tag(&page, "disable").contains("open"), "{page}");
    assert!(!tag(&page, "recovery").contains("open"));
    assert_field_error(&page, "disable_password", "");
    assert!(!page.contains("wrong wrong wrong"));
    let r = fx
        .send(form(
            "/security/mfa/recovery-codes",
            &[("csrf", &csrf), ("password", PASSWORD), ("code", "000000")],
            Some(&cookie),
        ))
        .await;
    let page = html(&r);
    assert!(tag(&page, "recovery").contains("open"), "{page}");
    assert!(!tag(&page, "disable").contains("open"));
    assert_field_error(&page, "recovery_code", "code");
    assert_eq!(text_of(&page, "mfa-status"), "on", "still on");
}

#[tokio::test]
async fn sign_in_reset_and_invite_forms_keep_what_was_typed_but_never_a_secret() {
    let fx = fixture().await;
    fx.setup().await;
    // Login: the address stays, the password does not, the error is at the password.
    let r = fx
        .send(form(
            "/login",
            &[("email", EMAIL), ("password", "guess guess guess")],
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let page = html(&r);
    assert!(tag(&page, "email").contains(&format!("value=\"{EMAIL}\"")));
    assert_field_error(&page, "password", "invalid email or password");
    assert!(!page.contains("guess guess"));

    // The invitation: the name stays, the passwords do not.
    let owner = fx.token().await;
    invite(&fx, &owner, "new@acme.test", "viewer").await;
    let token = token_in_mail(&fx, "new@acme.test", "wti_").await;
    let r = fx
        .send(form(
            "/invite/accept",
            &[
                ("token", &token),
                ("name", "Nina New"),
                ("password", NEW_PASSWORD),
                ("password_confirm", "not the same passphrase 11"),
            ],
            None,
        ))
        .await;
    let page = html(&r);
    assert!(tag(&page, "name").contains("value=\"Nina New\""), "{page}");
    assert_field_error(&page, "password_confirm", "not the same");
    assert!(!page.contains(NEW_PASSWORD));

    // The reset form: a mismatch at the second field; a wrong code at the code.
    let r = fx
        .post(
            "/api/v1/auth/password/forgot",
            json!({"email": EMAIL}),
            None,
        )
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let token = reset_token(&fx).await;
    let r = fx
        .send(form(
            "/reset/complete",
            &[
                ("token", &token),
                ("new_password", NEW_PASSWORD),
                ("new_password_confirm", "not the same passphrase 11"),
            ],
            None,
        ))
        .await;
    let page = html(&r);
    assert_field_error(&page, "new_password_confirm", "not the same");
    assert!(!page.contains(NEW_PASSWORD));
    assert!(page.contains("id=\"back-to-login\""));
}

#[tokio::test]
async fn sign_out_all_other_sessions_keeps_this_one_and_needs_the_csrf_token() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    let viewer = team_member(&fx, &owner, "vic@acme.test", "viewer").await;
    let here = console_login(&fx).await;
    let there = console_login(&fx).await;
    let page = security(&fx, &here).await;
    assert!(
        text_of(&page, "revoke-others-hint").contains("2 other sessions"),
        "{page}"
    );
    let csrf = field(&page, "csrf");
    let alive = |tok: String| {
        let fx = &fx;
        async move { fx.get("/api/v1/auth/session", &tok).await.status == StatusCode::OK }
    };
    let console_alive = |cookie: String| {
        let fx = &fx;
        async move { fx.send(page_get("/security", Some(&cookie))).await.status == StatusCode::OK }
    };
    // Without this session's token, or from another site: refused, nothing ends.
    let theirs = field(&security(&fx, &there).await, "csrf");
    for bad in ["", theirs.as_str()] {
        let r = fx
            .send(form(
                "/security/sessions/revoke-others",
                &[("csrf", bad)],
                Some(&here),
            ))
            .await;
        assert!(
            matches!(r.status, StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST),
            "{}",
            r.status
        );
    }
    let mut cross = form(
        "/security/sessions/revoke-others",
        &[("csrf", &csrf)],
        Some(&here),
    );
    cross
        .headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    cross
        .headers_mut()
        .insert(header::ORIGIN, "https://evil.test".parse().unwrap());
    assert_eq!(fx.send(cross).await.status, StatusCode::FORBIDDEN);
    assert!(alive(owner.clone()).await && console_alive(there.clone()).await);
    assert_eq!(fx.count(actions::OTHER_SESSIONS_REVOKED).await, 0);

    let r = fx
        .send(form(
            "/security/sessions/revoke-others",
            &[("csrf", &csrf)],
            Some(&here),
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    assert_eq!(r.headers[header::LOCATION], "/security?done=others");
    assert!(console_alive(here.clone()).await, "this browser stays");
    assert!(
        !console_alive(there.clone()).await,
        "the other browser is out"
    );
    assert!(!alive(owner.clone()).await, "the CLI session is out");
    assert!(
        alive(viewer.clone()).await,
        "another member's session stays"
    );
    assert_eq!(fx.count(actions::OTHER_SESSIONS_REVOKED).await, 1);
    let page = html(
        &fx.send(page_get("/security?done=others", Some(&here)))
            .await,
    );
    assert!(text_of(&page, "notice").contains("other sessions are signed out"));
    assert!(!page.contains("id=\"revoke-others-form\""), "none left");

    // Fifty at once: each answers, this session survives, the others are gone.
    let more: Vec<String> = futures_util::future::join_all((0..3).map(|_| fx.token())).await;
    let posts = (0..50).map(|_| {
        fx.send(form(
            "/security/sessions/revoke-others",
            &[("csrf", &csrf)],
            Some(&here),
        ))
    });
    let answers = futures_util::future::join_all(posts).await;
    assert!(
        answers.iter().all(|r| r.status == StatusCode::SEE_OTHER),
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(console_alive(here.clone()).await);
    for tok in more {
        assert!(!alive(tok).await);
    }
    assert!(alive(viewer).await);
}

#[tokio::test]
async fn a_used_recovery_code_is_mailed_with_how_many_are_left() {
    let fx = fixture().await;
    let (_tok, _secret, codes) = super::mfa::enrolled(&fx).await;
    for (i, code) in codes.iter().take(2).enumerate() {
        let r = fx.login(EMAIL, PASSWORD).await;
        let ch = r.body["challenge"].as_str().unwrap().to_string();
        let r = fx
            .post(
                "/api/v1/auth/mfa/verify",
                json!({"challenge": ch, "recovery_code": code}),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        let left = 9 - i;
        let all = mails(&fx).await;
        let notice = all
            .iter()
            .find(|m| m.contains(&format!("A recovery code was used ({left} left)")))
            .unwrap_or_else(|| panic!("no notice with {left} left: {all:#?}"));
        assert!(notice.contains(&format!("To: {EMAIL}")), "{notice}");
        assert!(!notice.contains(code.as_str()), "never the code itself");
    }
    // A wrong one is no use, and mails nothing.
    let before = mails(&fx).await.len();
    let r = fx.login(EMAIL, PASSWORD).await;
    let ch = r.body["challenge"].as_str().unwrap().to_string();
    let r = fx
        .post(
            "/api/v1/auth/mfa/verify",
            json!({"challenge": ch, "recovery_code": codes[0]}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{:?}", r.body);
    assert_eq!(mails(&fx).await.len(), before);
}

#[tokio::test]
async fn a_sign_in_from_a_new_device_is_mailed_but_not_the_first_or_a_known_one() {
    let fx = fixture().await;
    fx.setup().await;
    let new_device = |all: &[String]| {
        all.iter()
            .filter(|m| m.contains("A sign-in from a new device"))
            .cloned()
            .collect::<Vec<_>>()
    };
    // The very first sign-in: nothing to compare with.
    console_login_from(&fx, "203.0.113.7:40000", CHROME).await;
    assert!(new_device(&mails(&fx).await).is_empty());
    // The same browser (another version), another address in the same /24: known.
    let newer = CHROME.replace("131.0", "132.0");
    console_login_from(&fx, "203.0.113.99:40001", &newer).await;
    assert!(new_device(&mails(&fx).await).is_empty());
    // Another browser: mailed, naming it and the network, never a secret.
    console_login_from(&fx, "203.0.113.7:40002", FIREFOX).await;
    let found = new_device(&mails(&fx).await);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("Firefox on Windows"), "{}", found[0]);
    assert!(found[0].contains("203.0.113.0/24"), "{}", found[0]);
    assert!(found[0].contains(&format!("To: {EMAIL}")), "{}", found[0]);
    // Now known: no second mail. Another network is new again.
    console_login_from(&fx, "203.0.113.8:40003", FIREFOX).await;
    assert_eq!(new_device(&mails(&fx).await).len(), 1);
    console_login_from(&fx, "198.51.100.4:40004", FIREFOX).await;
    assert_eq!(new_device(&mails(&fx).await).len(), 2);
    // After 90 days without a sign-in, every device is new again.
    fx.clock
        .advance(wt_core::sessions::KNOWN_DEVICE_WINDOW + 86_400);
    console_login_from(&fx, "203.0.113.7:40005", CHROME).await;
    assert_eq!(new_device(&mails(&fx).await).len(), 3);
    console_login_from(&fx, "203.0.113.7:40006", CHROME).await;
    assert_eq!(new_device(&mails(&fx).await).len(), 3);
}
