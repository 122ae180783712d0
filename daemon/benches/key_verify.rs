//! Criterion benchmark of the ingest path's key verification alone (item 2):
//! parse + checksum, the keyed hash, the cache lookup, the lifetime and both allowlist
//! checks, against a cache holding 100,000 keys and an org list of 50 networks.
//!
//! Run: `cargo bench -p wtd --bench key_verify`.

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

criterion_group!(benches, verify);
criterion_main!(benches);
