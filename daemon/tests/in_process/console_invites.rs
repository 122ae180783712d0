//! The console's Invites tab through the whole router: the list with each invite's state,
//! inviting one person and a pasted CSV list (each line's outcome shown), resending and
//! revoking, and the step-up that granting admin asks for. Who may do what is proven for
//! both tabs in `console_members`.

use super::console::{form, html, page_get};
use super::console_members::browser;
use super::*;

/// The `<tr>` of the invite list for `email`.
fn invite_row<'a>(page: &'a str, email: &str) -> &'a str {
    let at = page
        .find(&format!(
            "<td class=\"email\" data-label=\"Email\">{email}</td>"
        ))
        .unwrap_or_else(|| panic!("no row for {email} in {page}"));
    let start = page[..at].rfind("<tr").unwrap();
    let end = at + page[at..].find("</tr>").unwrap();
    &page[start..end]
}

fn attr<'a>(row: &'a str, name: &str) -> &'a str {
    let at = row.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
    &row[at..at + row[at..].find('"').unwrap()]
}

#[tokio::test]
async fn an_admin_invites_one_person_and_a_list_then_resends_and_revokes() {
    let fx = fixture().await;
    let owner = owner(&fx).await;
    team_member(&fx, &owner, "ada@acme.test", "admin").await;
    let (cookie, csrf) = browser(&fx, "ada@acme.test").await;
    let r = fx.send(page_get("/invites", Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(html(&r).contains("No invites yet."));
    assert!(
        !html(&r).contains("<option value=\"owner\""),
        "admins cannot invite owners"
    );

    // One person.
    let r = fx
        .send(form(
            "/invites",
            &[
                ("csrf", &csrf),
                ("email", "ann@acme.test"),
                ("role", "analyst"),
            ],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    assert_eq!(r.headers[header::LOCATION], "/invites?done=invited");
    let first = token_in_mail(&fx, "ann@acme.test", "wti_").await;
    let page = html(
        &fx.send(page_get("/invites?done=invited", Some(&cookie)))
            .await,
    );
    assert!(page.contains("The invite is sent."));
    let row = invite_row(&page, "ann@acme.test");
    assert_eq!(attr(row, "data-status"), "pending", "{row}");
    assert!(
        row.contains(">analyst<") && row.contains("ada@acme.test"),
        "{row}"
    );
    let ann = attr(row, "data-invite-id").to_string();

    // A bad address: the reason, the typed address kept.
    let r = fx
        .send(form(
            "/invites",
            &[
                ("csrf", &csrf),
                ("email", "not-an-address"),
                ("role", "viewer"),
            ],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", html(&r));
    assert!(html(&r).contains("id=\"error\""));
    assert!(html(&r).contains("value=\"not-an-address\""));

    // A list: a header, a line with a role, one without, a bad role, an owner (above an
    // admin's own role), a bad address. Each line gets its outcome.
    let list = "email,role\nbo@acme.test, risk_lead\ncy@acme.test\ndi@acme.test,wizard\nol@acme.test,owner\nnope\n";
    let r = fx
        .send(form(
            "/invites/csv",
            &[("csrf", &csrf), ("csv", list), ("role", "viewer")],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let page = html(&r);
    let results = &page[page.find("id=\"csv-results\"").expect("results")..];
    let results = &results[..results.find("</section>").unwrap()];
    assert!(results.contains("invited as risk_lead"), "{results}");
    assert!(results.contains("invited as viewer"), "{results}");
    assert!(
        results.contains("unknown role &quot;wizard&quot;"),
        "{results}"
    );
    assert!(
        results.contains("cannot grant a role above your own"),
        "{results}"
    );
    assert_eq!(
        results.matches("class=\"status-off\"").count(),
        3,
        "{results}"
    );
    let invites = fx.store.invites_list("org_acme").await.unwrap();
    let mut emails: Vec<_> = invites.iter().map(|i| i.email.as_str()).collect();
    emails.sort_unstable();
    assert_eq!(emails, ["ann@acme.test", "bo@acme.test", "cy@acme.test"]);

    // Resend: a new link, the old one dead.
    let r = fx
        .send(form(
            &format!("/invites/{ann}/resend"),
            &[("csrf", &csrf)],
            Some(&cookie),
        ))
        .await;
    assert_eq!(
        r.headers[header::LOCATION],
        "/invites?done=resent",
        "{}",
        html(&r)
    );
    let second = token_in_mail(&fx, "ann@acme.test", "wti_").await;
    assert_ne!(first, second);
    let old = fx
        .post("/api/v1/invites/verify", json!({"token": first}), None)
        .await;
    assert_ne!(old.status, StatusCode::OK, "the old link is dead");

    // Revoke: the row says so, and the link is dead.
    let r = fx
        .send(form(
            &format!("/invites/{ann}/revoke"),
            &[("csrf", &csrf)],
            Some(&cookie),
        ))
        .await;
    assert_eq!(
        r.headers[header::LOCATION],
        "/invites?done=revoked",
        "{}",
        html(&r)
    );
    let page = html(&fx.send(page_get("/invites", Some(&cookie))).await);
    let row = invite_row(&page, "ann@acme.test");
    assert_eq!(attr(row, "data-status"), "revoked");
    assert!(!row.contains("/revoke"), "nothing left to revoke: {row}");
    let gone = fx
        .post("/api/v1/invites/verify", json!({"token": second}), None)
        .await;
    assert_ne!(gone.status, StatusCode::OK);
}

#[tokio::test]
async fn inviting_an_admin_after_a_while_asks_for_the_password() {
    let fx = fixture().await;
    fx.setup().await;
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    fx.clock.advance(11 * 60);
    let fields = [
        ("csrf", csrf.as_str()),
        ("email", "adm@acme.test"),
        ("role", "admin"),
    ];
    let r = fx.send(form("/invites", &fields, Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", html(&r));
    assert!(html(&r).contains("needs a recent sign-in"), "{}", html(&r));
    assert!(fx.store.invites_list("org_acme").await.unwrap().is_empty());
    let mut with_pw = fields.to_vec();
    with_pw.push(("password", PASSWORD));
    let r = fx.send(form("/invites", &with_pw, Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    let inv = &fx.store.invites_list("org_acme").await.unwrap()[0];
    assert_eq!(inv.role, wt_api::Role::Admin);

    // Resending it later asks again, on a page naming the invitee.
    fx.clock.advance(11 * 60);
    let path = format!("/invites/{}/resend", inv.id);
    let r = fx
        .send(form(&path, &[("csrf", &csrf)], Some(&cookie)))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = html(&r);
    assert!(
        page.contains("Resend the invite to adm@acme.test"),
        "{page}"
    );
    assert!(page.contains(&format!("action=\"{path}\"")));
    let r = fx
        .send(form(
            &path,
            &[("csrf", &csrf), ("password", "wrong wrong wrong")],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(html(&r).contains("id=\"error\""));
    let r = fx
        .send(form(
            &path,
            &[("csrf", &csrf), ("password", PASSWORD)],
            Some(&cookie),
        ))
        .await;
    assert_eq!(
        r.headers[header::LOCATION],
        "/invites?done=resent",
        "{}",
        html(&r)
    );
}
