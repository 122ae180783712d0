//! Memory per cached key (issue #29: at most 256 bytes a key, the indexes included).
//!
//! Measured as the growth of this process's resident set while 200,000 keys are cached
//! (records are made and dropped in small batches, so what stays is the cache), and
//! cross-checked by the layout: the size of the shared allocation of a key.

use std::sync::Arc;
use wt_core::apikey::{Environment, KeyHasher};
use wtd::keycache::{CachedKey, Caches};

const KEYS: usize = 200_000;
const TARGET: usize = 256;

fn record(i: usize, secret_hash: String) -> wt_store::ApiKeyRecord {
    wt_store::ApiKeyRecord {
        id: format!("key_{i:016}"),
        org_id: format!("org_{:016}", i % 2_000),
        name: format!("key {i}"),
        environment: Environment::Production,
        secret_hash,
        last4: "abcd".into(),
        owner_id: "usr_0000000000000001".into(),
        owner_email: "owner@example.com".into(),
        created_by: "usr_0000000000000001".into(),
        created_by_email: "owner@example.com".into(),
        created_at: 1_800_000_000,
        expires_at: None,
        revoked_at: None,
        allowed_cidrs: Vec::new(),
        rotated_from: None,
        rotated_to: None,
        grace_until: None,
        last_used_at: None,
        last_used_ip: None,
        use_count: 0,
        browser_count: 0,
        browser_last_at: None,
        browser_origin: None,
        rate: None,
        throttled_count: 0,
        throttled_last_at: None,
        leaked_at: None,
        leak_source: None,
        quarantined_at: None,
    }
}

fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

#[test]
fn a_cached_key_costs_at_most_256_bytes() {
    // The shared allocation: the Arc's two counters and the key.
    let arc = 2 * std::mem::size_of::<usize>() + std::mem::size_of::<CachedKey>();
    assert!(arc <= 192, "Arc<CachedKey> is {arc} bytes");

    let hasher = KeyHasher::new(&[7u8; 32]);
    let caches = Caches::new(KeyHasher::new(&[7u8; 32]));
    let before = rss_bytes();
    for batch in 0..KEYS / 1_000 {
        let records: Vec<_> = (batch * 1_000..(batch + 1) * 1_000)
            .map(|i| record(i, hex::encode(hasher.hash(&format!("wt_live_secret_{i}")))))
            .collect();
        for r in &records {
            caches.put_key(r);
        }
    }
    let after = rss_bytes();
    assert_eq!(caches.len(), KEYS);
    let per_key = (after.saturating_sub(before)) / KEYS;
    eprintln!("resident set: {per_key} bytes a cached key ({KEYS} keys)");
    assert!(before > 0 && after > before, "no resident set to measure");
    assert!(
        per_key <= TARGET,
        "{per_key} bytes a cached key (target {TARGET})"
    );

    // Every key is found by its secret and by its id; an unknown one is not.
    let k: Option<Arc<CachedKey>> = caches.key(&caches.hash("wt_live_secret_4242"));
    assert_eq!(
        k.map(|k| k.id.to_string()),
        Some("key_0000000000004242".into())
    );
    assert!(caches.key_by_id("key_0000000000199999").is_some());
    assert!(caches.key(&caches.hash("wt_live_secret_x")).is_none());
}
