//! The web console through the whole router: headers, CSRF rules for form posts, the
//! cookie, and every flow with plain form posts as a browser sends them (SECURITY.md B.10,
//! B.17, B.18, A.8; the browser itself is driven end to end in `tests/e2e/console.rs`).

use super::*;
use wt_api::{Role, SESSION_COOKIE};
use wt_core::Clock;
use wt_core::mfa::{STEP, code_at_step};

pub(super) const HOST: &str = "127.0.0.1:7878";
pub(super) const ORIGIN: &str = "http://127.0.0.1:7878";

/// A form post as a browser on our own page sends it.
pub(super) fn form(path: &str, fields: &[(&str, &str)], cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::post(path)
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, format!("{SESSION_COOKIE}={c}"));
    }
    b.body(Body::from(encode(fields))).unwrap()
}

pub(super) fn encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub(super) fn page_get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(path).header(header::HOST, HOST);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, format!("{SESSION_COOKIE}={c}"));
    }
    b.body(Body::empty()).unwrap()
}

pub(super) fn html(r: &Resp) -> String {
    String::from_utf8_lossy(&r.raw).into_owned()
}

/// The session token the answer's `Set-Cookie` carries.
pub(super) fn cookie_of(r: &Resp) -> Option<String> {
    let v = r.headers.get(header::SET_COOKIE)?.to_str().ok()?;
    let (_, rest) = v.split_once(&format!("{SESSION_COOKIE}="))?;
    Some(rest.split(';').next()?.to_string()).filter(|t| !t.is_empty())
}

/// The value of `<input ... name="NAME" value="...">` on a page.
pub(super) fn field(page: &str, name: &str) -> String {
    let at = page
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no field {name} in {page}"));
    let rest = &page[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The text of the element with `id`.
pub(super) fn text_of(page: &str, id: &str) -> String {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    let rest = &page[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap();
    rest[start..start + end].to_string()
}

async fn console_login(fx: &Fx) -> String {
    let r = fx
        .send(form(
            "/login",
            &[("email", EMAIL), ("password", PASSWORD)],
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    cookie_of(&r).expect("a session cookie")
}

#[tokio::test]
async fn pages_send_a_strict_csp_and_no_inline_script() {
    let fx = fixture().await;
    let r = fx.send(page_get("/login", None)).await;
    assert_eq!(r.status, StatusCode::OK);
    let h = |n: &str| {
        r.headers
            .get(n)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert!(h("content-type").starts_with("text/html"));
    let csp = h("content-security-policy");
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(part), "{part} missing: {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert_eq!(h("referrer-policy"), "no-referrer");
    assert_eq!(h("cache-control"), "no-store");
    assert_eq!(h("x-frame-options"), "DENY");
    assert!(
        h("strict-transport-security").is_empty(),
        "no HSTS on plain HTTP"
    );
    let page = html(&r);
    assert_eq!(page.matches("<script").count(), 1);
    assert!(page.contains("<script src=\"/console.js\" defer>"));
    let js = fx.send(page_get("/console.js", None)).await;
    assert!(
        js.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(html(&js).contains("replaceState"));
}

#[tokio::test]
async fn hsts_is_sent_when_served_over_tls() {
    let fx = fixture_with(Settings {
        tls: true,
        ..Settings::default()
    })
    .await;
    let r = fx.send(page_get("/login", None)).await;
    assert!(
        r.headers[header::STRICT_TRANSPORT_SECURITY]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
}

#[tokio::test]
async fn login_sets_the_host_cookie_and_the_security_tab_needs_it() {
    let fx = fixture().await;
    fx.setup().await;
    let anon = fx.send(page_get("/security", None)).await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    assert_eq!(anon.headers[header::LOCATION], "/login");
    let r = fx
        .send(form(
            "/login",
            &[("email", EMAIL), ("password", PASSWORD)],
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/security");
    let set = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set.starts_with("__Host-wt_session=wts_"), "{set}");
    for attr in ["Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(set.contains(attr), "{attr} missing: {set}");
    }
    assert!(!set.to_lowercase().contains("domain="), "{set}");
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let cookie = cookie_of(&r).unwrap();
    let tab = fx.send(page_get("/security", Some(&cookie))).await;
    assert_eq!(tab.status, StatusCode::OK);
    let page = html(&tab);
    assert_eq!(text_of(&page, "mfa-status"), "off");
    assert!(page.contains(EMAIL));
    // A bearer token is not a console sign-in.
    let tok = fx.token().await;
    let bearer = fx
        .send(
            Request::get("/security")
                .header(header::AUTHORIZATION, format!("Bearer {tok}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(bearer.status, StatusCode::SEE_OTHER);
    // Wrong password: the form again, the same generic message, no cookie.
    let bad = fx
        .send(form(
            "/login",
            &[("email", EMAIL), ("password", "wrong password here")],
            None,
        ))
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(html(&bad).contains("invalid email or password"));
    assert!(bad.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn cross_site_and_headerless_form_posts_are_refused() {
    let fx = fixture().await;
    fx.setup().await;
    let body = encode(&[("email", EMAIL), ("password", PASSWORD)]);
    let post = |headers: &[(&str, &str)]| {
        let mut b = Request::post("/login").header(header::HOST, HOST);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::from(body.clone())).unwrap()
    };
    let form_ct = ("content-type", "application/x-www-form-urlencoded");
    for (what, headers) in [
        (
            "cross-site",
            vec![
                form_ct,
                ("sec-fetch-site", "cross-site"),
                ("origin", ORIGIN),
            ],
        ),
        ("same-site", vec![form_ct, ("sec-fetch-site", "same-site")]),
        (
            "foreign origin",
            vec![form_ct, ("origin", "https://evil.example")],
        ),
        ("neither header", vec![form_ct]),
        ("null origin alone", vec![form_ct, ("origin", "null")]),
        (
            "null origin, cross-site",
            vec![
                form_ct,
                ("origin", "null"),
                ("sec-fetch-site", "cross-site"),
            ],
        ),
    ] {
        let r = fx.send(post(&headers)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}: {}", html(&r));
        assert!(r.headers.get(header::SET_COOKIE).is_none(), "{what}");
    }
    let json = fx
        .send(post(&[
            ("content-type", "application/json"),
            ("origin", ORIGIN),
        ]))
        .await;
    assert_eq!(json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let ok = fx.send(post(&[form_ct, ("origin", ORIGIN)])).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", html(&ok));
    // What Chromium sends from our no-referrer pages.
    let ok = fx
        .send(post(&[
            form_ct,
            ("origin", "null"),
            ("sec-fetch-site", "same-origin"),
        ]))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", html(&ok));
}

#[tokio::test]
async fn signed_in_forms_need_this_sessions_csrf_token() {
    let fx = fixture().await;
    fx.setup().await;
    let other = fx.token().await;
    let cookie = console_login(&fx).await;
    let page = html(&fx.send(page_get("/security", Some(&cookie))).await);
    let csrf = field(&page, "csrf");
    let other_id = fx.get("/api/v1/auth/session", &other).await.body["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(page.contains(&format!("data-session-id=\"{other_id}\"")));
    let path = format!("/security/sessions/{other_id}/revoke");
    for bad in [
        "",
        "0123456789abcdef0123456789abcdef",
        &csrf[..csrf.len() - 1],
    ] {
        let r = fx.send(form(&path, &[("csrf", bad)], Some(&cookie))).await;
        assert!(
            matches!(r.status, StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST),
            "{bad:?}: {}",
            r.status
        );
    }
    assert_eq!(
        fx.get("/api/v1/auth/session", &other).await.status,
        StatusCode::OK,
        "a refused form changed nothing"
    );
    let r = fx
        .send(form(&path, &[("csrf", &csrf)], Some(&cookie)))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/security?done=session");
    assert_eq!(
        fx.get("/api/v1/auth/session", &other).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Another session's token does not fit this one.
    let second = console_login(&fx).await;
    let r = fx
        .send(form("/logout", &[("csrf", &csrf)], Some(&second)))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Sign out: the cookie is cleared and the session is dead.
    let r = fx
        .send(form("/logout", &[("csrf", &csrf)], Some(&cookie)))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        r.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = fx.send(page_get("/security", Some(&cookie))).await;
    assert_eq!(after.headers[header::LOCATION], "/login");
}

#[tokio::test]
async fn invite_link_to_mfa_in_two_forms_then_totp_login() {
    let fx = fixture_mfa(Settings::default(), vec![Role::Owner, Role::Admin]).await;
    fx.setup().await;
    let owner = fx.token().await;
    let r = fx
        .post(
            "/api/v1/orgs/invites",
            json!({"email": "ann@x.test", "role": "admin"}),
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let token = token_in_mail(&fx, "ann@x.test", "wti_").await;
    let link = fx.send(page_get("/invite", None)).await;
    assert!(html(&link).contains("id=\"token-form\""));
    let verify = fx.send(form("/invite", &[("token", &token)], None)).await;
    assert_eq!(verify.status, StatusCode::OK);
    let page = html(&verify);
    assert!(page.contains("Join Acme") && page.contains("ann@x.test") && page.contains("admin"));
    // The policy's reason is shown; nothing is accepted.
    let accept = |pw: &str, again: &str| {
        form(
            "/invite/accept",
            &[
                ("token", &token),
                ("name", "Ann"),
                ("password", pw),
                ("password_confirm", again),
            ],
            None,
        )
    };
    let weak = fx.send(accept("password123", "password123")).await;
    assert_eq!(
        weak.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        html(&weak)
    );
    assert!(html(&weak).contains("common"), "{}", html(&weak));
    let differ = fx.send(accept(PASSWORD, "something else entirely")).await;
    assert_eq!(differ.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&differ).contains("not the same"));
    // Form 1: name and password. The answer signs in and starts enrollment at once.
    let r = fx.send(accept(PASSWORD, PASSWORD)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let cookie = cookie_of(&r).expect("signed in");
    let page = html(&r);
    assert!(page.contains("<svg"), "the QR code is inline SVG");
    let shown = text_of(&page, "secret");
    // Grouped in fours for typing; the app ignores the spaces.
    let groups: Vec<&str> = shown.split(' ').collect();
    assert!(
        groups.len() > 1 && groups[..groups.len() - 1].iter().all(|g| g.len() == 4),
        "{shown}"
    );
    let secret = shown.replace(' ', "");
    let uri = text_of(&page, "otpauth-uri");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    // The setup URI is also a link, for a phone's authenticator app.
    assert!(
        page.contains(&format!("id=\"otpauth-link\" href=\"{uri}\"")),
        "{page}"
    );
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    // Until enrolled, only enrollment: the tab shows no password or sessions form.
    let tab = html(&fx.send(page_get("/security", Some(&cookie))).await);
    assert!(!tab.contains("id=\"password-form\""), "{tab}");
    let secret_bytes = totp_rs::Secret::try_from_base32(&secret)
        .unwrap()
        .as_bytes()
        .to_vec();
    let csrf = field(&page, "csrf");
    // A wrong code asks for the code again, without showing the secret a second time.
    let step = fx.clock.now() as u64 / STEP;
    let wrong = fx
        .send(form(
            "/security/mfa/confirm",
            &[("csrf", &csrf), ("code", "000000")],
            Some(&cookie),
        ))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", html(&wrong));
    let again = html(&wrong);
    assert!(again.contains("id=\"mfa-confirm-form\""), "{again}");
    assert!(
        !again.contains(&secret) && !again.contains("<svg"),
        "{again}"
    );
    // Form 2: the code. Recovery codes, shown once.
    let done = fx
        .send(form(
            "/security/mfa/confirm",
            &[
                ("csrf", &csrf),
                ("code", &code_at_step(&secret_bytes, step)),
            ],
            Some(&cookie),
        ))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", html(&done));
    let codes_page = html(&done);
    let codes = &codes_page[codes_page.find("id=\"recovery-codes\"").unwrap()..];
    assert_eq!(
        codes[..codes.find("</ul>").unwrap()]
            .matches("<li>")
            .count(),
        10
    );
    let tab = html(&fx.send(page_get("/security", Some(&cookie))).await);
    assert_eq!(text_of(&tab, "mfa-status"), "on");
    assert!(tab.contains("id=\"password-form\""));
    // The password alone never signs in now (A.8): a challenge form, no cookie.
    fx.clock.advance(STEP as i64);
    let r = fx
        .send(form(
            "/login",
            &[("email", "ann@x.test"), ("password", PASSWORD)],
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers.get(header::SET_COOKIE).is_none());
    let challenge = field(&html(&r), "challenge");
    let r = fx
        .send(form(
            "/login/mfa",
            &[
                ("challenge", &challenge),
                ("code", &code_at_step(&secret_bytes, step + 1)),
            ],
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    assert!(cookie_of(&r).is_some());
}

#[tokio::test]
async fn reset_link_verifies_first_then_sets_the_password() {
    let fx = fixture().await;
    fx.setup().await;
    let r = fx.send(form("/forgot", &[("email", EMAIL)], None)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(html(&r).contains("id=\"sent\""));
    let token = reset_token(&fx).await;
    let r = fx.send(form("/reset", &[("token", &token)], None)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    assert!(html(&r).contains("id=\"reset-form\""));
    let new_pw = "a brand new long passphrase 77";
    let r = fx
        .send(form(
            "/reset/complete",
            &[
                ("token", &token),
                ("new_password", new_pw),
                ("new_password_confirm", new_pw),
            ],
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    assert!(
        r.headers.get(header::SET_COOKIE).is_none(),
        "a reset does not sign in"
    );
    assert_eq!(fx.login(EMAIL, new_pw).await.status, StatusCode::OK);
    // The token is spent: the token page again, with the generic message.
    let again = fx.send(form("/reset", &[("token", &token)], None)).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "{}", html(&again));
    assert!(html(&again).contains("Forgot your password?"));
    assert!(html(&again).contains("id=\"token-form\""));
}

#[tokio::test]
async fn malformed_forms_get_a_page_not_a_panic() {
    let fx = fixture().await;
    fx.setup().await;
    for body in ["", "email", "%ZZ=%", "password=x"] {
        let r = fx
            .send(
                Request::post("/login")
                    .header(header::HOST, HOST)
                    .header(header::ORIGIN, ORIGIN)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body:?}");
        assert!(html(&r).contains("id=\"error\""));
    }
}

/// Issue #22: every console form that sets a password shows why an obvious one is refused,
/// and changes nothing.
#[tokio::test]
async fn console_password_forms_refuse_obvious_passwords_saying_why() {
    let fx = fixture().await;
    fx.setup().await;
    let obvious = [
        ("passwordpassword", "breached and common"),
        ("qwertyuiopasdfgh", "breached and common"),
        ("Acme2026Acme2026", "acme"),
        ("trustno1trustno1", "too easy to guess: repeats"),
    ];
    let refused = |r: &Resp, pw: &str, why: &str| {
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{pw}: {}",
            html(r)
        );
        assert!(html(r).contains(why), "{pw}: {}", html(r));
    };

    // The security tab's change form.
    let cookie = console_login(&fx).await;
    let page = html(&fx.send(page_get("/security", Some(&cookie))).await);
    assert!(page.contains("Breached and common passwords"), "{page}");
    let csrf = field(&page, "csrf");
    for (pw, why) in obvious {
        let fields = [
            ("csrf", csrf.as_str()),
            ("current_password", PASSWORD),
            ("new_password", pw),
            ("new_password_confirm", pw),
        ];
        let r = fx
            .send(form("/security/password", &fields, Some(&cookie)))
            .await;
        refused(&r, pw, why);
    }

    // A wrong current password is named as such (not "invalid email or password"), and
    // nothing changes.
    let fields = [
        ("csrf", csrf.as_str()),
        ("current_password", "not-the-password"),
        ("new_password", "a fresh and long passphrase 42"),
        ("new_password_confirm", "a fresh and long passphrase 42"),
    ];
    let r = fx
        .send(form("/security/password", &fields, Some(&cookie)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", html(&r));
    assert!(
        html(&r).contains("your current password is not right"),
        "{}",
        html(&r)
    );
    assert!(
        !html(&r).contains("invalid email or password"),
        "{}",
        html(&r)
    );

    // The invitation form.
    let owner = fx.token().await;
    let r = fx
        .post(
            "/api/v1/orgs/invites",
            json!({"email": "ann@x.test", "role": "viewer"}),
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let token = token_in_mail(&fx, "ann@x.test", "wti_").await;
    let page = html(&fx.send(form("/invite", &[("token", &token)], None)).await);
    assert!(page.contains("Breached and common passwords"), "{page}");
    for (pw, why) in obvious {
        let fields = [
            ("token", token.as_str()),
            ("name", "Ann"),
            ("password", pw),
            ("password_confirm", pw),
        ];
        refused(
            &fx.send(form("/invite/accept", &fields, None)).await,
            pw,
            why,
        );
    }

    // The reset form. The "sent" notice is announced (role=status); both pages lead back
    // to sign in.
    let sent = html(&fx.send(form("/forgot", &[("email", EMAIL)], None)).await);
    assert!(sent.contains("id=\"sent\" role=\"status\""), "{sent}");
    assert!(sent.contains("href=\"/login\">Back to sign in"), "{sent}");
    let reset = reset_token(&fx).await;
    let page = html(&fx.send(form("/reset", &[("token", &reset)], None)).await);
    assert!(page.contains("Breached and common passwords"), "{page}");
    assert!(page.contains("href=\"/login\">Back to sign in"), "{page}");
    for (pw, why) in obvious {
        let fields = [
            ("token", reset.as_str()),
            ("new_password", pw),
            ("new_password_confirm", pw),
        ];
        refused(
            &fx.send(form("/reset/complete", &fields, None)).await,
            pw,
            why,
        );
    }
    // Nothing changed: the password still works, the links still do.
    assert_eq!(fx.login(EMAIL, PASSWORD).await.status, StatusCode::OK);
    let r = fx.send(form("/reset", &[("token", &reset)], None)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
}
