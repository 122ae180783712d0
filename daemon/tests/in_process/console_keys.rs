//! The console's Ingestion keys tab through the whole router, as a browser posts its
//! forms: the list per environment with last use, sources and the hourly sparkline (whose
//! numbers are the stored ones), the key page with its chart and live sources, create
//! (the secret once, never cached), rotate with a grace period, revoke; and who may do
//! what: readers see, viewers get the 403 page, another org's key the 404 page, posts
//! without this session's CSRF token are refused, and 50 concurrent revokes or rotations
//! of one key happen once.

use super::console::{form, html, page_get};
use super::console_members::{OTHER_ORG, browser, other_org};
use super::*;
use wt_store::NewApiKey;

/// The `<tr>` of the key list with `data-key-id=id`.
fn key_row<'a>(page: &'a str, id: &str) -> &'a str {
    let at = page
        .find(&format!("data-key-id=\"{id}\""))
        .unwrap_or_else(|| panic!("no row for {id} in {page}"));
    let start = page[..at].rfind("<tr").unwrap();
    let end = at + page[at..].find("</tr>").unwrap();
    &page[start..end]
}

/// The value of attribute `attr` of the first element after `from` in `page` having it.
fn attr(page: &str, attr: &str) -> String {
    let at = page
        .find(&format!(" {attr}=\""))
        .unwrap_or_else(|| panic!("no {attr} in {page}"));
    let rest = &page[at + attr.len() + 3..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// (hour, count) of every bar of the key page's chart.
fn bars(page: &str) -> Vec<(i64, i64)> {
    page.split("<rect ")
        .skip(1)
        .map(|r| {
            (
                attr(r, "data-hour").parse().unwrap(),
                attr(r, "data-count").parse().unwrap(),
            )
        })
        .collect()
}

/// The whole start tag of the element with `id`.
fn tag<'a>(page: &'a str, id: &str) -> &'a str {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    let start = page[..at].rfind('<').unwrap();
    &page[start..at + page[at..].find('>').unwrap() + 1]
}

/// The new secret on a create or rotate answer.
fn secret_of(page: &str) -> String {
    attr(tag(page, "key-secret"), "value")
}

/// Every key of both orgs as it stands, and the audit log's length: what a refused post
/// must leave as it was.
async fn keys_snapshot(fx: &Fx) -> String {
    let mut out = String::new();
    for org in ["org_acme", OTHER_ORG] {
        let keys: Vec<_> = fx
            .store
            .api_keys_list(org)
            .await
            .unwrap()
            .into_iter()
            .map(|k| (k.id, k.name, k.revoked_at, k.rotated_to, k.grace_until))
            .collect();
        let audit = fx.store.audit_entries(org, 0, 10_000).await.unwrap().len();
        out.push_str(&format!("{org}: {keys:?} audit={audit}\n"));
    }
    out
}

/// A key of the other org, made in the store.
async fn other_key(fx: &Fx) -> String {
    let (user, _) = other_org(fx).await;
    let k = fx
        .store
        .api_key_create(
            NewApiKey {
                id: wt_core::ids::new_id("key"),
                org_id: OTHER_ORG.into(),
                name: "theirs".into(),
                environment: wt_api::Environment::Production,
                secret_hash: "ab".repeat(32),
                last4: "zzzz".into(),
                owner_id: user.clone(),
                created_by: user,
                created_at: fx.state.now(),
                expires_at: None,
                allowed_cidrs: vec![],
            },
            AuditEvent::new(
                Actor::operator(),
                actions::API_KEY_CREATED,
                &RequestMeta::default(),
            ),
        )
        .await
        .unwrap();
    k.id
}

/// Every keys action, with fields that would succeed.
fn key_posts(id: &str) -> Vec<(String, Vec<(&'static str, String)>)> {
    vec![
        (
            "/keys".into(),
            vec![
                ("name", "new".into()),
                ("environment", "sandbox".into()),
                ("owner_email", EMAIL.into()),
                ("expires", "never".into()),
            ],
        ),
        (
            format!("/keys/{id}/rotate"),
            vec![("grace", "3600".into()), ("confirm", "yes".into())],
        ),
        (
            format!("/keys/{id}/revoke"),
            vec![("confirm", "yes".into())],
        ),
    ]
}

async fn post(
    fx: &Fx,
    cookie: &str,
    path: &str,
    fields: &[(&'static str, String)],
    csrf: Option<&str>,
) -> Resp {
    let mut f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if let Some(c) = csrf {
        f.push(("csrf", c));
    }
    fx.send(form(path, &f, Some(cookie))).await
}

#[tokio::test]
async fn the_list_and_the_key_page_show_use_sources_and_the_stored_hourly_numbers() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (prod, secret) = prod_key(&fx, &tok, json!({"name": "billing <b>svc</b>"})).await;
    let sandbox = fx
        .create_key(
            &tok,
            json!({"name": "tests", "environment": "sandbox", "owner_email": EMAIL}),
        )
        .await;
    assert_eq!(sandbox.status, StatusCode::CREATED);
    let sandbox = sandbox.body["id"].as_str().unwrap().to_string();
    // Three requests in the first hour from here, then two hours later two from elsewhere;
    // the first hour is flushed, the last is still in memory.
    for _ in 0..3 {
        assert_eq!(
            fx.ingest(&secret, one_event()).await.status,
            StatusCode::ACCEPTED
        );
    }
    fx.state.caches.flush(fx.store.as_ref()).await;
    fx.clock.advance(2 * 3600);
    for _ in 0..2 {
        let r = fx.ingest_from(&secret, one_event(), "127.0.0.3:5000").await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
    }
    let (cookie, _) = browser(&fx, EMAIL).await;
    let check = |page: String| {
        let row = key_row(&page, &prod).to_string();
        assert!(row.contains("wtk_live_…"), "{row}");
        assert!(
            row.contains("billing &lt;b&gt;svc&lt;/b&gt;"),
            "escaped: {row}"
        );
        assert!(row.contains("from 127.0.0.3"), "last used from: {row}");
        assert!(row.contains("<td class=\"use-count\">5</td>"), "{row}");
        assert!(
            row.contains("2 <span class=\"hint\">(127.0.0.3, 127.0.0.1)"),
            "{row}"
        );
        assert!(
            row.contains("data-total=\"5\" data-peak=\"3\""),
            "sparkline: {row}"
        );
        assert!(
            row.contains("5 requests in the last 7 days, at most 3 in one hour"),
            "{row}"
        );
        let sb = key_row(&page, &sandbox).to_string();
        assert!(sb.contains("wtk_test_…") && sb.contains("never"), "{sb}");
        assert!(sb.contains("data-total=\"0\""), "{sb}");
        // Each in its environment's section.
        let prod_at = page.find("id=\"keys-production\"").unwrap();
        let sb_at = page.find("id=\"keys-sandbox\"").unwrap();
        let p_row = page.find(&format!("data-key-id=\"{prod}\"")).unwrap();
        let s_row = page.find(&format!("data-key-id=\"{sandbox}\"")).unwrap();
        assert!(prod_at < p_row && p_row < sb_at && sb_at < s_row);
    };
    let r = fx.send(page_get("/keys", Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let page = html(&r);
    assert!(
        page.contains("<a href=\"/keys\" aria-current=\"page\">Keys</a>"),
        "{page}"
    );
    check(page);
    // The key page: the chart's bars are the hours and counts, pending ones included.
    let h0 = T0 - T0.rem_euclid(3600);
    let detail = html(
        &fx.send(page_get(&format!("/keys/{prod}"), Some(&cookie)))
            .await,
    );
    assert_eq!(bars(&detail), vec![(h0, 3), (h0 + 7200, 2)], "{detail}");
    assert!(detail.contains("data-ip=\"127.0.0.3\""));
    assert!(detail.contains("data-ip=\"127.0.0.1\""));
    // After the flush the store has exactly what the pages show, and nothing is counted
    // twice.
    fx.state.caches.flush(fx.store.as_ref()).await;
    let stored: Vec<(i64, i64)> = fx
        .store
        .api_key_usage_hours("org_acme", std::slice::from_ref(&prod), 0)
        .await
        .unwrap()
        .into_iter()
        .map(|h| (h.hour, h.count))
        .collect();
    assert_eq!(stored, vec![(h0, 3), (h0 + 7200, 2)]);
    let detail = html(
        &fx.send(page_get(&format!("/keys/{prod}"), Some(&cookie)))
            .await,
    );
    assert_eq!(bars(&detail), stored);
    check(html(&fx.send(page_get("/keys", Some(&cookie))).await));
    // Over a week on, the hours are out of the charts' window; past 8 days, pruned.
    fx.clock.advance(7 * 86_400);
    let (cookie, _) = browser(&fx, EMAIL).await;
    let row = html(&fx.send(page_get("/keys", Some(&cookie))).await);
    assert!(key_row(&row, &prod).contains("data-total=\"0\""));
    let mut last = None;
    wtd::keycache::prune_usage(fx.store.as_ref(), fx.state.now(), &mut last).await;
    assert_eq!(
        fx.store
            .api_key_usage_hours("org_acme", &[], 0)
            .await
            .unwrap()
            .len(),
        2,
        "kept for 8 days"
    );
    fx.clock.advance(2 * 86_400);
    wtd::keycache::prune_usage(fx.store.as_ref(), fx.state.now(), &mut last).await;
    assert!(
        fx.store
            .api_key_usage_hours("org_acme", &[], 0)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn create_shows_the_secret_once_never_cached_and_bad_input_is_explained() {
    let fx = fixture().await;
    fx.setup().await;
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let fields = |name: &str, env: &str, owner: &str, cidrs: &str| {
        vec![
            ("name", name.to_string()),
            ("environment", env.to_string()),
            ("owner_email", owner.to_string()),
            ("expires", "30d".to_string()),
            ("allowed_cidrs", cidrs.to_string()),
        ]
    };
    let r = post(
        &fx,
        &cookie,
        "/keys",
        &fields("billing", "production", EMAIL, ""),
        Some(&csrf),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    assert!(r.headers.get(header::LOCATION).is_none());
    let page = html(&r);
    let secret = secret_of(&page);
    assert!(secret.starts_with("wtk_live_"), "{secret}");
    assert!(page.contains("data-copy-target=\"key-secret\""));
    // It works, it is on no other page, and the key expires in 30 days.
    assert_eq!(
        fx.ingest(&secret, one_event()).await.status,
        StatusCode::ACCEPTED
    );
    let keys = fx.store.api_keys_list("org_acme").await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].expires_at, Some(T0 + 30 * 86_400));
    let id = keys[0].id.clone();
    for path in ["/keys".to_string(), format!("/keys/{id}")] {
        let p = html(&fx.send(page_get(&path, Some(&cookie))).await);
        assert!(!p.contains(&secret), "{path}");
        assert!(!p.contains(&secret[secret.len() - 8..]), "{path}");
    }
    assert_eq!(fx.count(actions::API_KEY_CREATED).await, 1);

    // Bad input: a clear error next to the field, what was typed kept, nothing stored.
    let before = keys_snapshot(&fx).await;
    for (f, status, field, says) in [
        (
            fields("", "production", EMAIL, ""),
            StatusCode::UNPROCESSABLE_ENTITY,
            "key_name",
            "name must not be empty",
        ),
        (
            fields("x", "staging", EMAIL, ""),
            StatusCode::UNPROCESSABLE_ENTITY,
            "key_environment",
            "choose production or sandbox",
        ),
        (
            fields("x", "sandbox", "nobody@else.test", ""),
            StatusCode::UNPROCESSABLE_ENTITY,
            "key_owner_email",
            "is not a member of this org",
        ),
        (
            fields("x", "sandbox", EMAIL, "10.0.0.0/8, 300.1.1.1/8"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "key_cidrs",
            "is not an IPv4 or IPv6 network",
        ),
    ] {
        let r = post(&fx, &cookie, "/keys", &f, Some(&csrf)).await;
        let page = html(&r);
        assert_eq!(r.status, status, "{page}");
        assert!(page.contains(says), "{says}: {page}");
        assert!(page.contains("role=\"alert\""), "{page}");
        let t = tag(&page, field);
        assert!(t.contains("aria-invalid=\"true\""), "{field}: {t}");
        assert!(t.contains("error\""), "described by the error: {t}");
        if field == "key_cidrs" {
            assert!(page.contains(">10.0.0.0/8, 300.1.1.1/8</textarea>"), "kept");
        }
    }
    let r = post(
        &fx,
        &cookie,
        "/keys",
        &[("name", "x".into()), ("expires", "5y".into())],
        Some(&csrf),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(keys_snapshot(&fx).await, before, "nothing stored");
    // A form that is not a form: a page, not a panic.
    let mut req = form("/keys", &[("csrf", &csrf)], Some(&cookie));
    *req.body_mut() = Body::from("csrf=%zz&name=\u{0}");
    let r = fx.send(req).await;
    assert!(r.status.is_client_error(), "{}", r.status);
}

#[tokio::test]
async fn rotate_with_a_grace_shows_where_the_old_key_is_still_used_then_revoke() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (old, old_secret) = prod_key(&fx, &tok, json!({})).await;
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let page = html(
        &fx.send(page_get(&format!("/keys/{old}"), Some(&cookie)))
            .await,
    );
    assert!(
        page.contains("Rotate billing (wtk_live_…"),
        "names the key: {page}"
    );
    assert!(page.contains("Revoke billing (wtk_live_…"), "{page}");
    let rotate = format!("/keys/{old}/rotate");
    let before = keys_snapshot(&fx).await;
    // Unconfirmed, or an offered grace that is not offered: refused, nothing changed.
    let r = post(
        &fx,
        &cookie,
        &rotate,
        &[("grace", "3600".into())],
        Some(&csrf),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&r).contains("tick the box to confirm that you rotate billing (wtk_live_…"));
    let r = post(
        &fx,
        &cookie,
        &rotate,
        &[("grace", "99".into()), ("confirm", "yes".into())],
        Some(&csrf),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(keys_snapshot(&fx).await, before);
    // Rotated with a 1-hour grace: the new secret once, the old key's end, a way to it.
    let r = post(
        &fx,
        &cookie,
        &rotate,
        &[("grace", "3600".into()), ("confirm", "yes".into())],
        Some(&csrf),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let page = html(&r);
    let new_secret = secret_of(&page);
    assert_ne!(new_secret, old_secret);
    assert!(page.contains(&format!("href=\"/keys/{old}\"")), "{page}");
    assert!(page.contains(&wt_core::clock::rfc3339(T0 + 3600)), "{page}");
    // The old key's page: rotating, the grace end, its sources polled live.
    let page = html(
        &fx.send(page_get(&format!("/keys/{old}"), Some(&cookie)))
            .await,
    );
    assert!(page.contains("data-status=\"rotating\""), "{page}");
    assert!(page.contains("id=\"grace-end\""), "{page}");
    assert!(page.contains("Still used from"));
    assert!(page.contains(&format!("data-poll=\"/keys/{old}/sources\"")));
    assert!(page.contains("No requests yet."));
    assert!(
        !page.contains("id=\"rotate-form\""),
        "one rotation at a time"
    );
    // A sender still on the old key, from elsewhere: the fragment shows it at once.
    let r = fx
        .ingest_from(&old_secret, one_event(), "127.0.0.7:9000")
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let frag = fx
        .send(page_get(&format!("/keys/{old}/sources"), Some(&cookie)))
        .await;
    assert_eq!(frag.status, StatusCode::OK);
    assert_eq!(frag.headers[header::CACHE_CONTROL], "no-store");
    let f = html(&frag);
    assert!(f.starts_with("<div id=\"sources-live\">"), "{f}");
    assert!(f.contains("data-ip=\"127.0.0.7\""), "{f}");
    assert!(f.contains("<td class=\"count\">1</td>"), "{f}");
    assert!(!f.contains("<html"), "a fragment, not a page");
    // Both keys work during the grace; after it only the new one.
    assert_eq!(
        fx.ingest(&new_secret, one_event()).await.status,
        StatusCode::ACCEPTED
    );
    fx.clock.advance(3601);
    assert_eq!(
        fx.ingest(&old_secret, one_event()).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Revoke the new key: unconfirmed refused, confirmed done, then it stops at once.
    let new = fx
        .store
        .api_key_get("org_acme", &old)
        .await
        .unwrap()
        .unwrap()
        .rotated_to
        .unwrap();
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let revoke = format!("/keys/{new}/revoke");
    let r = post(&fx, &cookie, &revoke, &[], Some(&csrf)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&r).contains("tick the box to confirm that you revoke billing"));
    let r = post(
        &fx,
        &cookie,
        &revoke,
        &[("confirm", "yes".into())],
        Some(&csrf),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/keys/{new}?done=revoked")
    );
    assert_eq!(
        fx.ingest(&new_secret, one_event()).await.status,
        StatusCode::UNAUTHORIZED
    );
    let page = html(
        &fx.send(page_get(
            &format!("/keys/{new}?done=revoked"),
            Some(&cookie),
        ))
        .await,
    );
    assert!(page.contains("The key is revoked"), "{page}");
    assert!(page.contains("id=\"revoked-at\""));
    assert!(!page.contains("id=\"revoke-form\"") && !page.contains("id=\"rotate-form\""));
    // Again: the service's refusal, on the page.
    let r = post(
        &fx,
        &cookie,
        &revoke,
        &[("confirm", "yes".into())],
        Some(&csrf),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", html(&r));
    assert!(html(&r).contains("already revoked"));
    assert_eq!(fx.count(actions::API_KEY_ROTATED).await, 1);
    assert_eq!(fx.count(actions::API_KEY_REVOKED).await, 1);
}

#[tokio::test]
async fn readers_see_without_forms_viewers_get_403_and_posts_change_nothing() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (id, _) = prod_key(&fx, &tok, json!({})).await;
    for (email, role) in [
        ("al@acme.test", "analyst"),
        ("rl@acme.test", "risk_lead"),
        ("vi@acme.test", "viewer"),
    ] {
        team_member(&fx, &tok, email, role).await;
    }
    for who in ["al@acme.test", "rl@acme.test", "vi@acme.test"] {
        let (cookie, csrf) = browser(&fx, who).await;
        let before = keys_snapshot(&fx).await;
        for (path, fields) in key_posts(&id) {
            let r = post(&fx, &cookie, &path, &fields, Some(&csrf)).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{who} {path}: {}",
                html(&r)
            );
            assert!(html(&r).contains("<h1>Not allowed</h1>"), "{who} {path}");
        }
        assert_eq!(keys_snapshot(&fx).await, before, "{who}: nothing changed");
        let reads = [
            "/keys".to_string(),
            format!("/keys/{id}"),
            format!("/keys/{id}/sources"),
        ];
        let security = html(&fx.send(page_get("/security", Some(&cookie))).await);
        if who == "vi@acme.test" {
            for path in &reads {
                let r = fx.send(page_get(path, Some(&cookie))).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "viewer {path}");
                assert!(html(&r).contains("<h1>Not allowed</h1>"));
            }
            assert!(
                !security.contains("href=\"/keys\""),
                "no Keys tab for viewers"
            );
        } else {
            for path in &reads {
                let r = fx.send(page_get(path, Some(&cookie))).await;
                assert_eq!(r.status, StatusCode::OK, "{who} {path}");
                let page = html(&r);
                assert!(
                    !page.contains("<form method=\"post\" action=\"/keys"),
                    "read only: {page}"
                );
                assert!(!page.contains("create-key-form") && !page.contains("rotate-form"));
            }
            assert!(
                security.contains("href=\"/keys\""),
                "{who} has the Keys tab"
            );
        }
    }
}

#[tokio::test]
async fn another_orgs_key_is_not_found_and_nothing_changes() {
    let fx = fixture().await;
    fx.setup().await;
    let theirs = other_key(&fx).await;
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let before = keys_snapshot(&fx).await;
    for path in [format!("/keys/{theirs}"), format!("/keys/{theirs}/sources")] {
        let r = fx.send(page_get(&path, Some(&cookie))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(html(&r).contains("<h1>Page not found</h1>"));
    }
    for (path, fields) in key_posts(&theirs).into_iter().skip(1) {
        let r = post(&fx, &cookie, &path, &fields, Some(&csrf)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", html(&r));
        assert!(html(&r).contains("<h1>Page not found</h1>"), "{path}");
    }
    let list = html(&fx.send(page_get("/keys", Some(&cookie))).await);
    assert!(!list.contains(&theirs) && !list.contains("theirs"));
    assert_eq!(
        keys_snapshot(&fx).await,
        before,
        "nothing changed in either org"
    );
}

#[tokio::test]
async fn every_form_carries_the_csrf_token_and_posts_without_it_are_refused() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (id, _) = prod_key(&fx, &tok, json!({})).await;
    team_member(&fx, &tok, "ada@acme.test", "admin").await;
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    for path in ["/keys".to_string(), format!("/keys/{id}")] {
        let page = html(&fx.send(page_get(&path, Some(&cookie))).await);
        let forms = page.matches("<form").count();
        assert!(forms >= 2, "{path}: {page}");
        assert_eq!(page.matches("method=\"post\"").count(), forms, "{path}");
        assert_eq!(
            page.matches(&format!("name=\"csrf\" value=\"{csrf}\""))
                .count(),
            forms,
            "{path}: every form has the token"
        );
    }
    let (_, other_csrf) = browser(&fx, "ada@acme.test").await;
    let before = keys_snapshot(&fx).await;
    for token in [
        None,
        Some(""),
        Some(other_csrf.as_str()),
        Some("0123456789abcdef0123456789abcdef"),
    ] {
        for (path, fields) in key_posts(&id) {
            let r = post(&fx, &cookie, &path, &fields, token).await;
            assert!(
                matches!(r.status, StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST),
                "{token:?} {path}: {}",
                r.status
            );
        }
    }
    for (path, fields) in key_posts(&id) {
        let mut f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        f.push(("csrf", &csrf));
        let mut req = form(&path, &f, Some(&cookie));
        req.headers_mut()
            .insert("sec-fetch-site", "cross-site".parse().unwrap());
        let r = fx.send(req).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(keys_snapshot(&fx).await, before, "nothing changed");
}

#[tokio::test]
async fn fifty_concurrent_revokes_or_rotations_of_one_key_happen_once() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (a, _) = prod_key(&fx, &tok, json!({"name": "a"})).await;
    let (b, _) = prod_key(&fx, &tok, json!({"name": "b"})).await;
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let many = |path: String, fields: Vec<(&'static str, String)>| {
        let (fx, cookie, csrf) = (&fx, cookie.clone(), csrf.clone());
        futures_util::future::join_all((0..50).map(move |_| {
            let (path, fields, cookie, csrf) =
                (path.clone(), fields.clone(), cookie.clone(), csrf.clone());
            async move { post(fx, &cookie, &path, &fields, Some(&csrf)).await.status }
        }))
    };
    let revokes = many(format!("/keys/{a}/revoke"), vec![("confirm", "yes".into())]).await;
    assert_eq!(
        revokes
            .iter()
            .filter(|s| **s == StatusCode::SEE_OTHER)
            .count(),
        1,
        "{revokes:?}"
    );
    assert!(
        revokes
            .iter()
            .all(|s| matches!(*s, StatusCode::SEE_OTHER | StatusCode::CONFLICT))
    );
    assert_eq!(fx.count(actions::API_KEY_REVOKED).await, 1);
    let rotations = many(
        format!("/keys/{b}/rotate"),
        vec![("grace", "3600".into()), ("confirm", "yes".into())],
    )
    .await;
    assert_eq!(
        rotations.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{rotations:?}"
    );
    assert!(
        rotations
            .iter()
            .all(|s| matches!(*s, StatusCode::OK | StatusCode::CONFLICT))
    );
    assert_eq!(fx.count(actions::API_KEY_ROTATED).await, 1);
    let keys = fx.store.api_keys_list("org_acme").await.unwrap();
    assert_eq!(keys.len(), 3, "one successor");
}

#[tokio::test]
async fn the_list_is_paged_fifty_keys_a_section_and_each_page_is_the_api_call() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    // 53 production keys a second apart, and one sandbox key; newest first as listed.
    let mut prod = Vec::new();
    for i in 0..53 {
        prod.push(
            prod_key(&fx, &tok, json!({"name": format!("svc-{i}")}))
                .await
                .0,
        );
        fx.clock.advance(1);
    }
    prod.reverse();
    let sandbox = fx
        .create_key(
            &tok,
            json!({"name": "tests", "environment": "sandbox", "owner_email": EMAIL}),
        )
        .await;
    let sandbox = sandbox.body["id"].as_str().unwrap().to_string();
    let ids = |r: &Resp| -> Vec<String> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["id"].as_str().unwrap().to_string())
            .collect()
    };
    // The API: 50 with a cursor to the rest; usage only when asked for.
    let api = "/api/v1/orgs/api-keys?environment=production&limit=50";
    let first = fx.get(&format!("{api}&include=usage"), &tok).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(ids(&first), prod[..50]);
    assert_eq!(first.body["next_cursor"], json!(prod[49]));
    let usage = &first.body["items"][0]["usage"];
    assert_eq!(usage["requests_per_hour"].as_array().unwrap().len(), 168);
    assert!(usage["hours_from"].as_str().unwrap().ends_with(":00:00Z"));
    let plain = fx.get(api, &tok).await;
    assert!(
        plain.body["items"][0].get("usage").is_none(),
        "{:?}",
        plain.body
    );
    let rest = fx.get(&format!("{api}&cursor={}", prod[49]), &tok).await;
    assert_eq!(ids(&rest), prod[50..]);
    assert_eq!(rest.body["next_cursor"], Value::Null);
    let all = fx.get("/api/v1/orgs/api-keys", &tok).await;
    assert_eq!(ids(&all).len(), 54, "no limit: every key, as before");
    // Another org's key as the cursor finds nothing of this org's; bad values are 400s.
    let theirs = other_key(&fx).await;
    let r = fx.get(&format!("{api}&cursor={theirs}"), &tok).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(ids(&r).is_empty(), "{:?}", r.body);
    for (q, status, names) in [
        ("limit=0", StatusCode::UNPROCESSABLE_ENTITY, "limit"),
        ("limit=201", StatusCode::UNPROCESSABLE_ENTITY, "limit"),
        (
            "include=sources",
            StatusCode::UNPROCESSABLE_ENTITY,
            "include",
        ),
        (
            "environment=staging",
            StatusCode::BAD_REQUEST,
            "environment",
        ),
        ("page=2", StatusCode::BAD_REQUEST, "page"),
    ] {
        let r = fx.get(&format!("/api/v1/orgs/api-keys?{q}"), &tok).await;
        assert_eq!(r.status, status, "{q}: {:?}", r.body);
        assert!(
            r.body["detail"].as_str().unwrap().contains(names),
            "{q}: {:?}",
            r.body
        );
    }
    // The page: each environment's first 50, a link to the next page of production.
    let (cookie, _) = browser(&fx, EMAIL).await;
    let page = html(&fx.send(page_get("/keys", Some(&cookie))).await);
    for id in &prod[..50] {
        key_row(&page, id);
    }
    assert!(!page.contains(&prod[50]), "the 51st is on the next page");
    key_row(&page, &sandbox);
    let more = format!("/keys?environment=production&amp;cursor={}", prod[49]);
    assert!(page.contains(&more), "{page}");
    // The next page: the rest of production only, a way back, no sandbox section.
    let r = fx
        .send(page_get(
            &format!("/keys?environment=production&cursor={}", prod[49]),
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let next = html(&r);
    for id in &prod[50..] {
        key_row(&next, id);
    }
    assert!(!next.contains(&prod[0]) && !next.contains(&sandbox));
    assert!(next.contains("href=\"/keys?environment=production\">First page"));
    assert!(next.contains("id=\"all-environments\""));
    assert!(!next.contains("rel=\"next\""), "no page after the last");
}
