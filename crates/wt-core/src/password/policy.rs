//! The rules a new password must meet (SECURITY.md A.2-A.4), after NIST SP 800-63B
//! §3.1.1.2: a minimum length (8 where the role has MFA enforced, else 15) counted in
//! Unicode scalar values, a maximum (128, refused before any hashing), no composition
//! rules, and a blocklist — here three layers, each refusing with a reason shown to the
//! person:
//!
//! 1. the breached/common-password list (data/common-passwords.txt, 38,452 entries from
//!    the top 100,000 of SecLists' 10-million list; compiled into an `fst::Set` by
//!    build.rs and queried in place),
//! 2. context words: the product name, the org's name and slug, the email's local part and
//!    domain labels and the person's name, as substrings (4 characters or more),
//! 3. a guess estimate by `zxcvbn` (its own lists of passwords, words and names, keyboard
//!    walks, repeats, sequences, years, dates, leetspeak, with the same context words as
//!    "user inputs"): fewer than [`MIN_GUESSES`] guesses is refused with zxcvbn's
//!    feedback in plain words. The estimate is bounded in time ([`estimate`]): the first
//!    64 characters, and the letter readings of at most three kinds of l33t symbols
//!    (`benches/password_policy.rs` measures it).
//!
//! The same function runs in `wt` before it asks to repeat a password, and in `wtd`,
//! which decides.

use std::sync::LazyLock;
use zxcvbn::matching::patterns::MatchPattern;

/// Shortest password when the role has MFA enforced.
pub const MIN_LEN_WITH_MFA: usize = 8;
/// Shortest password when the role has no MFA enforced.
pub const MIN_LEN_WITHOUT_MFA: usize = 15;
/// Longest password accepted; longer is refused before hashing.
pub const MAX_LEN: usize = 128;

/// The fewest guesses zxcvbn may estimate for an accepted password: 10^8, the bottom of
/// its score 3 ("safely unguessable: moderate protection from an offline slow-hash
/// attack"; the zxcvbn authors call anything lower too weak). Chosen because:
/// - it is what 8 characters with no pattern zxcvbn knows are worth (10 guesses per
///   character): the shortest password we allow with MFA, so a random 8-character password
///   still passes, and one with known parts must be longer to make up for them;
/// - online, the login throttle (SECURITY.md A.6, at most 100 guesses an hour an account)
///   makes 10^8 guesses take over 100 years;
/// - offline, each guess costs an argon2id hash with 19 MiB of memory;
/// - passphrases of three or four ordinary words clear it by orders of magnitude
///   ("correct horse battery staple 42": about 10^19).
pub const MIN_GUESSES: u64 = 100_000_000;

/// The product's name: always a context word.
const PRODUCT: &str = "watchtower";

/// Context words shorter than this are not refused as substrings (a two-letter org name
/// would refuse too much); zxcvbn still weighs them.
const MIN_CONTEXT_WORD: usize = 4;

/// Why a password was refused. The message is shown to the person choosing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error(
        "password is too short: use at least {min} characters (a passphrase of a few words works well)"
    )]
    TooShort { min: usize },
    #[error("password is too long: use at most {MAX_LEN} characters")]
    TooLong,
    /// The context word found, lower-cased.
    #[error(
        "password must not contain \"{0}\" (the product's name, your organisation, email address or name): attackers try those first"
    )]
    ContextWord(String),
    #[error(
        "this password is in lists of breached and common passwords, which attackers try first: choose another (a passphrase of a few unrelated words works well)"
    )]
    Common,
    /// zxcvbn's warning and suggestions, as sentences.
    #[error("password is too easy to guess{0}")]
    Guessable(String),
}

/// The blocklist, compiled by build.rs from data/common-passwords.txt.
static COMMON_FST: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/common-passwords.fst"));

/// The blocklist as a set over the bytes compiled in: opening it reads only its header,
/// and a lookup walks at most one path of the automaton.
static COMMON: LazyLock<Option<fst::Set<&'static [u8]>>> =
    LazyLock::new(|| fst::Set::new(COMMON_FST).ok());

/// Number of passwords in the blocklist.
pub fn common_count() -> usize {
    COMMON.as_ref().map_or(0, |s| s.len())
}

/// True when `password`, lower-cased, is on the breached/common-password list.
pub fn is_common(password: &str) -> bool {
    COMMON
        .as_ref()
        .is_some_and(|s| s.contains(password.to_lowercase()))
}

/// The shortest password allowed: shorter where MFA is enforced for the role (A.2).
pub fn min_len(mfa_enforced: bool) -> usize {
    if mfa_enforced {
        MIN_LEN_WITH_MFA
    } else {
        MIN_LEN_WITHOUT_MFA
    }
}

/// The words a password must not be built on, from what we know about the person: each
/// `context` item (org name, org slug, email, the person's name; empty ones skipped) is
/// lower-cased and kept whole, an email is split into its local part and its domain's
/// labels (all but the last: "com" or "io" is in everyone's address), and every item is
/// also split into its letters-and-digits runs ("ann.smith" -> "ann", "smith"). The
/// product name comes first.
pub fn context_words(context: &[&str]) -> Vec<String> {
    let mut words = vec![PRODUCT.to_string()];
    let mut push = |w: &str| {
        let w = w.trim();
        if !w.is_empty() && !words.iter().any(|x| x == w) {
            words.push(w.to_string());
        }
    };
    for item in context {
        let item = item.trim().to_lowercase();
        let parts: Vec<&str> = match item.split_once('@') {
            Some((local, domain)) => {
                let labels: Vec<&str> = domain.split('.').collect();
                let keep = labels.len().saturating_sub(1).max(1);
                std::iter::once(local)
                    .chain(labels.into_iter().take(keep))
                    .collect()
            }
            None => vec![item.as_str()],
        };
        for part in parts {
            push(part);
            for piece in part.split(|c: char| !c.is_alphanumeric()) {
                push(piece);
            }
        }
    }
    words
}

/// Checks a new password (see the module doc). `mfa_enforced` says whether the person's
/// role must use MFA (the length rule); `context` is what we know of them: org name, org
/// slug, email, name, in any order ([`context_words`]).
pub fn check_policy(
    password: &str,
    mfa_enforced: bool,
    context: &[&str],
) -> Result<(), PolicyError> {
    let len = password.chars().count();
    if len > MAX_LEN {
        return Err(PolicyError::TooLong);
    }
    // Common first: "too short" would invite the person to pad a known password.
    if is_common(password) {
        return Err(PolicyError::Common);
    }
    let min = min_len(mfa_enforced);
    if len < min {
        return Err(PolicyError::TooShort { min });
    }
    let words = context_words(context);
    let lower = password.to_lowercase();
    if let Some(w) = words
        .iter()
        .find(|w| w.chars().count() >= MIN_CONTEXT_WORD && lower.contains(w.as_str()))
    {
        return Err(PolicyError::ContextWord(w.clone()));
    }
    let inputs: Vec<&str> = words.iter().map(String::as_str).collect();
    let estimate = estimate(password, &inputs);
    if estimate.guesses() < MIN_GUESSES {
        return Err(PolicyError::Guessable(reason(&estimate, &words)));
    }
    Ok(())
}

/// At most this many characters are estimated: zxcvbn's cost grows with the square of the
/// length (1.4 ms for 64 characters of words, 4.7 ms for its own cap of 100).
const ESTIMATE_CHARS: usize = 64;

/// The symbols zxcvbn's l33t matcher reads as letters (`@` as a, `(` as c, `|` as i or l...).
const L33T_SYMBOLS: &str = "@({[<!|$+%";

/// How many distinct [`L33T_SYMBOLS`] are given to zxcvbn as they are. The matcher tries
/// every combination of readings of the symbols present, so its cost explodes with their
/// number (0.7 s for 100 characters of `4@8({[<3691|7$5+%20!` repeated, when an argon2
/// hash takes about 30 ms). Three covers the leetspeak people type (`p@$$w0rd!`).
const L33T_SYMBOLS_READ: usize = 3;

/// zxcvbn's estimate of `password`, bounded in time: the first [`ESTIMATE_CHARS`]
/// characters, with each distinct l33t symbol after the first [`L33T_SYMBOLS_READ`]
/// replaced by a character of its own that reads as nothing (a private-use code point, 16
/// apart so that neighbours never form a sequence). Repeats and the rest of the pattern
/// survive; only the letter readings of those extra symbols are not tried, and a password
/// with four or more kinds of them is not an everyday leetspeak word.
fn estimate(password: &str, inputs: &[&str]) -> zxcvbn::Entropy {
    let mut seen: Vec<char> = Vec::new();
    let bounded: String = password
        .chars()
        .take(ESTIMATE_CHARS)
        .map(|c| {
            if !L33T_SYMBOLS.contains(c) {
                return c;
            }
            let i = seen.iter().position(|&x| x == c).unwrap_or_else(|| {
                seen.push(c);
                seen.len() - 1
            });
            if i < L33T_SYMBOLS_READ {
                c
            } else {
                char::from_u32(0xE000 + 16 * i as u32).unwrap_or(c)
            }
        })
        .collect();
    zxcvbn::zxcvbn(&bounded, inputs)
}

/// zxcvbn's feedback as the rest of a sentence: ": <warning>. <suggestions>" (the
/// warning's first letter lower-cased), or ". <suggestions>" without a warning. A part
/// matched from the context words is named, since zxcvbn has no warning of its own for it.
fn reason(estimate: &zxcvbn::Entropy, words: &[String]) -> String {
    let personal = estimate.sequence().iter().find_map(|m| match &m.pattern {
        MatchPattern::Dictionary(d) if words.contains(&d.matched_word) => {
            Some(d.matched_word.clone())
        }
        _ => None,
    });
    let feedback = estimate.feedback();
    let warning = match personal {
        Some(w) => Some(format!(
            "it is built on \"{w}\", from your organisation, email address or name"
        )),
        None => feedback.and_then(|f| f.warning()).map(|w| {
            let w = w.to_string();
            let w = w.trim_end_matches('.');
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_lowercase().chain(chars).collect())
                .unwrap_or_default()
        }),
    };
    let suggestions: Vec<String> = feedback
        .map(|f| f.suggestions().iter().map(|s| s.to_string()).collect())
        .unwrap_or_default();
    let mut out = match warning {
        Some(w) => format!(": {w}."),
        None => ".".to_string(),
    };
    for s in suggestions {
        out.push(' ');
        out.push_str(&s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Org Acme (slug acme), Ann Smith <ann.smith@example.com>.
    const CTX: &[&str] = &["Acme", "acme", "ann.smith@example.com", "Ann Smith"];

    /// Which layer refuses a password.
    #[derive(Debug, PartialEq)]
    enum Layer {
        Common,
        Context,
        Guessable,
    }

    fn layer(e: &PolicyError) -> Option<Layer> {
        match e {
            PolicyError::Common => Some(Layer::Common),
            PolicyError::ContextWord(_) => Some(Layer::Context),
            PolicyError::Guessable(_) => Some(Layer::Guessable),
            _ => None,
        }
    }

    #[test]
    fn obvious_passwords_are_refused_with_a_reason() {
        use Layer::*;
        let table: &[(&str, Layer)] = &[
            // Issue #22's three.
            ("passwordpassword", Common),
            ("qwertyuiopasdfgh", Common),
            ("Acme2026Acme2026", Context),
            // Repeats.
            ("trustno1trustno1", Guessable),
            ("abcabcabcabc", Guessable),
            ("aaaaaaaaaaaa", Common),
            ("11111111", Common),
            ("2024202420242024", Guessable),
            // Keyboard walks.
            ("1qaz2wsx3edc", Common),
            ("zaq12wsxcde3", Common),
            ("q1w2e3r4t5y6", Common),
            ("asdfghjkl;'", Guessable),
            ("zxcvbnm,./", Guessable),
            ("Qwerty!2345", Guessable),
            // Sequences.
            ("abcdefghijkl", Common),
            ("1234567890123", Common),
            // Years and dates.
            ("19871987", Common),
            ("01011990", Common),
            ("January2025", Guessable),
            ("Summer2024!", Guessable),
            // Leetspeak, capitals and suffixes on common words.
            ("P@ssw0rd2024!", Guessable),
            ("p4ssw0rd!", Guessable),
            ("M0nkey123", Guessable),
            ("PASSWORD2024", Guessable),
            ("drowssap123", Guessable),
            ("Welcome123!", Guessable),
            ("letmein123!", Guessable),
            ("Football#1", Guessable),
            ("superman2000", Guessable),
            ("iloveyou!!!", Guessable),
            ("password123", Common),
            // Names.
            ("michael1990", Guessable),
            ("Jennifer1990", Guessable),
            // Context: the org, the email's local part and domain, the name, the product.
            ("Acme!Acme!", Context),
            ("acme-rocks-2026", Context),
            ("ann.smith2024", Context),
            ("smith1985!", Context),
            ("example2024!", Context),
            ("WatchTower2026", Context),
        ];
        assert!(table.len() >= 30);
        for (pw, want) in table {
            let err = check_policy(pw, true, CTX).err();
            let Some(err) = err else {
                panic!("{pw} was accepted");
            };
            assert_eq!(layer(&err).as_ref(), Some(want), "{pw}: {err}");
            // A reason, not just "refused".
            let msg = err.to_string();
            assert!(msg.len() > 40, "{pw}: {msg}");
        }
    }

    #[test]
    fn guessable_passwords_say_why_in_plain_words() {
        let msg = |pw: &str| {
            check_policy(pw, true, CTX)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert_eq!(
            msg("trustno1trustno1"),
            "password is too easy to guess: repeats like \"abcabcabc\" are only slightly harder to guess than \"abc\". Add another word or two. Uncommon words are better. Avoid repeated words and characters."
        );
        assert!(
            msg("P@ssw0rd2024!").contains("similar to a commonly used password")
                && msg("P@ssw0rd2024!").contains("Predictable substitutions"),
            "{}",
            msg("P@ssw0rd2024!")
        );
        assert!(msg("asdfghjkl;'").contains("straight rows of keys"));
        assert!(msg("January2025").starts_with("password is too easy to guess. Add another word"));
        // A context word of fewer than 4 letters is weighed by zxcvbn and named.
        let ctx = ["Zo", "zo", "ann@zo.io", "Ann"];
        let e = check_policy("Ann1990!", true, &ctx).err();
        let e = e.map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("built on \"ann\""), "{e}");
        // The three, refused with a reason each.
        assert_eq!(
            check_policy("passwordpassword", false, CTX),
            Err(PolicyError::Common)
        );
        assert!(
            PolicyError::Common
                .to_string()
                .contains("breached and common")
        );
        assert_eq!(
            check_policy("Acme2026Acme2026", false, CTX),
            Err(PolicyError::ContextWord("acme".into()))
        );
        // Without the org as context, zxcvbn still refuses the repeat.
        assert!(matches!(
            check_policy("Acme2026Acme2026", false, &[]),
            Err(PolicyError::Guessable(ref m)) if m.contains("repeats")
        ));
    }

    #[test]
    fn strong_passphrases_and_the_test_suites_passwords_are_accepted() {
        for pw in [
            "correct horse battery staple 42",
            "a different long passphrase 9",
            "a brand new passphrase 7",
            "a fresh and rather long passphrase 2026",
            "violet staple orbit",
            "unrelated passphrase",
            "fifteen chars!!",
            "glacier mango trombone",
        ] {
            assert_eq!(check_policy(pw, false, CTX), Ok(()), "{pw}");
        }
        // With MFA, 8 characters with no pattern zxcvbn knows are enough.
        for pw in ["x7#Kq9!m", "vR4$tz8w", "日本語のパスワー"] {
            assert_eq!(check_policy(pw, true, CTX), Ok(()), "{pw}");
        }
    }

    #[test]
    fn symbol_heavy_passwords_are_still_judged_by_their_patterns() {
        // Many kinds of l33t symbols: only three are read as letters (bounded time), and
        // a repeat of a strong unit is still strong...
        let symbols: String = "4@8({[<3691|7$5+%20!".chars().cycle().take(128).collect();
        assert_eq!(check_policy(&symbols, true, &[]), Ok(()));
        // ...while a repeat of a weak one is refused, and leetspeak is read as such.
        let weak: String = "p@$$w0rd!".chars().cycle().take(128).collect();
        assert!(matches!(
            check_policy(&weak, true, &[]),
            Err(PolicyError::Guessable(ref m)) if m.contains("repeats")
        ));
        assert!(check_policy("P@$$w0rd!2024", true, &[]).is_err());
    }

    #[test]
    fn length_rules_depend_on_mfa() {
        assert_eq!(
            check_policy("x7#Kq9!", true, &[]),
            Err(PolicyError::TooShort { min: 8 })
        );
        assert!(check_policy("x7#Kq9!m", true, &[]).is_ok());
        assert_eq!(
            check_policy("violet orbit 7", false, &[]),
            Err(PolicyError::TooShort { min: 15 })
        );
        assert!(check_policy("violet orbits 7", false, &[]).is_ok());
    }

    #[test]
    fn sixty_four_accepted_over_128_refused() {
        let words = "violet staple orbit glacier mango trombone ";
        let long: String = words.chars().cycle().take(128).collect();
        assert!(check_policy(&long[..64], true, &[]).is_ok());
        assert!(check_policy(&long, true, &[]).is_ok());
        let over: String = words.chars().cycle().take(129).collect();
        assert_eq!(check_policy(&over, true, &[]), Err(PolicyError::TooLong));
        // Refused by length before any estimate, however weak.
        assert_eq!(
            check_policy(&"a".repeat(129), true, &[]),
            Err(PolicyError::TooLong)
        );
    }

    #[test]
    fn unicode_counts_characters_and_is_not_truncated() {
        // 7 characters, 21 bytes.
        let pw7 = "日本語のパスワ";
        assert_eq!(pw7.chars().count(), 7);
        assert_eq!(
            check_policy(pw7, true, &[]),
            Err(PolicyError::TooShort { min: 8 })
        );
        let pw8 = "日本語のパスワー";
        assert!(check_policy(pw8, true, &[]).is_ok());
        let h = super::super::hash(&format!("{pw8}A")).unwrap_or_default();
        assert!(
            !super::super::verify(pw8, &h),
            "a prefix must not match: nothing is truncated"
        );
    }

    #[test]
    fn common_passwords_are_refused_with_a_reason() {
        for pw in [
            "password",
            "PASSWORD",
            "12345678",
            "baseball",
            "iloveyou",
            "Sunshine1",
        ] {
            assert_eq!(
                check_policy(pw, true, &[]),
                Err(PolicyError::Common),
                "{pw}"
            );
        }
        // Common before short: a short common password is called common.
        assert_eq!(
            check_policy("password", false, &[]),
            Err(PolicyError::Common)
        );
    }

    #[test]
    fn the_compiled_list_is_the_data_file() {
        let text = include_str!("../../data/common-passwords.txt");
        let entries: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect();
        assert!(entries.len() > 38_000, "{}", entries.len());
        assert_eq!(
            common_count(),
            entries.len(),
            "one fst key per line, no duplicates"
        );
        assert!(text.contains(&format!("# {} entries.\n", entries.len())));
        for e in &entries {
            assert!(e.chars().count() >= MIN_LEN_WITH_MFA, "{e}");
            assert_eq!(*e, e.to_lowercase(), "{e}");
            assert!(is_common(e), "{e}");
        }
        assert!(!is_common("correct horse battery staple 42"));
    }

    #[test]
    fn context_words_split_emails_and_names() {
        assert_eq!(
            context_words(&[
                "Acme Corp",
                "acme-corp",
                "Ann.Smith@mail.example.co",
                "Ann Smith"
            ]),
            [
                "watchtower",
                "acme corp",
                "acme",
                "corp",
                "acme-corp",
                "ann.smith",
                "ann",
                "smith",
                "mail",
                "example",
                "ann smith"
            ]
        );
        assert_eq!(context_words(&["", "  "]), ["watchtower"]);
        // A short org name is not refused as a substring.
        assert!(check_policy("violet zo orbit 7", true, &["Zo"]).is_ok());
        assert!(check_policy("unrelated passphrase", true, &["Acme"]).is_ok());
    }
}
