//! The console's Readiness tab through the whole router: the same checklist as the API
//! (and `wt check`), each item with its status, evidence and remedy; evidence a role may
//! not read stays withheld on the page; the console link of a remedy only where the role
//! may open that page.

use super::console::{html, page_get};
use super::console_members::browser;
use super::*;

/// The `<section>` of check `id`.
fn check_section<'a>(page: &'a str, id: &str) -> &'a str {
    let at = page
        .find(&format!("id=\"check-{id}\""))
        .unwrap_or_else(|| panic!("no check {id} in {page}"));
    let end = at + page[at..].find("</section>").unwrap();
    &page[at..end]
}

#[tokio::test]
async fn the_page_is_the_apis_checklist_with_evidence_and_remedies() {
    // Admins must use MFA, and Ada (an admin) has not set it up: the mfa check fails.
    let fx = fixture_mfa(Settings::default(), vec![Role::Admin]).await;
    let owner = owner(&fx).await;
    team_member(&fx, &owner, "ada@acme.test", "admin").await;
    let (cookie, _) = browser(&fx, EMAIL).await;
    let r = fx.send(page_get("/readiness", Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let page = html(&r);
    let api = fx.get("/api/v1/orgs/readiness", &owner).await;
    assert_eq!(api.status, StatusCode::OK);
    let checks = api.body["checks"].as_array().unwrap();
    assert!(checks.len() >= 5, "{:?}", api.body);
    for c in checks {
        let id = c["id"].as_str().unwrap();
        let section = check_section(&page, id);
        let status = c["status"].as_str().unwrap();
        assert!(
            section.contains(&format!("data-status=\"{status}\"")),
            "{id}: {section}"
        );
        assert!(section.contains(&format!("badge-{status}")), "{id}");
        if status != "pass" {
            assert!(section.contains("What to do:"), "{id}: {section}");
        }
    }
    assert!(page.contains("data-ready=\"false\""), "{page}");
    let mfa = check_section(&page, "mfa");
    assert!(mfa.contains("data-status=\"fail\""), "{mfa}");
    assert!(mfa.contains("ada@acme.test"), "evidence: {mfa}");
    assert!(
        mfa.contains("<code>wt mfa enroll</code>"),
        "the command: {mfa}"
    );
    assert!(
        mfa.contains("href=\"/members\""),
        "the console action: {mfa}"
    );
    assert!(!mfa.contains("not shown"), "{mfa}");
    assert!(
        page.contains("<a href=\"/readiness\" aria-current=\"page\">Readiness</a>"),
        "{page}"
    );
    assert!(page.contains("<a href=\"/allowed-ips\">Allowed IPs</a>"));
}

#[tokio::test]
async fn evidence_a_role_may_not_read_stays_withheld_on_the_page() {
    let fx = fixture_mfa(Settings::default(), vec![Role::Admin]).await;
    let owner = owner(&fx).await;
    team_member(&fx, &owner, "ada@acme.test", "admin").await;
    let vi = team_member(&fx, &owner, "vi@acme.test", "viewer").await;
    let (cookie, _) = browser(&fx, "vi@acme.test").await;
    let r = fx.send(page_get("/readiness", Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let page = html(&r);
    let api = fx.get("/api/v1/orgs/readiness", &vi).await;
    let mfa_api = api.body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "mfa")
        .unwrap()
        .clone();
    let withheld = mfa_api["evidence_withheld"].as_u64().unwrap();
    assert!(withheld >= 1, "{mfa_api}");
    let mfa = check_section(&page, "mfa");
    assert!(mfa.contains("data-status=\"fail\""), "{mfa}");
    assert!(
        mfa.contains(&format!("{withheld} more not shown: your role cannot read")),
        "{mfa}"
    );
    assert!(!page.contains("ada@acme.test"), "no member's email: {page}");
    assert!(!mfa.contains("<table"), "no evidence table: {mfa}");
    // Viewers cannot open the Members tab: the remedy points at their own Security tab.
    assert!(!mfa.contains("href=\"/members\""), "{mfa}");
    assert!(mfa.contains("href=\"/security\""), "{mfa}");
    assert!(
        !page.contains("href=\"/allowed-ips\""),
        "no Allowed IPs tab"
    );
}
