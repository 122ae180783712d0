//! Credentials and their owner's standing (SECURITY.md J.59, J.61, J.65, J.66): what each
//! credential does when the member behind it is removed, demoted, reset or signed out
//! everywhere, and which changes need a fresh sign-in. The lifecycle table in
//! SECURITY-COVERAGE.md names these tests cell by cell.

use super::*;
use futures_util::StreamExt;
use wt_core::mfa::code_at_step;

/// An automation token minted by the session `tok`: (id, secret).
async fn mint(fx: &Fx, tok: &str, name: &str, role: &str) -> (String, String) {
    let r = fx
        .post(
            "/api/v1/orgs/access-tokens",
            json!({"name": name, "role": role, "expires_at": "2027-06-01T00:00:00Z"}),
            Some(tok),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    (
        r.body["id"].as_str().unwrap().to_string(),
        r.body["secret"].as_str().unwrap().to_string(),
    )
}

/// The user id of the member with `email`.
async fn member_id(fx: &Fx, tok: &str, email: &str) -> String {
    let r = fx.get("/api/v1/orgs/members", tok).await;
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == email)
        .unwrap_or_else(|| panic!("no member {email}: {:?}", r.body))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn send(fx: &Fx, method: &str, path: &str, tok: &str, body: Option<Value>) -> Resp {
    fx.send(req(method, path, tok, body)).await
}

async fn set_role(fx: &Fx, tok: &str, id: &str, role: &str) -> Resp {
    let path = format!("/api/v1/orgs/members/{id}");
    send(fx, "PATCH", &path, tok, Some(json!({ "role": role }))).await
}

async fn token_status(fx: &Fx, owner: &str, id: &str) -> String {
    let list = fx.get("/api/v1/orgs/access-tokens", owner).await;
    list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap()["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_token_acts_with_the_lower_role_and_stops_when_its_creator_is_removed() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    let ann = team_member(&fx, &owner, "ann@acme.test", "admin").await;
    let bob = team_member(&fx, &owner, "bob@acme.test", "admin").await;
    let (ann_tid, ann_t) = mint(&fx, &ann, "ann-ci", "admin").await;
    let (_, bob_t) = mint(&fx, &bob, "bob-ci", "admin").await;
    assert_eq!(
        fx.get("/api/v1/orgs/members", &ann_t).await.status,
        StatusCode::OK
    );

    // Removed: the token stops at once, for reads and for invites alike.
    let ann_id = member_id(&fx, &owner, "ann@acme.test").await;
    let path = format!("/api/v1/orgs/members/{ann_id}");
    assert_eq!(
        send(&fx, "DELETE", &path, &owner, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        fx.get("/api/v1/orgs/members", &ann_t).await.status,
        StatusCode::UNAUTHORIZED
    );
    let invite = json!({"email": "new@acme.test", "role": "admin"});
    let r = fx.post("/api/v1/orgs/invites", invite, Some(&ann_t)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(token_status(&fx, &owner, &ann_tid).await, "revoked");

    // Demoted to viewer: the admin token acts as a viewer, and cannot promote her back.
    let bob_id = member_id(&fx, &owner, "bob@acme.test").await;
    assert_eq!(
        set_role(&fx, &owner, &bob_id, "viewer").await.status,
        StatusCode::OK
    );
    let who = fx.get("/api/v1/auth/session", &bob_t).await;
    assert_eq!(who.body["role"], "viewer", "{:?}", who.body);
    assert_eq!(who.body["user"]["email"], "bob@acme.test");
    assert_eq!(
        fx.get("/api/v1/orgs/members", &bob_t).await.status,
        StatusCode::FORBIDDEN
    );
    let r = set_role(&fx, &bob_t, &bob_id, "admin").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    // Re-scoped, not revoked: promoted again, it acts as an admin again.
    assert_eq!(
        set_role(&fx, &owner, &bob_id, "admin").await.status,
        StatusCode::OK
    );
    assert_eq!(
        fx.get("/api/v1/orgs/members", &bob_t).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_self_change_rule_applies_to_the_member_behind_a_token() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    let ann = team_member(&fx, &owner, "ann@acme.test", "admin").await;
    let (_, t) = mint(&fx, &ann, "ann-ci", "admin").await;
    let ann_id = member_id(&fx, &owner, "ann@acme.test").await;
    for role in ["owner", "viewer"] {
        let r = set_role(&fx, &t, &ann_id, role).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}: {:?}", r.body);
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("your own role"),
            "{:?}",
            r.body
        );
    }
}

#[tokio::test]
async fn a_token_creates_and_rotates_keys_in_its_creators_name() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    let (_, t) = mint(&fx, &owner, "deploy", "admin").await;
    let k = fx
        .post(
            "/api/v1/orgs/api-keys",
            json!({"name": "billing", "environment": "production", "owner_email": EMAIL}),
            Some(&t),
        )
        .await;
    assert_eq!(k.status, StatusCode::CREATED, "{:?}", k.body);
    let id = k.body["id"].as_str().unwrap();
    let r = fx
        .post(
            &format!("/api/v1/orgs/api-keys/{id}/rotate"),
            json!({"grace_seconds": 60}),
            Some(&t),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    // The audit log names the token as the actor.
    let last = fx.store.audit_entries("org_acme", 0, 1000).await.unwrap();
    let rotated = last
        .iter()
        .rev()
        .find(|e| e.action == "api_key.rotated")
        .unwrap();
    assert_eq!(rotated.actor.kind, "token");
    assert_eq!(rotated.actor.email.as_deref(), Some("token:deploy"));
}

#[tokio::test]
async fn tokens_die_with_a_password_reset_or_change_an_mfa_reset_and_ended_sessions() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    let mut minted = vec![];
    for who in ["change", "sessions", "mfa", "reset"] {
        let email = format!("{who}@acme.test");
        let s = team_member(&fx, &owner, &email, "admin").await;
        let (id, t) = mint(&fx, &s, who, "analyst").await;
        assert_eq!(
            fx.get("/api/v1/orgs/members", &t).await.status,
            StatusCode::OK
        );
        minted.push((email, s, id, t));
    }
    // Their own password change.
    let (_, s, ..) = &minted[0];
    let r = fx
        .post(
            "/api/v1/auth/password/change",
            json!({"current_password": PASSWORD, "new_password": "a different long passphrase 9"}),
            Some(s),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    // An admin ends their sessions; an admin resets their MFA.
    let id = member_id(&fx, &owner, &minted[1].0).await;
    let path = format!("/api/v1/orgs/members/{id}/sessions");
    assert!(
        send(&fx, "DELETE", &path, &owner, None)
            .await
            .status
            .is_success()
    );
    let id = member_id(&fx, &owner, &minted[2].0).await;
    let path = format!("/api/v1/orgs/members/{id}/mfa/reset");
    let r = send(&fx, "POST", &path, &owner, Some(json!({}))).await;
    assert!(r.status.is_success(), "{:?}", r.body);
    // A completed reset from the mail.
    let email = &minted[3].0;
    let r = fx
        .post(
            "/api/v1/auth/password/forgot",
            json!({"email": email}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let mut mailed = false;
    for _ in 0..200 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        let all = super::mails(&fx).await;
        if all
            .iter()
            .any(|m| m.contains(&format!("To: {email}")) && m.contains("wtr_"))
        {
            mailed = true;
            break;
        }
    }
    assert!(mailed, "a reset mail");
    let reset = super::token_in_mail(&fx, email, "wtr_").await;
    let r = fx
        .post(
            "/api/v1/auth/password/reset",
            json!({"token": reset, "new_password": "a different long passphrase 9"}),
            None,
        )
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);

    for (email, _, id, t) in &minted {
        assert_eq!(
            fx.get("/api/v1/orgs/members", t).await.status,
            StatusCode::UNAUTHORIZED,
            "{email}"
        );
        assert_eq!(token_status(&fx, &owner, id).await, "revoked", "{email}");
    }
}

#[tokio::test]
async fn a_token_is_held_to_its_creators_missing_mfa() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    let ann = team_member(&fx, &owner, "ann@acme.test", "admin").await;
    let (_, t) = mint(&fx, &ann, "ann-ci", "admin").await;
    let r = send(
        &fx,
        "PATCH",
        "/api/v1/orgs/settings",
        &owner,
        Some(json!({"mfa_required_roles": ["admin"]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = fx.get("/api/v1/orgs/members", &t).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["code"], "mfa_enrollment_required", "{:?}", r.body);
}

#[tokio::test]
async fn tokens_change_no_security_setting_and_see_no_persons_sessions() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    let (_, t) = mint(&fx, &owner, "ci", "owner").await;
    let r = send(
        &fx,
        "PATCH",
        "/api/v1/orgs/settings",
        &t,
        Some(json!({"mfa_required_roles": []})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    for path in [
        "/api/v1/auth/sessions",
        "/api/v1/auth/mfa",
        "/api/v1/orgs/access-tokens",
    ] {
        assert_eq!(
            fx.get(path, &t).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let r = fx
        .post(
            "/api/v1/auth/step-up",
            json!({"password": PASSWORD}),
            Some(&t),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    let r = fx
        .post(
            "/api/v1/orgs/access-tokens",
            json!({"name": "more", "role": "viewer", "expires_at": "2027-06-01T00:00:00Z"}),
            Some(&t),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn security_settings_tokens_elevation_and_removal_need_a_step_up() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    team_member(&fx, &owner, "carl@acme.test", "analyst").await;
    let carl = member_id(&fx, &owner, "carl@acme.test").await;
    fx.clock.advance(wtd::extract::STEP_UP_WINDOW + 60);
    let settings = json!({"mfa_required_roles": []});
    let token = json!({"name": "ci", "role": "viewer", "expires_at": "2027-06-01T00:00:00Z"});
    let path = format!("/api/v1/orgs/members/{carl}");
    let code = |r: &Resp| r.body["code"].as_str().unwrap_or_default().to_string();
    let needs = [
        send(
            &fx,
            "PATCH",
            "/api/v1/orgs/settings",
            &owner,
            Some(settings.clone()),
        )
        .await,
        fx.post("/api/v1/orgs/access-tokens", token.clone(), Some(&owner))
            .await,
        set_role(&fx, &owner, &carl, "admin").await,
        send(&fx, "DELETE", &path, &owner, None).await,
    ];
    for (i, r) in needs.iter().enumerate() {
        assert_eq!(code(r), "step_up_required", "change {i}: {:?}", r.body);
    }
    // A demotion needs none.
    assert_eq!(
        set_role(&fx, &owner, &carl, "viewer").await.status,
        StatusCode::OK
    );
    let r = fx
        .post(
            "/api/v1/auth/step-up",
            json!({"password": PASSWORD}),
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let done = [
        send(
            &fx,
            "PATCH",
            "/api/v1/orgs/settings",
            &owner,
            Some(settings),
        )
        .await,
        fx.post("/api/v1/orgs/access-tokens", token, Some(&owner))
            .await,
        set_role(&fx, &owner, &carl, "admin").await,
        send(&fx, "DELETE", &path, &owner, None).await,
    ];
    for (i, r) in done.iter().enumerate() {
        assert!(r.status.is_success(), "change {i}: {:?}", r.body);
    }
}

#[tokio::test]
async fn a_session_works_only_as_the_client_it_was_issued_to() {
    let fx = fixture().await;
    fx.setup().await;
    let cli = fx.token().await;
    let as_cookie = Request::get("/api/v1/auth/session")
        .header(header::COOKIE, format!("{}={cli}", wt_api::SESSION_COOKIE))
        .body(Body::empty())
        .unwrap();
    assert_eq!(fx.send(as_cookie).await.status, StatusCode::UNAUTHORIZED);
    let cookie = console_cookie(&fx).await;
    let console = cookie.split_once('=').unwrap().1.to_string();
    let as_cookie = Request::get("/api/v1/auth/session")
        .header(header::COOKIE, cookie.clone())
        .body(Body::empty())
        .unwrap();
    assert_eq!(fx.send(as_cookie).await.status, StatusCode::OK);
    assert_eq!(
        fx.get("/api/v1/auth/session", &console).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_right_password_from_a_refused_address_gets_no_session_or_challenge() {
    let fx = fixture().await;
    let (tok, ..) = super::mfa::enrolled(&fx).await;
    let r = fx
        .post(
            "/api/v1/orgs/allowed-ips",
            json!({"cidr": "10.0.0.0/8", "force": true}),
            Some(&tok),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let sessions = |fx: &Fx| -> i64 {
        rusqlite_open(fx)
            .query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0))
            .unwrap()
    };
    let challenges = |fx: &Fx| -> i64 {
        rusqlite_open(fx)
            .query_row("SELECT COUNT(*) FROM mfa_challenges", [], |r| r.get(0))
            .unwrap()
    };
    let (s0, c0) = (sessions(&fx), challenges(&fx));
    let r = fx.login(EMAIL, PASSWORD).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    assert_eq!(r.body["code"], "ip_not_allowed");
    assert!(r.body.get("challenge").is_none() && r.body.get("token").is_none());
    assert_eq!((sessions(&fx), challenges(&fx)), (s0, c0));
}

#[tokio::test]
async fn a_pending_mfa_login_dies_when_the_password_changes_or_sessions_end() {
    let fx = fixture().await;
    let (tok, secret, _) = super::mfa::enrolled(&fx).await;
    let challenge = fx.login(EMAIL, PASSWORD).await.body["challenge"]
        .as_str()
        .unwrap()
        .to_string();
    fx.clock.advance(wt_core::mfa::STEP as i64);
    let r = fx
        .post(
            "/api/v1/auth/password/change",
            json!({
                "current_password": PASSWORD,
                "new_password": "a different long passphrase 9",
                "code": code_at_step(&secret, super::mfa::step_now(&fx)),
            }),
            Some(&tok),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    fx.clock.advance(wt_core::mfa::STEP as i64);
    let r = fx
        .post(
            "/api/v1/auth/mfa/verify",
            json!({"challenge": challenge, "code": code_at_step(&secret, super::mfa::step_now(&fx))}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{:?}", r.body);
    assert_eq!(r.body["code"], "challenge_invalid");
}

#[tokio::test]
async fn invites_die_with_the_standing_of_whoever_sent_them() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    let ann = team_member(&fx, &owner, "ann@acme.test", "owner").await;
    let bob = team_member(&fx, &owner, "bob@acme.test", "admin").await;
    for (s, to, role) in [
        (&ann, "a1@acme.test", "owner"),
        (&ann, "a2@acme.test", "analyst"),
        (&bob, "b1@acme.test", "analyst"),
    ] {
        let r = fx
            .post(
                "/api/v1/orgs/invites",
                json!({"email": to, "role": role}),
                Some(s),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }
    let ann_id = member_id(&fx, &owner, "ann@acme.test").await;
    assert_eq!(
        set_role(&fx, &owner, &ann_id, "admin").await.status,
        StatusCode::OK
    );
    let bob_id = member_id(&fx, &owner, "bob@acme.test").await;
    let path = format!("/api/v1/orgs/members/{bob_id}");
    assert_eq!(
        send(&fx, "DELETE", &path, &owner, None).await.status,
        StatusCode::NO_CONTENT
    );
    let list = fx.get("/api/v1/orgs/invites", &owner).await;
    let status = |to: &str| {
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["email"] == to)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status("a1@acme.test"), "revoked", "above her new role");
    assert_eq!(status("a2@acme.test"), "pending", "within her new role");
    assert_eq!(status("b1@acme.test"), "revoked", "its sender was removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_stream_ends_at_logout_and_at_removal() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    let ends = [
        "logout",
        "removed",
        "demoted",
        "token revoked",
        "address refused",
    ];
    for (i, end) in ends.into_iter().enumerate() {
        let email = format!("lead{i}@acme.test");
        let lead = team_member(&fx, &owner, &email, "risk_lead").await;
        let id = member_id(&fx, &owner, &email).await;
        let (token_id, credential) = if end == "token revoked" {
            let (tid, secret) = mint(&fx, &owner, &format!("tail{i}"), "risk_lead").await;
            (tid, secret)
        } else {
            (String::new(), lead.clone())
        };
        let open = Request::get("/api/v1/orgs/audit-logs/stream")
            .header(header::AUTHORIZATION, format!("Bearer {credential}"))
            .body(Body::empty())
            .unwrap();
        let resp = fx.app.clone().oneshot(open).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{end}");
        let mut body = resp.into_body().into_data_stream();
        let member = format!("/api/v1/orgs/members/{id}");
        let r = match end {
            "logout" => fx.post("/api/v1/auth/logout", json!({}), Some(&lead)).await,
            "removed" => send(&fx, "DELETE", &member, &owner, None).await,
            "demoted" => set_role(&fx, &owner, &id, "analyst").await,
            "token revoked" => {
                let path = format!("/api/v1/orgs/access-tokens/{token_id}");
                send(&fx, "DELETE", &path, &owner, None).await
            }
            _ => {
                // The list admits another network only (forced: the owner is outside too,
                // and works on through the store below).
                fx.post(
                    "/api/v1/orgs/allowed-ips",
                    json!({"cidr": "10.0.0.0/8", "force": true}),
                    Some(&owner),
                )
                .await
            }
        };
        assert!(r.status.is_success(), "{end}: {:?}", r.body);
        // Something to see, after the credential or its right stopped.
        fx.store
            .append_audit(
                "org_acme",
                AuditEvent::new(
                    Actor::operator(),
                    actions::ORG_SETTINGS_UPDATED,
                    &RequestMeta::default(),
                )
                .details(json!({"marker": format!("after-{i}")})),
                fx.state.now(),
            )
            .await
            .unwrap();
        let mut seen = String::new();
        let ended = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while let Some(Ok(chunk)) = body.next().await {
                seen.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await;
        assert!(ended.is_ok(), "{end}: the stream ended");
        assert!(
            !seen.contains(&format!("after-{i}")),
            "{end}: delivered: {seen}"
        );
        if end == "address refused" {
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_audit_stream_does_not_keep_its_session_from_idling_out() {
    let fx = fixture().await;
    fx.setup().await;
    let tok = fx.token().await;
    let last_seen = |fx: &Fx| -> i64 {
        rusqlite_open(fx)
            .query_row("SELECT MAX(last_seen_at) FROM sessions", [], |r| r.get(0))
            .unwrap()
    };
    let before = last_seen(&fx);
    let open = Request::get("/api/v1/orgs/audit-logs/stream")
        .header(header::AUTHORIZATION, format!("Bearer {tok}"))
        .body(Body::empty())
        .unwrap();
    let resp = fx.app.clone().oneshot(open).await.unwrap();
    let mut body = resp.into_body().into_data_stream();
    // Five minutes pass (on the daemon's clock) while the stream polls.
    for _ in 0..5 {
        fx.clock.advance(61);
        let _ = tokio::time::timeout(std::time::Duration::from_millis(300), body.next()).await;
    }
    assert_eq!(
        last_seen(&fx),
        before,
        "polling is not a use of the session"
    );
}

#[tokio::test]
async fn throttled_logins_write_one_entry_a_minute_with_the_suppressed_count() {
    let fx = fixture().await;
    fx.setup().await;
    for _ in 0..5 {
        fx.login(EMAIL, "wrong password 123").await;
    }
    for _ in 0..200 {
        let r = fx.login(EMAIL, "wrong password 123").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    }
    async fn throttled(fx: &Fx) -> Vec<wt_core::audit::AuditRecord> {
        fx.store
            .audit_entries("org_acme", 0, 10_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == actions::LOGIN_THROTTLED)
            .collect()
    }
    assert_eq!(throttled(&fx).await.len(), 1, "one entry for 200 refusals");
    // After the wait, a sixth wrong password doubles it; a minute on, the next refusal
    // writes an entry that says how many were left out.
    fx.clock.advance(30);
    fx.login(EMAIL, "wrong password 123").await;
    fx.clock.advance(31);
    let r = fx.login(EMAIL, "wrong password 123").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let entries = throttled(&fx).await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].details["suppressed_since_last"], 199);
}

#[tokio::test]
async fn making_an_admin_by_invite_and_acting_on_a_persons_credentials_need_a_step_up() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    team_member(&fx, &owner, "carl@acme.test", "analyst").await;
    let carl = member_id(&fx, &owner, "carl@acme.test").await;
    let (_, t) = mint(&fx, &owner, "ci", "owner").await;
    let pending = fx
        .post(
            "/api/v1/orgs/invites",
            json!({"email": "boss@acme.test", "role": "owner"}),
            Some(&owner),
        )
        .await;
    assert_eq!(pending.status, StatusCode::CREATED, "{:?}", pending.body);
    let pending = pending.body["id"].as_str().unwrap().to_string();
    let code = |r: &Resp| r.body["code"].as_str().unwrap_or_default().to_string();
    let try_all = |tok: String| {
        let (fx, carl, pending) = (&fx, carl.clone(), pending.clone());
        async move {
            vec![
                fx.post(
                    "/api/v1/orgs/invites",
                    json!({"email": "new-admin@acme.test", "role": "admin"}),
                    Some(&tok),
                )
                .await,
                fx.post(
                    &format!("/api/v1/orgs/invites/{pending}/resend"),
                    json!({}),
                    Some(&tok),
                )
                .await,
                fx.post(
                    &format!("/api/v1/orgs/members/{carl}/mfa/reset"),
                    json!({}),
                    Some(&tok),
                )
                .await,
                fx.post(
                    &format!("/api/v1/orgs/members/{carl}/password-reset"),
                    json!({}),
                    Some(&tok),
                )
                .await,
            ]
        }
    };
    // An owner token: refused outright (a token never steps up).
    for (i, r) in try_all(t).await.iter().enumerate() {
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "token, change {i}: {:?}",
            r.body
        );
    }
    // A session older than the window: asked to step up.
    fx.clock.advance(wtd::extract::STEP_UP_WINDOW + 60);
    for (i, r) in try_all(owner.clone()).await.iter().enumerate() {
        assert_eq!(
            code(r),
            "step_up_required",
            "stale session, change {i}: {:?}",
            r.body
        );
    }
    // Inviting a viewer needs none.
    let r = fx
        .post(
            "/api/v1/orgs/invites",
            json!({"email": "viewer@acme.test", "role": "viewer"}),
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
}

#[tokio::test]
async fn an_admin_cannot_resend_an_owner_invite() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    let admin = team_member(&fx, &owner, "ann@acme.test", "admin").await;
    let r = fx
        .post(
            "/api/v1/orgs/invites",
            json!({"email": "boss@acme.test", "role": "owner"}),
            Some(&owner),
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_string();
    let r = fx
        .post(
            &format!("/api/v1/orgs/invites/{id}/resend"),
            json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
}

#[tokio::test]
async fn a_token_cannot_accept_an_invite_for_its_creator() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    let (_, t) = mint(&fx, &owner, "ci", "viewer").await;
    // Another org invites the owner's address: a token of theirs in Acme must not stand
    // in for the account's own session and join them there.
    fx.store
        .create_org(
            wt_store::NewOrg {
                id: "org_beta".into(),
                slug: "beta".into(),
                name: "Beta".into(),
            },
            None,
            AuditEvent::new(
                Actor::operator(),
                actions::ORG_CREATED,
                &RequestMeta::default(),
            ),
            fx.state.now(),
        )
        .await
        .unwrap();
    let invite = wt_store::NewInvite {
        id: "inv_x".into(),
        org_id: "org_beta".into(),
        email: EMAIL.into(),
        role: wt_api::Role::Viewer,
        token_hash: wt_core::token::hash("wti_0123456789abcdefghijABCDEFGHIJ0123456789abc"),
        invited_by: None,
        now: fx.state.now(),
        expires_at: fx.state.now() + 3600,
    };
    fx.store
        .invite_create(
            invite,
            AuditEvent::new(
                Actor::operator(),
                actions::INVITE_CREATED,
                &RequestMeta::default(),
            ),
        )
        .await
        .unwrap();
    let r = fx
        .post(
            "/api/v1/invites/accept",
            json!({"token": "wti_0123456789abcdefghijABCDEFGHIJ0123456789abc"}),
            Some(&t),
        )
        .await;
    assert_eq!(r.body["code"], "account_exists", "{:?}", r.body);
    let who = fx
        .store
        .member(
            "org_beta",
            &fx.store
                .user_for_login(EMAIL)
                .await
                .unwrap()
                .unwrap()
                .user
                .id,
        )
        .await
        .unwrap();
    assert!(who.is_none(), "not a member of Beta");
}

#[tokio::test]
async fn anonymous_guesses_that_lock_an_account_do_not_keep_its_owner_from_a_step_up() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    // Someone else guesses until the account waits.
    for _ in 0..6 {
        fx.login(EMAIL, "wrong password 123").await;
    }
    assert_eq!(
        fx.login(EMAIL, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The owner, already signed in, can still step up to respond.
    let r = fx
        .post(
            "/api/v1/auth/step-up",
            json!({"password": PASSWORD}),
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    // Their own wrong passwords are limited per session (and still count on the account).
    for _ in 0..5 {
        let r = fx
            .post(
                "/api/v1/auth/step-up",
                json!({"password": "nope nope nope 1"}),
                Some(&owner),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = fx
        .post(
            "/api/v1/auth/step-up",
            json!({"password": PASSWORD}),
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn metrics_are_not_for_proxied_or_rebound_requests_from_loopback() {
    let fx = fixture().await;
    let get = |extra: (&'static str, &'static str)| {
        let app = fx.app.clone();
        async move {
            let req = Request::get("/metrics")
                .header(header::HOST, "127.0.0.1")
                .header(extra.0, extra.1)
                .body(Body::empty())
                .unwrap();
            app.oneshot(req).await.unwrap().status()
        }
    };
    assert_eq!(
        get(("accept", "*/*")).await,
        StatusCode::OK,
        "loopback itself"
    );
    // A proxy on the same machine passes on someone else's request.
    assert_eq!(
        get(("x-forwarded-for", "203.0.113.9")).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(("forwarded", "for=203.0.113.9")).await,
        StatusCode::FORBIDDEN
    );
    // A page in a local browser whose name was rebound to 127.0.0.1.
    let req = Request::get("/metrics")
        .header(header::HOST, "rebind.attacker.example")
        .body(Body::empty())
        .unwrap();
    let status = fx.app.clone().oneshot(req).await.unwrap().status();
    assert_eq!(status, StatusCode::MISDIRECTED_REQUEST);
}

#[tokio::test]
async fn an_admin_of_one_org_cannot_reset_the_mfa_or_password_of_an_owner_of_another() {
    let fx = fixture().await;
    fx.setup().await;
    let owner = fx.token().await;
    team_member(&fx, &owner, "carl@acme.test", "analyst").await;
    let carl = member_id(&fx, &owner, "carl@acme.test").await;
    // Carl also owns another org.
    fx.store
        .create_org(
            wt_store::NewOrg {
                id: "org_beta".into(),
                slug: "beta".into(),
                name: "Beta".into(),
            },
            None,
            AuditEvent::new(
                Actor::operator(),
                actions::ORG_CREATED,
                &RequestMeta::default(),
            ),
            fx.state.now(),
        )
        .await
        .unwrap();
    rusqlite_open(&fx)
        .execute(
            "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ('org_beta', ?1, 'owner', 0)",
            rusqlite::params![carl],
        )
        .unwrap();
    for path in [
        format!("/api/v1/orgs/members/{carl}/mfa/reset"),
        format!("/api/v1/orgs/members/{carl}/password-reset"),
    ] {
        let r = fx.post(&path, json!({}), Some(&owner)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {:?}", r.body);
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("beta"),
            "{:?}",
            r.body
        );
    }
    // Ending his sessions in Acme only is still theirs to do.
    let path = format!("/api/v1/orgs/members/{carl}/sessions");
    assert!(
        send(&fx, "DELETE", &path, &owner, None)
            .await
            .status
            .is_success()
    );
}
