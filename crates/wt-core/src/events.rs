//! Ingested events as consumers read them: how long they are kept (the installation's
//! retention and an org's override, [`effective_retention`], [`cutoff`]) and, on
//! PostgreSQL, up to which sequence number a reader may hand events out without ever
//! skipping one that commits later ([`Watermark`]).
//!
//! Why a watermark: on PostgreSQL `seq` comes from an identity sequence, drawn when a row
//! is inserted, not when its transaction commits. Two ingest groups (two daemons, or two
//! tasks of one) can commit out of order: seq 101 visible while 100 is still in flight. A
//! consumer that moved its cursor past 101 would never see 100. SQLite has one writer, so
//! there seq order is commit order and every committed event is safe.

use crate::clock::UnixTime;
use std::collections::VecDeque;

/// The installation's retention when `wtd --event-retention` is not given: 7 days.
pub const DEFAULT_RETENTION: i64 = 7 * DAY;
/// The shortest retention (an installation's or an org's): one hour.
pub const MIN_RETENTION: i64 = 3600;
/// The longest retention: ten years.
pub const MAX_RETENTION: i64 = 3650 * DAY;
const DAY: i64 = 86_400;

/// Why a retention was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetentionError {
    #[error("event retention must be between 1 hour and 3650 days (got {0} seconds)")]
    OutOfRange(i64),
}

/// Checks a retention in seconds (installation default or org override).
pub fn check_retention(seconds: i64) -> Result<i64, RetentionError> {
    if (MIN_RETENTION..=MAX_RETENTION).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(RetentionError::OutOfRange(seconds))
    }
}

/// The retention that applies to an org: its override, else the installation's.
pub fn effective_retention(org_override: Option<i64>, installation: i64) -> i64 {
    org_override.unwrap_or(installation)
}

/// Events received before this time have expired at `now` under `retention` seconds.
pub fn cutoff(now: UnixTime, retention: i64) -> UnixTime {
    now.saturating_sub(retention)
}

/// Where a consumer resumes: after its cursor, unless retention pruned past it; then
/// after the pruning horizon, and the caller says there was a gap.
pub fn resume_after(requested: i64, pruned_through: i64) -> (i64, bool) {
    if requested < pruned_through {
        (pruned_through, true)
    } else {
        (requested, false)
    }
}

/// One look at the database (PostgreSQL): the highest committed seq, and the snapshot's
/// bounds (`pg_snapshot_xmax`: every transaction id below it had started; `xmin`: the
/// oldest one still running), at `at` (seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub at: UnixTime,
    pub max_seq: i64,
    pub xmax: i64,
    pub xmin: i64,
}

/// How long after a probe its snapshot's `xmax` is taken as the bound of the transactions
/// that may still hold a seq below the probe's `max_seq`, in seconds. A transaction draws
/// its first seq at most microseconds before it gets its transaction id (the insert
/// evaluates the default, then writes the row), so a later probe's `xmax` covers it.
pub const SETTLE: i64 = 2;

/// Probes kept at most while a long transaction holds `xmin` back: older ones are
/// dropped, which only makes the watermark more cautious (it waits for a newer one).
const MAX_PROBES: usize = 1024;

/// The highest seq below which every event has committed (or never will): readers on
/// PostgreSQL hand out events up to it only.
///
/// Probe `i` saw `max_seq` S. Every transaction that can still commit an event with a seq
/// at or below S drew that seq before probe `i`, so it had a transaction id before any
/// probe taken [`SETTLE`] seconds later (`j`); once the oldest running transaction
/// (`xmin`) is at or past `j`'s `xmax`, all of them have ended, and S is safe.
#[derive(Debug, Clone, Default)]
pub struct Watermark {
    probes: VecDeque<Probe>,
    safe: i64,
    /// A probe has settled: `safe` is a real answer (before, 0 means "not known yet", and
    /// a reader starting "from now" would start from the beginning).
    known: bool,
}

impl Watermark {
    pub fn new() -> Self {
        Self::default()
    }

    /// The current watermark (0 before the first one is known).
    pub fn safe(&self) -> i64 {
        self.safe
    }

    /// Whether the watermark is known yet (a probe has settled).
    pub fn known(&self) -> bool {
        self.known
    }

    /// Takes a new probe into account; returns the watermark.
    pub fn observe(&mut self, p: Probe) -> i64 {
        self.probes.push_back(p);
        while let Some(first) = self.probes.front().copied() {
            let later = self.probes.iter().find(|q| q.at >= first.at + SETTLE);
            match later {
                Some(j) if p.xmin >= j.xmax => {
                    self.safe = self.safe.max(first.max_seq);
                    self.known = true;
                    self.probes.pop_front();
                }
                _ => break,
            }
        }
        while self.probes.len() > MAX_PROBES {
            self.probes.pop_front();
        }
        self.safe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_is_the_orgs_override_else_the_installations_within_bounds() {
        assert_eq!(effective_retention(None, DEFAULT_RETENTION), 7 * DAY);
        assert_eq!(effective_retention(Some(DAY), DEFAULT_RETENTION), DAY);
        assert_eq!(check_retention(3600), Ok(3600));
        assert_eq!(check_retention(3599), Err(RetentionError::OutOfRange(3599)));
        assert!(check_retention(MAX_RETENTION + 1).is_err());
        assert!(check_retention(-1).is_err());
        assert_eq!(cutoff(1_000_000, DAY), 1_000_000 - DAY);
        assert_eq!(cutoff(i64::MIN, DAY), i64::MIN);
    }

    #[test]
    fn a_cursor_older_than_the_pruned_horizon_resumes_there_with_a_gap() {
        assert_eq!(resume_after(10, 0), (10, false));
        assert_eq!(resume_after(10, 10), (10, false));
        assert_eq!(resume_after(3, 10), (10, true));
        assert_eq!(resume_after(0, 500), (500, true));
    }

    fn probe(at: i64, max_seq: i64, xmax: i64, xmin: i64) -> Probe {
        Probe {
            at,
            max_seq,
            xmax,
            xmin,
        }
    }

    #[test]
    fn the_watermark_waits_for_a_settled_probe_and_for_older_transactions_to_end() {
        let mut w = Watermark::new();
        // Nothing is safe from one probe alone.
        assert_eq!(w.observe(probe(100, 50, 1000, 1000)), 0);
        assert!(!w.known());
        // One second later: not settled yet.
        assert_eq!(w.observe(probe(101, 60, 1005, 1005)), 0);
        // Two seconds later, but transaction 1003 (started before that probe) still runs.
        assert_eq!(w.observe(probe(102, 70, 1010, 1003)), 0);
        assert_eq!(w.observe(probe(103, 70, 1012, 1003)), 0);
        // It ended: the probes at 100, 101 and 102 are settled by those 2 s after them
        // (xmax 1010, 1012, 1012 <= xmin 1012): up to 70 is safe; 103's needs one at 105.
        assert_eq!(w.observe(probe(104, 80, 1012, 1012)), 70);
        assert!(w.known());
        // Idle database: everything up to a settled probe's max.
        assert_eq!(w.observe(probe(110, 80, 1012, 1012)), 80);
    }

    #[test]
    fn the_watermark_never_goes_back_and_stays_bounded_under_a_long_transaction() {
        let mut w = Watermark::new();
        for t in 0..5000 {
            w.observe(probe(t, t, 10 + t, 5));
        }
        assert_eq!(w.safe(), 0, "a transaction older than every probe holds it");
        assert!(w.probes.len() <= MAX_PROBES);
        let s = w.observe(probe(5000, 5000, 6000, 6000));
        assert!(s >= 4990 - MAX_PROBES as i64, "{s}");
        let again = w.observe(probe(5001, 10, 6000, 6000));
        assert!(again >= s, "never lower");
    }
}
