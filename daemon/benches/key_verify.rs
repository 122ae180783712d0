//! Criterion benchmark of the ingest path's key verification alone (item 2):
//! parse + checksum, the keyed hash, the cache lookup, the lifetime and both allowlist
//! checks, against a cache holding 100,000 keys and an org list of 50 networks.
//!
//! Issue #29: the same verification against caches of 10,000, 100,000 and 1,000,000 keys,
//! each presenting 4,096 different keys spread over the whole cache in a shuffled order (so
//! the lookups miss the CPU caches as a large installation's do); besides criterion's
//! estimate, each size prints the p50 and p99 of 200,000 single verifications timed one by
//! one and the ratio of each size's p99 to 10,000's (target: <= 1.2x at 1M).
//!
//! Run: `cargo bench -p wtd --bench key_verify` (WT_BENCH_KEY_SIZES=10000,100000 for fewer).

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::net::IpAddr;
use wt_api::Environment;
use wt_core::apikey::{self, KeyHasher};
use wt_store::{AllowedIpRecord, ApiKeyRecord, OrgRecord};
use wtd::keycache::{Caches, hash_hex};

fn record(caches: &Caches, id: usize, secret: &str, cidrs: Vec<String>) -> ApiKeyRecord {
    ApiKeyRecord {
        id: format!("key_{id}"),
        org_id: "org_bench".into(),
        name: format!("k{id}"),
        environment: Environment::Production,
        secret_hash: hash_hex(&caches.hash(secret)),
        last4: secret[secret.len() - 4..].into(),
        owner_id: "usr".into(),
        owner_email: "o@bench.test".into(),
        created_by: "usr".into(),
        created_by_email: "o@bench.test".into(),
        created_at: 0,
        expires_at: None,
        revoked_at: None,
        allowed_cidrs: cidrs,
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

fn verify(c: &mut Criterion) {
    let caches = Caches::new(KeyHasher::new(&[7; 32]));
    for i in 0..100_000 {
        let k = apikey::generate(Environment::Production);
        caches.put_key(&record(&caches, i, k.expose(), vec![]));
    }
    let key = apikey::generate(Environment::Production);
    caches.put_key(&record(
        &caches,
        100_000,
        key.expose(),
        vec!["10.0.0.0/8".into(), "192.0.2.0/24".into()],
    ));
    let org = OrgRecord {
        id: "org_bench".into(),
        slug: "bench".into(),
        name: "Bench".into(),
        mfa_required_roles: vec![],
        created_at: 0,
        browser_ingest_allowed: false,
        readiness: Default::default(),
        passkey_policy: Default::default(),
        key_rate: None,
        leak_policy: Default::default(),
    };
    let list: Vec<AllowedIpRecord> = (0..50)
        .map(|i| AllowedIpRecord {
            id: format!("aip_{i}"),
            org_id: org.id.clone(),
            cidr: format!("10.{i}.0.0/16"),
            note: None,
            created_by: "o@bench.test".into(),
            created_at: 0,
            hit_count: 0,
            last_hit_at: None,
        })
        .collect();
    caches.put_org(&org, list.iter());
    let ip: IpAddr = "10.49.3.4".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let presented = key.expose().to_string();

    c.bench_function(
        "key verification (parse, checksum, HMAC, lookup, allowlists)",
        |b| {
            b.iter(|| {
                let k = black_box(presented.as_str());
                let ok = apikey::parse(k).is_ok()
                    && caches.key(&caches.hash(k)).is_some_and(|e| {
                        e.life().usable(1)
                            && caches
                                .org(&e.org_id)
                                .is_some_and(|o| o.admits(black_box(ip), 1))
                            && wt_core::netaddr::allows(&e.cidrs, ip)
                    });
                assert!(ok);
            })
        },
    );
    let typo = {
        let mut s = presented.clone();
        s.replace_range(20..21, if &s[20..21] == "a" { "b" } else { "a" });
        s
    };
    c.bench_function("look-alike refused by checksum", |b| {
        b.iter(|| apikey::parse(black_box(typo.as_str())).is_err())
    });
    // The rate limit a limited key adds to each request: a read lock, a lookup by &str,
    // one CAS (a limit high enough that every check is admitted).
    let limits = wtd::ratelimit::Limiters::default();
    let rate = wt_core::ratelimit::KeyRate::parse("10000000/s", None).ok();
    c.bench_function("rate limit check (limited key, admitted)", |b| {
        b.iter(|| limits.check(black_box("key_100000"), rate))
    });
}

/// A cache of `n` keys; returns the presented form of `sample` of them, spread evenly.
fn filled(n: usize, sample: usize) -> (Caches, Vec<String>) {
    let caches = Caches::new(KeyHasher::new(&[7; 32]));
    let every = (n / sample).max(1);
    let mut presented = Vec::with_capacity(sample);
    for i in 0..n {
        let k = apikey::generate(Environment::Production);
        let mut r = record(&caches, i, k.expose(), vec![]);
        r.org_id = format!("org_{}", i % 10_000);
        caches.put_key(&r);
        if i % every == 0 && presented.len() < sample {
            presented.push(k.expose().to_string());
        }
    }
    for o in 0..10_000.min(n) {
        let org = OrgRecord {
            id: format!("org_{o}"),
            slug: format!("o{o}"),
            name: "Bench".into(),
            mfa_required_roles: vec![],
            created_at: 0,
            browser_ingest_allowed: false,
            readiness: Default::default(),
            passkey_policy: Default::default(),
            key_rate: None,
            leak_policy: Default::default(),
        };
        caches.put_org(&org, [].iter());
    }
    // A fixed shuffle (an LCG), so every run presents the keys in the same order.
    let mut x: u64 = 29;
    for i in (1..presented.len()).rev() {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        presented.swap(i, (x >> 33) as usize % (i + 1));
    }
    (caches, presented)
}

fn check(caches: &Caches, k: &str, ip: IpAddr) -> bool {
    apikey::parse(k).is_ok()
        && caches.key(&caches.hash(k)).is_some_and(|e| {
            e.life().usable(1)
                && caches.org(&e.org_id).is_some_and(|o| o.admits(ip, 1))
                && wt_core::netaddr::allows(&e.cidrs, ip)
        })
}

fn by_size(c: &mut Criterion) {
    let sizes: Vec<usize> = std::env::var("WT_BENCH_KEY_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000, 1_000_000]);
    let ip: IpAddr = "10.49.3.4".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let mut group = c.benchmark_group("key verification by cache size");
    let mut first_p99: Option<f64> = None;
    for &n in &sizes {
        let (caches, presented) = filled(n, 4_096);
        let mut i = 0;
        group.bench_function(format!("{n} keys"), |b| {
            b.iter(|| {
                i = (i + 1) % presented.len();
                assert!(check(&caches, black_box(&presented[i]), ip));
            })
        });
        let mut ns: Vec<f64> = (0..200_000)
            .map(|j| {
                let k = presented[j % presented.len()].as_str();
                let t = std::time::Instant::now();
                assert!(check(&caches, black_box(k), ip));
                t.elapsed().as_nanos() as f64
            })
            .collect();
        ns.sort_by(f64::total_cmp);
        let (p50, p99) = (ns[ns.len() / 2], ns[ns.len() * 99 / 100]);
        let base = *first_p99.get_or_insert(p99);
        println!(
            "key verification, {n} keys: p50 {p50:.0} ns, p99 {p99:.0} ns, p99 / smallest size's p99 {:.2}",
            p99 / base
        );
    }
    group.finish();
}

criterion_group!(benches, verify, by_size);
criterion_main!(benches);
