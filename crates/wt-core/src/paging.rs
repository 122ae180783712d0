//! Keyset pagination: where a page of a listing starts, and the opaque cursor (`next_cursor`
//! in a page, `?cursor=` in the next request) that carries it.
//!
//! A page starts just after the previous page's last row in the listing's order, so rows
//! added or removed between two requests never make a page repeat or skip a row that was
//! there all along (an offset would). The cursor holds the last row's sort key itself, not
//! only its id: the next page is found even when that member has left in between.
//!
//! Cursors are opaque to clients (base64url of a versioned text): a client passes back
//! what it was given. [`MemberAfter::from_cursor`] refuses anything it did not make, so a
//! mangled cursor is a clear error rather than a silently different page.

use crate::clock::UnixTime;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The most rows one page of a listing may ask for (members, ingestion keys).
pub const PAGE_MAX: u32 = 200;

/// Version tag of the members cursor's text, so that its format can change later.
const MEMBER_CURSOR_TAG: &str = "m1";

/// Longest user id a cursor may carry (ids are `usr_` + 16 base62 characters; room to grow).
const MAX_ID_LEN: usize = 64;

/// A position in an org's member list, ordered by when each member joined, then by user
/// id (unique in an org, so the order is total and a page boundary is exact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberAfter {
    /// When the page's last member joined the org.
    pub joined_at: UnixTime,
    /// That member's user id.
    pub user_id: String,
}

impl MemberAfter {
    /// The opaque cursor for this position.
    pub fn to_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{MEMBER_CURSOR_TAG}:{}:{}",
            self.joined_at, self.user_id
        ))
    }

    /// The position a cursor from [`Self::to_cursor`] holds; `None` for anything else.
    pub fn from_cursor(cursor: &str) -> Option<Self> {
        if cursor.len() > 2 * MAX_ID_LEN + 64 {
            return None;
        }
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
        let mut parts = text.splitn(3, ':');
        if parts.next()? != MEMBER_CURSOR_TAG {
            return None;
        }
        let joined = parts.next()?;
        let user_id = parts.next()?;
        // Digits only: `+7` or ` 7` would parse but is not what `to_cursor` writes.
        if joined.is_empty() || !joined.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let joined_at: UnixTime = joined.parse().ok()?;
        let id_ok = !user_id.is_empty()
            && user_id.len() <= MAX_ID_LEN
            && user_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        id_ok.then(|| MemberAfter {
            joined_at,
            user_id: user_id.to_string(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(joined_at: UnixTime, user_id: &str) -> MemberAfter {
        MemberAfter {
            joined_at,
            user_id: user_id.into(),
        }
    }

    #[test]
    fn a_member_cursor_gives_back_its_position() {
        for p in [
            at(0, "usr_a"),
            at(1_800_000_000, "usr_3kT9aaaaaaaaaaaa"),
            at(i64::MAX, "usr_x-y"),
        ] {
            let c = p.to_cursor();
            assert!(
                c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "safe in a query string unescaped: {c}"
            );
            assert_eq!(MemberAfter::from_cursor(&c), Some(p));
        }
    }

    #[test]
    fn a_cursor_it_did_not_make_is_refused() {
        let enc = |s: &str| URL_SAFE_NO_PAD.encode(s);
        for bad in [
            String::new(),
            "not base64!".into(),
            "usr_abc".into(),
            "12345".into(),
            enc("m1:123"),
            enc("m1::usr_a"),
            enc("m1:-5:usr_a"),
            enc("m1:+5:usr_a"),
            enc("m1:5:"),
            enc("m1:5:usr a"),
            enc("m1:5:usr_a'--"),
            enc("m2:5:usr_a"),
            enc(&format!("m1:5:{}", "a".repeat(65))),
            enc("m1:99999999999999999999:usr_a"),
            URL_SAFE_NO_PAD.encode([0xff, 0xfe, b':']),
            "A".repeat(10_000),
        ] {
            assert_eq!(MemberAfter::from_cursor(&bad), None, "{bad:?}");
        }
    }
}
