//! The group commit when the answer to a write is lost: the server stored the group, the
//! connection broke before the daemon heard so. A TCP proxy between the store and
//! PostgreSQL ([`CuttingProxy`]) forwards everything, except that once it closes both
//! sides instead of passing on the server's `CommandComplete` for the group's statement
//! (autocommit: already committed) or its `COMMIT`. The store must run the group again on
//! a fresh connection, find it stored, acknowledge it, and store nothing twice.

use crate::postgres::TempDb;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use wt_store::model::{IngestBatch, IngestOutcome};
use wt_store::postgres::{PgConnector, PgOptions, PgStore, Schema};
use wt_store::{HealthStore, IngestStore};

/// Forwards connections to `upstream`; after a client sent `marker`, the first server
/// `CommandComplete` whose tag starts with `cut_on` is not forwarded: both sides are
/// closed instead (once for the proxy's lifetime).
struct CuttingProxy {
    port: u16,
    cuts: Arc<AtomicUsize>,
}

impl CuttingProxy {
    fn start(upstream: String, marker: &'static [u8], cut_on: &'static [u8]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let cuts = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let counted = Arc::clone(&cuts);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let armed = Arc::new(AtomicBool::new(false));
                let (c_in, s_out) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                let (a, d) = (Arc::clone(&armed), Arc::clone(&done));
                std::thread::spawn(move || to_server(c_in, s_out, marker, &a, &d));
                let (d, n) = (Arc::clone(&done), Arc::clone(&counted));
                std::thread::spawn(move || to_client(server, client, cut_on, &armed, &d, &n));
            }
        });
        CuttingProxy { port, cuts }
    }
}

fn to_server(
    mut from: TcpStream,
    mut to: TcpStream,
    marker: &[u8],
    armed: &AtomicBool,
    done: &AtomicBool,
) {
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        if !done.load(Ordering::SeqCst) && buf[..n].windows(marker.len()).any(|w| w == marker) {
            armed.store(true, Ordering::SeqCst);
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
}

/// Passes the server's messages on one by one (type byte, length, body), watching for
/// the `CommandComplete` ('C') to swallow.
fn to_client(
    mut from: TcpStream,
    mut to: TcpStream,
    cut_on: &[u8],
    armed: &AtomicBool,
    done: &AtomicBool,
    cuts: &AtomicUsize,
) {
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        pending.extend_from_slice(&buf[..n]);
        while pending.len() >= 5 {
            let len = u32::from_be_bytes([pending[1], pending[2], pending[3], pending[4]]) as usize;
            if pending.len() < 1 + len {
                break;
            }
            let message: Vec<u8> = pending.drain(..1 + len).collect();
            if message[0] == b'C'
                && message[5..].starts_with(cut_on)
                && armed.load(Ordering::SeqCst)
                && !done.swap(true, Ordering::SeqCst)
            {
                cuts.fetch_add(1, Ordering::SeqCst);
                let _ = to.shutdown(Shutdown::Both);
                let _ = from.shutdown(Shutdown::Both);
                return;
            }
            if to.write_all(&message).is_err() {
                return;
            }
        }
    }
    let _ = to.shutdown(Shutdown::Both);
}

fn batch(request: usize, events: usize) -> IngestBatch {
    IngestBatch {
        org_id: "org_lost".into(),
        key_id: format!("key_{request}"),
        environment: wt_core::apikey::Environment::Production,
        received_at: 1_000,
        events: (0..events)
            .map(|e| format!("{{\"r\":{request},\"e\":{e}}}"))
            .collect(),
        idempotency: None,
    }
}

/// One request of `events` events through a proxy that swallows the answer to the
/// statement tagged `cut_on` after the client sent `marker`: acknowledged once, stored once.
async fn lost_answer(test: &str, events: usize, marker: &'static [u8], cut_on: &'static [u8]) {
    let Some(db) = TempDb::create(test) else {
        return;
    };
    // Migrated directly; the store under test comes through the proxy.
    let direct = PgStore::connect(&db.url, 2)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // postgres://user[:password]@host[:port]/database[?...]: the proxy takes host:port.
    let rest = db.url.split_once("://").map_or(db.url.as_str(), |(_, r)| r);
    let (credentials, rest) = rest.split_once('@').unwrap_or(("postgres", rest));
    let host_port = rest.split(['/', '?']).next().unwrap_or("127.0.0.1");
    let upstream = if host_port.contains(':') {
        host_port.to_string()
    } else {
        format!("{host_port}:5432")
    };
    let proxy = CuttingProxy::start(upstream, marker, cut_on);
    let url = format!(
        "postgres://{credentials}@127.0.0.1:{}/{}?sslmode=disable",
        proxy.port, db.name
    );
    let store = PgStore::open(
        Arc::new(PgConnector::from_url(&url).unwrap_or_else(|e| panic!("{e}"))),
        &PgOptions::with_pool_size(2),
        Schema::Check,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));

    let outcome = store.ingest(batch(1, events)).await.unwrap_or_else(|e| {
        panic!("the group must be acknowledged after its answer was lost: {e}")
    });
    assert_eq!(outcome, IngestOutcome::Stored(events as u64));
    assert_eq!(
        proxy.cuts.load(Ordering::SeqCst),
        1,
        "the proxy swallowed one answer"
    );
    assert_eq!(
        direct.ingest_count("org_lost").await.unwrap(),
        events as u64,
        "stored exactly once"
    );
    let retries = store.pool_stats().map_or(0, |s| s.retries);
    assert!(retries >= 1, "the group ran again on a fresh connection");
    // And the next one goes through as usual.
    let outcome = store
        .ingest(batch(2, 2))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(outcome, IngestOutcome::Stored(2));
    assert_eq!(
        direct.ingest_count("org_lost").await.unwrap(),
        events as u64 + 2
    );
}

/// A small group: one autocommit statement; its `INSERT` tag never arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_group_whose_answer_was_lost_is_acknowledged_and_stored_once() {
    lost_answer(
        "a_small_group_whose_answer_was_lost_is_acknowledged_and_stored_once",
        5,
        b"WITH g AS (INSERT INTO ingest_groups",
        b"INSERT",
    )
    .await;
}

/// A large group: a transaction; the answer to its `COMMIT` never arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_group_whose_commit_answer_was_lost_is_acknowledged_and_stored_once() {
    lost_answer(
        "a_large_group_whose_commit_answer_was_lost_is_acknowledged_and_stored_once",
        70,
        b"INSERT INTO ingest_groups (id, stored_at)",
        b"COMMIT",
    )
    .await;
}
