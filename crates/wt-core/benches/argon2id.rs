//! Criterion benchmark of one argon2id verification at today's parameters (m=19456 KiB,
//! t=2, p=1), on one core, through the same `wt_core::password::verify` a login uses (its
//! reused working memory included). `bench/logins.py` runs it and compares the daemon's
//! logins per second per hashing core with this raw rate (issue #29: at least 0.8).
//!
//! Run: `cargo bench -p wt-core --bench argon2id`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use wt_core::password::{hash, verify};

fn argon2id(c: &mut Criterion) {
    let phc = hash("violet staple orbit river 42").expect("hash");
    assert!(verify("violet staple orbit river 42", &phc));
    let mut g = c.benchmark_group("argon2id");
    g.sample_size(30);
    g.bench_function("verify", |b| {
        b.iter(|| verify(black_box("violet staple orbit river 42"), black_box(&phc)))
    });
    g.finish();
}

criterion_group!(benches, argon2id);
criterion_main!(benches);
