//! MFA through the whole router with a settable clock (SECURITY.md E, A.8, B.11, B.15).

use super::*;
use wt_api::Role;
use wt_core::Clock;
use wt_core::mfa::{STEP, code_at_step};

/// The TOTP secret bytes from the enroll answer's base32.
fn secret_bytes(b32: &str) -> Vec<u8> {
    totp_rs::Secret::try_from_base32(b32)
        .unwrap()
        .as_bytes()
        .to_vec()
}

pub(super) fn step_now(fx: &Fx) -> u64 {
    fx.clock.now() as u64 / STEP
}

/// Owner set up, logged in, enrolled and confirmed. Returns (token, secret, recovery codes).
pub(super) async fn enrolled(fx: &Fx) -> (String, Vec<u8>, Vec<String>) {
    fx.setup().await;
    let tok = fx.token().await;
    enrolled_again(fx, &tok).await
}

/// Enrolls and confirms MFA for the session `tok` (already set up). Returns (token, secret,
/// recovery codes).
pub(super) async fn enrolled_again(fx: &Fx, tok: &str) -> (String, Vec<u8>, Vec<String>) {
    let tok = tok.to_string();
    let e = fx
        .post("/api/v1/auth/mfa/totp/enroll", json!({}), Some(&tok))
        .await;
    assert_eq!(e.status, StatusCode::OK, "{:?}", e.body);
    let secret = secret_bytes(e.body["secret"].as_str().unwrap());
    let c = fx
        .post(
            "/api/v1/auth/mfa/totp/confirm",
            json!({"code": code_at_step(&secret, step_now(fx))}),
            Some(&tok),
        )
        .await;
    assert_eq!(c.status, StatusCode::OK, "{:?}", c.body);
    let codes = c.body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    (tok, secret, codes)
}

async fn challenge(fx: &Fx) -> String {
    let r = fx.login(EMAIL, PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["mfa_required"], true, "{:?}", r.body);
    assert!(
        r.body.get("token").is_none(),
        "no session for the password alone"
    );
    r.body["challenge"].as_str().unwrap().to_string()
}

async fn verify(fx: &Fx, challenge: &str, code: &str) -> Resp {
    fx.post(
        "/api/v1/auth/mfa/verify",
        json!({"challenge": challenge, "code": code}),
        None,
    )
    .await
}

#[tokio::test]
async fn enrollment_is_two_phase_and_the_uri_follows_the_key_uri_format() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    let e = fx
        .post("/api/v1/auth/mfa/totp/enroll", json!({}), Some(&tok))
        .await;
    let b32 = e.body["secret"].as_str().unwrap();
    assert_eq!(secret_bytes(b32).len(), 20);
    assert_eq!(
        e.body["otpauth_uri"],
        format!(
            "otpauth://totp/WatchTower:owner%40acme.test?secret={b32}&issuer=WatchTower&algorithm=SHA1&digits=6&period=30"
        )
    );
    // Not active until confirmed: login still gives a session directly.
    assert!(fx.login(EMAIL, PASSWORD).await.body["token"].is_string());
    let st = fx.get("/api/v1/auth/mfa", &tok).await;
    assert_eq!(st.body["enabled"], false);
    assert!(st.body["pending_expires_at"].is_string());
    // A wrong code does not confirm.
    let wrong = fx
        .post(
            "/api/v1/auth/mfa/totp/confirm",
            json!({"code": "000000"}),
            Some(&tok),
        )
        .await;
    assert_eq!(wrong.body["code"], "invalid_code");
}

#[tokio::test]
async fn pending_enrollment_lapses_after_ten_minutes() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    let e = fx
        .post("/api/v1/auth/mfa/totp/enroll", json!({}), Some(&tok))
        .await;
    let secret = secret_bytes(e.body["secret"].as_str().unwrap());
    fx.clock.advance(601);
    let late = fx
        .post(
            "/api/v1/auth/mfa/totp/confirm",
            json!({"code": code_at_step(&secret, step_now(&fx))}),
            Some(&tok),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{:?}", late.body);
    assert_eq!(
        fx.get("/api/v1/auth/mfa", &tok).await.body["enabled"],
        false
    );
}

#[tokio::test]
async fn login_needs_the_code_after_enrollment_and_the_challenge_is_not_a_session() {
    let fx = fixture().await;
    let (_, secret, codes) = enrolled(&fx).await;
    assert!(codes.len() >= 10);
    let ch = challenge(&fx).await;
    // The challenge token is no bearer token (B.11).
    assert_eq!(
        fx.get("/api/v1/auth/session", &ch).await.status,
        StatusCode::UNAUTHORIZED
    );
    fx.clock.advance(STEP as i64);
    let ok = verify(&fx, &ch, &code_at_step(&secret, step_now(&fx))).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    let tok = ok.body["token"].as_str().unwrap();
    let who = fx.get("/api/v1/auth/session", tok).await;
    assert_eq!(who.body["mfa_enabled"], true);
    // The challenge is single-use.
    let again = verify(&fx, &ch, &code_at_step(&secret, step_now(&fx) + 1)).await;
    assert_eq!(again.body["code"], "challenge_invalid");
}

#[tokio::test]
async fn replayed_totp_code_is_rejected_and_audited() {
    let fx = fixture().await;
    let (_, secret, _) = enrolled(&fx).await;
    // The enrollment code itself cannot log in (same step).
    let ch = challenge(&fx).await;
    let enroll_code = code_at_step(&secret, step_now(&fx));
    assert_eq!(
        verify(&fx, &ch, &enroll_code).await.body["code"],
        "invalid_code"
    );
    fx.clock.advance(STEP as i64);
    let code = code_at_step(&secret, step_now(&fx));
    assert_eq!(verify(&fx, &ch, &code).await.status, StatusCode::OK);
    let ch2 = challenge(&fx).await;
    assert_eq!(verify(&fx, &ch2, &code).await.body["code"], "invalid_code");
    let acts = fx.actions().await;
    assert_eq!(
        acts.iter().filter(|a| *a == actions::MFA_REPLAYED).count(),
        2,
        "{acts:?}"
    );
}

#[tokio::test]
async fn a_code_from_two_steps_ago_is_rejected() {
    let fx = fixture().await;
    let (_, secret, _) = enrolled(&fx).await;
    fx.clock.advance(10 * STEP as i64);
    let ch = challenge(&fx).await;
    let old = code_at_step(&secret, step_now(&fx) - 2);
    assert_eq!(verify(&fx, &ch, &old).await.body["code"], "invalid_code");
    let prev = code_at_step(&secret, step_now(&fx) - 1);
    assert_eq!(
        verify(&fx, &ch, &prev).await.status,
        StatusCode::OK,
        "T-1 is accepted"
    );
}

#[tokio::test]
async fn a_challenge_dies_after_five_wrong_codes_and_codes_are_throttled() {
    let fx = fixture().await;
    let (_, secret, _) = enrolled(&fx).await;
    fx.clock.advance(STEP as i64);
    let ch = challenge(&fx).await;
    for _ in 0..5 {
        let r = verify(&fx, &ch, "000000").await;
        assert!(r.status == StatusCode::UNAUTHORIZED, "{:?}", r.body);
    }
    // Dead even with the right code, and the account's code throttle is on.
    let r = verify(&fx, &ch, &code_at_step(&secret, step_now(&fx))).await;
    assert!(
        r.body["code"] == "challenge_invalid" || r.status == StatusCode::TOO_MANY_REQUESTS,
        "{:?}",
        r.body
    );
    // A new challenge from the same account must wait out the throttle first.
    let ch2 = challenge(&fx).await;
    let r = verify(&fx, &ch2, &code_at_step(&secret, step_now(&fx))).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    fx.clock.advance(wait);
    let ch3 = challenge(&fx).await;
    let r = verify(&fx, &ch3, &code_at_step(&secret, step_now(&fx))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

#[tokio::test]
async fn a_recovery_code_logs_in_once() {
    let fx = fixture().await;
    let (_, _, codes) = enrolled(&fx).await;
    let ch = challenge(&fx).await;
    let r = fx
        .post(
            "/api/v1/auth/mfa/verify",
            json!({"challenge": ch, "recovery_code": codes[0].to_uppercase()}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let ch2 = challenge(&fx).await;
    let again = fx
        .post(
            "/api/v1/auth/mfa/verify",
            json!({"challenge": ch2, "recovery_code": codes[0]}),
            None,
        )
        .await;
    assert_eq!(again.body["code"], "invalid_code");
    let tok = r.body["token"].as_str().unwrap();
    assert_eq!(
        fx.get("/api/v1/auth/mfa", tok).await.body["recovery_codes_remaining"],
        9
    );
    assert!(
        fx.actions()
            .await
            .contains(&actions::MFA_RECOVERY_CODE_USED.to_string())
    );
}

#[tokio::test]
async fn confirming_mfa_ends_the_other_sessions() {
    let fx = fixture().await;
    fx.setup().await;
    let other = fx.token().await;
    let (tok, _, _) = enrolled(&fx).await;
    assert_eq!(
        fx.get("/api/v1/auth/session", &other).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fx.get("/api/v1/auth/session", &tok).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn required_mfa_limits_a_session_to_enrollment_until_it_is_on() {
    let fx = fixture_mfa(
        Settings::default(),
        vec![Role::Owner, Role::Admin, Role::RiskLead],
    )
    .await;
    fx.setup().await;
    // The owner who claimed the org has 24 hours to set it up before enrolling.
    let login = fx.login(EMAIL, PASSWORD).await;
    assert_eq!(
        login.body["mfa_enrollment_required"], true,
        "a warning from the start"
    );
    let early = login.body["token"].as_str().unwrap().to_string();
    let who = fx.get("/api/v1/auth/session", &early).await;
    assert!(who.body["mfa_grace_until"].is_string(), "{:?}", who.body);
    assert_eq!(
        fx.get("/api/v1/orgs/settings", &early).await.status,
        StatusCode::OK
    );
    fx.clock.advance(24 * 3600);
    let login = fx.login(EMAIL, PASSWORD).await;
    let tok = login.body["token"].as_str().unwrap().to_string();
    let who = fx.get("/api/v1/auth/session", &tok).await;
    assert!(who.body.get("mfa_grace_until").is_none());
    assert_eq!(who.status, StatusCode::OK);
    assert_eq!(who.body["mfa_enrollment_required"], true);
    let blocked = fx.get("/api/v1/orgs/settings", &tok).await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    assert_eq!(blocked.body["code"], "mfa_enrollment_required");
    assert!(
        blocked.body["detail"]
            .as_str()
            .unwrap()
            .contains("wt mfa enroll")
    );
    // Enrolling unlocks everything for this very session.
    let e = fx
        .post("/api/v1/auth/mfa/totp/enroll", json!({}), Some(&tok))
        .await;
    let secret = secret_bytes(e.body["secret"].as_str().unwrap());
    let c = fx
        .post(
            "/api/v1/auth/mfa/totp/confirm",
            json!({"code": code_at_step(&secret, step_now(&fx))}),
            Some(&tok),
        )
        .await;
    assert_eq!(c.status, StatusCode::OK);
    assert_eq!(
        fx.get("/api/v1/orgs/settings", &tok).await.status,
        StatusCode::OK
    );
    assert_eq!(
        fx.get("/api/v1/auth/session", &tok).await.body["mfa_enrollment_required"],
        false
    );
}

#[tokio::test]
async fn disabling_needs_password_and_a_current_code_and_ends_other_sessions() {
    let fx = fixture().await;
    let (tok, secret, _) = enrolled(&fx).await;
    fx.clock.advance(STEP as i64);
    let ch = challenge(&fx).await;
    let other = verify(&fx, &ch, &code_at_step(&secret, step_now(&fx)))
        .await
        .body["token"]
        .as_str()
        .unwrap()
        .to_string();
    fx.clock.advance(STEP as i64);
    let code = code_at_step(&secret, step_now(&fx));
    let bad_pw = fx
        .post(
            "/api/v1/auth/mfa/totp/disable",
            json!({"password": "wrong password!!", "code": code}),
            Some(&tok),
        )
        .await;
    assert_eq!(bad_pw.status, StatusCode::UNAUTHORIZED);
    let bad_code = fx
        .post(
            "/api/v1/auth/mfa/totp/disable",
            json!({"password": PASSWORD, "code": "123456"}),
            Some(&tok),
        )
        .await;
    assert_eq!(bad_code.body["code"], "invalid_code");
    let ok = fx
        .post(
            "/api/v1/auth/mfa/totp/disable",
            json!({"password": PASSWORD, "code": code}),
            Some(&tok),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{:?}", ok.body);
    assert_eq!(
        fx.get("/api/v1/auth/session", &other).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fx.get("/api/v1/auth/mfa", &tok).await.body["enabled"],
        false
    );
    assert!(
        fx.login(EMAIL, PASSWORD).await.body["token"].is_string(),
        "password alone again"
    );
    assert!(
        fx.actions()
            .await
            .contains(&actions::MFA_DISABLED.to_string())
    );
}

#[tokio::test]
async fn regenerating_recovery_codes_voids_the_old_set() {
    let fx = fixture().await;
    let (tok, secret, old) = enrolled(&fx).await;
    fx.clock.advance(STEP as i64);
    let r = fx
        .post(
            "/api/v1/auth/mfa/recovery-codes",
            json!({"password": PASSWORD, "code": code_at_step(&secret, step_now(&fx))}),
            Some(&tok),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let new: Vec<String> = serde_json::from_value(r.body["recovery_codes"].clone()).unwrap();
    assert_eq!(new.len(), 10);
    let ch = challenge(&fx).await;
    let stale = fx
        .post(
            "/api/v1/auth/mfa/verify",
            json!({"challenge": ch, "recovery_code": old[0]}),
            None,
        )
        .await;
    assert_eq!(stale.body["code"], "invalid_code");
    let fresh = fx
        .post(
            "/api/v1/auth/mfa/verify",
            json!({"challenge": ch, "recovery_code": new[0]}),
            None,
        )
        .await;
    assert_eq!(fresh.status, StatusCode::OK);
}

#[tokio::test]
async fn no_api_returns_the_secret_after_confirmation_and_nothing_is_stored_in_clear() {
    let fx = fixture().await;
    let (tok, secret, codes) = enrolled(&fx).await;
    let b32 = wt_core::mfa::secret_base32(&secret);
    let again = fx
        .post("/api/v1/auth/mfa/totp/enroll", json!({}), Some(&tok))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let status = fx.get("/api/v1/auth/mfa", &tok).await;
    assert!(!String::from_utf8_lossy(&status.raw).contains(&b32));
    let db = std::fs::read(fx.dir.path().join(DB_FILE)).unwrap();
    let wal = std::fs::read(fx.dir.path().join(format!("{DB_FILE}-wal"))).unwrap_or_default();
    for bytes in [db, wal] {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&b32), "TOTP secret in clear on disk");
        for c in &codes {
            assert!(!text.contains(c.as_str()), "recovery code in clear on disk");
            assert!(!text.contains(&wt_core::mfa::normalize_recovery_code(c)));
        }
    }
    let entries = fx.store.audit_entries("org_acme", 0, 1000).await.unwrap();
    let audit = serde_json::to_string(&entries).unwrap();
    assert!(!audit.contains(&b32) && !audit.contains(codes[0].as_str()));
}

#[tokio::test]
async fn member_mfa_reset_refuses_self_and_unknown_members() {
    let fx = fixture().await;
    let (tok, _, _) = enrolled(&fx).await;
    let who = fx.get("/api/v1/auth/session", &tok).await;
    let me = who.body["user"]["id"].as_str().unwrap();
    let own = fx
        .post(
            &format!("/api/v1/orgs/members/{me}/mfa/reset"),
            json!({}),
            Some(&tok),
        )
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    let nobody = fx
        .post(
            "/api/v1/orgs/members/usr_nobody/mfa/reset",
            json!({}),
            Some(&tok),
        )
        .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn org_settings_change_the_required_roles_and_are_audited() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    let r = fx
        .send(
            Request::patch("/api/v1/orgs/settings")
                .header(header::AUTHORIZATION, format!("Bearer {tok}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"mfa_required_roles": ["admin", "owner", "admin"]}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["mfa_required_roles"], json!(["owner", "admin"]));
    // Applies at once to the live session (F.49): the owner must now enroll.
    let blocked = fx.get("/api/v1/orgs/settings", &tok).await;
    assert_eq!(blocked.body["code"], "mfa_enrollment_required");
    let bad = fx
        .send(
            Request::patch("/api/v1/orgs/settings")
                .header(header::AUTHORIZATION, format!("Bearer {tok}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"mfa_required_roles": ["root"]}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(
        bad.status,
        StatusCode::BAD_REQUEST,
        "unknown role names are refused"
    );
}

const ADMIN: &str = "admin@acme.test";

/// Adds an admin straight through the store (invites come with their own issue).
async fn add_admin(fx: &Fx) -> String {
    let hash = wt_core::password::hash(PASSWORD).unwrap();
    let u = fx
        .store
        .create_member(
            wt_store::NewMember {
                user_id: "usr_admin".into(),
                email: ADMIN.into(),
                name: "Admin".into(),
                password_hash: hash,
                org_id: "org_acme".into(),
                role: Role::Admin,
                now: T0,
            },
            AuditEvent::new(
                Actor::operator(),
                actions::MEMBER_ADDED,
                &RequestMeta::default(),
            ),
        )
        .await
        .unwrap();
    u.id
}

#[tokio::test]
async fn an_admin_without_mfa_can_only_enroll_until_they_do() {
    let fx = fixture_mfa(
        Settings::default(),
        vec![Role::Owner, Role::Admin, Role::RiskLead],
    )
    .await;
    add_admin(&fx).await;
    let login = fx.login(ADMIN, PASSWORD).await;
    assert_eq!(login.body["mfa_enrollment_required"], true);
    let tok = login.body["token"].as_str().unwrap().to_string();
    for (method, path) in [
        ("GET", "/api/v1/orgs/settings"),
        ("GET", "/api/v1/auth/sessions"),
    ] {
        let r = fx
            .send(
                Request::builder()
                    .method(method)
                    .uri(path)
                    .header(header::AUTHORIZATION, format!("Bearer {tok}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        if path.ends_with("settings") {
            assert_eq!(r.body["code"], "mfa_enrollment_required", "{path}");
        } else {
            assert_eq!(
                r.status,
                StatusCode::OK,
                "own sessions are readable: {path}"
            );
        }
    }
    let e = fx
        .post("/api/v1/auth/mfa/totp/enroll", json!({}), Some(&tok))
        .await;
    let secret = secret_bytes(e.body["secret"].as_str().unwrap());
    let c = fx
        .post(
            "/api/v1/auth/mfa/totp/confirm",
            json!({"code": code_at_step(&secret, step_now(&fx))}),
            Some(&tok),
        )
        .await;
    assert_eq!(c.status, StatusCode::OK);
    assert_eq!(
        fx.get("/api/v1/orgs/settings", &tok).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_owner_resets_an_admins_mfa_and_an_admin_cannot_reset_an_owners() {
    let fx = fixture().await;
    let (owner_tok, _, _) = enrolled(&fx).await;
    let admin_id = add_admin(&fx).await;
    let admin_tok = {
        let r = fx.login(ADMIN, PASSWORD).await;
        r.body["token"].as_str().unwrap().to_string()
    };
    let e = fx
        .post("/api/v1/auth/mfa/totp/enroll", json!({}), Some(&admin_tok))
        .await;
    let secret = secret_bytes(e.body["secret"].as_str().unwrap());
    fx.clock.advance(STEP as i64);
    let c = fx
        .post(
            "/api/v1/auth/mfa/totp/confirm",
            json!({"code": code_at_step(&secret, step_now(&fx))}),
            Some(&admin_tok),
        )
        .await;
    assert_eq!(c.status, StatusCode::OK);

    let owner_id = fx.get("/api/v1/auth/session", &owner_tok).await.body["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = fx
        .post(
            &format!("/api/v1/orgs/members/{owner_id}/mfa/reset"),
            json!({}),
            Some(&admin_tok),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let ok = fx
        .post(
            &format!("/api/v1/orgs/members/{admin_id}/mfa/reset"),
            json!({}),
            Some(&owner_tok),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{:?}", ok.body);
    // The admin's sessions ended; their next login has no MFA and must re-enroll.
    assert_eq!(
        fx.get("/api/v1/auth/session", &admin_tok).await.status,
        StatusCode::UNAUTHORIZED
    );
    let again = fx.login(ADMIN, PASSWORD).await;
    assert!(again.body["token"].is_string(), "{:?}", again.body);
    let acts = fx.actions().await;
    assert!(acts.contains(&actions::MFA_RESET.to_string()));
}

#[tokio::test]
async fn mfa_changes_send_a_notice_mail_without_secrets() {
    let fx = fixture().await;
    let (tok, secret, codes) = enrolled(&fx).await;
    fx.clock.advance(STEP as i64);
    let r = fx
        .post(
            "/api/v1/auth/mfa/totp/disable",
            json!({"password": PASSWORD, "code": code_at_step(&secret, step_now(&fx))}),
            Some(&tok),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let outbox = fx.dir.path().join("outbox");
    let cfg = wtd::mailer::MailConfig {
        transport: wtd::mailer::Transport::Outbox(outbox.clone()),
        from: "WatchTower <noreply@localhost>".parse().unwrap(),
    };
    let n = wtd::mailer::deliver_due(&fx.state, &cfg).await;
    let conn = super::rusqlite_open(&fx);
    let rows: Vec<(String, Option<i64>, Option<String>)> = conn
        .prepare("SELECT subject, sent_at, last_error FROM mail_outbox")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(n, 2, "{rows:?}");
    assert_eq!(
        wtd::mailer::deliver_due(&fx.state, &cfg).await,
        0,
        "sent once"
    );
    let mut bodies: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    bodies.sort();
    let all = bodies.join("\n");
    assert!(
        all.contains("turned on") && all.contains("turned off"),
        "{all}"
    );
    assert!(all.contains("To: owner@acme.test"));
    let b32 = wt_core::mfa::secret_base32(&secret);
    assert!(!all.contains(&b32) && !all.contains(codes[0].as_str()));
}

#[tokio::test]
async fn undeliverable_mail_is_kept_and_retried_later() {
    let fx = fixture().await;
    enrolled(&fx).await;
    // An SMTP relay nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bad = wtd::mailer::MailConfig {
        transport: wtd::mailer::Transport::from_config(
            wtd::mailer::relay::RelaySettings::resolve(wtd::mailer::relay::RelayInputs {
                url: Some(format!("smtp://127.0.0.1:{port}").into()),
                ..Default::default()
            })
            .unwrap(),
            fx.dir.path().into(),
        )
        .unwrap(),
        from: "WatchTower <noreply@localhost>".parse().unwrap(),
    };
    assert_eq!(wtd::mailer::deliver_due(&fx.state, &bad).await, 0);
    // Kept, with the class of the failure first (what `wt check` reports).
    let errors: Vec<String> = rusqlite::Connection::open(fx.dir.path().join(DB_FILE))
        .unwrap()
        .prepare("SELECT last_error FROM mail_outbox WHERE sent_at IS NULL")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("relay_unreachable: "), "{errors:?}");
    let good = wtd::mailer::MailConfig {
        transport: wtd::mailer::Transport::Outbox(fx.dir.path().join("outbox")),
        from: "WatchTower <noreply@localhost>".parse().unwrap(),
    };
    assert_eq!(
        wtd::mailer::deliver_due(&fx.state, &good).await,
        0,
        "not due before the backoff"
    );
    fx.clock.advance(30);
    assert_eq!(
        wtd::mailer::deliver_due(&fx.state, &good).await,
        1,
        "retried after the backoff"
    );
    let metrics = fx.state.metrics.render();
    assert!(
        metrics.contains(r#"wt_mail_deliveries_total{outcome="failed"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"wt_mail_deliveries_total{outcome="sent"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"wt_mail_delivery_failures_total{class="relay_unreachable"} 1"#),
        "{metrics}"
    );
}
