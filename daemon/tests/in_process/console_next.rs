//! The console's sign-in comes back to the page that sent the person there (`next`):
//! the device login page with its code, kept across the MFA step and the passkey pages;
//! never another site (open-redirect attempts go to the Security tab).

use super::console::{cookie_of, encode, field, form, html, page_get};
use super::mfa::{enrolled, step_now};
use super::*;
use wt_core::mfa::{STEP, code_at_step};

const DEVICE: &str = "/device?user_code=BCDF-GHJK";

/// Open-redirect attempts: each must be dropped (the Security tab instead).
const EVIL: &[&str] = &[
    "//evil.example/device",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "evil.example",
];

fn location(r: &Resp) -> &str {
    r.headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

fn login_url(next: &str) -> String {
    format!("/login?{}", encode(&[("next", next)]))
}

#[tokio::test]
async fn the_device_page_sends_to_login_and_the_sign_in_comes_back_with_the_code() {
    let fx = fixture().await;
    fx.setup().await;
    // Signed out: the page's sign-in link carries where to come back to.
    let page = html(&fx.send(page_get(DEVICE, None)).await);
    let link = login_url(DEVICE);
    assert!(
        page.contains(&format!(
            "id=\"device-login-link\" href=\"{}\"",
            link.replace('&', "&amp;")
        )),
        "{page}"
    );
    // The login page keeps it in its form.
    let login = html(&fx.send(page_get(&link, None)).await);
    assert_eq!(field(&login, "next"), DEVICE);
    // Signing in goes back there, and the code is filled in.
    let r = fx
        .send(form(
            "/login",
            &[("email", EMAIL), ("password", PASSWORD), ("next", DEVICE)],
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    assert_eq!(location(&r), DEVICE);
    let cookie = cookie_of(&r).expect("signed in");
    let back = html(&fx.send(page_get(location(&r), Some(&cookie))).await);
    assert_eq!(field(&back, "user_code"), "BCDF-GHJK", "{back}");
    // Signed in already: the login page sends straight on.
    let r = fx.send(page_get(&link, Some(&cookie))).await;
    assert_eq!(location(&r), DEVICE);
    // Without a next: the Security tab as before.
    let r = fx.send(page_get("/login", Some(&cookie))).await;
    assert_eq!(location(&r), "/security");
}

#[tokio::test]
async fn open_redirect_attempts_are_dropped_on_the_page_and_on_sign_in() {
    let fx = fixture().await;
    fx.setup().await;
    for evil in EVIL {
        let page = html(&fx.send(page_get(&login_url(evil), None)).await);
        assert!(!page.contains("name=\"next\""), "{evil:?} kept: {page}");
        assert!(!page.contains("evil.example"), "{evil:?} echoed");
    }
    // Posted directly (a forged form): the sign-in still goes to the Security tab.
    let r = fx
        .send(form(
            "/login",
            &[("email", EMAIL), ("password", PASSWORD), ("next", EVIL[0])],
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/security");
    let cookie = cookie_of(&r).expect("signed in");
    // And for a signed-in browser following a crafted link.
    for evil in EVIL {
        let r = fx.send(page_get(&login_url(evil), Some(&cookie))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(location(&r), "/security", "{evil:?}");
    }
}

#[tokio::test]
async fn next_is_kept_across_the_mfa_step() {
    let fx = fixture().await;
    let (_, secret, _) = enrolled(&fx).await;
    fx.clock.advance(STEP as i64);
    let r = fx
        .send(form(
            "/login",
            &[("email", EMAIL), ("password", PASSWORD), ("next", DEVICE)],
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let page = html(&r);
    assert_eq!(field(&page, "next"), DEVICE, "the MFA form carries it");
    let challenge = field(&page, "challenge");
    // A wrong code: the form again, still with next.
    let wrong = fx
        .send(form(
            "/login/mfa",
            &[
                ("challenge", &challenge),
                ("code", "000000"),
                ("next", DEVICE),
            ],
            None,
        ))
        .await;
    assert_eq!(field(&html(&wrong), "next"), DEVICE);
    let r = fx
        .send(form(
            "/login/mfa",
            &[
                ("challenge", &challenge),
                ("code", &code_at_step(&secret, step_now(&fx))),
                ("next", DEVICE),
            ],
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    assert_eq!(location(&r), DEVICE);
    // A forged next on the MFA step is dropped too.
    fx.clock.advance(STEP as i64);
    let r = fx
        .send(form(
            "/login",
            &[("email", EMAIL), ("password", PASSWORD)],
            None,
        ))
        .await;
    let challenge = field(&html(&r), "challenge");
    let r = fx
        .send(form(
            "/login/mfa",
            &[
                ("challenge", &challenge),
                ("code", &code_at_step(&secret, step_now(&fx))),
                ("next", "//evil.example"),
            ],
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    assert_eq!(location(&r), "/security");
}

#[tokio::test]
async fn the_passkey_sign_in_pages_carry_next_and_drop_a_foreign_one() {
    let fx = fixture_with(Settings {
        public_url: Some("http://localhost:7878".into()),
        ..Settings::default()
    })
    .await;
    fx.setup().await;
    let get = |path: String| {
        Request::get(path)
            .header(header::HOST, "localhost:7878")
            .body(Body::empty())
            .unwrap()
    };
    let post = |path: &str, fields: &[(&str, &str)]| {
        Request::post(path)
            .header(header::HOST, "localhost:7878")
            .header(header::ORIGIN, "http://localhost:7878")
            .header("sec-fetch-site", "same-origin")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(encode(fields)))
            .unwrap()
    };
    // The login page's passkey offer (button and conditional UI) carries next.
    let page = html(&fx.send(get(login_url(DEVICE))).await);
    let at = page
        .find("id=\"passkey-signin-form\"")
        .expect("passkey offer");
    assert_eq!(field(&page[at..], "next"), DEVICE);
    let at = page
        .find("id=\"passkey-conditional-form\"")
        .expect("conditional UI");
    assert_eq!(field(&page[at..], "next"), DEVICE);
    // Its ceremony page posts it with the answer; "password instead" keeps it.
    let r = fx
        .send(post("/login/passkey/start", &[("next", DEVICE)]))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let ceremony = html(&r);
    assert_eq!(field(&ceremony, "next"), DEVICE);
    assert!(
        ceremony
            .contains("href=\"/login?method=password&amp;next=%2Fdevice%3Fuser_code%3DBCDF-GHJK\""),
        "{ceremony}"
    );
    // A foreign next never reaches the ceremony page.
    let r = fx
        .send(post("/login/passkey/start", &[("next", "//evil.example")]))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!html(&r).contains("evil.example"));
    // A refused answer keeps it on the login page it shows again.
    let r = fx
        .send(post(
            "/login/passkey/signin",
            &[("ceremony", "nope"), ("credential", "{}"), ("next", DEVICE)],
        ))
        .await;
    assert!(r.status.is_client_error(), "{}", html(&r));
    assert!(html(&r).contains(&format!("name=\"next\" value=\"{DEVICE}\"")));
}
