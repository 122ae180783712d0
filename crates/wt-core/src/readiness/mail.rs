//! The check about outgoing mail: invites, resets and security notices reach people.
//!
//! Mail is not readiness of the daemon (`/readyz` ignores it: requests are served while
//! the relay is down, and queued mail is kept), but an org whose invites wait for hours
//! should hear of it: the check warns, never fails, so it makes no deploy gate red unless
//! asked to (`wt check --fail-on warn`).

use super::*;
use crate::mail::DeliveryFailure;

/// Mail still undelivered this long after it was queued warns: 15 minutes (about five
/// attempts of the mailer's backoff, 30 s doubling).
pub const MAIL_LATE_AFTER: i64 = 15 * 60;

/// `42 minutes`, `3 hours`, `2 days`.
fn age(secs: i64) -> String {
    let m = secs.max(0) / 60;
    if m < 120 {
        count(m as usize, "minute")
    } else if m < 48 * 60 {
        count((m / 60) as usize, "hour")
    } else {
        count((m / (24 * 60)) as usize, "day")
    }
}

/// Item 7 (operations): the org's mail is delivered, or the report says why not.
pub fn mail_delivery(s: &Snapshot) -> ReadinessCheck {
    let late: Vec<&LateMail> = s
        .mail
        .oldest
        .iter()
        .filter(|m| s.now - m.queued_at >= MAIL_LATE_AFTER)
        .collect();
    let total = (s.mail.late as usize).max(late.len());
    let evidence = late
        .iter()
        .map(|m| {
            let why = m.failure.map_or("not tried yet", DeliveryFailure::id);
            ev(
                "mail",
                &m.id,
                &m.to,
                format!(
                    "queued {} ago, {}, last error: {why}",
                    age(s.now - m.queued_at),
                    count(m.attempts.max(0) as usize, "attempt")
                ),
            )
        })
        .collect();
    let failure = late.iter().find_map(|m| m.failure);
    let (status, summary) = match late.first() {
        None => (
            CheckStatus::Pass,
            format!(
                "no mail has waited more than {} for delivery",
                age(MAIL_LATE_AFTER)
            ),
        ),
        Some(oldest) => (
            CheckStatus::Warn,
            format!(
                "{} undelivered for more than {}, the oldest for {}{}",
                count(total, "mail"),
                age(MAIL_LATE_AFTER),
                age(s.now - oldest.queued_at),
                match failure {
                    Some(f) => format!("; last error: {} ({f})", f.explains()),
                    None => String::new(),
                }
            ),
        ),
    };
    let remedy = match failure {
        Some(f) => format!(
            "{}; queued mail is kept and sent once the relay accepts it",
            f.remedy()
        ),
        None => "read wtd's log (`mail delivery failed`); the relay is set with --smtp-url, \
                 --smtp-ca-file, --smtp-user and --smtp-password-file; queued mail is kept \
                 and sent once the relay accepts it"
            .to_string(),
    };
    check(
        s,
        "mail_delivery",
        "Outgoing mail delivered",
        status,
        summary,
        evidence,
        &remedy,
    )
}
