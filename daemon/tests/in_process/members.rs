//! Members: role guard rails, the last owner, removal, reviews, ending a member's sessions
//! (SECURITY.md F).

use super::*;

#[tokio::test]
async fn role_guard_rails_hold() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let admin = join(&fx, &tok, "adm@x.test", "admin").await;
    let me = member_id(&fx, &tok, EMAIL).await;
    let adm = member_id(&fx, &tok, "adm@x.test").await;
    let own = fx
        .send(patch(
            &format!("/api/v1/orgs/members/{me}"),
            &tok,
            json!({"role": "admin"}),
        ))
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "no self role change");
    let up = fx
        .send(patch(
            &format!("/api/v1/orgs/members/{adm}"),
            &admin,
            json!({"role": "owner"}),
        ))
        .await;
    assert_eq!(up.status, StatusCode::FORBIDDEN);
    let touch_owner = fx
        .send(patch(
            &format!("/api/v1/orgs/members/{me}"),
            &admin,
            json!({"role": "viewer"}),
        ))
        .await;
    assert_eq!(
        touch_owner.status,
        StatusCode::FORBIDDEN,
        "admins can't touch owners"
    );
    let rm_owner = fx
        .send(delete(&format!("/api/v1/orgs/members/{me}"), &admin))
        .await;
    assert_eq!(rm_owner.status, StatusCode::FORBIDDEN);
    let other_org = fx
        .send(patch(
            "/api/v1/orgs/members/usr_elsewhere",
            &tok,
            json!({"role": "viewer"}),
        ))
        .await;
    assert_eq!(other_org.status, StatusCode::NOT_FOUND);
    let ok = fx
        .send(patch(
            &format!("/api/v1/orgs/members/{adm}"),
            &tok,
            json!({"role": "analyst"}),
        ))
        .await;
    assert_eq!(
        (ok.status, ok.body["role"].as_str()),
        (StatusCode::OK, Some("analyst"))
    );
    // Applies at once to the live session (F.49): an analyst can't list invites' management.
    let inv = invite(&fx, &admin, "z@x.test", "viewer").await;
    assert_eq!(inv.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_last_owner_cannot_be_demoted_or_removed_even_by_parallel_requests() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let me = member_id(&fx, &tok, EMAIL).await;
    // A second owner: invited as admin, promoted by the owner.
    let second = join(&fx, &tok, "o2@x.test", "admin").await;
    let o2 = member_id(&fx, &tok, "o2@x.test").await;
    let p = fx
        .send(patch(
            &format!("/api/v1/orgs/members/{o2}"),
            &tok,
            json!({"role": "owner"}),
        ))
        .await;
    assert_eq!(p.status, StatusCode::OK);
    // 20 parallel demotions: each owner demotes the other, ten times.
    let mut tasks = vec![];
    for i in 0..20 {
        let (path, t) = if i % 2 == 0 {
            (format!("/api/v1/orgs/members/{o2}"), tok.clone())
        } else {
            (format!("/api/v1/orgs/members/{me}"), second.clone())
        };
        let app = fx.app.clone();
        tasks.push(tokio::spawn(async move {
            app.oneshot(patch(&path, &t, json!({"role": "admin"})))
                .await
                .unwrap()
                .status()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let members = fx.store.members_list("org_acme").await.unwrap();
    let owners = members.iter().filter(|m| m.role == Role::Owner).count();
    assert_eq!(owners, 1, "{members:?}");
    // The remaining owner can be neither demoted nor removed.
    let last = members
        .iter()
        .find(|m| m.role == Role::Owner)
        .unwrap()
        .user
        .id
        .clone();
    let (other_tok, other_id) = if last == me {
        (second.clone(), o2.clone())
    } else {
        (tok.clone(), me.clone())
    };
    let _ = other_id;
    let by_admin = fx
        .send(patch(
            &format!("/api/v1/orgs/members/{last}"),
            &other_tok,
            json!({"role": "viewer"}),
        ))
        .await;
    assert_eq!(by_admin.status, StatusCode::FORBIDDEN);
    let direct = fx
        .store
        .member_set_role(
            "org_acme",
            &last,
            Role::Admin,
            T0,
            AuditEvent::new(
                Actor::operator(),
                actions::MEMBER_ROLE_CHANGED,
                &RequestMeta::default(),
            ),
        )
        .await;
    assert!(matches!(direct, Err(wt_store::StoreError::LastOwner)));
}

#[tokio::test]
async fn removing_a_member_ends_their_sessions_at_once_and_is_audited() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let m = join(&fx, &tok, "gone@x.test", "analyst").await;
    let id = member_id(&fx, &tok, "gone@x.test").await;
    assert_eq!(
        fx.get("/api/v1/auth/session", &m).await.status,
        StatusCode::OK
    );
    assert_eq!(
        fx.send(delete(&format!("/api/v1/orgs/members/{id}"), &tok))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        fx.get("/api/v1/auth/session", &m).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fx.login("gone@x.test", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        fx.actions()
            .await
            .contains(&actions::MEMBER_REMOVED.to_string())
    );
    let me = member_id(&fx, &tok, EMAIL).await;
    let self_rm = fx
        .send(delete(&format!("/api/v1/orgs/members/{me}"), &tok))
        .await;
    assert_eq!(self_rm.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_members_review_records_who_when_and_which_members() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    join(&fx, &tok, "rv@x.test", "viewer").await;
    let r = fx
        .post("/api/v1/orgs/members/reviews", json!({}), Some(&tok))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["reviewed_by"], EMAIL);
    assert_eq!(r.body["members"].as_array().unwrap().len(), 2);
    let list = fx.get("/api/v1/orgs/members/reviews", &tok).await;
    assert_eq!(list.body["items"][0]["id"], r.body["id"]);
    assert!(
        fx.actions()
            .await
            .contains(&actions::MEMBERS_REVIEWED.to_string())
    );
}

#[tokio::test]
async fn admins_end_a_members_sessions_and_send_a_reset_without_seeing_it() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let m = join(&fx, &tok, "s@x.test", "analyst").await;
    let id = member_id(&fx, &tok, "s@x.test").await;
    assert_eq!(
        fx.send(delete(&format!("/api/v1/orgs/members/{id}/sessions"), &tok))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        fx.get("/api/v1/auth/session", &m).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = fx
        .post(
            &format!("/api/v1/orgs/members/{id}/password-reset"),
            json!({}),
            Some(&tok),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert!(
        !r.raw.windows(4).any(|w| w == b"wtr_"),
        "the admin never sees the link"
    );
    let t = token_in_mail(&fx, "s@x.test", "wtr_").await;
    let v = fx
        .post(
            "/api/v1/auth/password/reset/verify",
            json!({"token": t}),
            None,
        )
        .await;
    assert_eq!(v.body["email_hint"], "s***@x.test");
    let analyst_tries = fx
        .post(
            &format!("/api/v1/orgs/members/{id}/password-reset"),
            json!({}),
            Some(&m),
        )
        .await;
    assert_eq!(
        analyst_tries.status,
        StatusCode::UNAUTHORIZED,
        "their session was ended"
    );
}
