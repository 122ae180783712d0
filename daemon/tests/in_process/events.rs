//! Events that go somewhere (issue #27), with the manual clock: retention prunes in small
//! batches by the injected time, the installation's default and an org's override; the
//! storage counters follow; a consumer whose cursor retention passed resumes at the
//! oldest kept event with a gap flag, never an error; pruning keeps the append-only rule
//! for everything else.

use super::*;
use wt_store::EventStore;

const DAY: i64 = 86_400;

async fn page(fx: &Fx, tok: &str, after: i64) -> Value {
    let r = fx
        .get(
            &format!("/api/v1/orgs/events?after={after}&limit=1000"),
            tok,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

fn ns(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["payload"]["n"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn retention_prunes_by_the_injected_clock_in_batches_and_a_stale_cursor_resumes_with_a_gap() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (_, secret) = prod_key(&fx, &tok, json!({})).await;
    // Day 0: 1,500 events (more than one prune batch); day 3: 10 more.
    for chunk in 0..3 {
        let events: Vec<Value> = (chunk * 500..(chunk + 1) * 500)
            .map(|n| json!({"n": n}))
            .collect();
        let r = fx.ingest(&secret, json!({ "events": events })).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    }
    fx.clock.advance(3 * DAY);
    let events: Vec<Value> = (1500..1510).map(|n| json!({"n": n})).collect();
    fx.ingest(&secret, json!({ "events": events })).await;
    // Sessions last 12 h: sign in again after moving the clock.
    let tok = fx.token().await;
    let first = page(&fx, &tok, 0).await;
    let oldest_seq = first["items"][0]["seq"].as_i64().unwrap();

    // Day 6: nothing has expired under the 7-day default; everything is counted.
    fx.clock.advance(3 * DAY);
    let r = wtd::service::events::prune_round(&fx.state).await.unwrap();
    assert_eq!((r.counted, r.deleted), (1510, 0));
    let s = fx.store.event_storage("org_acme").await.unwrap();
    assert_eq!((s.events, s.pruned_through), (1510, 0));
    let bytes_before = s.bytes;
    assert_eq!(
        bytes_before,
        (0..1510)
            .map(|n| format!("{{\"n\":{n}}}").len() as i64)
            .sum::<i64>()
    );

    // Day 7 + 1 s: the day-0 events expire, in two batches (1,000 + 500); the day-3 ones stay.
    fx.clock.advance(DAY + 1);
    let tok = fx.token().await;
    let r = wtd::service::events::prune_round(&fx.state).await.unwrap();
    assert_eq!((r.counted, r.deleted), (0, 1500));
    assert_eq!(fx.store.ingest_count("org_acme").await.unwrap(), 10);
    let s = fx.store.event_storage("org_acme").await.unwrap();
    assert_eq!(s.events, 10);
    assert_eq!(
        s.bytes,
        (1500..1510)
            .map(|n| format!("{{\"n\":{n}}}").len() as i64)
            .sum::<i64>()
    );
    // A consumer still at the first event: resumed at the oldest kept one, told so.
    let p = page(&fx, &tok, oldest_seq).await;
    assert_eq!(ns(&p), (1500..1510).collect::<Vec<_>>());
    assert_eq!(p["gap"]["requested_after"], oldest_seq);
    assert_eq!(p["gap"]["resumed_after"], s.pruned_through);
    // Resuming from the gap's cursor: no gap any more.
    let again = page(&fx, &tok, s.pruned_through).await;
    assert!(again.get("gap").is_none(), "{again}");
    assert_eq!(ns(&again), (1500..1510).collect::<Vec<_>>());

    // The org's own retention (1 day) applies to the rest; the installation's newest event
    // is kept on SQLite (its seq would otherwise be handed out again).
    let r = fx
        .send(patch(
            "/api/v1/orgs/settings",
            &tok,
            json!({"event_retention_seconds": DAY}),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["events"]["retention_source"], "org");
    let r = wtd::service::events::prune_round(&fx.state).await.unwrap();
    assert_eq!(r.deleted, 9);
    assert_eq!(fx.store.ingest_count("org_acme").await.unwrap(), 1);
    // A new event gets a seq above every one handed out before.
    let last_seq = page(&fx, &tok, 0).await["items"][0]["seq"]
        .as_i64()
        .unwrap();
    fx.ingest(&secret, json!({"events": [{"n": 9999}]})).await;
    let newest = page(&fx, &tok, last_seq).await;
    assert_eq!(ns(&newest), vec![9999]);
    assert!(newest["items"][0]["seq"].as_i64().unwrap() > last_seq);
    // The change was audited with its previous value.
    assert!(
        fx.actions()
            .await
            .iter()
            .any(|a| a == "org.settings.updated")
    );
}

#[tokio::test]
async fn events_above_the_pruned_horizon_stay_append_only() {
    let fx = fixture().await;
    let tok = owner(&fx).await;
    let (_, secret) = prod_key(&fx, &tok, json!({})).await;
    fx.ingest(&secret, one_event()).await;
    fx.ingest(&secret, one_event()).await;
    let conn = rusqlite_open(&fx);
    let refused = conn.execute("DELETE FROM ingest_events", []);
    assert!(refused.is_err(), "a delete above the horizon is refused");
    let refused = conn.execute("UPDATE ingest_events SET payload = '{}'", []);
    assert!(refused.is_err(), "updates stay refused");
    conn.execute(
        "INSERT INTO event_storage (org_id) VALUES ('org_acme') ON CONFLICT DO NOTHING",
        [],
    )
    .unwrap();
    assert!(conn.execute("DELETE FROM ingest_events", []).is_err());
    conn.execute(
        "UPDATE event_storage SET pruned_through = 10 WHERE org_id = 'org_acme'",
        [],
    )
    .unwrap();
    let backwards = conn.execute(
        "UPDATE event_storage SET pruned_through = 3 WHERE org_id = 'org_acme'",
        [],
    );
    assert!(backwards.is_err(), "the horizon never moves back");
    assert_eq!(fx.store.ingest_count("org_acme").await.unwrap(), 2);
}
