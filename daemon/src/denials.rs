//! Rate limiting of audit entries for refused requests: a flood of requests with a revoked
//! key, or from an address outside the allowed list, writes one entry per subject and
//! reason per [`WINDOW`] seconds, carrying how many were suppressed since the last one.
//! The refusals themselves are never rate-limited, only their entries.

use std::collections::HashMap;
use std::sync::Mutex;

/// At most one entry per subject and reason in this many seconds.
pub const WINDOW: i64 = 60;
/// Subjects remembered; beyond this the map starts afresh (bounded memory under a flood
/// of distinct subjects; the cost is at most one extra entry per subject).
const MAX_SUBJECTS: usize = 10_000;

#[derive(Debug, Default)]
pub struct Denials {
    seen: Mutex<HashMap<String, (i64, u64)>>,
}

impl Denials {
    /// `Some(suppressed)` when an entry should be written now for `subject` (e.g.
    /// `key_123:revoked`), with the number of refusals not written since the last entry.
    pub fn should_log(&self, subject: &str, now: i64) -> Option<u64> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= MAX_SUBJECTS && !seen.contains_key(subject) {
            seen.clear();
        }
        match seen.get_mut(subject) {
            Some((at, suppressed)) if now - *at < WINDOW => {
                *suppressed += 1;
                None
            }
            Some((at, suppressed)) => {
                let n = *suppressed;
                *at = now;
                *suppressed = 0;
                Some(n)
            }
            None => {
                seen.insert(subject.to_string(), (now, 0));
                Some(0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_per_window_with_the_suppressed_count() {
        let d = Denials::default();
        assert_eq!(d.should_log("k:revoked", 100), Some(0));
        assert_eq!(d.should_log("k:revoked", 101), None);
        assert_eq!(d.should_log("k:revoked", 159), None);
        assert_eq!(d.should_log("k:expired", 101), Some(0), "reasons are apart");
        assert_eq!(d.should_log("k:revoked", 160), Some(2));
        assert_eq!(d.should_log("k:revoked", 161), None);
    }

    #[test]
    fn memory_is_bounded() {
        let d = Denials::default();
        for i in 0..(MAX_SUBJECTS + 5) {
            d.should_log(&format!("s{i}"), 0);
        }
        assert!(d.seen.lock().map(|m| m.len()).unwrap_or(usize::MAX) <= MAX_SUBJECTS);
    }
}
