//! The check about the audit log: sensitive entries reviewed in time.

use super::*;

/// Item 6: sensitive audit entries reviewed within the window.
pub fn audit_reviewed(s: &Snapshot) -> ReadinessCheck {
    let window = i64::from(s.settings.audit_review_window_days) * DAY;
    let pending = &s.unreviewed_sensitive;
    let evidence: Vec<Evidence> = pending
        .iter()
        .map(|e| {
            ev(
                "audit_entry",
                &e.seq.to_string(),
                &e.action,
                format!("by {} {} days ago", e.actor, days(s.now - e.occurred_at)),
            )
        })
        .collect();
    let oldest = pending.first().map(|e| e.occurred_at);
    let (status, summary) = match (oldest, s.last_audit_review_at) {
        (None, _) => (
            CheckStatus::Pass,
            "every sensitive change is covered by a review".to_string(),
        ),
        (Some(_), None) => (
            CheckStatus::Fail,
            format!(
                "the audit log was never reviewed; {} await review",
                count(pending.len(), "sensitive entry")
            ),
        ),
        (Some(o), Some(_)) if s.now - o > window => (
            CheckStatus::Fail,
            format!(
                "{} unreviewed, the oldest {} days old (window {} days)",
                count(pending.len(), "sensitive entry"),
                days(s.now - o),
                s.settings.audit_review_window_days
            ),
        ),
        (Some(_), Some(_)) => (
            CheckStatus::Warn,
            format!(
                "{} since the last review, within the {}-day window",
                count(pending.len(), "sensitive entry"),
                s.settings.audit_review_window_days
            ),
        ),
    };
    check(
        s,
        "audit_reviewed",
        "Audit logs reviewed after sensitive changes",
        status,
        summary,
        evidence,
        "read them (`wt audit list --unreviewed`), then record the review: `wt audit review`",
    )
}
