//! Where the console may send someone after they sign in (`/login?next=...`): a path of
//! this site only, never another site (an open redirect, CWE-601).
//!
//! Accepted: a relative reference that starts with exactly one `/`, in printable ASCII
//! without spaces or backslashes, at most [`MAX_NEXT`] bytes. That leaves out, among
//! others, `//evil.example` and `/\evil.example` (both read by browsers as another host),
//! `https://evil.example` and `javascript:...` (a scheme), and tabs or newlines (which
//! browsers drop from URLs, turning `/\t/evil.example` into `//evil.example`).

/// The longest `next` kept.
pub const MAX_NEXT: usize = 512;

/// `raw` if it is a safe place to return to after signing in, else `None` (the caller
/// then uses its own default).
pub fn safe_next(raw: &str) -> Option<&str> {
    let ok = raw.len() <= MAX_NEXT
        && raw.starts_with('/')
        && !raw.starts_with("//")
        && raw.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    ok.then_some(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_paths_with_their_queries_are_kept() {
        for p in [
            "/device",
            "/device?user_code=BCDF-GHJK",
            "/members/usr_01?tab=sessions#top",
            "/",
        ] {
            assert_eq!(safe_next(p), Some(p), "{p}");
        }
    }

    #[test]
    fn other_sites_schemes_and_tricks_are_refused() {
        for p in [
            "",
            "device",
            "//evil.example",
            "//evil.example/device",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "https://evil.example/",
            "http:/evil.example",
            "javascript:alert(1)",
            "data:text/html,hi",
            " /device",
            "/dévice",
            "/device\u{0}",
        ] {
            assert_eq!(safe_next(p), None, "{p:?}");
        }
        let long = format!("/{}", "a".repeat(MAX_NEXT));
        assert_eq!(safe_next(&long), None);
        let longest = format!("/{}", "a".repeat(MAX_NEXT - 1));
        assert_eq!(safe_next(&longest), Some(longest.as_str()));
    }
}
