//! The console's Members tab through the whole router, as a browser posts its forms: the
//! list (MFA standing, sessions, last sign-in), each action with its step-up and
//! confirmation, the guard rails shown as the reason, and who may do what: readers see,
//! roles without `MembersRead` get the 403 page, ids from another org the 404 page, and a
//! refused post changes nothing. Unknown console paths get an HTML 404 page.

use super::console::{cookie_of, field, form, html, page_get};
use super::*;
use wt_api::Role;
use wt_store::SessionStore;

/// Signs `email` in through the login form; returns the cookie and the page's CSRF token.
pub(super) async fn browser(fx: &Fx, email: &str) -> (String, String) {
    let r = fx
        .send(form(
            "/login",
            &[("email", email), ("password", PASSWORD)],
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    let cookie = cookie_of(&r).expect("a session cookie");
    let page = html(&fx.send(page_get("/security", Some(&cookie))).await);
    let csrf = field(&page, "csrf");
    (cookie, csrf)
}

/// Everything a refused post must leave as it was: members and roles, invites and their
/// states, live sessions and the audit log's length, in both orgs.
pub(super) async fn snapshot(fx: &Fx) -> String {
    let mut out = String::new();
    for org in ["org_acme", OTHER_ORG] {
        let members: Vec<_> = fx
            .store
            .members_list(org)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.user.email, m.role, m.user.mfa_enabled))
            .collect();
        let invites: Vec<_> = fx
            .store
            .invites_list(org)
            .await
            .unwrap()
            .into_iter()
            .map(|i| (i.email, i.role, i.revoked_at, i.expires_at))
            .collect();
        let sessions = fx
            .store
            .org_sessions(org, fx.state.now())
            .await
            .unwrap()
            .len();
        let audit = fx.store.audit_entries(org, 0, 10_000).await.unwrap().len();
        out.push_str(&format!(
            "{org}: {members:?} {invites:?} sessions={sessions} audit={audit}\n"
        ));
    }
    // Every mail queued so far, delivered to the outbox and counted.
    out.push_str(&format!("mails={}\n", mails(fx).await.len()));
    out
}

pub(super) const OTHER_ORG: &str = "org_other";

/// A second org with a member and a pending invite, made in the store; returns the
/// member's and the invite's ids.
pub(super) async fn other_org(fx: &Fx) -> (String, String) {
    let ev = |a| AuditEvent::new(Actor::operator(), a, &RequestMeta::default());
    fx.store
        .create_org(
            NewOrg {
                id: OTHER_ORG.into(),
                slug: "other".into(),
                name: "Other".into(),
            },
            None,
            ev(actions::ORG_CREATED),
            fx.state.now(),
        )
        .await
        .unwrap();
    let user_id = wt_core::ids::new_id("usr");
    fx.store
        .create_member(
            wt_store::NewMember {
                user_id: user_id.clone(),
                email: "zed@other.test".into(),
                name: "Zed".into(),
                password_hash: wtd::service::hashing::hash(&fx.state, PASSWORD.into())
                    .await
                    .unwrap(),
                org_id: OTHER_ORG.into(),
                role: Role::Analyst,
                now: fx.state.now(),
            },
            ev(actions::MEMBER_ADDED),
        )
        .await
        .unwrap();
    let invite = fx
        .store
        .invite_create(
            wt_store::NewInvite {
                id: wt_core::ids::new_id("inv"),
                org_id: OTHER_ORG.into(),
                email: "yan@other.test".into(),
                role: Role::Viewer,
                token_hash: wt_core::token::hash("wti_not_a_real_token"),
                invited_by: None,
                now: fx.state.now(),
                expires_at: fx.state.now() + 86_400,
            },
            ev(actions::INVITE_CREATED),
        )
        .await
        .unwrap();
    (user_id, invite.id)
}

/// The status and, for an HTML page, its text.
fn is_html(r: &Resp) -> bool {
    r.headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// The `<tr>` of the member list with `data-member-id=id`.
fn member_row<'a>(page: &'a str, id: &str) -> &'a str {
    let at = page
        .find(&format!("data-member-id=\"{id}\""))
        .unwrap_or_else(|| panic!("no row for {id} in {page}"));
    let start = page[..at].rfind("<tr").unwrap();
    let end = at + page[at..].find("</tr>").unwrap();
    &page[start..end]
}

#[tokio::test]
async fn the_list_shows_who_lacks_required_mfa_their_sessions_and_last_sign_in() {
    // Admins must use MFA; owners (the setup owner) need not, to keep this test short.
    let fx = fixture_mfa(Settings::default(), vec![Role::Admin]).await;
    let owner = owner(&fx).await;
    let _admin = team_member(&fx, &owner, "ada@acme.test", "admin").await;
    let _analyst = team_member(&fx, &owner, "al@acme.test", "analyst").await;
    let never = wt_core::ids::new_id("usr");
    fx.store
        .create_member(
            wt_store::NewMember {
                user_id: never.clone(),
                email: "nev@acme.test".into(),
                name: "Nev <b>Er</b>".into(),
                password_hash: "x".into(),
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
    let (cookie, _) = browser(&fx, EMAIL).await;
    let r = fx.send(page_get("/members", Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let page = html(&r);
    let ada = member_id(&fx, &owner, "ada@acme.test").await;
    let al = member_id(&fx, &owner, "al@acme.test").await;
    let row = member_row(&page, &ada);
    assert!(row.contains("data-mfa=\"missing\""), "{row}");
    assert!(row.contains("class=\"mfa-missing\""), "highlighted: {row}");
    assert!(row.contains("required, not set up"), "{row}");
    assert!(
        row.contains("<td class=\"sessions\" data-label=\"Sessions\">1</td>"),
        "{row}"
    );
    assert!(
        row.contains(&wt_core::clock::rfc3339(T0)),
        "last sign-in: {row}"
    );
    let row = member_row(&page, &al);
    assert!(
        row.contains("data-mfa=\"off\""),
        "not required for analysts: {row}"
    );
    assert!(!row.contains("mfa-missing"), "{row}");
    let row = member_row(&page, &never);
    assert!(row.contains(">never<"), "{row}");
    assert!(
        row.contains("<td class=\"sessions\" data-label=\"Sessions\">0</td>"),
        "{row}"
    );
    assert!(row.contains("Nev &lt;b&gt;Er&lt;/b&gt;"), "escaped: {row}");
    assert!(
        page.contains("id=\"mfa-missing-count\">1 without"),
        "{page}"
    );
    // The owner's own row has no Manage link; the others do.
    let me = member_id(&fx, &owner, EMAIL).await;
    assert!(!member_row(&page, &me).contains("/members/"));
    assert!(member_row(&page, &al).contains(&format!("href=\"/members/{al}\"")));
    // The navigation shows the tabs this role may open, marking the current one.
    assert!(
        page.contains("<a href=\"/members\" aria-current=\"page\">Members</a>"),
        "{page}"
    );
    assert!(page.contains("<a href=\"/invites\">Invites</a>"));
}

#[tokio::test]
async fn each_action_needs_the_password_and_the_confirmation_naming_the_person() {
    let fx = fixture().await;
    let owner = owner(&fx).await;
    let al_tok = team_member(&fx, &owner, "al@acme.test", "analyst").await;
    let al = member_id(&fx, &owner, "al@acme.test").await;
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let page = html(
        &fx.send(page_get(&format!("/members/{al}"), Some(&cookie)))
            .await,
    );
    assert!(
        page.contains("Change the role of Member (al@acme.test)"),
        "{page}"
    );
    assert!(page.contains("Remove Member (al@acme.test) from Acme"));
    let role_path = format!("/members/{al}/role");
    let fxr = &fx;
    let post = |fields: Vec<(&'static str, String)>| {
        let path = role_path.clone();
        let cookie = cookie.clone();
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            fxr.send(form(&path, &f, Some(&cookie))).await
        }
    };
    let base = |confirm: &str, password: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("role", "viewer".to_string()),
            ("confirm", confirm.to_string()),
            ("password", password.to_string()),
        ]
    };
    let before = snapshot(&fx).await;
    // Unconfirmed: the box names the person.
    let r = post(base("", PASSWORD)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", html(&r));
    assert!(html(&r).contains("this is about Member (al@acme.test)"));
    assert_eq!(snapshot(&fx).await, before, "nothing changed");
    // A wrong password: refused on the page.
    let r = post(base("yes", "not my password at all")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", html(&r));
    assert!(html(&r).contains("id=\"error\""));
    let roles: Vec<_> = fx.store.members_list("org_acme").await.unwrap();
    assert!(
        roles
            .iter()
            .any(|m| m.user.id == al && m.role == Role::Analyst)
    );
    // Confirmed with the password: done.
    let r = post(base("yes", PASSWORD)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    assert_eq!(r.headers[header::LOCATION], "/members?done=role");
    let list = html(&fx.send(page_get("/members?done=role", Some(&cookie))).await);
    assert!(list.contains("The role is changed."));
    assert!(member_row(&list, &al).contains("<td class=\"role\" data-label=\"Role\">viewer</td>"));
    assert!(fx.actions().await.contains(&actions::STEP_UP.to_string()));

    // End sessions: their bearer session dies.
    let act = |what: &str| format!("/members/{al}/{what}");
    let ok = [
        ("csrf", csrf.as_str()),
        ("confirm", "yes"),
        ("password", PASSWORD),
    ];
    let r = fx
        .send(form(&act("sessions/end"), &ok, Some(&cookie)))
        .await;
    assert_eq!(
        r.headers[header::LOCATION],
        "/members?done=sessions",
        "{}",
        html(&r)
    );
    assert_eq!(
        fx.get("/api/v1/auth/session", &al_tok).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Reset MFA: recorded.
    let r = fx.send(form(&act("mfa/reset"), &ok, Some(&cookie))).await;
    assert_eq!(
        r.headers[header::LOCATION],
        "/members?done=mfa",
        "{}",
        html(&r)
    );
    assert_eq!(fx.count(actions::MFA_RESET).await, 1);
    // Remove: gone.
    let r = fx.send(form(&act("remove"), &ok, Some(&cookie))).await;
    assert_eq!(
        r.headers[header::LOCATION],
        "/members?done=removed",
        "{}",
        html(&r)
    );
    let members = fx.store.members_list("org_acme").await.unwrap();
    assert!(!members.iter().any(|m| m.user.id == al));
    let gone = fx
        .send(page_get(&format!("/members/{al}"), Some(&cookie)))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn guard_rails_are_shown_as_the_reason() {
    let fx = fixture().await;
    let owner = owner(&fx).await;
    team_member(&fx, &owner, "ada@acme.test", "admin").await;
    let me = member_id(&fx, &owner, EMAIL).await;
    let (admin_cookie, admin_csrf) = browser(&fx, "ada@acme.test").await;
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let before = snapshot(&fx).await;
    // The last owner cannot demote themself (no self-change).
    let r = fx
        .send(form(
            &format!("/members/{me}/role"),
            &[
                ("csrf", &csrf),
                ("role", "admin"),
                ("confirm", "yes"),
                ("password", PASSWORD),
            ],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", html(&r));
    assert!(
        html(&r).contains("you cannot change your own role"),
        "{}",
        html(&r)
    );
    // An admin cannot touch the owner, nor make anyone owner.
    let r = fx
        .send(form(
            &format!("/members/{me}/remove"),
            &[
                ("csrf", &admin_csrf),
                ("confirm", "yes"),
                ("password", PASSWORD),
            ],
            Some(&admin_cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", html(&r));
    assert!(html(&r).contains("only an owner can change or remove an owner"));
    let page = html(
        &fx.send(page_get(&format!("/members/{me}"), Some(&admin_cookie)))
            .await,
    );
    assert!(
        !page.contains("<option value=\"owner\""),
        "admins are not offered owner: {page}"
    );
    // Step-ups were recorded; nothing else changed.
    let after = snapshot(&fx).await;
    let strip = |s: &str| {
        s.lines()
            .map(|l| l.split(" audit=").next().unwrap_or(l).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&after), strip(&before));
}

/// Every admin page and action of both tabs, for a session whose CSRF token is `csrf`;
/// `member` and `invite` are the ids acted on.
pub(super) fn admin_posts(
    member: &str,
    invite: &str,
) -> Vec<(String, Vec<(&'static str, String)>)> {
    let step = |extra: Vec<(&'static str, String)>| {
        let mut f = vec![
            ("confirm", "yes".to_string()),
            ("password", PASSWORD.to_string()),
        ];
        f.extend(extra);
        f
    };
    vec![
        (
            format!("/members/{member}/role"),
            step(vec![("role", "viewer".into())]),
        ),
        (format!("/members/{member}/sessions/end"), step(vec![])),
        (format!("/members/{member}/mfa/reset"), step(vec![])),
        (format!("/members/{member}/remove"), step(vec![])),
        (
            "/invites".into(),
            vec![("email", "new@acme.test".into()), ("role", "viewer".into())],
        ),
        (
            "/invites/csv".into(),
            vec![
                ("csv", "new@acme.test,viewer".into()),
                ("role", "viewer".into()),
            ],
        ),
        (format!("/invites/{invite}/resend"), vec![]),
        (format!("/invites/{invite}/revoke"), vec![]),
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
        let r = fx.send(form(&path, &f, Some(cookie))).await;
        out.push((path, r));
    }
    out
}

#[tokio::test]
async fn readers_are_refused_every_admin_page_and_action_with_nothing_changed() {
    let fx = fixture().await;
    let owner = owner(&fx).await;
    team_member(&fx, &owner, "al@acme.test", "analyst").await;
    team_member(&fx, &owner, "vi@acme.test", "viewer").await;
    team_member(&fx, &owner, "rl@acme.test", "risk_lead").await;
    team_member(&fx, &owner, "bo@acme.test", "analyst").await;
    let target = member_id(&fx, &owner, "bo@acme.test").await;
    let r = invite(&fx, &owner, "pending@acme.test", "viewer").await;
    let inv = r.body["id"].as_str().unwrap().to_string();
    for who in ["al@acme.test", "vi@acme.test", "rl@acme.test"] {
        let (cookie, csrf) = browser(&fx, who).await;
        let before = snapshot(&fx).await;
        for (path, r) in post_all(&fx, &cookie, Some(&csrf), admin_posts(&target, &inv)).await {
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{who} {path}: {}",
                html(&r)
            );
            assert!(is_html(&r), "{who} {path}: a page");
            assert!(
                html(&r).contains("<h1>Not allowed</h1>"),
                "{who} {path}: {}",
                html(&r)
            );
        }
        let r = fx
            .send(page_get(&format!("/members/{target}"), Some(&cookie)))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(snapshot(&fx).await, before, "{who}: nothing changed");
    }
    // The permission matrix lets risk leads and analysts read the member list and invites
    // (no forms), and viewers neither; the navigation follows it.
    for who in ["rl@acme.test", "al@acme.test"] {
        let (cookie, _) = browser(&fx, who).await;
        for path in ["/members", "/invites"] {
            let r = fx.send(page_get(path, Some(&cookie))).await;
            assert_eq!(r.status, StatusCode::OK, "{who} {path}");
            let page = html(&r);
            assert!(
                !page.contains("/members/") && !page.contains("invite-form"),
                "read only: {page}"
            );
            assert!(
                !page.contains("/resend") && !page.contains("/revoke"),
                "{page}"
            );
            assert!(
                page.contains("pending@acme.test") || path == "/members",
                "{page}"
            );
        }
    }
    let (cookie, _) = browser(&fx, "vi@acme.test").await;
    for path in ["/members", "/invites"] {
        let r = fx.send(page_get(path, Some(&cookie))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "viewer {path}");
        assert!(html(&r).contains("<h1>Not allowed</h1>"));
    }
    let security = html(&fx.send(page_get("/security", Some(&cookie))).await);
    assert!(
        !security.contains("href=\"/members\""),
        "no Members tab for viewers"
    );
}

#[tokio::test]
async fn ids_from_another_org_are_not_found_and_nothing_changes() {
    let fx = fixture().await;
    fx.setup().await;
    let (member, invite) = other_org(&fx).await;
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let before = snapshot(&fx).await;
    let posts = admin_posts(&member, &invite)
        .into_iter()
        .filter(|(p, _)| p.contains(&member) || p.contains(&invite))
        .collect::<Vec<_>>();
    assert_eq!(posts.len(), 6);
    for (path, r) in post_all(&fx, &cookie, Some(&csrf), posts).await {
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", html(&r));
        assert!(html(&r).contains("<h1>Page not found</h1>"), "{path}");
    }
    let r = fx
        .send(page_get(&format!("/members/{member}"), Some(&cookie)))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(snapshot(&fx).await, before, "nothing changed in either org");
}

#[tokio::test]
async fn every_form_carries_the_csrf_token_and_a_post_without_it_is_refused() {
    let fx = fixture().await;
    let owner = owner(&fx).await;
    team_member(&fx, &owner, "bo@acme.test", "analyst").await;
    let target = member_id(&fx, &owner, "bo@acme.test").await;
    let r = invite(&fx, &owner, "pending@acme.test", "viewer").await;
    let inv = r.body["id"].as_str().unwrap().to_string();
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    // Every form on the new pages posts here and carries this session's token.
    for path in [
        "/members".to_string(),
        format!("/members/{target}"),
        "/invites".into(),
    ] {
        let page = html(&fx.send(page_get(&path, Some(&cookie))).await);
        let forms = page.matches("<form").count();
        assert!(forms >= 1, "{path}: {page}");
        assert_eq!(page.matches("method=\"post\"").count(), forms, "{path}");
        assert_eq!(
            page.matches(&format!("name=\"csrf\" value=\"{csrf}\""))
                .count(),
            forms,
            "{path}: every form has the token"
        );
    }
    let before = snapshot(&fx).await;
    // Without the token, with another's or a wrong one: refused, nothing changed.
    let (_, other_csrf) = browser(&fx, "bo@acme.test").await;
    for token in [
        None,
        Some(""),
        Some(other_csrf.as_str()),
        Some("0123456789abcdef0123456789abcdef"),
    ] {
        let before = snapshot(&fx).await;
        for (path, r) in post_all(&fx, &cookie, token, admin_posts(&target, &inv)).await {
            assert!(
                matches!(r.status, StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST),
                "{token:?} {path}: {}",
                r.status
            );
            assert!(is_html(&r), "{path}");
        }
        assert_eq!(snapshot(&fx).await, before, "{token:?}: nothing changed");
    }
    // The same posts from another site, with the right token: refused by the guard.
    for (path, fields) in admin_posts(&target, &inv) {
        let mut f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        f.push(("csrf", &csrf));
        let mut req = form(&path, &f, Some(&cookie));
        req.headers_mut()
            .insert("sec-fetch-site", "cross-site".parse().unwrap());
        let r = fx.send(req).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert!(html(&r).contains("cross-site"), "{path}");
    }
    let _ = before;
    assert_eq!(
        fx.count(actions::STEP_UP).await,
        0,
        "no step-up was even tried"
    );
}

#[tokio::test]
async fn unknown_console_paths_get_an_html_404_page_and_the_api_keeps_json() {
    let fx = fixture().await;
    fx.setup().await;
    let r = fx.send(page_get("/nowhere/at/all", None)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(is_html(&r));
    assert!(html(&r).contains("<h1>Page not found</h1>"), "{}", html(&r));
    assert!(
        r.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let r = fx.send(page_get("/api/v1/nowhere", None)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(is_problem(&r));
    let r = fx.send(page_get("/api/v1x", None)).await;
    assert!(is_html(&r), "only the API prefix itself is the API");
}
