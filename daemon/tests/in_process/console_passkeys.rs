//! Passkeys in the console through the whole router: the relying party from the public
//! URL only, refusal without a secure origin, step-up before a change, bad answers, other
//! people's passkeys and ceremonies. (Real assertions need an authenticator: the browser
//! with a virtual one proves those in `tests/e2e/passkeys.rs`.)

use super::console::{cookie_of, encode, field, html};
use super::*;
use wt_api::SESSION_COOKIE;
use wt_store::{NewPasskey, PasskeyStore};

const PUBLIC: &str = "http://localhost:7878";

fn post(path: &str, fields: &[(&str, &str)], cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::post(path)
        .header(header::HOST, "localhost:7878")
        .header(header::ORIGIN, PUBLIC)
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, format!("{SESSION_COOKIE}={c}"));
    }
    b.body(Body::from(encode(fields))).unwrap()
}

fn get(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::HOST, "localhost:7878")
        .header(header::COOKIE, format!("{SESSION_COOKIE}={cookie}"))
        .body(Body::empty())
        .unwrap()
}

async fn with_public_url(url: Option<&str>) -> Fx {
    fixture_with(Settings {
        public_url: url.map(str::to_string),
        ..Settings::default()
    })
    .await
}

/// Signs the owner in on the console; returns the cookie and the CSRF token.
async fn signed_in(fx: &Fx) -> (String, String) {
    fx.setup().await;
    let r = fx
        .send(post(
            "/login",
            &[("email", EMAIL), ("password", PASSWORD)],
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    let cookie = cookie_of(&r).expect("cookie");
    let page = html(&fx.send(get("/security", &cookie)).await);
    (cookie, field(&page, "csrf"))
}

fn data_options(page: &str) -> Value {
    let at = page.find("data-options=\"").expect("data-options") + 14;
    let raw = &page[at..at + page[at..].find('"').unwrap()];
    serde_json::from_str(&raw.replace("&quot;", "\"").replace("&amp;", "&")).expect("json")
}

#[tokio::test]
async fn without_a_secure_public_origin_the_console_refuses_passkeys_saying_why() {
    for (url, says) in [
        (None, "--public-url"),
        (Some("http://wt.example.com"), "HTTPS"),
        (Some("http://127.0.0.1:7878"), "IP address"),
    ] {
        let fx = with_public_url(url).await;
        fx.setup().await;
        let r = fx
            .send(
                Request::post("/login")
                    .header(header::HOST, "127.0.0.1:7878")
                    .header("sec-fetch-site", "same-origin")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(encode(&[
                        ("email", EMAIL),
                        ("password", PASSWORD),
                    ])))
                    .unwrap(),
            )
            .await;
        let cookie = cookie_of(&r).expect("cookie");
        let page = html(
            &fx.send(
                Request::get("/security")
                    .header(header::HOST, "127.0.0.1:7878")
                    .header(header::COOKIE, format!("{SESSION_COOKIE}={cookie}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await,
        );
        assert!(page.contains("id=\"passkeys-unavailable\""), "{url:?}");
        assert!(page.contains(says), "{url:?}: {page}");
        assert!(!page.contains("passkey-add-form"), "no form to fail");
        let csrf = field(&page, "csrf");
        let r = fx
            .send(
                Request::post("/security/passkeys/register")
                    .header(header::HOST, "127.0.0.1:7878")
                    .header("sec-fetch-site", "same-origin")
                    .header(header::COOKIE, format!("{SESSION_COOKIE}={cookie}"))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(encode(&[("csrf", &csrf), ("name", "Laptop")])))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{url:?}");
        assert!(html(&r).contains(says));
        assert!(!html(&r).contains("data-webauthn"));
    }
}

#[tokio::test]
async fn registration_options_name_the_public_url_never_the_host_and_require_verification() {
    let fx = with_public_url(Some(PUBLIC)).await;
    let (cookie, csrf) = signed_in(&fx).await;
    // The request names 127.0.0.1 (a served loopback host): the RP is still the public URL's.
    let r = fx
        .send(
            Request::post("/security/passkeys/register")
                .header(header::HOST, "127.0.0.1:7878")
                .header("sec-fetch-site", "same-origin")
                .header(header::COOKIE, format!("{SESSION_COOKIE}={cookie}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(encode(&[("csrf", &csrf), ("name", " Laptop ")])))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let page = html(&r);
    assert!(page.contains("data-webauthn=\"create\""));
    assert!(!page.contains("<script>"), "no inline script");
    let o = data_options(&page);
    let pk = &o["publicKey"];
    assert_eq!(pk["rp"]["id"], json!("localhost"), "{o}");
    assert_eq!(
        pk["authenticatorSelection"]["userVerification"],
        json!("required"),
        "{o}"
    );
    assert_eq!(pk["user"]["name"], json!(EMAIL));
    assert!(
        pk["challenge"].as_str().is_some_and(|c| c.len() >= 43),
        "{o}"
    );
    // The ceremony's state stays on the server: only its id is in the page.
    let ceremony = field(&page, "ceremony");
    assert!(ceremony.starts_with("pkc_"), "{ceremony}");
    assert!(!page.contains("\"rs\""), "no server state in the page");
}

#[tokio::test]
async fn a_change_needs_a_recent_sign_in_or_the_password() {
    let fx = with_public_url(Some(PUBLIC)).await;
    let (cookie, csrf) = signed_in(&fx).await;
    fx.clock.advance(11 * 60);
    let r = fx
        .send(post(
            "/security/passkeys/register",
            &[("csrf", &csrf), ("name", "Laptop")],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", html(&r));
    assert!(html(&r).contains("recent sign-in"));
    let r = fx
        .send(post(
            "/security/passkeys/register",
            &[
                ("csrf", &csrf),
                ("name", "Laptop"),
                ("password", "wrong password here"),
            ],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", html(&r));
    assert!(!html(&r).contains("data-webauthn"));
    let r = fx
        .send(post(
            "/security/passkeys/register",
            &[("csrf", &csrf), ("name", "Laptop"), ("password", PASSWORD)],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    assert!(html(&r).contains("data-webauthn=\"create\""));
    assert!(fx.actions().await.iter().any(|a| a == "auth.step_up"));
    // A bad name is said, before anything starts.
    let r = fx
        .send(post(
            "/security/passkeys/register",
            &[("csrf", &csrf), ("name", &"x".repeat(65))],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&r).contains("too long"));
}

#[tokio::test]
async fn bad_answers_used_ceremonies_and_other_sessions_ceremonies_are_refused_clearly() {
    let fx = with_public_url(Some(PUBLIC)).await;
    let (cookie, csrf) = signed_in(&fx).await;
    let page = html(
        &fx.send(post(
            "/security/passkeys/register",
            &[("csrf", &csrf), ("name", "Laptop")],
            Some(&cookie),
        ))
        .await,
    );
    let ceremony = field(&page, "ceremony");
    for answer in ["", "not json", "{\"id\":\"x\"}"] {
        let r = fx
            .send(post(
                "/security/passkeys/register/finish",
                &[
                    ("csrf", &csrf),
                    ("ceremony", &ceremony),
                    ("credential", answer),
                ],
                Some(&cookie),
            ))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{answer:?}: {}",
            html(&r)
        );
        assert!(html(&r).contains("id=\"error\""));
    }
    // A well-formed answer that does not verify uses the ceremony up.
    let forged = json!({
        "id": "AAAA", "rawId": "AAAA", "type": "public-key",
        "response": {"attestationObject": "oA", "clientDataJSON": "e30"},
    })
    .to_string();
    let r = fx
        .send(post(
            "/security/passkeys/register/finish",
            &[
                ("csrf", &csrf),
                ("ceremony", &ceremony),
                ("credential", &forged),
            ],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", html(&r));
    let r = fx
        .send(post(
            "/security/passkeys/register/finish",
            &[
                ("csrf", &csrf),
                ("ceremony", &ceremony),
                ("credential", &forged),
            ],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "once: {}", html(&r));
    assert!(html(&r).contains("lapsed or was already used"));
    // A ceremony started by another session of the same member is not this one's.
    let page = html(
        &fx.send(post(
            "/security/passkeys/register",
            &[("csrf", &csrf), ("name", "Laptop")],
            Some(&cookie),
        ))
        .await,
    );
    let theirs = field(&page, "ceremony");
    let r = fx
        .send(post(
            "/login",
            &[("email", EMAIL), ("password", PASSWORD)],
            None,
        ))
        .await;
    let other = cookie_of(&r).expect("cookie");
    let other_csrf = field(&html(&fx.send(get("/security", &other)).await), "csrf");
    let r = fx
        .send(post(
            "/security/passkeys/register/finish",
            &[
                ("csrf", &other_csrf),
                ("ceremony", &theirs),
                ("credential", &forged),
            ],
            Some(&other),
        ))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", html(&r));
    // Without this session's CSRF token nothing is read.
    let r = fx
        .send(post(
            "/security/passkeys/register",
            &[("csrf", &other_csrf), ("name", "Laptop")],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!html(&r).contains("data-webauthn"));
    // Nothing was registered; the failed verification is in the audit log.
    let owner = fx
        .store
        .user_for_login(EMAIL)
        .await
        .unwrap()
        .expect("owner");
    assert!(
        fx.store
            .passkeys_list(&owner.user.id)
            .await
            .unwrap()
            .is_empty()
    );
    let failures = fx
        .store
        .audit_entries("org_acme", 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "passkey.registered" && e.outcome == "failure")
        .count();
    assert_eq!(failures, 1);
}

#[tokio::test]
async fn someone_elses_passkey_is_a_404_and_the_last_factor_of_a_required_role_stays() {
    let fx = with_public_url(Some(PUBLIC)).await;
    let (cookie, csrf) = signed_in(&fx).await;
    let owner = fx
        .store
        .user_for_login(EMAIL)
        .await
        .unwrap()
        .expect("owner")
        .user
        .id;
    team_member(&fx, "", "analyst@acme.test", "analyst").await;
    let other = fx
        .store
        .user_for_login("analyst@acme.test")
        .await
        .unwrap()
        .expect("member")
        .user
        .id;
    let passkey = |id: &str, user: &str, cred: &str| NewPasskey {
        id: id.into(),
        org_id: "org_acme".into(),
        user_id: user.into(),
        credential_id: cred.into(),
        name: format!("key {id}"),
        passkey_json: "{}".into(),
        aaguid: None,
        attestation_format: "none".into(),
        authenticator_attachment: None,
        sign_count: 0,
        backup_eligible: false,
        backup_state: false,
        recovery_hashes: vec![],
        keep_session: String::new(),
        now: T0,
    };
    let ev = || {
        AuditEvent::new(
            Actor::operator(),
            actions::PASSKEY_REGISTERED,
            &RequestMeta::default(),
        )
    };
    fx.store
        .passkey_add(passkey("pk_theirs", &other, "c1"), ev())
        .await
        .unwrap();
    for path in [
        "/security/passkeys/pk_theirs/rename",
        "/security/passkeys/pk_theirs/remove",
    ] {
        let r = fx
            .send(post(
                path,
                &[("csrf", &csrf), ("name", "Mine now")],
                Some(&cookie),
            ))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    let theirs = fx.store.passkeys_list(&other).await.unwrap();
    assert_eq!(theirs[0].name, "key pk_theirs", "unchanged");

    // The owner's org requires MFA of owners: the owner's only passkey stays.
    fx.store
        .set_mfa_required_roles(
            "org_acme",
            vec![Role::Owner],
            T0,
            AuditEvent::new(
                Actor::operator(),
                actions::ORG_SETTINGS_UPDATED,
                &RequestMeta::default(),
            ),
        )
        .await
        .unwrap();
    // The first factor ends the other sessions (this one too: it is not the one that
    // registered it) and brings recovery codes: sign in again with one.
    let codes = wt_core::mfa::generate_recovery_codes();
    let mut mine = passkey("pk_mine", &owner, "c2");
    mine.recovery_hashes = codes
        .iter()
        .map(|c| wt_core::mfa::hash_recovery_code(c))
        .collect();
    fx.store.passkey_add(mine, ev()).await.unwrap();
    assert_eq!(
        fx.send(get("/security", &cookie)).await.status,
        StatusCode::SEE_OTHER
    );
    let page = html(
        &fx.send(post(
            "/login",
            &[("email", EMAIL), ("password", PASSWORD)],
            None,
        ))
        .await,
    );
    assert!(
        page.contains("passkey-login"),
        "the MFA step offers the passkey"
    );
    let challenge = field(&page, "challenge");
    let r = fx
        .send(post(
            "/login/mfa",
            &[("challenge", &challenge), ("recovery_code", &codes[0])],
            None,
        ))
        .await;
    let cookie = cookie_of(&r).expect("signed in with a recovery code");
    let page = html(&fx.send(get("/security", &cookie)).await);
    let csrf = field(&page, "csrf");
    assert!(page.contains("key pk_mine"));
    let r = fx
        .send(post(
            "/security/passkeys/pk_mine/remove",
            &[("csrf", &csrf)],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", html(&r));
    assert!(html(&r).contains("last second factor"));
    assert_eq!(fx.store.passkeys_list(&owner).await.unwrap().len(), 1);
    // Renamed, with a name that is checked.
    let r = fx
        .send(post(
            "/security/passkeys/pk_mine/rename",
            &[("csrf", &csrf), ("name", "  ")],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = fx
        .send(post(
            "/security/passkeys/pk_mine/rename",
            &[("csrf", &csrf), ("name", "Phone")],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    assert_eq!(
        fx.store.passkeys_list(&owner).await.unwrap()[0].name,
        "Phone"
    );
    assert!(fx.actions().await.iter().any(|a| a == "passkey.renamed"));
}

#[tokio::test]
async fn the_mfa_step_offers_a_passkey_only_to_accounts_with_one() {
    let fx = with_public_url(Some(PUBLIC)).await;
    let (cookie, csrf) = signed_in(&fx).await;
    // TOTP on (the MFA step exists), no passkey: no offer, and asking anyway is refused.
    let page = html(
        &fx.send(post(
            "/security/mfa/enroll",
            &[("csrf", &csrf)],
            Some(&cookie),
        ))
        .await,
    );
    let secret = text_of_secret(&page);
    let code = wt_core::mfa::code_at_step(&secret, fx.state.now() as u64 / wt_core::mfa::STEP);
    let r = fx
        .send(post(
            "/security/mfa/confirm",
            &[("csrf", &csrf), ("code", &code)],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let r = fx
        .send(post(
            "/login",
            &[("email", EMAIL), ("password", PASSWORD)],
            None,
        ))
        .await;
    let page = html(&r);
    assert!(page.contains("id=\"mfa-form\""), "{page}");
    assert!(!page.contains("passkey-login"), "no passkey, no offer");
    let challenge = field(&page, "challenge");
    let r = fx
        .send(post("/login/passkey", &[("challenge", &challenge)], None))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", html(&r));
    assert!(html(&r).contains("no passkey"));
    // A made-up challenge: back to the sign-in.
    let r = fx
        .send(post("/login/passkey", &[("challenge", "wtc_nope")], None))
        .await;
    assert!(html(&r).contains("id=\"login-form\""));
    let r = fx
        .send(post(
            "/login/passkey/finish",
            &[
                ("challenge", &challenge),
                ("ceremony", "pkc_nope"),
                ("credential", "{}"),
            ],
            None,
        ))
        .await;
    assert!(cookie_of(&r).is_none());
    assert_ne!(r.status, StatusCode::SEE_OTHER);
}

/// The TOTP secret on the enrollment page (its groups joined).
fn text_of_secret(page: &str) -> Vec<u8> {
    let at = page.find("id=\"secret\"").expect("secret");
    let rest = &page[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap();
    let b32 = rest[start..start + end].replace(' ', "");
    totp_rs::Secret::try_from_base32(&b32)
        .expect("base32 secret")
        .as_bytes()
        .to_vec()
}
