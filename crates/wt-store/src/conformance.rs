//! The conformance story every [`Store`] implementation must pass.
//!
//! One scenario exercising each operation the way the daemon uses it; each backend's tests
//! run it against a fresh database (SQLite always, PostgreSQL when one is configured).

use crate::model::*;
use crate::{Store, StoreError};
use wt_api::{ClientKind, Role};
use wt_core::audit::{Actor, AuditEvent, RequestMeta, actions};
use wt_core::throttle::{self, Policy};

fn event(action: &'static str) -> AuditEvent {
    AuditEvent::new(Actor::operator(), action, &RequestMeta::default())
}

/// Runs the story; panics (test failure) on the first deviation.
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub async fn story(store: &dyn Store) {
    let now = 1_800_000_000;
    store.ping().await.expect("ping");

    // Orgs and the one-time setup token.
    let org = store
        .create_org(
            NewOrg {
                id: "org_a".into(),
                slug: "acme".into(),
                name: "Acme".into(),
            },
            Some(NewSetupToken {
                token_hash: "h1".into(),
                owner_email: "owner@acme.test".into(),
                expires_at: now + 100,
            }),
            event(actions::ORG_CREATED),
            now,
        )
        .await
        .expect("create org");
    assert_eq!(
        org.mfa_required_roles,
        vec![Role::Owner, Role::Admin, Role::RiskLead]
    );
    let dup = store
        .create_org(
            NewOrg {
                id: "org_b".into(),
                slug: "acme".into(),
                name: "Acme 2".into(),
            },
            None,
            event(actions::ORG_CREATED),
            now,
        )
        .await;
    assert!(
        matches!(dup, Err(StoreError::Conflict(_))),
        "slugs are unique"
    );

    let claim = |user_id: &str, at| SetupClaim {
        token_hash: "h1".into(),
        user_id: user_id.into(),
        name: "Owner".into(),
        password_hash: "$argon2id$fake".into(),
        now: at,
        mfa_grace_until: Some(at + 86_400),
    };
    // Expired tokens are refused, and refusing writes nothing.
    let late = store
        .claim_setup(
            claim("usr_late", now + 100),
            event(actions::SETUP_COMPLETED),
        )
        .await;
    assert!(matches!(late, Err(StoreError::SetupTokenInvalid)));
    let (user, org2) = store
        .claim_setup(claim("usr_1", now + 1), event(actions::SETUP_COMPLETED))
        .await
        .expect("claim");
    assert_eq!(
        (user.email.as_str(), org2.id.as_str()),
        ("owner@acme.test", "org_a")
    );
    let again = store
        .claim_setup(claim("usr_2", now + 2), event(actions::SETUP_COMPLETED))
        .await;
    assert!(
        matches!(again, Err(StoreError::SetupTokenInvalid)),
        "single use"
    );

    let cand = store
        .user_for_login("owner@acme.test")
        .await
        .unwrap()
        .expect("user");
    assert_eq!(cand.password_hash, "$argon2id$fake");
    assert_eq!(cand.memberships.len(), 1);
    assert_eq!(cand.memberships[0].1, Role::Owner);
    assert!(
        store
            .user_for_login("nobody@acme.test")
            .await
            .unwrap()
            .is_none()
    );

    // Throttles count atomically and clear.
    for _ in 0..5 {
        store
            .throttle_fail("acct:x", Policy::ACCOUNT, now)
            .await
            .unwrap();
    }
    let st = store.throttle_get("acct:x").await.unwrap();
    assert_eq!(st.failures, 5);
    assert!(throttle::check(&st, now).is_err());
    store.throttle_clear("acct:x").await.unwrap();
    assert_eq!(
        store.throttle_get("acct:x").await.unwrap(),
        throttle::State::default()
    );

    // Sessions.
    let new_session = |id: &str, hash: &str| NewSession {
        id: id.into(),
        token_hash: hash.into(),
        org_id: "org_a".into(),
        user_id: "usr_1".into(),
        client: ClientKind::Cli,
        created_at: now,
        expires_at: now + 3600,
        idle_timeout: 600,
        ip: Some("127.0.0.1".into()),
        user_agent: Some("wt/test".into()),
    };
    store
        .create_session(new_session("ses_1", "th1"), event(actions::LOGIN_SUCCEEDED))
        .await
        .unwrap();
    store
        .create_session(new_session("ses_2", "th2"), event(actions::LOGIN_SUCCEEDED))
        .await
        .unwrap();
    let auth = store
        .session_by_token_hash("th1")
        .await
        .unwrap()
        .expect("session");
    assert_eq!((auth.user.id.as_str(), auth.role), ("usr_1", Role::Owner));
    assert_eq!(
        auth.mfa_grace_until,
        Some(now + 1 + 86_400),
        "the setup owner's grace"
    );
    store.touch_session("ses_1", now + 500).await.unwrap();
    let live = store
        .list_sessions("org_a", "usr_1", now + 700)
        .await
        .unwrap();
    assert_eq!(
        live.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["ses_1"],
        "ses_2 idled out"
    );
    store
        .revoke_session(
            "org_a",
            "usr_1",
            "ses_1",
            now + 701,
            event(actions::SESSION_REVOKED),
        )
        .await
        .unwrap();
    assert!(store.session_by_token_hash("th1").await.unwrap().is_none());
    let twice = store
        .revoke_session(
            "org_a",
            "usr_1",
            "ses_1",
            now + 702,
            event(actions::SESSION_REVOKED),
        )
        .await;
    assert!(matches!(twice, Err(StoreError::NotFound)));
    let other_org = store
        .revoke_session(
            "org_zzz",
            "usr_1",
            "ses_2",
            now,
            event(actions::SESSION_REVOKED),
        )
        .await;
    assert!(matches!(other_org, Err(StoreError::NotFound)));

    // Audit: every change above wrote exactly one entry, and the chain verifies.
    store
        .append_audit(
            "org_a",
            event(actions::LOGIN_FAILED).outcome("failure"),
            now,
        )
        .await
        .unwrap();
    let entries = store.audit_entries("org_a", 0, 100).await.unwrap();
    let names: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        names,
        [
            actions::ORG_CREATED,
            actions::SETUP_COMPLETED,
            actions::LOGIN_SUCCEEDED,
            actions::LOGIN_SUCCEEDED,
            actions::SESSION_REVOKED,
            actions::LOGIN_FAILED
        ]
    );
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    let report = store.verify_audit("org_a").await.unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.entries, 6);
    assert_eq!(
        store.audit_entries("org_a", 4, 1).await.unwrap()[0].seq,
        5,
        "cursor"
    );

    // Filtered reads: newest first by default, prefix wildcards, cursors, ascending.
    let q = |action: &str| AuditQuery {
        action: Some(action.into()),
        limit: 100,
        ..Default::default()
    };
    let logins = store.audit_query("org_a", q("auth.*")).await.unwrap();
    assert_eq!(
        logins.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [6, 5, 4, 3]
    );
    assert_eq!(
        store
            .audit_query("org_a", q("auth.login.succeeded"))
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        store
            .audit_query("org_a", q("auth_*"))
            .await
            .unwrap()
            .is_empty(),
        "no LIKE wildcards"
    );
    let page = store
        .audit_query(
            "org_a",
            AuditQuery {
                before_seq: Some(5),
                limit: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), [4, 3]);
    let asc = store
        .audit_query(
            "org_a",
            AuditQuery {
                after_seq: Some(4),
                ascending: true,
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(asc.iter().map(|e| e.seq).collect::<Vec<_>>(), [5, 6]);
    let failed = store
        .audit_query(
            "org_a",
            AuditQuery {
                outcome: Some("failure".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(store.audit_last_seq("org_a").await.unwrap(), 6);
    assert_eq!(store.audit_last_seq("org_none").await.unwrap(), 0);
}
