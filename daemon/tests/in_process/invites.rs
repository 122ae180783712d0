//! Invitations: mail tokens, acceptance, resend and revoke, expiry (SECURITY.md C).

use super::*;

#[tokio::test]
async fn an_invite_mail_token_creates_the_member_once() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let r = invite(&fx, &tok, "A@X.test", "analyst").await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        (r.body["email"].as_str(), r.body["status"].as_str()),
        (Some("a@x.test"), Some("pending"))
    );
    assert!(
        !r.raw.windows(4).any(|w| w == b"wti_"),
        "the API never returns invite tokens"
    );
    let t = token_in_mail(&fx, "a@x.test", "wti_").await;
    let v = fx
        .post("/api/v1/invites/verify", json!({"token": t}), None)
        .await;
    assert_eq!(
        (v.body["role"].as_str(), v.body["account_exists"].as_bool()),
        (Some("analyst"), Some(false))
    );
    let accept = json!({"token": t, "name": "Ann", "password": PASSWORD});
    let a = fx
        .post("/api/v1/invites/accept", accept.clone(), None)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{:?}", a.body);
    assert_eq!(a.body["role"], "analyst");
    let again = fx.post("/api/v1/invites/accept", accept, None).await;
    let made_up = fx
        .post(
            "/api/v1/invites/accept",
            json!({"token": format!("wti_{}", "Q".repeat(43)), "name": "Ann", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        (again.status, again.raw.clone()),
        (made_up.status, made_up.raw),
        "same generic error"
    );
    assert!(fx.login("a@x.test", PASSWORD).await.body["token"].is_string());
    let acts = fx.actions().await;
    assert!(
        acts.contains(&actions::INVITE_CREATED.to_string())
            && acts.contains(&actions::INVITE_ACCEPTED.to_string())
    );
}

#[tokio::test]
async fn acceptance_takes_email_role_and_org_from_the_invite_only() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    invite(&fx, &tok, "b@x.test", "viewer").await;
    let t = token_in_mail(&fx, "b@x.test", "wti_").await;
    let sneaky = fx
        .post(
            "/api/v1/invites/accept",
            json!({"token": t, "name": "B", "password": PASSWORD, "role": "owner", "email": "evil@x.test"}),
            None,
        )
        .await;
    assert_eq!(
        sneaky.status,
        StatusCode::BAD_REQUEST,
        "unknown fields are refused outright"
    );
    let ok = fx
        .post(
            "/api/v1/invites/accept",
            json!({"token": t, "name": "B", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(
        (ok.body["role"].as_str(), ok.body["user"]["email"].as_str()),
        (Some("viewer"), Some("b@x.test"))
    );
}

#[tokio::test]
async fn resending_kills_the_first_token_and_revoking_kills_the_invite() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let r = invite(&fx, &tok, "c@x.test", "viewer").await;
    let id = r.body["id"].as_str().unwrap().to_string();
    let first = token_in_mail(&fx, "c@x.test", "wti_").await;
    let re = fx
        .post(
            &format!("/api/v1/orgs/invites/{id}/resend"),
            json!({}),
            Some(&tok),
        )
        .await;
    assert_eq!(re.status, StatusCode::OK);
    let second = token_in_mail(&fx, "c@x.test", "wti_").await;
    assert_ne!(first, second);
    let v1 = fx
        .post("/api/v1/invites/verify", json!({"token": first}), None)
        .await;
    assert_eq!(v1.body["code"], "invite_invalid");
    let v2 = fx
        .post("/api/v1/invites/verify", json!({"token": second}), None)
        .await;
    assert_eq!(v2.status, StatusCode::OK);
    assert_eq!(
        fx.send(delete(&format!("/api/v1/orgs/invites/{id}"), &tok))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let v3 = fx
        .post("/api/v1/invites/verify", json!({"token": second}), None)
        .await;
    assert_eq!(v3.body["code"], "invite_invalid");
    let list = fx.get("/api/v1/orgs/invites?status=revoked", &tok).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn invites_expire_after_72_hours() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    invite(&fx, &tok, "d@x.test", "viewer").await;
    let t = token_in_mail(&fx, "d@x.test", "wti_").await;
    fx.clock.advance(72 * 3600);
    let v = fx
        .post("/api/v1/invites/verify", json!({"token": t}), None)
        .await;
    assert_eq!(v.body["code"], "invite_invalid");
    let _ = tok;
    let fresh = fx.token().await;
    let list = fx.get("/api/v1/orgs/invites", &fresh).await;
    assert_eq!(list.body["items"][0]["status"], "expired");
}

#[tokio::test]
async fn an_analyst_inviting_an_admin_gets_403_and_an_audit_entry() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let analyst = join(&fx, &tok, "e@x.test", "analyst").await;
    let r = invite(&fx, &analyst, "f@x.test", "admin").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let admin = join(&fx, &tok, "g@x.test", "admin").await;
    let above = invite(&fx, &admin, "h@x.test", "owner").await;
    assert_eq!(
        above.status,
        StatusCode::FORBIDDEN,
        "nobody invites above their own role"
    );
    let denied = fx
        .actions()
        .await
        .iter()
        .filter(|a| *a == actions::INVITE_DENIED)
        .count();
    assert_eq!(denied, 2);
}

#[tokio::test]
async fn an_existing_account_accepts_only_from_its_own_session_and_keeps_its_password() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    // A second org, whose invite goes to the owner of the first.
    fx.store
        .create_org(
            NewOrg {
                id: "org_two".into(),
                slug: "two".into(),
                name: "Two".into(),
            },
            None,
            AuditEvent::new(
                Actor::operator(),
                actions::ORG_CREATED,
                &RequestMeta::default(),
            ),
            T0,
        )
        .await
        .unwrap();
    let ann = join(&fx, &tok, "ann@x.test", "admin").await;
    let _ = ann;
    // Ann (admin of acme) is invited to... acme can't invite her twice; use the owner's email in org two.
    let hash = wt_core::token::hash("wti_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    fx.store
        .invite_create(
            wt_store::NewInvite {
                id: "inv_two".into(),
                org_id: "org_two".into(),
                email: EMAIL.into(),
                role: Role::Viewer,
                token_hash: hash,
                invited_by: None,
                now: T0,
                expires_at: T0 + 3600,
            },
            AuditEvent::new(
                Actor::operator(),
                actions::INVITE_CREATED,
                &RequestMeta::default(),
            ),
        )
        .await
        .unwrap();
    let t = "wti_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let v = fx
        .post("/api/v1/invites/verify", json!({"token": t}), None)
        .await;
    assert_eq!(v.body["account_exists"], true);
    let anon = fx
        .post(
            "/api/v1/invites/accept",
            json!({"token": t, "name": "X", "password": "another password 99"}),
            None,
        )
        .await;
    assert_eq!(anon.body["code"], "account_exists");
    let wrong_user = fx
        .post("/api/v1/invites/accept", json!({"token": t}), Some(&ann))
        .await;
    assert_eq!(wrong_user.body["code"], "account_exists");
    let ok = fx
        .post("/api/v1/invites/accept", json!({"token": t}), Some(&tok))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{:?}", ok.body);
    // The password is unchanged, and the account now has two orgs.
    let l = fx
        .post(
            "/api/v1/auth/login",
            json!({"email": EMAIL, "password": PASSWORD, "client": "cli", "org": "two"}),
            None,
        )
        .await;
    assert_eq!(l.status, StatusCode::OK, "{:?}", l.body);
}

#[tokio::test]
async fn a_removed_member_rejoins_by_proving_their_current_password_which_stays() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    join(&fx, &tok, "back@x.test", "viewer").await;
    let id = member_id(&fx, &tok, "back@x.test").await;
    fx.send(delete(&format!("/api/v1/orgs/members/{id}"), &tok))
        .await;
    invite(&fx, &tok, "back@x.test", "analyst").await;
    let t = token_in_mail(&fx, "back@x.test", "wti_").await;
    let v = fx
        .post("/api/v1/invites/verify", json!({"token": t}), None)
        .await;
    assert_eq!(v.body["account_exists"], true);
    let wrong = fx
        .post(
            "/api/v1/invites/accept",
            json!({"token": t, "password": "not my password 99"}),
            None,
        )
        .await;
    assert_eq!(wrong.body["code"], "account_exists");
    let bare = fx
        .post("/api/v1/invites/accept", json!({"token": t}), None)
        .await;
    assert_eq!(bare.body["code"], "account_exists");
    let ok = fx
        .post(
            "/api/v1/invites/accept",
            json!({"token": t, "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{:?}", ok.body);
    assert_eq!(ok.body["role"], "analyst");
    assert!(
        fx.login("back@x.test", PASSWORD).await.body["token"].is_string(),
        "password unchanged"
    );
}

#[tokio::test]
async fn invites_to_undeliverable_addresses_are_refused_and_good_ones_normalised() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    for (bad, why) in [
        ("a,b@acme.test", "comma"),
        ("x@[127.0.0.1]", "IP-address"),
        ("<x@acme.test>", "angle brackets"),
        ("Ann <ann@acme.test>", "angle brackets"),
        ("\"a b\"@acme.test", "quoted"),
    ] {
        let r = invite(&fx, &tok, bad, "viewer").await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {:?}",
            r.body
        );
        let detail = r.body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("is not an email address we can deliver to") && detail.contains(why),
            "{bad}: {detail}"
        );
    }
    let r = invite(&fx, &tok, "  New.Person@Acme.TEST ", "viewer").await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["email"], "new.person@acme.test");
    let list = fx.get("/api/v1/orgs/invites", &tok).await;
    let emails: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["email"].as_str())
        .collect();
    assert_eq!(
        emails,
        ["new.person@acme.test"],
        "nothing refused was stored"
    );
}
