//! The conformance story every [`Store`] implementation must pass.
//!
//! One scenario exercising each operation the way the daemon uses it, over `&dyn Store`;
//! each backend's tests run it against a fresh database (`sqlite.rs` always,
//! `postgres.rs` when a server answers).

use wt_core::audit::{Actor, AuditEvent, RequestMeta, actions};
use wt_core::permissions::Role;
use wt_core::sessions::ClientKind;
use wt_core::throttle::{self, Policy};
use wt_store::model::*;
use wt_store::{Store, StoreError};

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

    // Counting before checking: of 50 attempts at once, exactly the free ones are
    // admitted, and a right one gets its count back.
    let takes = (0..50).map(|_| {
        store.throttle_take(
            vec![
                ("acct:burst".into(), Policy::ACCOUNT),
                ("ip:burst".into(), Policy::IP),
            ],
            now,
        )
    });
    let admitted = futures_util::future::join_all(takes)
        .await
        .into_iter()
        .filter(|t| matches!(t.as_ref().unwrap(), throttle::Taken::Counted(_)))
        .count();
    assert_eq!(admitted, Policy::ACCOUNT.free_failures as usize);
    let st = store.throttle_get("ip:burst").await.unwrap();
    assert_eq!(
        st.failures,
        Policy::ACCOUNT.free_failures,
        "refused ones count nowhere"
    );
    let Ok(throttle::Taken::Counted(c)) = store
        .throttle_take(vec![("ip:refund".into(), Policy::IP)], now)
        .await
    else {
        panic!("a fresh key admits")
    };
    store
        .throttle_settle(vec![throttle::Settle {
            key: "ip:refund".into(),
            policy: Policy::IP,
            before: c[0].0,
            charged: c[0].1,
            clear: false,
        }])
        .await
        .unwrap();
    assert_eq!(
        store.throttle_get("ip:refund").await.unwrap(),
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
    store
        .touch_session("ses_1", now + 500, "127.0.0.1")
        .await
        .unwrap();
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

    // The outbox: claimed, failed with a class, listed as undelivered until sent.
    for (id, org, at) in [("mail_1", Some("org_a"), now), ("mail_2", None, now + 5)] {
        store
            .enqueue_mail(NewMail {
                id: id.into(),
                org_id: org.map(str::to_string),
                to: format!("{id}@acme.test"),
                subject: "s".into(),
                body: "sealed".into(),
                now: at,
            })
            .await
            .unwrap();
    }
    let due = store.due_mail(now + 5, 10).await.unwrap();
    assert_eq!(due.len(), 2);
    assert!(
        store.due_mail(now + 5, 10).await.unwrap().is_empty(),
        "claimed"
    );
    store
        .mail_failed("mail_1", "certificate_untrusted: UnknownIssuer", now + 30)
        .await
        .unwrap();
    let all = store.mail_backlog(None, now + 60, 1).await.unwrap();
    assert_eq!(all.count, 2);
    assert_eq!(all.oldest.len(), 1, "the limit");
    assert_eq!(all.oldest[0].id, "mail_1");
    assert_eq!(all.oldest[0].attempts, 1);
    assert_eq!(
        all.oldest[0].last_error.as_deref(),
        Some("certificate_untrusted: UnknownIssuer")
    );
    let org_a = store
        .mail_backlog(Some("org_a"), now + 60, 10)
        .await
        .unwrap();
    assert_eq!(org_a.count, 1);
    let old = store.mail_backlog(None, now, 10).await.unwrap();
    assert_eq!(old.count, 1, "only mail queued by then");
    store.mail_sent("mail_1", now + 61).await.unwrap();
    store.mail_sent("mail_2", now + 61).await.unwrap();
    assert_eq!(
        store.mail_backlog(None, now + 60, 10).await.unwrap(),
        MailBacklog::default()
    );
}

/// The last sign-in per member (the console's member list). Needs [`story`] to have run
/// first (org `org_a`, whose sign-ins so far are the operator's); adds an org.
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub async fn sign_ins_story(store: &dyn Store) {
    let now = 1_800_000_000;
    // The last sign-in per member: the newest success per user, in this org only; failed
    // attempts and entries of other actors (the operator's above) do not count.
    let login = |id: &str, email: &str| {
        AuditEvent::new(
            Actor::user(id, email),
            actions::LOGIN_SUCCEEDED,
            &RequestMeta::default(),
        )
    };
    store
        .create_org(
            NewOrg {
                id: "org_c".into(),
                slug: "sign-ins".into(),
                name: "Sign-ins".into(),
            },
            None,
            event(actions::ORG_CREATED),
            now,
        )
        .await
        .unwrap();
    for (org, id, at) in [
        ("org_a", "usr_1", now + 100),
        ("org_a", "usr_1", now + 300),
        ("org_a", "usr_9", now + 200),
        ("org_c", "usr_1", now + 900),
    ] {
        store
            .append_audit(org, login(id, "x@acme.test"), at)
            .await
            .unwrap();
    }
    let failed = AuditEvent::new(
        Actor::user("usr_1", "owner@acme.test"),
        actions::LOGIN_FAILED,
        &RequestMeta::default(),
    )
    .outcome("failure");
    store
        .append_audit("org_a", failed, now + 950)
        .await
        .unwrap();
    let mut last = store.audit_last_sign_ins("org_a").await.unwrap();
    last.sort();
    assert_eq!(
        last,
        [
            ("usr_1".to_string(), wt_core::clock::rfc3339(now + 300)),
            ("usr_9".to_string(), wt_core::clock::rfc3339(now + 200)),
        ]
    );
    assert!(
        store
            .audit_last_sign_ins("org_nobody")
            .await
            .unwrap()
            .is_empty()
    );
    // One member's, as the list has it; per org; none for who never signed in there.
    for (org, user, want) in [
        ("org_a", "usr_1", Some(now + 300)),
        ("org_a", "usr_9", Some(now + 200)),
        ("org_c", "usr_1", Some(now + 900)),
        ("org_c", "usr_9", None),
        ("org_nobody", "usr_1", None),
    ] {
        assert_eq!(
            store.audit_last_sign_in(org, user).await.unwrap(),
            want.map(wt_core::clock::rfc3339),
            "{org} {user}"
        );
    }
}

/// The ingestion-key and allowed-IP part of the story. Needs [`story`] to have run first
/// (org `org_a` with member `usr_1`).
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub async fn keys_story(store: &dyn Store) {
    // The first fingerprint recorded is the one every later daemon must present.
    assert!(
        store
            .master_key_matches("fp_one", 1)
            .await
            .expect("fingerprint")
    );
    assert!(store.master_key_matches("fp_one", 2).await.unwrap());
    assert!(!store.master_key_matches("fp_two", 3).await.unwrap());

    let now = 1_800_000_100;
    let new_key = |id: &str, hash: &str| NewApiKey {
        id: id.into(),
        org_id: "org_a".into(),
        name: "billing".into(),
        environment: wt_core::apikey::Environment::Production,
        secret_hash: hash.into(),
        last4: "abcd".into(),
        owner_id: "usr_1".into(),
        created_by: "usr_1".into(),
        created_at: now,
        expires_at: Some(now + 1000),
        allowed_cidrs: vec!["10.0.0.0/8".into()],
    };
    let before = store.cache_version().await.expect("cache version");
    let k = store
        .api_key_create(new_key("key_1", "hash1"), event(actions::API_KEY_CREATED))
        .await
        .expect("create key");
    let after_create = store.cache_version().await.unwrap();
    assert!(after_create > before, "a new key moves the cache version");
    assert_eq!(k.owner_email, "owner@acme.test");
    assert_eq!(k.allowed_cidrs, vec!["10.0.0.0/8".to_string()]);
    let mut stranger = new_key("key_x", "hashx");
    stranger.owner_id = "usr_nobody".into();
    assert!(matches!(
        store
            .api_key_create(stranger, event(actions::API_KEY_CREATED))
            .await,
        Err(StoreError::Conflict(_))
    ));

    // The key's own limit and allowlist as they are at the rotation: the successor
    // keeps them (not the caller's possibly stale copy of the allowlist).
    let limit = wt_core::ratelimit::KeyRate::parse("500/s", Some(1000)).expect("rate");
    store
        .api_key_update(
            "org_a",
            "key_1",
            ApiKeyPatch {
                allowed_cidrs: Some(vec!["192.0.2.0/24".into()]),
                rate: Some(Some(limit)),
                ..Default::default()
            },
            event(actions::API_KEY_UPDATED),
            now,
        )
        .await
        .expect("limit the key");

    // Rotation: the old key points at its successor and gets its grace; a second
    // rotation of the old key is refused.
    let (new, old) = store
        .api_key_rotate(
            "org_a",
            "key_1",
            new_key("key_2", "hash2"),
            now + 60,
            event(actions::API_KEY_ROTATED),
        )
        .await
        .expect("rotate");
    assert_eq!(new.rotated_from.as_deref(), Some("key_1"));
    assert_eq!(
        new.rate,
        Some(limit),
        "the successor keeps the key's own limit"
    );
    assert_eq!(new.allowed_cidrs, vec!["192.0.2.0/24".to_string()]);
    assert_eq!(
        store
            .api_key_get("org_a", "key_2")
            .await
            .unwrap()
            .unwrap()
            .rate,
        Some(limit),
        "stored, not only answered"
    );
    assert_eq!(old.rotated_to.as_deref(), Some("key_2"));
    assert_eq!(old.grace_until, Some(now + 60));
    assert!(old.revoked_at.is_none());
    let again = store
        .api_key_rotate(
            "org_a",
            "key_1",
            new_key("key_3", "hash3"),
            now + 60,
            event(actions::API_KEY_ROTATED),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert!(
        store.api_key_get("org_a", "key_3").await.unwrap().is_none(),
        "a refused rotation stores no successor"
    );
    // Grace 0 revokes at once.
    let (_, old2) = store
        .api_key_rotate(
            "org_a",
            "key_2",
            new_key("key_4", "hash4"),
            now,
            event(actions::API_KEY_ROTATED),
        )
        .await
        .expect("rotate with no grace");
    assert_eq!(old2.revoked_at, Some(now));
    let revoked = store
        .api_key_rotate(
            "org_a",
            "key_2",
            new_key("key_5", "hash5"),
            now,
            event(actions::API_KEY_ROTATED),
        )
        .await;
    assert!(matches!(revoked, Err(StoreError::Conflict(_))));

    // Revocation, once; it moves the cache version (every daemon must drop the key).
    let before = store.cache_version().await.unwrap();
    let r = store
        .api_key_revoke("org_a", "key_4", now + 1, event(actions::API_KEY_REVOKED))
        .await
        .expect("revoke");
    assert_eq!(r.revoked_at, Some(now + 1));
    let after_revoke = store.cache_version().await.unwrap();
    assert!(after_revoke > before);
    // A replica that saw `before` reads the one changed key, revoked: not every key.
    let changes = store.cache_changes(before).await.expect("cache changes");
    assert_eq!(changes.version, after_revoke);
    let changed: Vec<_> = changes.keys.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(changed, ["key_4"], "only the revoked key");
    assert_eq!(changes.keys[0].revoked_at, Some(now + 1));
    assert!(changes.orgs.is_empty() && changes.allowed_ips.is_empty());
    let nothing = store.cache_changes(after_revoke).await.unwrap();
    assert!(nothing.keys.is_empty() && nothing.orgs.is_empty());
    assert_eq!(nothing.version, after_revoke);
    // From the start, every key written so far (rotations stamp both keys).
    let all = store.cache_changes(0).await.unwrap();
    let mut ids: Vec<_> = all.keys.iter().map(|k| k.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["key_1", "key_2", "key_4"]);
    assert!(matches!(
        store
            .api_key_revoke("org_a", "key_4", now + 2, event(actions::API_KEY_REVOKED))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .api_key_revoke("org_b", "key_1", now, event(actions::API_KEY_REVOKED))
            .await,
        Err(StoreError::NotFound)
    ));

    // Update.
    let u = store
        .api_key_update(
            "org_a",
            "key_1",
            ApiKeyPatch {
                name: Some("renamed".into()),
                allowed_cidrs: Some(vec![]),
                ..Default::default()
            },
            event(actions::API_KEY_UPDATED),
            now,
        )
        .await
        .expect("update");
    assert_eq!(u.name, "renamed");
    assert!(u.allowed_cidrs.is_empty());

    // Usage coalesces: counts add, the latest time and address win. Usage is not
    // something daemons cache decisions on: the cache version stays.
    let version = store.cache_version().await.expect("cache version");
    for (n, at, ip) in [(3, now + 5, "10.0.0.1"), (2, now + 3, "10.0.0.2")] {
        store
            .api_key_usage_flush(vec![KeyUsage {
                key_id: "key_1".into(),
                requests: n,
                last_used_at: at,
                last_used_ip: ip.into(),
                sources: vec![(ip.into(), n, at, at)],
                ..Default::default()
            }])
            .await
            .expect("flush");
    }
    assert_eq!(store.cache_version().await.unwrap(), version);
    let k = store.api_key_get("org_a", "key_1").await.unwrap().unwrap();
    assert_eq!(k.use_count, 5);
    assert_eq!(k.last_used_at, Some(now + 5));
    assert_eq!(k.last_used_ip.as_deref(), Some("10.0.0.1"));
    let sources = store.api_key_sources("key_1").await.unwrap();
    assert_eq!(sources.len(), 2);
    assert_eq!(sources[0].ip, "10.0.0.1");
    assert_eq!(
        store.org_key_sources("org_a", now + 4).await.unwrap().len(),
        1
    );

    // Requests per hour add up per (key, hour), are read per org (and per key), and old
    // hours are pruned.
    let h0 = now - now.rem_euclid(3600);
    for hourly in [
        vec![(h0 - 7200, 4), (h0, 1)],
        vec![(h0, 2), (h0 + 3600, 0)],
        vec![(h0 - 9 * 86_400, 7)],
    ] {
        store
            .api_key_usage_flush(vec![KeyUsage {
                key_id: "key_1".into(),
                requests: hourly.iter().map(|(_, n)| n).sum(),
                last_used_at: now,
                last_used_ip: "10.0.0.1".into(),
                hourly,
                ..Default::default()
            }])
            .await
            .expect("flush hourly");
    }
    let hours = |key: Option<&'static str>, since| async move {
        let ids: Vec<String> = key.into_iter().map(String::from).collect();
        store
            .api_key_usage_hours("org_a", &ids, since)
            .await
            .expect("hours")
            .into_iter()
            .map(|h| (h.key_id, h.hour, h.count))
            .collect::<Vec<_>>()
    };
    let k1 = |h, n| ("key_1".to_string(), h, n);
    assert_eq!(
        hours(None, h0 - 7 * 86_400).await,
        vec![k1(h0 - 7200, 4), k1(h0, 3)],
        "a zero count stores nothing; older hours are outside the window"
    );
    assert_eq!(hours(Some("key_1"), h0).await, vec![k1(h0, 3)]);
    assert!(hours(Some("key_2"), 0).await.is_empty());
    assert!(
        store
            .api_key_usage_hours("org_b", &[], 0)
            .await
            .unwrap()
            .is_empty(),
        "another org sees none of them"
    );
    assert!(
        store
            .api_key_usage_hours("org_b", &["key_1".to_string()], 0)
            .await
            .unwrap()
            .is_empty(),
        "nor by naming them"
    );
    assert_eq!(hours(None, 0).await.len(), 3);
    assert_eq!(store.api_key_usage_prune(h0 - 8 * 86_400).await.unwrap(), 1);
    assert_eq!(hours(None, 0).await.len(), 2);
    let k = store.api_key_get("org_a", "key_1").await.unwrap().unwrap();
    assert_eq!(k.use_count, 5 + 14);
    let listed = store.api_keys_list("org_a").await.unwrap();
    assert_eq!(listed.len(), 3, "refused rotations stored nothing");
    // Pages of the list: the same keys in the same order, by environment, after a key;
    // another org's key as the cursor gives nothing, another org's id nothing either.
    let page = |environment, after: Option<&str>, limit| {
        let q = KeyListQuery {
            environment,
            after: after.map(String::from),
            limit,
        };
        async move {
            store
                .api_keys_page("org_a", q)
                .await
                .unwrap()
                .into_iter()
                .map(|k| k.id)
                .collect::<Vec<_>>()
        }
    };
    let ids: Vec<String> = listed.iter().map(|k| k.id.clone()).collect();
    assert_eq!(page(None, None, 100).await, ids);
    assert_eq!(page(None, None, 2).await, ids[..2]);
    assert_eq!(page(None, Some(&ids[1]), 2).await, ids[2..]);
    assert!(page(None, Some(&ids[2]), 2).await.is_empty());
    assert!(page(None, Some("key_of_nobody"), 2).await.is_empty());
    let prod: Vec<String> = listed
        .iter()
        .filter(|k| k.environment == wt_core::apikey::Environment::Production)
        .map(|k| k.id.clone())
        .collect();
    assert_eq!(
        page(Some(wt_core::apikey::Environment::Production), None, 100).await,
        prod
    );
    assert!(
        store
            .api_keys_page(
                "org_b",
                KeyListQuery {
                    environment: None,
                    after: None,
                    limit: 100
                }
            )
            .await
            .unwrap()
            .iter()
            .all(|k| k.org_id == "org_b")
    );
    // Sources of some keys: the org's unrevoked keys only.
    let sources = store
        .api_keys_sources("org_a", &["key_1".to_string()])
        .await
        .unwrap();
    assert_eq!(
        sources.iter().map(|s| s.ip.as_str()).collect::<Vec<_>>(),
        ["10.0.0.1", "10.0.0.2"]
    );
    assert!(
        store
            .api_keys_sources("org_b", &["key_1".to_string()])
            .await
            .unwrap()
            .is_empty()
    );
    let cache = store.api_keys_for_cache(now + 1, None, 100).await.unwrap();
    assert_eq!(
        cache.len(),
        2,
        "keys revoked before the horizon are not cached"
    );
    // Paged in id order: one at a time gives the same keys.
    let first = store.api_keys_for_cache(now + 1, None, 1).await.unwrap();
    let second = store
        .api_keys_for_cache(now + 1, first.first().map(|k| k.id.clone()), 1)
        .await
        .unwrap();
    let third = store
        .api_keys_for_cache(now + 1, second.first().map(|k| k.id.clone()), 1)
        .await
        .unwrap();
    assert_eq!(
        (first.len(), second.len(), third.len()),
        (1, 1, 0),
        "pages of one"
    );
    assert!(first[0].id < second[0].id, "in id order");
    assert_eq!(
        vec![first[0].id.clone(), second[0].id.clone()],
        cache.iter().map(|k| k.id.clone()).collect::<Vec<_>>()
    );

    // Ingest appends.
    let n = store
        .ingest_append(vec![IngestBatch {
            org_id: "org_a".into(),
            key_id: "key_1".into(),
            environment: wt_core::apikey::Environment::Production,
            received_at: now,
            events: vec!["{\"a\":1}".into(), "{\"b\":2}".into()],
            idempotency: None,
        }])
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(store.ingest_count("org_a").await.unwrap(), 2);
    // Several batches, more events than one multi-row insert takes: all stored, in order.
    let many = |k: usize| IngestBatch {
        org_id: "org_a".into(),
        key_id: "key_1".into(),
        environment: wt_core::apikey::Environment::Production,
        received_at: now,
        events: (0..k).map(|i| format!("{{\"i\":{i}}}")).collect(),
        idempotency: None,
    };
    let n = store
        .ingest_append(vec![many(40), many(1), many(29)])
        .await
        .unwrap();
    assert_eq!(n, 70);
    assert_eq!(store.ingest_count("org_a").await.unwrap(), 72);

    // Allowed IPs.
    let entry = |id: &str, cidr: &str| AllowedIpRecord {
        id: id.into(),
        org_id: "org_a".into(),
        cidr: cidr.into(),
        note: Some("office".into()),
        created_by: "owner@acme.test".into(),
        created_at: now,
        hit_count: 0,
        last_hit_at: None,
    };
    let before = store.cache_version().await.unwrap();
    store
        .allowed_ip_add(
            entry("aip_1", "10.0.0.0/8"),
            event(actions::ALLOWED_IP_ADDED),
        )
        .await
        .unwrap();
    assert!(
        store.cache_version().await.unwrap() > before,
        "so does an allowed IP"
    );
    assert!(matches!(
        store
            .allowed_ip_add(
                entry("aip_2", "10.0.0.0/8"),
                event(actions::ALLOWED_IP_ADDED)
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    store
        .allowed_ip_hits_flush(vec![("aip_1".into(), 7, now + 9)])
        .await
        .unwrap();
    let list = store.allowed_ips_list("org_a").await.unwrap();
    assert_eq!((list[0].hit_count, list[0].last_hit_at), (7, Some(now + 9)));
    assert_eq!(store.allowed_ips_all().await.unwrap().len(), 1);
    let listed = store.cache_version().await.unwrap();
    let changes = store.cache_changes(before).await.unwrap();
    assert_eq!(changes.orgs.len(), 1, "an added entry stamps its org");
    assert_eq!(changes.allowed_ips.len(), 1);
    store
        .allowed_ip_remove("org_a", "aip_1", now, event(actions::ALLOWED_IP_REMOVED))
        .await
        .unwrap();
    assert!(matches!(
        store
            .allowed_ip_remove("org_a", "aip_1", now, event(actions::ALLOWED_IP_REMOVED))
            .await,
        Err(StoreError::NotFound)
    ));
    // The removed entry stamps its org: a replica reads org_a's policy (now no entries)
    // and no key.
    let changes = store.cache_changes(listed).await.unwrap();
    let orgs: Vec<_> = changes.orgs.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(orgs, ["org_a"]);
    assert!(changes.allowed_ips.is_empty() && changes.keys.is_empty());

    let org = store
        .set_browser_ingest("org_a", true, now, event(actions::ORG_SETTINGS_UPDATED))
        .await
        .unwrap();
    assert!(org.browser_ingest_allowed);

    // Readiness thresholds round-trip; the defaults apply until set.
    assert_eq!(
        org.readiness,
        wt_core::readiness::ReadinessSettings::default()
    );
    let custom = wt_core::readiness::ReadinessSettings {
        rotation_age_days: 30,
        ..Default::default()
    };
    let org = store
        .set_readiness_settings("org_a", custom, now, event(actions::ORG_SETTINGS_UPDATED))
        .await
        .unwrap();
    assert_eq!(org.readiness, custom);
    let signins = store.member_last_sign_ins("org_a").await.unwrap();
    assert!(signins.iter().any(|(u, _)| u == "usr_1"), "{signins:?}");

    // Automation tokens.
    let t = store
        .access_token_create(
            AccessTokenRecord {
                id: "tok_1".into(),
                org_id: "org_a".into(),
                name: "ci".into(),
                role: Role::Viewer,
                token_hash: "th1".into(),
                created_by: "usr_1".into(),
                created_by_email: String::new(),
                created_at: now,
                expires_at: now + 100,
                revoked_at: None,
                last_used_at: None,
                last_used_ip: None,
                scopes: vec![
                    wt_core::scopes::Scope::ReadinessRead,
                    wt_core::scopes::Scope::KeysVerify,
                ],
            },
            event(actions::ACCESS_TOKEN_CREATED),
        )
        .await
        .unwrap();
    assert_eq!(t.created_by_email, "owner@acme.test");
    // Scopes come back sorted, as stored.
    assert_eq!(
        t.scopes,
        vec![
            wt_core::scopes::Scope::KeysVerify,
            wt_core::scopes::Scope::ReadinessRead
        ]
    );
    let found = store.access_token_by_hash("th1").await.unwrap().unwrap();
    assert_eq!(
        (
            found.token.id.as_str(),
            found.org.id.as_str(),
            found.creator.email.as_str(),
            found.creator_role
        ),
        ("tok_1", "org_a", "owner@acme.test", Some(Role::Owner))
    );
    store
        .access_token_touch("tok_1", now + 5, "10.0.0.1")
        .await
        .unwrap();
    let listed = store.access_tokens_list("org_a").await.unwrap();
    assert_eq!(listed[0].last_used_ip.as_deref(), Some("10.0.0.1"));
    store
        .access_token_revoke(
            "org_a",
            "tok_1",
            now + 6,
            event(actions::ACCESS_TOKEN_REVOKED),
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .access_token_revoke(
                "org_a",
                "tok_1",
                now + 7,
                event(actions::ACCESS_TOKEN_REVOKED)
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(store.access_token_by_hash("nope").await.unwrap().is_none());
    assert!(store.verify_audit("org_a").await.unwrap().ok);
}

/// Group commit (`Store::ingest`): many requests at once, of sizes on both sides of a
/// multi-row insert, with audited writes arriving between them. Each request gets back
/// its own count once stored, nothing is lost or stored twice, and the writes queued
/// between ingest requests are done too (after `story`, which creates `org_a`).
pub async fn group_commit_story(store: std::sync::Arc<dyn Store>) {
    let before = store.ingest_count("org_a").await.unwrap();
    let audit_before = store.verify_audit("org_a").await.unwrap().entries;
    let mut tasks = Vec::new();
    for i in 0..120usize {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            if i % 15 == 7 {
                let ev = event(actions::ORG_SETTINGS_UPDATED);
                store
                    .append_audit("org_a", ev, 1_000 + i as i64)
                    .await
                    .unwrap();
                return 0;
            }
            let k = 1 + (i * 7) % 45;
            let stored = store
                .ingest(IngestBatch {
                    org_id: "org_a".into(),
                    key_id: format!("key_{i}"),
                    environment: wt_core::apikey::Environment::Production,
                    received_at: 1_000,
                    events: (0..k).map(|e| format!("{{\"r\":{i},\"e\":{e}}}")).collect(),
                    idempotency: None,
                })
                .await
                .unwrap();
            assert_eq!(
                stored,
                IngestOutcome::Stored(k as u64),
                "request {i} gets its own count"
            );
            k as u64
        }));
    }
    let mut sent = 0;
    for t in tasks {
        sent += t.await.unwrap();
    }
    assert_eq!(store.ingest_count("org_a").await.unwrap(), before + sent);
    let audit = store.verify_audit("org_a").await.unwrap();
    assert!(audit.ok, "{audit:?}");
    assert_eq!(
        audit.entries,
        audit_before + 8,
        "every audited write between them landed"
    );
}

/// Idempotency keys: of 50 concurrent requests with one key and one body, exactly one
/// stores; the others replay its count. The same key with another body stores nothing;
/// past the window the key is taken over; purging forgets old keys (after `story`).
pub async fn idempotency_story(store: std::sync::Arc<dyn Store>) {
    let before = store.ingest_count("org_a").await.unwrap();
    let batch = |key: &str, fingerprint: &str, at: i64, n: usize| IngestBatch {
        org_id: "org_a".into(),
        key_id: "key_1".into(),
        environment: wt_core::apikey::Environment::Production,
        received_at: at,
        events: (0..n).map(|e| format!("{{\"e\":{e}}}")).collect(),
        idempotency: Some(IngestIdempotency {
            key: key.into(),
            fingerprint: fingerprint.into(),
            remembered_since: at - 100,
        }),
    };
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let store = store.clone();
        let b = batch("retry-1", "body-a", 10_000, 3);
        tasks.push(tokio::spawn(async move { store.ingest(b).await.unwrap() }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    let stored = outcomes
        .iter()
        .filter(|o| **o == IngestOutcome::Stored(3))
        .count();
    let replayed = outcomes
        .iter()
        .filter(|o| **o == IngestOutcome::Replayed(3))
        .count();
    assert_eq!((stored, replayed), (1, 49), "{outcomes:?}");
    assert_eq!(store.ingest_count("org_a").await.unwrap(), before + 3);

    // The same key with another body: refused, nothing stored.
    let other = store
        .ingest(batch("retry-1", "body-b", 10_050, 5))
        .await
        .unwrap();
    assert_eq!(other, IngestOutcome::KeyReused);
    // Keys are per org: another org may use the same key.
    let mut elsewhere = batch("retry-1", "body-a", 10_050, 1);
    elsewhere.org_id = "org_b".into();
    assert_eq!(
        store.ingest(elsewhere).await.unwrap(),
        IngestOutcome::Stored(1)
    );
    assert_eq!(store.ingest_count("org_a").await.unwrap(), before + 3);

    // Past the window the key is free again.
    let later = store
        .ingest(batch("retry-1", "body-b", 10_200, 2))
        .await
        .unwrap();
    assert_eq!(later, IngestOutcome::Stored(2));
    assert_eq!(store.ingest_count("org_a").await.unwrap(), before + 5);

    // A purge forgets keys first used before its bound, and only those.
    store
        .ingest(batch("retry-2", "body-c", 20_000, 1))
        .await
        .unwrap();
    assert!(store.ingest_idempotency_purge(10_201).await.unwrap() >= 1);
    let again = store
        .ingest(batch("retry-1", "body-z", 10_250, 1))
        .await
        .unwrap();
    assert_eq!(again, IngestOutcome::Stored(1), "retry-1 was purged");
    let kept = store
        .ingest(batch("retry-2", "body-c", 20_010, 1))
        .await
        .unwrap();
    assert_eq!(kept, IngestOutcome::Replayed(1), "retry-2 was kept");
}

/// The audit log's activity per hour (and day) and outcome, counted by the database: the
/// console's activity chart. Adds an org of its own and one entry to `org_a` (if there).
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub async fn activity_story(store: &dyn Store) {
    // 2027-01-15T08:00:00Z, on the hour.
    let t: i64 = 1_800_000_000;
    assert_eq!(t % 3600, 0);
    let hour = |h: i64| wt_core::clock::rfc3339(t + h * 3600)[..13].to_string();
    store
        .create_org(
            NewOrg {
                id: "org_h".into(),
                slug: "activity".into(),
                name: "Activity".into(),
            },
            None,
            event(actions::ORG_CREATED),
            t,
        )
        .await
        .unwrap();
    let entry = |action: &'static str, outcome: &'static str, who: &str| {
        AuditEvent::new(
            Actor::user(who, &format!("{who}@acme.test")),
            action,
            &RequestMeta::default(),
        )
        .outcome(outcome)
    };
    // Hour 0: the org's creation (success) above, 2 failed sign-ins, 1 denied key change.
    // Hour 1: nothing. Hour 2: 3 successful sign-ins (one at 59:59), 1 failed.
    let rows = [
        (actions::LOGIN_FAILED, "failure", "usr_a", 10),
        (actions::LOGIN_FAILED, "failure", "usr_b", 3599),
        (actions::API_KEY_CREATED, "denied", "usr_a", 1800),
        (actions::LOGIN_SUCCEEDED, "success", "usr_a", 7200),
        (actions::LOGIN_SUCCEEDED, "success", "usr_a", 7300),
        (actions::LOGIN_SUCCEEDED, "success", "usr_b", 3 * 3600 - 1),
        (actions::LOGIN_FAILED, "failure", "usr_b", 7400),
    ];
    for (action, outcome, who, at) in rows {
        store
            .append_audit("org_h", entry(action, outcome, who), t + at)
            .await
            .unwrap();
    }
    // Another org's entry in the same hour never counts here.
    let _ = store
        .append_audit(
            "org_a",
            entry(actions::LOGIN_FAILED, "failure", "usr_a"),
            t + 20,
        )
        .await;
    let all = AuditQuery {
        limit: 1,
        ..Default::default()
    };
    let got = |v: Vec<AuditActivity>| {
        v.into_iter()
            .map(|a| (a.bucket, a.outcome, a.count))
            .collect::<Vec<_>>()
    };
    let row = |b: String, o: &str, n: i64| (b, o.to_string(), n);
    assert_eq!(
        got(store
            .audit_activity("org_h", all.clone(), AuditBucket::Hour)
            .await
            .unwrap()),
        [
            row(hour(0), "denied", 1),
            row(hour(0), "failure", 2),
            row(hour(0), "success", 1),
            row(hour(2), "failure", 1),
            row(hour(2), "success", 3),
        ]
    );
    // A time range (since inclusive, until exclusive), as the list reads it.
    let range = AuditQuery {
        since: Some(wt_core::clock::rfc3339(t + 3599)),
        until: Some(wt_core::clock::rfc3339(t + 7300)),
        ..all.clone()
    };
    assert_eq!(
        got(store
            .audit_activity("org_h", range, AuditBucket::Hour)
            .await
            .unwrap()),
        [row(hour(0), "failure", 1), row(hour(2), "success", 1)]
    );
    // An action prefix, an exact action, an actor, an outcome, sequence bounds.
    let q = |action: Option<&str>, actor: Option<&str>, outcome: Option<&str>| AuditQuery {
        action: action.map(Into::into),
        actor: actor.map(Into::into),
        outcome: outcome.map(Into::into),
        ..all.clone()
    };
    let count = |v: Vec<AuditActivity>| v.iter().map(|a| a.count).sum::<i64>();
    for (query, want) in [
        (q(Some("auth.*"), None, None), 6),
        (q(Some("auth.login.*"), None, None), 6),
        (q(Some("auth.login.failed"), None, None), 3),
        (q(Some("api_key.*"), None, None), 1),
        (q(Some("auth.login.succeeded.*"), None, None), 0),
        (q(Some("*"), None, None), 8),
        (q(None, Some("usr_b@acme.test"), None), 3),
        (q(None, Some("usr_a"), Some("success")), 2),
        (
            AuditQuery {
                after_seq: Some(5),
                ..q(None, None, None)
            },
            3,
        ),
        (
            AuditQuery {
                before_seq: Some(3),
                ..q(Some("auth.*"), None, None)
            },
            1,
        ),
    ] {
        let label = format!("{query:?}");
        let n = count(
            store
                .audit_activity("org_h", query, AuditBucket::Hour)
                .await
                .unwrap(),
        );
        assert_eq!(n, want, "{label}");
    }
    let days = got(store
        .audit_activity("org_h", all.clone(), AuditBucket::Day)
        .await
        .unwrap());
    let day = hour(0)[..10].to_string();
    assert_eq!(
        days,
        [
            row(day.clone(), "denied", 1),
            row(day.clone(), "failure", 3),
            row(day, "success", 4),
        ]
    );
    assert!(
        store
            .audit_activity("org_nobody", all.clone(), AuditBucket::Hour)
            .await
            .unwrap()
            .is_empty()
    );
    // Whole hours come from the per-hour counts the append keeps, partial hours at a
    // range's ends from the entries: every range, on and off the hour, open or not, with
    // and without the filters the counts keep, agrees with counting the entries here.
    let mut entries: Vec<(&str, &str, i64)> = vec![(actions::ORG_CREATED, "success", 0)];
    entries.extend(rows.iter().map(|(a, o, _, at)| (*a, *o, *at)));
    let offsets = [
        0,
        1,
        10,
        1799,
        3599,
        3600,
        3601,
        7199,
        7200,
        7300,
        7400,
        3 * 3600 - 1,
        3 * 3600,
        5 * 3600,
    ];
    let bounds: Vec<Option<i64>> = std::iter::once(None)
        .chain(offsets.iter().map(|o| Some(t + o)))
        .collect();
    let filters: [(Option<&str>, Option<&str>); 4] = [
        (None, None),
        (Some("auth.*"), None),
        (Some(actions::LOGIN_SUCCEEDED), None),
        (None, Some("failure")),
    ];
    for since in &bounds {
        for until in &bounds {
            for (action, outcome) in filters {
                let query = AuditQuery {
                    since: since.map(wt_core::clock::rfc3339),
                    until: until.map(wt_core::clock::rfc3339),
                    action: action.map(Into::into),
                    outcome: outcome.map(Into::into),
                    ..all.clone()
                };
                let mut want: std::collections::BTreeMap<(String, String), i64> =
                    Default::default();
                for (a, o, at) in &entries {
                    let at = t + at;
                    let in_range = since.is_none_or(|s| at >= s) && until.is_none_or(|u| at < u);
                    let action_ok = match action {
                        None => true,
                        Some(p) if p.ends_with('*') => a.starts_with(&p[..p.len() - 1]),
                        Some(x) => *a == x,
                    };
                    if in_range && action_ok && outcome.is_none_or(|x| *o == x) {
                        let b = wt_core::clock::rfc3339(at)[..13].to_string();
                        *want.entry((b, (*o).to_string())).or_default() += 1;
                    }
                }
                let want: Vec<_> = want.into_iter().map(|((b, o), n)| (b, o, n)).collect();
                let label = format!("{query:?}");
                assert_eq!(
                    got(store
                        .audit_activity("org_h", query, AuditBucket::Hour)
                        .await
                        .unwrap()),
                    want,
                    "{label}"
                );
            }
        }
    }
}

/// Passkeys and their ceremonies, on an org of its own (runs after the others or alone).
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub async fn passkeys_story(store: &dyn Store) {
    let now = 1_900_000_000;
    store
        .create_org(
            NewOrg {
                id: "org_p".into(),
                slug: "passkeys".into(),
                name: "Passkeys".into(),
            },
            None,
            event(actions::ORG_CREATED),
            now,
        )
        .await
        .unwrap();
    for (id, role) in [("usr_p1", Role::Admin), ("usr_p2", Role::Analyst)] {
        store
            .create_member(
                NewMember {
                    user_id: id.into(),
                    email: format!("{id}@passkeys.test"),
                    name: id.into(),
                    password_hash: "$argon2id$x".into(),
                    org_id: "org_p".into(),
                    role,
                    now,
                },
                event(actions::MEMBER_ADDED),
            )
            .await
            .unwrap();
    }
    for (sid, hash) in [("ses_p1", "thp1"), ("ses_p1b", "thp1b")] {
        store
            .create_session(
                NewSession {
                    id: sid.into(),
                    token_hash: hash.into(),
                    org_id: "org_p".into(),
                    user_id: "usr_p1".into(),
                    client: ClientKind::Console,
                    created_at: now,
                    expires_at: now + 3600,
                    idle_timeout: 600,
                    ip: None,
                    user_agent: None,
                },
                event(actions::LOGIN_SUCCEEDED),
            )
            .await
            .unwrap();
    }
    assert_eq!(
        store.second_factors("usr_p1").await.unwrap(),
        SecondFactors::default()
    );

    // Ceremonies: taken once, for their purpose, while live.
    let ceremony = |id: &str, purpose: &str, expires_at: i64| PasskeyCeremony {
        id: id.into(),
        purpose: purpose.into(),
        user_id: Some("usr_p1".into()),
        org_id: "org_p".into(),
        session_id: Some("ses_p1".into()),
        challenge_id: None,
        name: Some("Laptop".into()),
        state_json: "{\"rs\":{}}".into(),
        created_at: now,
        expires_at,
    };
    store
        .passkey_ceremony_create(ceremony("pkc_1", "register", now + 300))
        .await
        .unwrap();
    store
        .passkey_ceremony_create(ceremony("pkc_old", "register", now - 1))
        .await
        .unwrap();
    assert_eq!(
        store
            .passkey_ceremony_take("pkc_1", "login", now)
            .await
            .unwrap(),
        None,
        "another purpose"
    );
    let taken = store
        .passkey_ceremony_take("pkc_1", "register", now)
        .await
        .unwrap()
        .expect("taken");
    assert_eq!(taken, ceremony("pkc_1", "register", now + 300));
    assert_eq!(
        store
            .passkey_ceremony_take("pkc_1", "register", now)
            .await
            .unwrap(),
        None,
        "once"
    );
    assert_eq!(
        store
            .passkey_ceremony_take("pkc_old", "register", now)
            .await
            .unwrap(),
        None,
        "lapsed"
    );
    store
        .passkey_ceremony_create(ceremony("pkc_race", "login", now + 300))
        .await
        .unwrap();
    let takes = futures_util::future::join_all(
        (0..20).map(|_| store.passkey_ceremony_take("pkc_race", "login", now)),
    )
    .await;
    assert_eq!(
        takes
            .into_iter()
            .filter(|t| matches!(t, Ok(Some(_))))
            .count(),
        1,
        "20 concurrent takes: one"
    );
    // A passwordless sign-in's ceremony: no user, no org yet (stored as NULL).
    let anonymous = PasskeyCeremony {
        user_id: None,
        org_id: String::new(),
        session_id: None,
        name: None,
        ..ceremony("pkc_anon", "passwordless", now + 300)
    };
    store
        .passkey_ceremony_create(anonymous.clone())
        .await
        .unwrap();
    assert_eq!(
        store
            .passkey_ceremony_take("pkc_anon", "passwordless", now)
            .await
            .unwrap(),
        Some(anonymous),
        "an org-less ceremony round-trips"
    );

    // The first passkey: MFA on, recovery codes, the other sessions end.
    let new_passkey = |id: &str, cred: &str, user: &str| NewPasskey {
        id: id.into(),
        org_id: "org_p".into(),
        user_id: user.into(),
        credential_id: cred.into(),
        name: format!("key {id}"),
        passkey_json: "{}".into(),
        aaguid: Some("01020304-0506-0708-090a-0b0c0d0e0f10".into()),
        attestation_format: "packed".into(),
        authenticator_attachment: Some("cross-platform".into()),
        sign_count: 0,
        backup_eligible: true,
        backup_state: false,
        recovery_hashes: vec!["rh1".into(), "rh2".into()],
        keep_session: "ses_p1".into(),
        now,
    };
    store
        .passkey_add(
            new_passkey("pk_1", "cred1", "usr_p1"),
            event(actions::PASSKEY_REGISTERED),
        )
        .await
        .unwrap();
    let (user, _) = store
        .member("org_p", "usr_p1")
        .await
        .unwrap()
        .expect("member");
    assert!(user.mfa_enabled);
    assert_eq!(store.recovery_codes_remaining("usr_p1").await.unwrap(), 2);
    // How it was made is kept: the attestation format and the attachment.
    let listed = store.passkeys_list("usr_p1").await.unwrap();
    assert_eq!(listed[0].attestation, "packed");
    assert_eq!(
        listed[0].authenticator_attachment.as_deref(),
        Some("cross-platform")
    );
    let live: Vec<String> = store
        .list_sessions("org_p", "usr_p1", now + 1)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(live, ["ses_p1"]);
    // A credential id is registered once, to anyone.
    assert!(matches!(
        store
            .passkey_add(
                new_passkey("pk_x", "cred1", "usr_p2"),
                event(actions::PASSKEY_REGISTERED)
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    // A second one: the recovery codes stay as they are.
    let mut second = new_passkey("pk_2", "cred2", "usr_p1");
    second.recovery_hashes = vec!["other".into()];
    second.now = now + 10;
    store
        .passkey_add(second, event(actions::PASSKEY_REGISTERED))
        .await
        .unwrap();
    assert_eq!(store.recovery_codes_remaining("usr_p1").await.unwrap(), 2);
    let list = store.passkeys_list("usr_p1").await.unwrap();
    assert_eq!(
        list.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["pk_1", "pk_2"]
    );
    assert_eq!(
        list[0].aaguid.as_deref(),
        Some("01020304-0506-0708-090a-0b0c0d0e0f10")
    );
    assert!(list[0].backup_eligible && !list[0].backup_state);
    assert_eq!(
        list[0].attestation, "packed",
        "as registered, not a default"
    );
    assert!(store.passkeys_list("usr_p2").await.unwrap().is_empty());
    // Found by credential id, whoever's it is (a passwordless sign-in).
    let by_cred = store
        .passkey_by_credential(&list[1].credential_id)
        .await
        .unwrap()
        .expect("by credential id");
    assert_eq!(
        (by_cred.id.as_str(), by_cred.user_id.as_str()),
        ("pk_2", "usr_p1")
    );
    assert_eq!(store.passkey_by_credential("nope").await.unwrap(), None);

    // Rename: one's own only.
    store
        .passkey_rename(
            "org_p",
            "usr_p1",
            "pk_1",
            "Laptop",
            now,
            event(actions::PASSKEY_RENAMED),
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .passkey_rename(
                "org_p",
                "usr_p2",
                "pk_1",
                "Mine",
                now,
                event(actions::PASSKEY_RENAMED)
            )
            .await,
        Err(StoreError::NotFound)
    ));
    // A use: counter, flags, last use.
    store
        .passkey_used(PasskeyUse {
            id: "pk_1".into(),
            passkey_json: "{\"v\":2}".into(),
            sign_count: 7,
            backup_eligible: true,
            backup_state: true,
            now: now + 20,
        })
        .await
        .unwrap();
    let p1 = store.passkeys_list("usr_p1").await.unwrap().remove(0);
    assert_eq!(
        (
            p1.name.as_str(),
            p1.sign_count,
            p1.backup_state,
            p1.last_used_at,
            p1.passkey_json.as_str()
        ),
        ("Laptop", 7, true, Some(now + 20), "{\"v\":2}")
    );
    let factors = store.org_second_factors("org_p").await.unwrap();
    assert_eq!(
        factors.get("usr_p1").copied(),
        Some(SecondFactors {
            totp: false,
            passkeys: 2
        })
    );
    assert!(!factors.contains_key("usr_p2"));
    // The same for a page of members: only the users named.
    let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let some = store
        .users_second_factors(&ids(&["usr_p1", "usr_p2", "usr_nobody"]))
        .await
        .unwrap();
    assert_eq!(some, factors);
    assert!(
        store
            .users_second_factors(&ids(&["usr_p2"]))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.users_second_factors(&[]).await.unwrap().is_empty());

    // Removal: not someone else's; never the last factor of a role that requires one,
    // even two removals at once.
    assert!(matches!(
        store
            .passkey_remove(
                "org_p",
                "usr_p2",
                "pk_1",
                wt_core::passkey::Requirement::NONE,
                now,
                event(actions::PASSKEY_REMOVED)
            )
            .await,
        Err(StoreError::NotFound)
    ));
    let (a, b) = tokio::join!(
        store.passkey_remove(
            "org_p",
            "usr_p1",
            "pk_1",
            wt_core::passkey::Requirement::MFA,
            now,
            event(actions::PASSKEY_REMOVED)
        ),
        store.passkey_remove(
            "org_p",
            "usr_p1",
            "pk_2",
            wt_core::passkey::Requirement::MFA,
            now,
            event(actions::PASSKEY_REMOVED)
        ),
    );
    assert_eq!(
        [&a, &b].iter().filter(|r| r.is_ok()).count(),
        1,
        "one of two removals at once: {a:?} {b:?}"
    );
    assert!(
        [&a, &b]
            .iter()
            .any(|r| matches!(r, Err(StoreError::Conflict(m)) if m.contains("last second factor")))
    );
    let left = store.passkeys_list("usr_p1").await.unwrap();
    assert_eq!(left.len(), 1);
    // Not required: the last one goes, and MFA with it (recovery codes too).
    store
        .passkey_remove(
            "org_p",
            "usr_p1",
            &left[0].id,
            wt_core::passkey::Requirement::NONE,
            now,
            event(actions::PASSKEY_REMOVED),
        )
        .await
        .unwrap();
    let (user, _) = store
        .member("org_p", "usr_p1")
        .await
        .unwrap()
        .expect("member");
    assert!(!user.mfa_enabled);
    assert_eq!(store.recovery_codes_remaining("usr_p1").await.unwrap(), 0);
    assert_eq!(
        store.second_factors("usr_p1").await.unwrap(),
        SecondFactors::default()
    );
    let report = store.verify_audit("org_p").await.unwrap();
    assert!(report.ok, "{report:?}");
}

/// The org's tree root recomputed from its entries (as a client would).
#[allow(clippy::unwrap_used)]
async fn root_from_entries(store: &dyn Store, org_id: &str) -> (u64, wt_core::merkle::Hash) {
    let entries = store.audit_entries(org_id, 0, 100_000).await.unwrap();
    let leaves: Vec<_> = entries
        .iter()
        .map(|r| wt_core::merkle::record_leaf_hash(org_id, r))
        .collect();
    (leaves.len() as u64, wt_core::merkle::root_of(&leaves))
}

/// The org's tree root from the stored nodes (one query).
#[allow(clippy::unwrap_used)]
pub async fn stored_root(store: &dyn Store, org_id: &str, size: u64) -> wt_core::merkle::Hash {
    let ids = wt_core::merkle::root_nodes(size).unwrap();
    let found = store.audit_tree_nodes(org_id, ids).await.unwrap();
    wt_core::merkle::root(&found, size).unwrap()
}

/// Issue 28: every append adds its leaf (and the subtrees it completes) to the org's
/// Merkle tree in its transaction; proofs from the stored nodes verify against roots
/// recomputed from the entries; signing keys and checkpoints are kept. Leaves org
/// `org_ck` with 13 entries, for the backfill check.
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub async fn checkpoints_story(store: &dyn Store) {
    use wt_core::merkle;
    let t: i64 = 1_800_100_000;
    assert_eq!(store.audit_tree_size("org_ck").await.unwrap(), 0);
    store
        .create_org(
            NewOrg {
                id: "org_ck".into(),
                slug: "checkpoints".into(),
                name: "Checkpoints".into(),
            },
            None,
            event(actions::ORG_CREATED),
            t,
        )
        .await
        .unwrap();
    let mut roots = vec![merkle::empty_root()];
    roots.push(root_from_entries(store, "org_ck").await.1);
    for i in 0..12 {
        let ev = event(actions::LOGIN_FAILED).details(serde_json::json!({"n": i, "b": "x"}));
        store.append_audit("org_ck", ev, t + i).await.unwrap();
        let (size, root) = root_from_entries(store, "org_ck").await;
        assert_eq!(size, i as u64 + 2);
        assert_eq!(store.audit_tree_size("org_ck").await.unwrap(), size);
        assert_eq!(
            stored_root(store, "org_ck", size).await,
            root,
            "size {size}"
        );
        roots.push(root);
    }
    // Another org's tree is its own.
    assert_eq!(store.audit_tree_size("org_nobody").await.unwrap(), 0);
    // Every inclusion proof of every size, from the nodes listed up front (one query).
    let entries = store.audit_entries("org_ck", 0, 100).await.unwrap();
    for size in 1..=13u64 {
        for index in 0..size {
            let ids = merkle::inclusion_nodes(index, size).unwrap();
            assert!(ids.len() <= 2 * 4 + 4, "{} nodes", ids.len());
            let found = store.audit_tree_nodes("org_ck", ids).await.unwrap();
            let proof = merkle::inclusion_proof(&found, index, size).unwrap();
            let leaf = merkle::record_leaf_hash("org_ck", &entries[index as usize]);
            merkle::verify_inclusion(&leaf, index, size, &proof, &roots[size as usize]).unwrap();
            // A leaf of another position does not verify.
            let other = merkle::record_leaf_hash("org_ck", &entries[((index + 1) % 13) as usize]);
            if size > 1 {
                assert!(
                    merkle::verify_inclusion(&other, index, size, &proof, &roots[size as usize])
                        .is_err()
                );
            }
        }
    }
    for old in 0..=13u64 {
        for new in old..=13u64 {
            let ids = merkle::consistency_nodes(old, new).unwrap();
            let found = store.audit_tree_nodes("org_ck", ids).await.unwrap();
            let proof = merkle::consistency_proof(&found, old, new).unwrap();
            merkle::verify_consistency(
                old,
                new,
                &proof,
                &roots[old as usize],
                &roots[new as usize],
            )
            .unwrap();
        }
    }
    // Signing keys: one installation key at most; an org's key retires the org's previous.
    assert!(store.audit_signing_keys("org_ck").await.unwrap().is_empty());
    let key = |id: &str, org: Option<&str>, at: i64| SigningKeyRecord {
        id: id.into(),
        org_id: org.map(str::to_string),
        public_key: vec![7; 32],
        private_sealed: format!("sealed-{id}"),
        created_at: at,
        retired_at: None,
    };
    assert!(
        store
            .audit_signing_key_add(key("ask_1", None, t), None)
            .await
            .unwrap()
    );
    assert!(
        !store
            .audit_signing_key_add(key("ask_2", None, t + 1), None)
            .await
            .unwrap(),
        "a second installation key while one is unretired"
    );
    let before = store.audit_last_seq("org_ck").await.unwrap();
    for (id, at) in [("ask_3", t + 5), ("ask_4", t + 6)] {
        let ev = event("audit.signing_key.rotated").target("audit_signing_key", id);
        assert!(
            store
                .audit_signing_key_add(key(id, Some("org_ck"), at), Some(ev))
                .await
                .unwrap()
        );
    }
    assert_eq!(store.audit_last_seq("org_ck").await.unwrap(), before + 2);
    let keys = store.audit_signing_keys("org_ck").await.unwrap();
    let ids: Vec<_> = keys.iter().map(|k| (k.id.as_str(), k.retired_at)).collect();
    assert_eq!(
        ids,
        vec![("ask_1", None), ("ask_3", Some(t + 6)), ("ask_4", None)]
    );
    assert_eq!(keys[2].private_sealed, "sealed-ask_4");
    assert!(
        !format!("{:?}", keys[2]).contains("sealed-"),
        "Debug hides the sealed key"
    );
    // Another org sees the installation key only.
    let other: Vec<_> = store
        .audit_signing_keys("org_a")
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(other, vec!["ask_1".to_string()]);
    assert!(matches!(
        store
            .audit_signing_key_add(key("ask_5", Some("org_ck"), t), None)
            .await,
        Err(StoreError::Conflict(_))
    ));
    // Checkpoints.
    assert_eq!(store.audit_checkpoint_latest("org_ck").await.unwrap(), None);
    let cp = |size: u64, at: i64| CheckpointRecord {
        org_id: "org_ck".into(),
        size,
        root: roots[size as usize],
        note: format!("note of {size}\n"),
        key_id: "ask_4".into(),
        created_at: at,
    };
    assert!(store.audit_checkpoint_add(cp(5, t), None).await.unwrap());
    let seq = store.audit_last_seq("org_ck").await.unwrap();
    let ev = event("audit.checkpoint.signed");
    assert!(
        store
            .audit_checkpoint_add(cp(9, t + 1), Some(ev))
            .await
            .unwrap()
    );
    assert_eq!(store.audit_last_seq("org_ck").await.unwrap(), seq + 1);
    assert!(
        !store
            .audit_checkpoint_add(cp(9, t + 2), None)
            .await
            .unwrap()
    );
    assert_eq!(
        store.audit_checkpoint_latest("org_ck").await.unwrap(),
        Some(cp(9, t + 1))
    );
    assert_eq!(
        store.audit_checkpoint_at("org_ck", 5).await.unwrap(),
        Some(cp(5, t))
    );
    assert_eq!(store.audit_checkpoint_at("org_ck", 6).await.unwrap(), None);
    assert_eq!(
        store.audit_checkpoint_at("org_ck", u64::MAX).await.unwrap(),
        None
    );
    assert_eq!(store.audit_checkpoint_at("org_a", 5).await.unwrap(), None);
    assert_eq!(store.audit_checkpoint_latest("org_a").await.unwrap(), None);
    // The audited key rotations and the checkpoint entry are in the tree too.
    let (size, root) = root_from_entries(store, "org_ck").await;
    assert_eq!(store.audit_tree_size("org_ck").await.unwrap(), size);
    assert_eq!(stored_root(store, "org_ck", size).await, root);
}

/// After the caller deleted `org_ck`'s tree nodes (a log older than the table): appends
/// add nothing to the tree until the backfill, batched and idempotent, has rebuilt it
/// from the entries; then the tree is the one the entries make, and appends continue it.
#[allow(clippy::unwrap_used)]
pub async fn backfill_story(store: &dyn Store) {
    assert_eq!(store.audit_tree_size("org_ck").await.unwrap(), 0);
    store
        .append_audit("org_ck", event(actions::LOGIN_FAILED), 1_800_200_000)
        .await
        .unwrap();
    assert_eq!(store.audit_tree_size("org_ck").await.unwrap(), 0);
    let (size, root) = root_from_entries(store, "org_ck").await;
    let mut batches = 0;
    let mut total = 0;
    loop {
        let n = store.audit_tree_backfill("org_ck", 4).await.unwrap();
        if n == 0 {
            break;
        }
        assert!(n <= 4);
        total += n;
        batches += 1;
    }
    assert_eq!(total, size);
    assert_eq!(batches, size.div_ceil(4));
    assert_eq!(store.audit_tree_backfill("org_ck", 4).await.unwrap(), 0);
    assert_eq!(store.audit_tree_size("org_ck").await.unwrap(), size);
    assert_eq!(stored_root(store, "org_ck", size).await, root);
    store
        .append_audit("org_ck", event(actions::LOGIN_FAILED), 1_800_200_001)
        .await
        .unwrap();
    let (size, root) = root_from_entries(store, "org_ck").await;
    assert_eq!(store.audit_tree_size("org_ck").await.unwrap(), size);
    assert_eq!(stored_root(store, "org_ck", size).await, root);
    // An org whose tree is complete: nothing to do.
    assert_eq!(store.audit_tree_backfill("org_h", 4).await.unwrap(), 0);
}

/// Audit reads at scale (issue #29): every filter's result equals a brute-force filter of
/// the whole log (times deliberately out of order: a clock that went back), and the plans
/// read the actor and time filters through indexes, never the whole table.
pub async fn audit_filters_story(store: &dyn Store) {
    let t: i64 = 1_800_000_000;
    store
        .create_org(
            NewOrg {
                id: "org_f".into(),
                slug: "filters".into(),
                name: "Filters".into(),
            },
            None,
            event(actions::ORG_CREATED),
            t,
        )
        .await
        .unwrap();
    let acts = [
        actions::LOGIN_FAILED,
        actions::LOGIN_SUCCEEDED,
        actions::API_KEY_CREATED,
        actions::API_KEY_REVOKED,
    ];
    for i in 0..120i64 {
        let who = format!("usr_{}", i % 5);
        // Mostly forward in time, every 7th entry 2 hours back.
        let at = t + i * 600 - if i % 7 == 3 { 7200 } else { 0 };
        let mut ev = AuditEvent::new(
            Actor::user(&who, &format!("{who}@acme.test")),
            acts[(i % 4) as usize],
            &RequestMeta::default(),
        )
        .outcome(if i % 3 == 0 { "failure" } else { "success" });
        if i % 2 == 0 {
            ev = ev.target("api_key", &format!("key_{}", i % 6));
        }
        store.append_audit("org_f", ev, at).await.unwrap();
    }
    let all = store.audit_entries("org_f", 0, 10_000).await.unwrap();
    assert_eq!(all.len(), 121);
    let one = store.verify_audit("org_f").await.unwrap();
    assert!(one.ok && one.entries == 121, "{one:?}");
    assert_eq!(store.verify_audit_jobs("org_f", 4).await.unwrap(), one);
    let ts = |h: i64| wt_core::clock::rfc3339(t + h * 600);
    let q = |f: &dyn Fn(&mut AuditQuery)| {
        let mut q = AuditQuery {
            limit: 7,
            ..Default::default()
        };
        f(&mut q);
        q
    };
    let queries = vec![
        q(&|_| {}),
        q(&|q| q.actor = Some("usr_2@acme.test".into())),
        q(&|q| q.actor = Some("usr_3".into())),
        q(&|q| {
            q.actor = Some("usr_1".into());
            q.ascending = true;
        }),
        q(&|q| {
            q.actor = Some("usr_4".into());
            q.action = Some("api_key.*".into());
        }),
        q(&|q| q.target = Some("key_2".into())),
        q(&|q| q.action = Some("auth.*".into())),
        q(&|q| {
            q.since = Some(ts(20));
            q.until = Some(ts(30));
            q.limit = 50;
        }),
        q(&|q| {
            q.since = Some(ts(20));
            q.until = Some(ts(30));
            q.ascending = true;
        }),
        q(&|q| q.until = Some(ts(40))),
        q(&|q| q.since = Some(ts(100))),
        q(&|q| {
            q.since = Some(ts(10));
            q.until = Some(ts(60));
            q.actor = Some("usr_0@acme.test".into());
            q.before_seq = Some(90);
        }),
        q(&|q| {
            q.since = Some(ts(500));
        }),
        q(&|q| {
            q.since = Some(ts(30));
            q.until = Some(ts(20));
        }),
    ];
    for query in queries {
        let got: Vec<i64> = store
            .audit_query("org_f", query.clone())
            .await
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        let mut want: Vec<i64> = all
            .iter()
            .filter(|e| {
                query.actor.as_deref().is_none_or(|a| {
                    e.actor.email.as_deref() == Some(a) || e.actor.id.as_deref() == Some(a)
                }) && query
                    .action
                    .as_deref()
                    .is_none_or(|a| match a.strip_suffix('*') {
                        Some(p) => e.action.starts_with(p),
                        None => e.action == a,
                    })
                    && query
                        .target
                        .as_deref()
                        .is_none_or(|t| e.target.as_ref().is_some_and(|x| x.id == t))
                    && query.since.as_deref().is_none_or(|s| *e.occurred_at >= *s)
                    && query.until.as_deref().is_none_or(|u| *e.occurred_at < *u)
                    && query.before_seq.is_none_or(|b| e.seq < b)
                    && query.after_seq.is_none_or(|a| e.seq > a)
            })
            .map(|e| e.seq)
            .collect();
        if !query.ascending {
            want.reverse();
        }
        want.truncate(query.limit as usize);
        assert_eq!(got, want, "{query:?}");
    }

    // The plans: actor arms and windows are index reads.
    let full_scan = |plan: &[String]| {
        plan.iter().any(|l| {
            let l = l.trim_start_matches([' ', '-', '>']);
            l == "SCAN audit_log" || l.starts_with("Seq Scan on audit_log")
        })
    };
    for query in [
        q(&|q| q.actor = Some("usr_2@acme.test".into())),
        q(&|q| {
            q.since = Some(ts(20));
            q.until = Some(ts(30));
        }),
        q(&|q| {
            q.actor = Some("usr_2".into());
            q.since = Some(ts(20));
        }),
    ] {
        let plan = store
            .audit_query_plan("org_f", query.clone())
            .await
            .unwrap();
        assert!(!plan.is_empty(), "{query:?}");
        assert!(!full_scan(&plan), "{query:?}: {plan:#?}");
        if query.actor.is_some() && query.since.is_none() {
            let text = plan.join("\n");
            assert!(
                text.contains("audit_by_actor_id") && text.contains("audit_by_actor"),
                "both actor indexes: {text}"
            );
        }
        if query.until.is_some() {
            assert!(plan.join("\n").contains("audit_by_time"), "{plan:#?}");
        }
    }
}

/// Pages of an org's members (`members_page`), on orgs of their own (runs after the others
/// or alone): every member exactly once, in (joined, user id) order whatever the page size,
/// members who joined in the same second apart by id, a page after a member who has left
/// since, and nothing of another org.
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub async fn members_paging_story(store: &dyn Store) {
    use wt_core::paging::MemberAfter;
    let now = 1_950_000_000;
    for (id, slug) in [("org_pg", "paging"), ("org_pg2", "paging-2")] {
        store
            .create_org(
                NewOrg {
                    id: id.into(),
                    slug: slug.into(),
                    name: slug.into(),
                },
                None,
                event(actions::ORG_CREATED),
                now,
            )
            .await
            .unwrap();
    }
    // Ids out of their joining order, three joined in one second, one the same second
    // in the other org. The emails sort against the ids, so an order by email would show.
    let joined: [(&str, i64, &str); 9] = [
        ("usr_pg_e", now, "org_pg"),
        ("usr_pg_b", now + 1, "org_pg"),
        ("usr_pg_h", now + 1, "org_pg"),
        ("usr_pg_a", now + 1, "org_pg"),
        ("usr_pg_z", now + 1, "org_pg2"),
        ("usr_pg_g", now + 2, "org_pg"),
        ("usr_pg_c", now + 3, "org_pg"),
        ("usr_pg_f", now + 3, "org_pg"),
        ("usr_pg_d", now + 5, "org_pg"),
    ];
    for (i, (id, at, org)) in joined.iter().enumerate() {
        store
            .create_member(
                NewMember {
                    user_id: (*id).into(),
                    email: format!("{}-{id}@paging.test", 9 - i),
                    name: (*id).into(),
                    password_hash: "$argon2id$x".into(),
                    org_id: (*org).into(),
                    role: if i == 0 { Role::Owner } else { Role::Viewer },
                    now: *at,
                },
                event(actions::MEMBER_ADDED),
            )
            .await
            .unwrap();
    }
    let want = [
        "usr_pg_e", "usr_pg_a", "usr_pg_b", "usr_pg_h", "usr_pg_g", "usr_pg_c", "usr_pg_f",
        "usr_pg_d",
    ];
    let page = |after: Option<MemberAfter>, limit| async move {
        store.members_page("org_pg", after, limit).await.unwrap()
    };
    let after = |m: &MemberRecord| MemberAfter {
        joined_at: m.joined_at,
        user_id: m.user.id.clone(),
    };
    let all = page(None, 100).await;
    assert_eq!(
        all.iter().map(|m| m.user.id.as_str()).collect::<Vec<_>>(),
        want
    );
    assert_eq!(all[0].role, Role::Owner);
    assert_eq!(all[0].joined_at, now);
    assert_eq!(all[0].user.email, "9-usr_pg_e@paging.test");
    // The same list a page at a time, for every page size.
    for limit in 1..=9u32 {
        let mut seen: Vec<String> = vec![];
        let mut cursor = None;
        for _ in 0..20 {
            let p = page(cursor.clone(), limit).await;
            assert!(p.len() <= limit as usize);
            seen.extend(p.iter().map(|m| m.user.id.clone()));
            match p.last() {
                Some(last) if p.len() == limit as usize => cursor = Some(after(last)),
                _ => break,
            }
        }
        assert_eq!(seen, want, "pages of {limit}");
    }
    // The page's last member leaves: the next page starts at their place all the same.
    let first = page(None, 3).await;
    let cursor = after(&first[2]);
    assert_eq!(cursor.user_id, "usr_pg_b");
    store
        .member_remove(
            "org_pg",
            "usr_pg_b",
            now + 10,
            event(actions::MEMBER_REMOVED),
        )
        .await
        .unwrap();
    assert_eq!(
        page(Some(cursor.clone()), 2)
            .await
            .iter()
            .map(|m| m.user.id.as_str())
            .collect::<Vec<_>>(),
        ["usr_pg_h", "usr_pg_g"]
    );
    // A position of no member at all (one made up) orders like any other.
    let made_up = MemberAfter {
        joined_at: now + 2,
        user_id: "usr_pg_zzz".into(),
    };
    assert_eq!(
        page(Some(made_up), 100)
            .await
            .iter()
            .map(|m| m.user.id.as_str())
            .collect::<Vec<_>>(),
        ["usr_pg_c", "usr_pg_f", "usr_pg_d"]
    );
    // The other org: its one member, then the end.
    let other = store.members_page("org_pg2", None, 100).await.unwrap();
    assert_eq!(
        other.iter().map(|m| m.user.id.as_str()).collect::<Vec<_>>(),
        ["usr_pg_z"]
    );
    assert!(
        store
            .members_page("org_pg2", Some(after(&other[0])), 100)
            .await
            .unwrap()
            .is_empty()
    );
    // A cursor made in the other org only positions a page of this one: it never yields
    // the other org's member.
    let crossed = store
        .members_page("org_pg", Some(after(&other[0])), 100)
        .await
        .unwrap();
    assert!(
        crossed
            .iter()
            .all(|m| all.iter().any(|a| a.user.id == m.user.id) && m.user.id != "usr_pg_z"),
        "another org's cursor reads only this org's members"
    );
}
