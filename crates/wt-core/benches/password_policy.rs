//! Criterion benchmark of the password policy check (issue #22): the blocklist lookup in
//! the compiled fst, the context words and zxcvbn's estimate, for a strong passphrase (the
//! whole check runs), a guessable password (refused by zxcvbn, with its feedback), a common
//! one (refused by the blocklist first) and the longest accepted length (128 characters;
//! zxcvbn reads the first 100). zxcvbn builds its dictionaries once, on the first call:
//! that call is measured apart, once.
//!
//! Run: `cargo bench -p wt-core --bench password_policy`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Instant;
use wt_core::password::check_policy;

const CTX: &[&str] = &["Acme", "acme", "ann.smith@example.com", "Ann Smith"];

fn policy(c: &mut Criterion) {
    let first = Instant::now();
    let _ = check_policy("correct horse battery staple 42", false, CTX);
    eprintln!(
        "first call (zxcvbn builds its dictionaries): {:?}",
        first.elapsed()
    );

    let long: String = "violet staple orbit glacier mango trombone "
        .chars()
        .cycle()
        .take(128)
        .collect();
    let mut g = c.benchmark_group("check_policy");
    for (name, pw) in [
        ("strong_passphrase", "correct horse battery staple 42"),
        ("guessable", "P@ssw0rd2024!"),
        ("common", "qwertyuiopasdfgh"),
        ("context", "Acme2026Acme2026"),
        ("longest_128", long.as_str()),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| check_policy(black_box(pw), black_box(false), black_box(CTX)))
        });
    }
    g.finish();
}

criterion_group!(benches, policy);
criterion_main!(benches);
