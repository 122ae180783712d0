//! Criterion benchmark of the password policy check: the blocklist lookup in
//! the compiled fst, the context words and zxcvbn's estimate, for a strong passphrase (the
//! whole check runs), a guessable password (refused by zxcvbn, with its feedback), a common
//! one (refused by the blocklist first), one built on the org's name, and the longest
//! accepted length (128 characters; zxcvbn reads the first 100). MFA is taken as enforced
//! (8 characters), so no password stops at the length rule before the estimate. zxcvbn builds its dictionaries once, on the first call:
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
    // The worst inputs for zxcvbn's l33t matcher: many distinct symbols that read as
    // letters; strong (random-like) and weak (a repeated unit) at the longest length.
    let symbols: String = "4@8({[<3691|7$5+%20!".chars().cycle().take(128).collect();
    let weak_symbols: String = "p@$$w0rd!".chars().cycle().take(128).collect();
    let repeated = "a".repeat(128);
    let mut g = c.benchmark_group("check_policy");
    for (name, pw) in [
        ("strong_passphrase", "correct horse battery staple 42"),
        ("guessable", "P@ssw0rd2024!"),
        ("common", "qwertyuiopasdfgh"),
        ("context", "Acme2026Acme2026"),
        ("longest_128", long.as_str()),
        ("symbols_128", symbols.as_str()),
        ("weak_symbols_128", weak_symbols.as_str()),
        ("repeated_128", repeated.as_str()),
        ("mixed_symbols_21", "p@$$w0rd!4(3{7|<9%2+["),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| check_policy(black_box(pw), black_box(true), black_box(CTX)))
        });
    }
    g.finish();
}

criterion_group!(benches, policy);
criterion_main!(benches);
