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

/// Ids of a member list's items, in order.
fn ids_of(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn members_pages_hold_every_member_once_in_order_and_bad_paging_is_a_4xx() {
    let fx = fixture().await;
    // The owner with TOTP: a page shows each member's factors as the whole list does.
    let (tok, _, _) = super::mfa::enrolled(&fx).await;
    // Eleven more members; three at a time joined in the same second (ties go by id).
    for i in 0..11 {
        if i % 3 == 0 {
            fx.clock.advance(60);
        }
        fx.store
            .create_member(
                wt_store::NewMember {
                    user_id: wt_core::ids::new_id("usr"),
                    email: format!("m{i:02}@x.test"),
                    name: format!("Member {i}"),
                    password_hash: "$argon2id$unused".into(),
                    org_id: "org_acme".into(),
                    role: Role::Viewer,
                    now: fx.state.now(),
                },
                AuditEvent::new(
                    Actor::operator(),
                    actions::MEMBER_ADDED,
                    &RequestMeta::default(),
                ),
            )
            .await
            .unwrap();
    }
    let whole = fx.get("/api/v1/orgs/members", &tok).await;
    assert_eq!(whole.status, StatusCode::OK, "{:?}", whole.body);
    assert_eq!(
        whole.body["next_cursor"],
        Value::Null,
        "no limit: every member"
    );
    let mut everyone: Vec<Value> = whole.body["items"].as_array().unwrap().clone();
    assert_eq!(everyone.len(), 12);
    // The pages' order: when each joined, then the id.
    everyone.sort_by(|a, b| {
        (a["joined_at"].as_str(), a["id"].as_str())
            .cmp(&(b["joined_at"].as_str(), b["id"].as_str()))
    });
    assert_eq!(everyone[0]["email"], EMAIL);
    assert_eq!(everyone[0]["mfa_methods"], "totp");
    for limit in [1, 5, 11, 12, 200] {
        let mut seen: Vec<Value> = vec![];
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            pages += 1;
            assert!(pages <= 13, "limit {limit}: the pages do not end");
            let path = match &cursor {
                Some(c) => format!("/api/v1/orgs/members?limit={limit}&cursor={c}"),
                None => format!("/api/v1/orgs/members?limit={limit}"),
            };
            let r = fx.get(&path, &tok).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.body);
            let items = r.body["items"].as_array().unwrap();
            assert!(items.len() <= limit, "{path}");
            seen.extend(items.iter().cloned());
            match r.body["next_cursor"].as_str() {
                Some(c) => {
                    assert_eq!(items.len(), limit, "{path}: a short page with a next one");
                    cursor = Some(c.to_string());
                }
                None => break,
            }
        }
        assert_eq!(
            seen, everyone,
            "limit {limit}: each member once, in order, as listed"
        );
        assert_eq!(pages, 12usize.div_ceil(limit).max(1), "limit {limit}");
    }
    // The last member of a page leaves before the next page: it starts where they were,
    // skipping nobody and repeating nobody.
    let first = fx.get("/api/v1/orgs/members?limit=4", &tok).await;
    let left = first.body["items"][3]["id"].as_str().unwrap().to_string();
    fx.store
        .member_remove(
            "org_acme",
            &left,
            fx.state.now(),
            AuditEvent::new(
                Actor::operator(),
                actions::MEMBER_REMOVED,
                &RequestMeta::default(),
            ),
        )
        .await
        .unwrap();
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = fx
        .get(
            &format!("/api/v1/orgs/members?limit=200&cursor={cursor}"),
            &tok,
        )
        .await;
    assert_eq!(
        ids_of(&rest.body["items"]),
        ids_of(&Value::from(everyone[4..].to_vec()))
    );
    // A cursor without a limit: the rest of the list, in one answer.
    let tail = fx
        .get(&format!("/api/v1/orgs/members?cursor={cursor}"), &tok)
        .await;
    assert_eq!(tail.status, StatusCode::OK, "{:?}", tail.body);
    assert_eq!(tail.body["items"], rest.body["items"]);
    assert_eq!(tail.body["next_cursor"], Value::Null);
    // Bad paging: a clear 4xx problem naming the parameter, never a 500 or a silent page.
    let key_cursor = wt_core::ids::new_id("usr");
    for (query, status, says) in [
        (
            "limit=0",
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit: 1 to 200",
        ),
        (
            "limit=201",
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit: 1 to 200",
        ),
        ("limit=-1", StatusCode::BAD_REQUEST, ""),
        ("limit=ten", StatusCode::BAD_REQUEST, ""),
        (
            "limit=5&cursor=not-a-cursor",
            StatusCode::UNPROCESSABLE_ENTITY,
            "cursor:",
        ),
        (
            "limit=5&cursor=bTE6MTIzOg",
            StatusCode::UNPROCESSABLE_ENTITY,
            "cursor:",
        ),
        (
            &format!("limit=5&cursor={key_cursor}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "cursor:",
        ),
        ("limit=5&offset=5", StatusCode::BAD_REQUEST, ""),
    ] {
        let r = fx.get(&format!("/api/v1/orgs/members?{query}"), &tok).await;
        assert_eq!(r.status, status, "{query}: {:?}", r.body);
        assert!(is_problem(&r), "{query}: {:?}", r.body);
        assert!(
            r.body["detail"].as_str().unwrap_or_default().contains(says),
            "{query}: {:?}",
            r.body
        );
    }
}
