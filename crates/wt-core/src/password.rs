//! Password policy and hashing (SECURITY.md A.1-A.4).
//!
//! Policy ([`policy`], re-exported here): length (8, or 15 where MFA is not enforced for
//! the role, counted in Unicode scalar values; over 128 refused before any hashing), no
//! composition rules, and a blocklist: breached/common passwords, context words, and
//! zxcvbn's guess estimate. Hashes are argon2id PHC strings with the OWASP parameters
//! (m=19456 KiB, t=2, p=1) and a fresh salt each time; nothing is truncated.

use argon2::{Argon2, PasswordHasher};
use std::sync::OnceLock;

pub mod policy;
pub use policy::{
    MAX_LEN, MIN_GUESSES, MIN_LEN_WITH_MFA, MIN_LEN_WITHOUT_MFA, PolicyError, check_policy,
    context_words, is_common, min_len,
};

/// Hashing failed; only possible if the OS random source fails.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct HashError;

/// The argon2id PHC string of `password` with a fresh random salt.
pub fn hash(password: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|_| HashError)
}

/// Argon2 working memory kept for reuse: each verification needs m_cost KiB (19 MiB), and
/// allocating it per login let the allocator keep one freed copy per thread and arena
/// (hundreds of MiB under a login storm, seen in the soak test). Callers bound concurrency
/// (the daemon's hash permits), so the pool holds at most that many buffers.
static MEMORY: std::sync::Mutex<Vec<Vec<argon2::Block>>> = std::sync::Mutex::new(Vec::new());

/// Runs `f` with at least `blocks` argon2 blocks of reused memory.
fn with_memory<T>(blocks: usize, f: impl FnOnce(&mut [argon2::Block]) -> T) -> T {
    let mut mem = MEMORY
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .pop()
        .unwrap_or_default();
    if mem.len() < blocks {
        mem = vec![argon2::Block::default(); blocks];
    }
    let out = f(&mut mem[..blocks]);
    MEMORY.lock().unwrap_or_else(|p| p.into_inner()).push(mem);
    out
}

/// True when `password` matches the PHC string `phc`. A malformed `phc` is a mismatch.
/// Computed with reused memory ([`with_memory`]) and compared in constant time.
pub fn verify(password: &str, phc: &str) -> bool {
    use argon2::password_hash::phc::PasswordHash;
    let Ok(h) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        argon2::Algorithm::try_from(h.algorithm.as_str()),
        argon2::Params::try_from(&h),
    ) else {
        return false;
    };
    let version = match h.version.map(argon2::Version::try_from) {
        None => argon2::Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (&h.salt, &h.hash) else {
        return false;
    };
    let expected = expected.as_ref();
    let mut out = [0u8; 64];
    let Some(out) = out.get_mut(..expected.len()) else {
        return false;
    };
    let blocks = params.block_count();
    let a = Argon2::new(algorithm, version, params);
    with_memory(blocks, |mem| {
        a.hash_password_into_with_memory(password.as_bytes(), salt.as_ref(), out, mem)
            .is_ok()
            && crate::token::ct_eq(out, expected)
    })
}

/// Verifies against a fixed dummy hash, so an unknown user costs the same time as a wrong
/// password (SECURITY.md A.5). Always false.
pub fn verify_dummy(password: &str) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash("dummy password for timing").unwrap_or_default());
    // Whatever the result, an unknown account never logs in.
    let _ = verify(password, phc);
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_unique_salts() {
        let a = hash("correct horse battery staple").unwrap_or_default();
        let b = hash("correct horse battery staple").unwrap_or_default();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash gets its own salt");
        assert!(verify("correct horse battery staple", &a));
        assert!(!verify("correct horse battery stapl", &a));
    }

    #[test]
    fn pooled_verification_agrees_with_the_library_for_any_parameters() {
        use argon2::{ParamsBuilder, PasswordVerifier};
        // Hashes made by the library with other parameters and algorithms still verify.
        for (alg, m, t) in [
            (argon2::Algorithm::Argon2id, 4096, 3),
            (argon2::Algorithm::Argon2i, 8192, 1),
            (argon2::Algorithm::Argon2id, 19456, 2),
        ] {
            let params = ParamsBuilder::new()
                .m_cost(m)
                .t_cost(t)
                .p_cost(1)
                .build()
                .unwrap_or_else(|e| panic!("{e}"));
            let a = Argon2::new(alg, argon2::Version::V0x13, params);
            let phc = a
                .hash_password(b"tr0ub4dor&3 tr0ub4dor")
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(verify("tr0ub4dor&3 tr0ub4dor", &phc), "{phc}");
            assert!(!verify("tr0ub4dor&3 tr0ub4doR", &phc), "{phc}");
            assert!(
                a.verify_password(b"tr0ub4dor&3 tr0ub4dor", phc.as_str())
                    .is_ok()
            );
        }
        // A tampered hash value or salt is a mismatch.
        let good = hash("correct horse battery staple").unwrap_or_default();
        let mut bad = good.clone();
        let last = bad.pop().unwrap_or('A');
        bad.push(if last == 'A' { 'B' } else { 'A' });
        assert!(!verify("correct horse battery staple", &bad));
        assert!(verify("correct horse battery staple", &good));
    }

    #[test]
    fn malformed_hash_is_a_mismatch_not_a_panic() {
        assert!(!verify("x", "not a phc string"));
        assert!(!verify_dummy("anything"));
    }
}
