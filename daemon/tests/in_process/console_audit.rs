//! The console's Audit log tab through the whole router, as a browser uses it: the API's
//! filters and cursor pages (links keep the filters), the activity chart's counts against
//! the entries themselves, marking the log reviewed through an entry, verifying the chain
//! (and finding an edited row), the live view's Server-Sent Events resuming after
//! `Last-Event-ID` with no gap and no duplicate, and who may do what: roles without
//! `AuditRead` get the 403 page, another org's entries never show, every post needs the
//! session's CSRF token.

use super::console::{form, html, page_get};
use super::console_members::{OTHER_ORG, browser, other_org};
use super::*;
use futures_util::StreamExt;
use std::collections::BTreeMap;
use wt_api::SESSION_COOKIE;
use wt_store::AuditStore;

/// The sequence numbers of the entry rows on a page, in page order.
fn seqs(page: &str) -> Vec<i64> {
    page.split("<tr id=\"entry-")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// The `<tr>` of entry `seq`.
fn entry(page: &str, seq: i64) -> &str {
    let at = page
        .find(&format!("<tr id=\"entry-{seq}\""))
        .unwrap_or_else(|| panic!("no entry {seq} in {page}"));
    &page[at..at + page[at..].find("</tr>").unwrap()]
}

/// The `href` of the link with `id`, unescaped.
fn link(page: &str, id: &str) -> Option<String> {
    let at = page.find(&format!("id=\"{id}\""))?;
    let tag = &page[page[..at].rfind('<').unwrap()..at + page[at..].find('>').unwrap()];
    let h = tag.find("href=\"")? + 6;
    Some(tag[h..h + tag[h..].find('"').unwrap()].replace("&amp;", "&"))
}

async fn get(fx: &Fx, path: &str, cookie: &str) -> (StatusCode, String) {
    let r = fx.send(page_get(path, Some(cookie))).await;
    (r.status, html(&r))
}

/// Every entry of the org through the API (bearer token), newest first.
async fn api_entries(fx: &Fx, tok: &str, query: &str) -> Vec<Value> {
    let r = fx
        .get(&format!("/api/v1/orgs/audit-logs?limit=1000&{query}"), tok)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

/// Appends an entry with `outcome` at `at`, straight into the store.
async fn append(fx: &Fx, org: &str, action: &'static str, outcome: &'static str, at: i64) {
    let ev = AuditEvent::new(
        Actor::user("usr_x", "x@acme.test"),
        action,
        &RequestMeta::default(),
    )
    .outcome(outcome);
    fx.store.append_audit(org, ev, at).await.unwrap();
}

#[tokio::test]
async fn filters_and_pages_keep_each_other_and_match_the_api() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    for _ in 0..3 {
        fx.login(EMAIL, "not the password 1").await;
    }
    let (cookie, _) = browser(&fx, EMAIL).await;
    let (status, page) = get(&fx, "/audit", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("<a href=\"/audit\" aria-current=\"page\">Audit log</a>"),
        "{page}"
    );
    let all = api_entries(&fx, &tok, "").await;
    let want: Vec<i64> = all.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs(&page),
        want,
        "the first page is the API's, newest first"
    );
    // Each row shows the time, actor, action, target, outcome, address and review state.
    let failed = all
        .iter()
        .find(|e| e["action"] == "auth.login.failed")
        .unwrap();
    let row = entry(&page, failed["seq"].as_i64().unwrap());
    assert!(row.contains("data-outcome=\"failure\""), "{row}");
    assert!(row.contains("<code>auth.login.failed</code>"), "{row}");
    assert!(row.contains("127.0.0.1"), "{row}");
    assert!(row.contains(&format!(
        "datetime=\"{}\"",
        failed["occurred_at"].as_str().unwrap()
    )));
    assert!(row.contains("Reviewed through here"), "{row}");

    // A filter: only failures, as the API answers the same query.
    let (_, page) = get(&fx, "/audit?action=auth.*&outcome=failure", &cookie).await;
    let want: Vec<i64> = api_entries(&fx, &tok, "action=auth.*&outcome=failure")
        .await
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(want.len(), 3);
    assert_eq!(seqs(&page), want);
    assert!(
        page.contains("value=\"auth.*\""),
        "the form keeps the filter"
    );
    assert!(
        page.contains("<option value=\"failure\" selected>"),
        "{page}"
    );

    // Pages of 2: older, older again, then newer; every link keeps the filters.
    let (_, p1) = get(&fx, "/audit?action=auth.*&outcome=failure&limit=2", &cookie).await;
    assert_eq!(seqs(&p1), want[..2]);
    assert!(
        link(&p1, "newer").is_none(),
        "the first page has no newer page"
    );
    let older = link(&p1, "older").expect("an older page");
    assert!(
        older.contains("action=auth.*") && older.contains("outcome=failure"),
        "{older}"
    );
    let (_, p2) = get(&fx, &older, &cookie).await;
    assert_eq!(seqs(&p2), want[2..]);
    assert!(link(&p2, "older").is_none(), "the last page");
    let newer = link(&p2, "newer").expect("a newer page");
    assert!(newer.contains("outcome=failure"), "{newer}");
    let (_, back) = get(&fx, &newer, &cookie).await;
    assert_eq!(seqs(&back), want[..2], "back to the first page");
    assert!(
        link(&back, "newer").is_none(),
        "nothing newer than the first page"
    );
    assert!(link(&back, "older").is_some());

    // Bad input: a clear error on the page, no 500.
    for q in [
        "since=yesterday",
        "outcome=maybe",
        "action=a*b",
        "limit=0",
        "colour=red",
        "newer=x",
        "cursor=1&newer=2",
        "since=%FF%FE",
    ] {
        let (status, page) = get(&fx, &format!("/audit?{q}"), &cookie).await;
        assert!(
            matches!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST
            ),
            "{q}: {status}"
        );
        assert!(page.contains("id=\"error\""), "{q}: {page}");
        assert!(seqs(&page).is_empty(), "{q}");
    }
    let (_, page) = get(&fx, "/audit?since=yesterday", &cookie).await;
    assert!(page.contains("is not an RFC 3339 time"), "{page}");
}

#[tokio::test]
async fn the_chart_counts_the_entries_per_hour_and_outcome() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    // T0 is on the hour. Entries over the last day, and some older than a day.
    for (action, outcome, ago) in [
        (actions::LOGIN_FAILED, "failure", 60),
        (actions::LOGIN_FAILED, "failure", 3 * 3600 + 5),
        (actions::API_KEY_CREATED, "denied", 3 * 3600 + 50),
        (actions::LOGIN_SUCCEEDED, "success", 3 * 3600 + 70),
        (actions::LOGIN_SUCCEEDED, "success", 23 * 3600),
        (actions::LOGIN_FAILED, "failure", 30 * 3600),
        (actions::LOGIN_FAILED, "denied", 50 * 3600),
    ] {
        append(&fx, "org_acme", action, outcome, T0 - ago).await;
    }
    let (cookie, _) = browser(&fx, EMAIL).await;
    // The entries' own counts per hour and outcome, from the API's list.
    let expect = |entries: &[Value]| {
        let mut m: BTreeMap<(String, String), u64> = BTreeMap::new();
        for e in entries {
            let hour = e["occurred_at"].as_str().unwrap()[..13].to_string();
            let hour = format!("{} {}:00 UTC", &hour[..10], &hour[11..]);
            *m.entry((hour, e["outcome"].as_str().unwrap().to_string()))
                .or_default() += 1;
        }
        m
    };
    // The chart's counts: every segment's tooltip says "<hour>: <n> <outcome>".
    let drawn = |page: &str| {
        let mut m = BTreeMap::new();
        for seg in page.split("data-series=\"").skip(1) {
            let Some(t) = seg.find("<title>") else {
                continue;
            };
            if !seg[..t].contains("data-value") {
                continue;
            }
            let title = &seg[t + 7..t + seg[t..].find("</title>").unwrap()];
            let (hour, rest) = title.split_once(": ").unwrap();
            let (n, outcome) = rest.split_once(' ').unwrap();
            m.insert(
                (hour.to_string(), outcome.to_string()),
                n.parse::<u64>().unwrap(),
            );
        }
        m
    };
    // The default: the last 24 hours.
    let (status, page) = get(&fx, "/audit", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // The last 24 hours up to and including this second (the clock stands at T0).
    let since = wt_core::clock::rfc3339(T0 - 86_400 + 1);
    let day = api_entries(&fx, &tok, &format!("since={since}")).await;
    let want = expect(&day);
    assert!(want.len() >= 4, "{want:?}");
    assert_eq!(drawn(&page), want);
    let total: usize = day.len();
    assert!(
        page.contains(&format!(
            "figure class=\"chart\" id=\"activity\" data-total=\"{total}\""
        )),
        "{page}"
    );
    assert_eq!(
        page.matches("<g class=\"bar\"").count(),
        25,
        "hourly bars: 24 hours back from the current one"
    );
    assert!(page.contains("the last 24 hours"), "{page}");
    // Paging moves through the entries, not the chart; `unreviewed` selects entries.
    let (_, paged) = get(&fx, "/audit?limit=2&cursor=4", &cookie).await;
    assert_eq!(drawn(&paged), want, "a later page draws the same chart");
    let r = fx
        .post(
            "/api/v1/orgs/audit-logs/reviews",
            json!({"through_seq": 5}),
            Some(&tok),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let (_, unreviewed) = get(&fx, "/audit?unreviewed=true", &cookie).await;
    let later = api_entries(&fx, &tok, &format!("unreviewed=true&since={since}")).await;
    assert!(later.len() < day.len() + 1 && !later.is_empty());
    assert_eq!(drawn(&unreviewed), expect(&later));
    // The text alternative: an accessible name and summary, and the table.
    assert!(page.contains("role=\"img\" aria-labelledby=\"activity-title activity-desc\""));
    assert!(page.contains("The numbers as a table"));

    // A chosen range and a filter: the chart follows them, as the list does.
    let q = format!(
        "action=auth.*&since={}&until={}",
        wt_core::clock::rfc3339(T0 - 60 * 3600),
        wt_core::clock::rfc3339(T0 - 3600)
    );
    let (_, page) = get(&fx, &format!("/audit?{q}"), &cookie).await;
    let listed = api_entries(&fx, &tok, &q).await;
    assert!(
        listed.iter().all(|e| e["action"] != "api_key.created") && listed.len() >= 4,
        "{listed:?}"
    );
    // Over three days: counted per day.
    let q2 = format!(
        "action=auth.*&since={}&until={}",
        wt_core::clock::rfc3339(T0 - 60 * 3600),
        wt_core::clock::rfc3339(T0 + 20 * 3600)
    );
    let (_, page2) = get(&fx, &format!("/audit?{q2}"), &cookie).await;
    let listed2 = api_entries(&fx, &tok, &q2).await;
    let mut per_day2: BTreeMap<(String, String), u64> = BTreeMap::new();
    for e in &listed2 {
        let d = format!("{} (UTC)", &e["occurred_at"].as_str().unwrap()[..10]);
        *per_day2
            .entry((d, e["outcome"].as_str().unwrap().to_string()))
            .or_default() += 1;
    }
    assert_eq!(drawn(&page2), per_day2, "{page2}");
    assert!(page2.contains("Entries per day by outcome"), "{page2}");
    // 59 hours: still hourly.
    assert_eq!(drawn(&page), expect(&listed));
    assert_eq!(page.matches("<g class=\"bar\"").count(), 59);
}

#[tokio::test]
async fn marking_reviewed_through_an_entry_is_the_apis_review() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    team_member(&fx, &tok, "rl@acme.test", "risk_lead").await;
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let (_, page) = get(&fx, "/audit", &cookie).await;
    assert!(page.contains("The log was never reviewed."), "{page}");
    let all = seqs(&page);
    let through = all[2];
    // The readiness item about reviews is not green yet.
    let check = |r: &Resp| {
        r.body["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "audit_reviewed")
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_ne!(check(&fx.get("/api/v1/orgs/readiness", &tok).await), "pass");
    let r = fx
        .send(form(
            "/audit/review",
            &[("csrf", &csrf), ("through_seq", &through.to_string())],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    assert_eq!(r.headers[header::LOCATION], "/audit?done=reviewed");
    let reviews = fx.store.audit_reviews("org_acme").await.unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(
        (reviews[0].through_seq, reviews[0].reviewed_by.as_str()),
        (through, EMAIL)
    );
    assert_eq!(fx.count(actions::AUDIT_REVIEWED).await, 1);
    let (_, page) = get(&fx, "/audit?done=reviewed", &cookie).await;
    assert!(page.contains("The review is recorded."), "{page}");
    assert!(page.contains(&format!(
        "Reviewed through entry <strong>{through}</strong> by {EMAIL}"
    )));
    for s in seqs(&page) {
        let row = entry(&page, s);
        assert_eq!(row.contains(">reviewed<"), s <= through, "entry {s}: {row}");
        assert_eq!(row.contains("Reviewed through here"), s > through, "{row}");
    }
    // Everything, by a risk lead (the matrix lets them review): readiness turns green.
    let (rl_cookie, rl_csrf) = browser(&fx, "rl@acme.test").await;
    let (_, page) = get(&fx, "/audit", &rl_cookie).await;
    let last = seqs(&page)[0];
    assert!(page.contains("id=\"review-all\""), "{page}");
    let r = fx
        .send(form(
            "/audit/review",
            &[("csrf", &rl_csrf), ("through_seq", &last.to_string())],
            Some(&rl_cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", html(&r));
    assert_eq!(check(&fx.get("/api/v1/orgs/readiness", &tok).await), "pass");
    // The review's own record is not something left to review.
    let (_, page) = get(&fx, "/audit", &rl_cookie).await;
    assert_eq!(seqs(&page)[0], last + 1, "the review wrote its entry");
    assert!(page.contains("Nothing new since."), "{page}");
    assert!(!page.contains("id=\"review-all\""), "{page}");
    // One more entry is.
    fx.login(EMAIL, "not the password 9").await;
    let (_, page) = get(&fx, "/audit", &rl_cookie).await;
    assert!(page.contains("2 newer entries not reviewed yet."), "{page}");
    assert!(page.contains("id=\"review-all\""));
    // Bad numbers: a clear error, nothing recorded.
    for bad in ["", "abc", "0", "-1", "999999", "99999999999999999999"] {
        let r = fx
            .send(form(
                "/audit/review",
                &[("csrf", &csrf), ("through_seq", bad)],
                Some(&cookie),
            ))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            html(&r)
        );
        assert!(html(&r).contains("id=\"error\""), "{bad}");
    }
    assert_eq!(fx.store.audit_reviews("org_acme").await.unwrap().len(), 2);
}

#[tokio::test]
async fn verify_shows_the_count_and_finds_an_edited_row() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let r = fx
        .send(form("/audit/verify", &[("csrf", &csrf)], Some(&cookie)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let page = html(&r);
    let api = fx.get("/api/v1/orgs/audit-logs/verify", &tok).await;
    let n = api.body["entries"].as_u64().unwrap();
    assert!(page.contains("data-ok=\"true\""), "{page}");
    assert!(
        page.contains(&format!("The chain verifies: {n} entries")),
        "{page}"
    );
    // A crafted link cannot show a result: only the post's answer carries it.
    let (_, page) = get(&fx, "/audit?verified=ok", &cookie).await;
    assert!(!page.contains("verify-result"));
    // Someone edits entry 2 behind the daemon's back (dropping the guard trigger first).
    rusqlite_open(&fx)
        .execute_batch(
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET details = '{\"tampered\":1}' WHERE seq = 2;",
        )
        .unwrap();
    let r = fx
        .send(form("/audit/verify", &[("csrf", &csrf)], Some(&cookie)))
        .await;
    let page = html(&r);
    assert!(
        page.contains("data-ok=\"false\" data-first-bad=\"2\""),
        "{page}"
    );
    assert!(page.contains("The chain is broken at entry 2"), "{page}");
    assert!(page.contains("role=\"alert\""));
}

/// Reads SSE frames from `body` until `want` events arrived (bounded by a real-time
/// deadline); returns `(id, data)` of each.
async fn read_events(
    stream: &mut (impl futures_util::Stream<Item = Result<axum::body::Bytes, axum::Error>> + Unpin),
    want: usize,
) -> Vec<(i64, String)> {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut events = vec![];
    while events.len() < want {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap_or_else(|_| panic!("{want} events in time, got {events:?}"));
        let Some(Ok(bytes)) = chunk else { break };
        text.push_str(&String::from_utf8_lossy(&bytes));
        while let Some(end) = text.find("\n\n") {
            let frame: String = text.drain(..end + 2).collect();
            let id = frame
                .lines()
                .find_map(|l| l.strip_prefix("id:"))
                .map(|s| s.trim().parse::<i64>().unwrap());
            let data: Vec<&str> = frame
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            if let Some(id) = id {
                assert!(frame.contains("event: audit"), "{frame}");
                events.push((id, data.join("\n")));
            }
        }
    }
    events
}

fn stream_req(path: &str, cookie: &str, last_event_id: Option<i64>) -> Request<Body> {
    let mut b = Request::get(path)
        .header(header::HOST, super::console::HOST)
        .header(header::COOKIE, format!("{SESSION_COOKIE}={cookie}"));
    if let Some(id) = last_event_id {
        b = b.header("last-event-id", id.to_string());
    }
    b.body(Body::empty()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_view_resumes_after_last_event_id_without_gaps_or_duplicates() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (cookie, _) = browser(&fx, EMAIL).await;
    let (_, page) = get(&fx, "/audit", &cookie).await;
    let newest = seqs(&page)[0];
    // The page's live view starts after its newest entry.
    let src = page
        .split("data-stream=\"")
        .nth(1)
        .map(|s| s[..s.find('"').unwrap()].replace("&amp;", "&"))
        .expect("a live view on the first page");
    assert_eq!(src, format!("/audit/stream?after={newest}"));
    // Three entries arrive while nobody listens; a browser resumes after entry 2.
    for _ in 0..3 {
        fx.login(EMAIL, "not the password 1").await;
    }
    let resp = fx
        .app
        .clone()
        .oneshot(stream_req(&src, &cookie, Some(2)))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut body = resp.into_body().into_data_stream();
    let last = fx.store.audit_last_seq("org_acme").await.unwrap();
    let backlog = read_events(&mut body, (last - 2) as usize).await;
    let ids: Vec<i64> = backlog.iter().map(|(i, _)| *i).collect();
    assert_eq!(
        ids,
        (3..=last).collect::<Vec<_>>(),
        "every entry after 2, once, in order"
    );
    // Each event is the row as the page renders it.
    let (_, page) = get(&fx, "/audit", &cookie).await;
    for (id, data) in &backlog {
        assert_eq!(data, &format!("{}</tr>", entry(&page, *id)), "row {id}");
    }
    // Then it follows: a change made through the API appears next.
    let r = fx
        .post("/api/v1/orgs/audit-logs/reviews", json!({}), Some(&tok))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let live = read_events(&mut body, 1).await;
    let after = fx.store.audit_last_seq("org_acme").await.unwrap();
    assert!(live[0].0 > last && live[0].0 <= after, "{live:?}");
    drop(body);
    // The browser reconnects with the last id it saw: the next entry, nothing twice.
    let seen = live[0].0;
    let resp = fx
        .app
        .clone()
        .oneshot(stream_req(&src, &cookie, Some(seen)))
        .await
        .unwrap();
    let mut body = resp.into_body().into_data_stream();
    let rest = read_events(&mut body, (after - seen) as usize).await;
    assert_eq!(
        rest.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        (seen + 1..=after).collect::<Vec<_>>()
    );
    fx.login(EMAIL, "not the password 2").await;
    let next = read_events(&mut body, 1).await;
    assert_eq!(next[0].0, after + 1, "no gap");
    assert!(next[0].1.contains("auth.login.failed"), "{}", next[0].1);
    // A filtered live view sends only matching entries.
    let resp = fx
        .app
        .clone()
        .oneshot(stream_req(
            "/audit/stream?outcome=success&after=0",
            &cookie,
            None,
        ))
        .await
        .unwrap();
    let mut body = resp.into_body().into_data_stream();
    let want = api_entries(&fx, &tok, "outcome=success").await.len();
    let got = read_events(&mut body, want).await;
    assert!(
        got.iter()
            .all(|(_, d)| d.contains("data-outcome=\"success\""))
    );
    // Signed out: the stream ends (it authenticates the cookie every round).
    let r = fx
        .send(form(
            "/logout",
            &[("csrf", &super::console::field(&page, "csrf"))],
            Some(&cookie),
        ))
        .await;
    assert!(r.status.is_redirection(), "{}", html(&r));
    let end = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Some(Ok(_)) = body.next().await {}
    })
    .await;
    assert!(end.is_ok(), "the stream ended after sign-out");
    // A bad Last-Event-ID: refused, not a 500.
    let (cookie, _) = browser(&fx, EMAIL).await;
    let r = fx
        .send({
            let mut req = stream_req("/audit/stream", &cookie, None);
            req.headers_mut()
                .insert("last-event-id", "x".parse().unwrap());
            req
        })
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = fx
        .send(stream_req("/audit/stream?limit=5", &cookie, None))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn roles_without_audit_read_get_the_403_page_and_nothing_changes() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    team_member(&fx, &tok, "al@acme.test", "analyst").await;
    team_member(&fx, &tok, "vi@acme.test", "viewer").await;
    team_member(&fx, &tok, "rl@acme.test", "risk_lead").await;
    for who in ["al@acme.test", "vi@acme.test"] {
        let (cookie, csrf) = browser(&fx, who).await;
        let before = fx.store.audit_last_seq("org_acme").await.unwrap();
        for path in ["/audit", "/audit?action=auth.*", "/audit/stream"] {
            let (status, page) = get(&fx, path, &cookie).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{who} {path}");
            assert!(
                page.contains("<h1>Not allowed</h1>"),
                "{who} {path}: {page}"
            );
        }
        for (path, fields) in [
            (
                "/audit/review",
                vec![("csrf", csrf.as_str()), ("through_seq", "1")],
            ),
            ("/audit/verify", vec![("csrf", csrf.as_str())]),
        ] {
            let r = fx.send(form(path, &fields, Some(&cookie))).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} {path}");
            assert!(html(&r).contains("<h1>Not allowed</h1>"));
        }
        assert!(fx.store.audit_reviews("org_acme").await.unwrap().is_empty());
        assert_eq!(
            fx.store.audit_last_seq("org_acme").await.unwrap(),
            before,
            "{who}: nothing written"
        );
        let (_, security) = get(&fx, "/security", &cookie).await;
        assert!(
            !security.contains("href=\"/audit\""),
            "{who}: no Audit log tab"
        );
    }
    // Risk leads read and review (the permission matrix), and see the tab.
    let (cookie, _) = browser(&fx, "rl@acme.test").await;
    let (status, page) = get(&fx, "/audit", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Reviewed through here"));
    let (_, security) = get(&fx, "/security", &cookie).await;
    assert!(
        security.contains("<a href=\"/audit\">Audit log</a>"),
        "{security}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_orgs_entries_never_show() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (member, _) = other_org(&fx).await;
    for _ in 0..10 {
        append(&fx, OTHER_ORG, actions::LOGIN_FAILED, "failure", T0 - 60).await;
    }
    let other_last = fx.store.audit_last_seq(OTHER_ORG).await.unwrap();
    let ours = fx.store.audit_last_seq("org_acme").await.unwrap();
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let (_, page) = get(&fx, "/audit", &cookie).await;
    assert!(
        !page.contains("zed@other.test") && !page.contains("x@acme.test"),
        "{page}"
    );
    let (_, page) = get(&fx, &format!("/audit?target={member}"), &cookie).await;
    assert!(seqs(&page).is_empty(), "{page}");
    let (_, page) = get(&fx, "/audit?actor=x@acme.test", &cookie).await;
    assert!(seqs(&page).is_empty());
    assert!(
        page.contains("data-total=\"0\""),
        "the chart counts nothing: {page}"
    );
    // Reviewing through the other org's last entry: beyond ours, refused.
    assert!(other_last > ours + 1);
    let r = fx
        .send(form(
            "/audit/review",
            &[("csrf", &csrf), ("through_seq", &other_last.to_string())],
            Some(&cookie),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", html(&r));
    assert!(fx.store.audit_reviews(OTHER_ORG).await.unwrap().is_empty());
    // The live view never sends them.
    let resp = fx
        .app
        .clone()
        .oneshot(stream_req("/audit/stream?after=0", &cookie, None))
        .await
        .unwrap();
    let mut body = resp.into_body().into_data_stream();
    let ours = fx.store.audit_last_seq("org_acme").await.unwrap();
    let got = read_events(&mut body, ours as usize).await;
    assert_eq!(got.len(), ours as usize);
    append(&fx, OTHER_ORG, actions::LOGIN_FAILED, "failure", T0).await;
    fx.login(EMAIL, "not the password 3").await;
    let next = read_events(&mut body, 1).await;
    assert_eq!(next[0].0, ours + 1);
    assert!(!next[0].1.contains("x@acme.test"));
    let _ = tok;
}

#[tokio::test]
async fn posts_need_the_sessions_csrf_token_and_a_same_origin_form() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    team_member(&fx, &tok, "rl@acme.test", "risk_lead").await;
    let (cookie, csrf) = browser(&fx, EMAIL).await;
    let (_, other_csrf) = browser(&fx, "rl@acme.test").await;
    // Every post form on the page carries this session's token.
    let (_, page) = get(&fx, "/audit", &cookie).await;
    let posts = page.matches("method=\"post\"").count();
    assert!(
        posts >= 4,
        "review-all, verify, per-row reviews, sign-out: {page}"
    );
    assert_eq!(
        page.matches(&format!("name=\"csrf\" value=\"{csrf}\""))
            .count(),
        posts
    );
    let before = fx.store.audit_last_seq("org_acme").await.unwrap();
    for token in [None, Some(""), Some(other_csrf.as_str()), Some("00ff")] {
        for path in ["/audit/review", "/audit/verify"] {
            let mut f = vec![("through_seq", "1")];
            if let Some(t) = token {
                f.push(("csrf", t));
            }
            let r = fx.send(form(path, &f, Some(&cookie))).await;
            assert!(
                matches!(r.status, StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST),
                "{token:?} {path}: {}",
                r.status
            );
            assert!(!html(&r).contains("verify-result"), "{path}");
        }
    }
    // The right token from another site: refused by the guard.
    for path in ["/audit/review", "/audit/verify"] {
        let mut req = form(
            path,
            &[("csrf", &csrf), ("through_seq", "1")],
            Some(&cookie),
        );
        req.headers_mut()
            .insert("sec-fetch-site", "cross-site".parse().unwrap());
        let r = fx.send(req).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert!(fx.store.audit_reviews("org_acme").await.unwrap().is_empty());
    assert_eq!(fx.store.audit_last_seq("org_acme").await.unwrap(), before);
    // Signed out: the page and the stream send the browser to the login page.
    for path in ["/audit", "/audit/stream"] {
        let r = fx.send(page_get(path, None)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.headers[header::LOCATION], "/login");
    }
}
