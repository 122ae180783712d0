//! The console's Allowed IPs tab through the whole router, as a browser posts its forms:
//! every edit goes through its dry run (the sessions and key sources the new list would
//! refuse, as a table), then the confirmation with the password, which takes effect on
//! the next request. Who may do what: owners and admins edit, risk leads read, analysts
//! and viewers get the 403 page; another org's entries are 404; every form carries the
//! CSRF token; a refused post changes nothing.

use super::console::{form, html, page_get};
use super::console_members::{OTHER_ORG, browser, other_org, snapshot};
use super::*;

/// Everything a refused post must leave as it was: members, invites, sessions, audit and
/// mail (as on the Members tab), and both orgs' allowed-IP lists.
async fn state_of(fx: &Fx) -> String {
    let mut out = snapshot(fx).await;
    for org in ["org_acme", OTHER_ORG] {
        let list: Vec<_> = fx
            .store
            .allowed_ips_list(org)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.id, e.cidr))
            .collect();
        out.push_str(&format!("{org} allowed: {list:?}\n"));
    }
    out
}

/// The `<table id=...>` of a page, or "" when it is absent.
fn table<'a>(page: &'a str, id: &str) -> &'a str {
    let Some(at) = page.find(&format!("<table id=\"{id}\"")) else {
        return "";
    };
    let end = at + page[at..].find("</table>").unwrap();
    &page[at..end]
}

/// A member with `role` signed in through the API from `from`; returns their token.
async fn member_from(fx: &Fx, email: &str, role: &str, from: &str) -> String {
    team_member(fx, "", email, role).await;
    let r = fx
        .send_from(
            Request::post("/api/v1/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"email": email, "password": PASSWORD, "client": "cli"}).to_string(),
                ))
                .unwrap(),
            from,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["token"].as_str().unwrap().to_string()
}

/// Adds `cidr` through the console (dry run, then confirmation); returns the entry's id.
async fn add_through_console(fx: &Fx, cookie: &str, csrf: &str, cidr: &str) -> String {
    let r = fx
        .send(form(
            "/allowed-ips/check",
            &[("csrf", csrf), ("cidr", cidr)],
            Some(cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let r = fx
        .send(form(
            "/allowed-ips",
            &[("csrf", csrf), ("cidr", cidr), ("password", PASSWORD)],
            Some(cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    let list = fx.store.allowed_ips_list("org_acme").await.unwrap();
    list.last().unwrap().id.clone()
}

#[tokio::test]
async fn the_dry_run_shows_who_would_be_cut_off_and_the_confirmed_edit_takes_effect() {
    let fx = fixture().await;
    let owner = owner(&fx).await;
    let (key_id, secret) = prod_key(&fx, &owner, json!({})).await;
    let far = "198.51.100.7:9";
    assert_eq!(
        fx.ingest_from(&secret, one_event(), far).await.status,
        StatusCode::ACCEPTED
    );
    let away = "203.0.113.9:5";
    let al_tok = member_from(&fx, "al@acme.test", "analyst", away).await;
    let (cookie, csrf) = browser(&fx, EMAIL).await;

    let page = html(&fx.send(page_get("/allowed-ips", Some(&cookie))).await);
    assert!(page.contains("id=\"no-entries\""), "{page}");
    assert!(
        page.contains("<a href=\"/allowed-ips\" aria-current=\"page\">Allowed IPs</a>"),
        "{page}"
    );

    // The dry run of adding 127.0.0.1/8 (normalised): the owner here stays allowed; Al's
    // session and the key's source would be refused. Nothing changes yet.
    let before = state_of(&fx).await;
    let r = fx
        .send(form(
            "/allowed-ips/check",
            &[
                ("csrf", &csrf),
                ("cidr", " 127.0.0.1/8 "),
                ("note", "office <b>"),
            ],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let dry = html(&r);
    assert!(dry.contains("<li><code>127.0.0.0/8</code></li>"), "{dry}");
    assert!(dry.contains("class=\"status-on\" id=\"caller\""), "{dry}");
    let sessions = table(&dry, "cut-off-sessions");
    assert!(sessions.contains("al@acme.test"), "{dry}");
    assert!(sessions.contains("203.0.113.9"), "{sessions}");
    assert!(
        !sessions.contains(EMAIL),
        "the owner stays allowed: {sessions}"
    );
    let keys = table(&dry, "cut-off-keys");
    assert!(keys.contains(&format!("data-key-id=\"{key_id}\"")), "{dry}");
    assert!(keys.contains("198.51.100.7"), "{keys}");
    assert!(dry.contains("value=\"office &lt;b&gt;\""), "escaped: {dry}");
    assert!(
        !dry.contains("name=\"force\""),
        "no force when the caller stays in"
    );
    assert_eq!(state_of(&fx).await, before, "a dry run changes nothing");

    // The confirmation with a wrong password: refused on the dry-run page, nothing added.
    let r = fx
        .send(form(
            "/allowed-ips",
            &[
                ("csrf", &csrf),
                ("cidr", "127.0.0.0/8"),
                ("note", "office"),
                ("password", "not my password"),
            ],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", html(&r));
    assert!(html(&r).contains("id=\"error\""));
    assert!(
        html(&r).contains("id=\"cut-off-sessions\""),
        "the dry run again"
    );
    assert!(
        fx.store
            .allowed_ips_list("org_acme")
            .await
            .unwrap()
            .is_empty()
    );

    // With the password: saved, and the very next request from outside is refused.
    let r = fx
        .send(form(
            "/allowed-ips",
            &[
                ("csrf", &csrf),
                ("cidr", "127.0.0.0/8"),
                ("note", "office"),
                ("password", PASSWORD),
            ],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    assert_eq!(r.headers[header::LOCATION], "/allowed-ips?done=added");
    let list = fx.store.allowed_ips_list("org_acme").await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].cidr.as_str(), list[0].note.as_deref()),
        ("127.0.0.0/8", Some("office"))
    );
    let al = fx
        .send_from(req("GET", "/api/v1/auth/session", &al_tok, None), away)
        .await;
    assert_eq!(al.status, StatusCode::FORBIDDEN, "{:?}", al.body);
    assert_eq!(
        fx.ingest_from(&secret, one_event(), far).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(fx.count(actions::ALLOWED_IP_ADDED).await, 1);
    let page = html(
        &fx.send(page_get("/allowed-ips?done=added", Some(&cookie)))
            .await,
    );
    assert!(page.contains("The network is allowed"), "{page}");
    assert!(
        page.contains(&format!("data-allowed-ip-id=\"{}\"", list[0].id)),
        "{page}"
    );

    // Removing it: the dry run shows the empty list (everyone allowed, no one cut off),
    // then the confirmed removal lets Al in again.
    let id = &list[0].id;
    let r = fx
        .send(form(
            &format!("/allowed-ips/{id}/check"),
            &[("csrf", &csrf)],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let dry = html(&r);
    assert!(dry.contains("id=\"proposed-empty\""), "{dry}");
    assert!(dry.contains("id=\"no-sessions\"") && dry.contains("id=\"no-keys\""));
    assert!(dry.contains(&format!("action=\"/allowed-ips/{id}/remove\"")));
    assert_eq!(
        fx.store.allowed_ips_list("org_acme").await.unwrap().len(),
        1
    );
    let r = fx
        .send(form(
            &format!("/allowed-ips/{id}/remove"),
            &[("csrf", &csrf), ("password", PASSWORD)],
            Some(&cookie),
        ))
        .await;
    assert_eq!(
        r.headers[header::LOCATION],
        "/allowed-ips?done=removed",
        "{}",
        html(&r)
    );
    assert!(
        fx.store
            .allowed_ips_list("org_acme")
            .await
            .unwrap()
            .is_empty()
    );
    let al = fx
        .send_from(req("GET", "/api/v1/auth/session", &al_tok, None), away)
        .await;
    assert_eq!(al.status, StatusCode::OK);
}

#[tokio::test]
async fn a_list_that_would_refuse_the_browser_says_so_and_needs_force() {
    let fx = fixture().await;
    fx.setup().await;
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let r = fx
        .send(form(
            "/allowed-ips/check",
            &[("csrf", &csrf), ("cidr", "10.0.0.0/8")],
            Some(&cookie),
        ))
        .await;
    let dry = html(&r);
    assert!(dry.contains("class=\"status-off\" id=\"caller\""), "{dry}");
    assert!(
        dry.contains("<code>127.0.0.1</code> would be refused"),
        "{dry}"
    );
    assert!(dry.contains("name=\"force\""), "{dry}");
    assert!(
        table(&dry, "cut-off-sessions").contains(EMAIL),
        "the owner's own session: {dry}"
    );
    let before = state_of(&fx).await;
    let r = fx
        .send(form(
            "/allowed-ips",
            &[
                ("csrf", &csrf),
                ("cidr", "10.0.0.0/8"),
                ("password", PASSWORD),
            ],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", html(&r));
    assert!(
        html(&r).contains("would refuse your own address 127.0.0.1"),
        "{}",
        html(&r)
    );
    assert!(
        fx.store
            .allowed_ips_list("org_acme")
            .await
            .unwrap()
            .is_empty()
    );
    let strip = |s: &str| {
        s.lines()
            .map(|l| l.split(" audit=").next().unwrap_or(l).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        strip(&state_of(&fx).await),
        strip(&before),
        "only the step-up"
    );
    // Bad input is a message on the list, never an error page.
    for bad in ["", "10.0.0.0/33", "example.com"] {
        let r = fx
            .send(form(
                "/allowed-ips/check",
                &[("csrf", &csrf), ("cidr", bad)],
                Some(&cookie),
            ))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(html(&r).contains("id=\"add-form\""), "{bad}");
        assert!(html(&r).contains("id=\"error\""), "{bad}");
    }
}

/// Every post of the tab, for the entry `id`.
fn posts(id: &str) -> Vec<(String, Vec<(&'static str, String)>)> {
    let pw = ("password", PASSWORD.to_string());
    vec![
        (
            "/allowed-ips/check".into(),
            vec![("cidr", "127.0.0.0/16".into())],
        ),
        (
            "/allowed-ips".into(),
            vec![("cidr", "127.0.0.0/16".into()), pw.clone()],
        ),
        (format!("/allowed-ips/{id}/check"), vec![]),
        (format!("/allowed-ips/{id}/remove"), vec![pw]),
    ]
}

async fn post_all(
    fx: &Fx,
    cookie: &str,
    csrf: Option<&str>,
    posts: Vec<(String, Vec<(&'static str, String)>)>,
) -> Vec<(String, Resp)> {
    let mut out = Vec::new();
    for (path, fields) in posts {
        let mut f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if let Some(c) = csrf {
            f.push(("csrf", c));
        }
        out.push((path.clone(), fx.send(form(&path, &f, Some(cookie))).await));
    }
    out
}

#[tokio::test]
async fn roles_without_the_permission_get_the_403_page_and_nothing_changes() {
    let fx = fixture().await;
    let owner = owner(&fx).await;
    for (email, role) in [
        ("rl@acme.test", "risk_lead"),
        ("al@acme.test", "analyst"),
        ("vi@acme.test", "viewer"),
    ] {
        team_member(&fx, &owner, email, role).await;
    }
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let id = add_through_console(&fx, &cookie, &csrf, "127.0.0.0/8").await;
    for who in ["rl@acme.test", "al@acme.test", "vi@acme.test"] {
        let (cookie, csrf) = browser(&fx, who).await;
        let before = state_of(&fx).await;
        for (path, r) in post_all(&fx, &cookie, Some(&csrf), posts(&id)).await {
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{who} {path}: {}",
                html(&r)
            );
            assert!(html(&r).contains("<h1>Not allowed</h1>"), "{who} {path}");
        }
        assert_eq!(state_of(&fx).await, before, "{who}: nothing changed");
    }
    // Risk leads read the list (no forms, no tab action); analysts and viewers cannot.
    let (cookie, _) = browser(&fx, "rl@acme.test").await;
    let r = fx.send(page_get("/allowed-ips", Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::OK);
    let page = html(&r);
    assert!(page.contains("127.0.0.0/8"), "{page}");
    assert!(
        !page.contains("<form method=\"post\" action=\"/allowed-ips"),
        "{page}"
    );
    assert!(!page.contains("add-form"), "{page}");
    for who in ["al@acme.test", "vi@acme.test"] {
        let (cookie, _) = browser(&fx, who).await;
        let r = fx.send(page_get("/allowed-ips", Some(&cookie))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        assert!(html(&r).contains("<h1>Not allowed</h1>"));
        let security = html(&fx.send(page_get("/security", Some(&cookie))).await);
        assert!(!security.contains("href=\"/allowed-ips\""), "{who}: no tab");
        assert!(
            security.contains("href=\"/readiness\""),
            "{who}: readiness for all"
        );
    }
}

#[tokio::test]
async fn another_orgs_entries_are_not_found_and_nothing_changes() {
    let fx = fixture().await;
    fx.setup().await;
    other_org(&fx).await;
    fx.store
        .allowed_ip_add(
            wt_store::AllowedIpRecord {
                id: "aip_other".into(),
                org_id: OTHER_ORG.into(),
                cidr: "192.0.2.0/24".into(),
                note: None,
                created_by: "zed@other.test".into(),
                created_at: fx.state.now(),
                hit_count: 0,
                last_hit_at: None,
            },
            AuditEvent::new(
                Actor::operator(),
                actions::ALLOWED_IP_ADDED,
                &RequestMeta::default(),
            ),
        )
        .await
        .unwrap();
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let before = state_of(&fx).await;
    let mine = posts("aip_other")
        .into_iter()
        .filter(|(p, _)| p.contains("aip_other"))
        .collect::<Vec<_>>();
    assert_eq!(mine.len(), 2);
    for (path, r) in post_all(&fx, &cookie, Some(&csrf), mine).await {
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", html(&r));
        assert!(html(&r).contains("<h1>Page not found</h1>"), "{path}");
    }
    assert_eq!(state_of(&fx).await, before, "nothing changed in either org");
    let page = html(&fx.send(page_get("/allowed-ips", Some(&cookie))).await);
    assert!(!page.contains("192.0.2.0"), "{page}");
}

#[tokio::test]
async fn every_form_carries_the_csrf_token_and_a_post_without_it_is_refused() {
    let fx = fixture().await;
    let owner = owner(&fx).await;
    team_member(&fx, &owner, "bo@acme.test", "admin").await;
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let id = add_through_console(&fx, &cookie, &csrf, "127.0.0.0/8").await;
    let list = html(&fx.send(page_get("/allowed-ips", Some(&cookie))).await);
    let dry = html(
        &fx.send(form(
            &format!("/allowed-ips/{id}/check"),
            &[("csrf", &csrf)],
            Some(&cookie),
        ))
        .await,
    );
    for (name, page) in [("list", &list), ("dry run", &dry)] {
        let forms = page.matches("<form").count();
        assert!(forms >= 2, "{name}: {page}");
        assert_eq!(page.matches("method=\"post\"").count(), forms, "{name}");
        assert_eq!(
            page.matches(&format!("name=\"csrf\" value=\"{csrf}\""))
                .count(),
            forms,
            "{name}: every form has the token"
        );
    }
    let (_, other_csrf) = browser(&fx, "bo@acme.test").await;
    let steps = fx.count(actions::STEP_UP).await;
    for token in [
        None,
        Some(""),
        Some(other_csrf.as_str()),
        Some("0123456789abcdef0123456789abcdef"),
    ] {
        let before = state_of(&fx).await;
        for (path, r) in post_all(&fx, &cookie, token, posts(&id)).await {
            assert!(
                matches!(r.status, StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST),
                "{token:?} {path}: {}",
                r.status
            );
        }
        assert_eq!(state_of(&fx).await, before, "{token:?}: nothing changed");
    }
    for (path, fields) in posts(&id) {
        let mut f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        f.push(("csrf", &csrf));
        let mut r = form(&path, &f, Some(&cookie));
        r.headers_mut()
            .insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert_eq!(fx.send(r).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        fx.count(actions::STEP_UP).await,
        steps,
        "no step-up was tried"
    );
    assert_eq!(
        fx.store.allowed_ips_list("org_acme").await.unwrap().len(),
        1
    );
}
