//! The check about audit sinks (`wt audit sinks`): the log reaches the SIEM.
//!
//! Listed only for an org with a sink. A sink that keeps failing longer than
//! `sink_failing_max_minutes` fails the check (the copy outside the installation is no
//! longer kept); one more than `sink_lag_max_minutes` behind, or paused, warns.

use super::*;

fn minutes(secs: i64) -> String {
    count((secs.max(0) / 60) as usize, "minute")
}

/// The org's audit sinks receive the log, or the report says which does not and why.
pub fn audit_sinks(s: &Snapshot) -> ReadinessCheck {
    let lag_max = i64::from(s.settings.sink_lag_max_minutes) * 60;
    let failing_max = i64::from(s.settings.sink_failing_max_minutes) * 60;
    let mut status = CheckStatus::Pass;
    let mut evidence = Vec::new();
    let (mut failing, mut lagging, mut paused) = (0usize, 0usize, 0usize);
    for sink in &s.sinks {
        let failing_for = sink.failing_since.map(|t| s.now - t);
        let detail = if let Some(f) = failing_for.filter(|f| *f > failing_max) {
            failing += 1;
            status = CheckStatus::Fail;
            format!(
                "failing for {}, {} behind; last error: {}",
                minutes(f),
                count(sink.lag_entries.max(0) as usize, "entry"),
                sink.last_error.as_deref().unwrap_or("unknown")
            )
        } else if sink.paused {
            paused += 1;
            status = status.max(CheckStatus::Warn);
            format!(
                "paused, {} behind",
                count(sink.lag_entries.max(0) as usize, "entry")
            )
        } else if sink.lag_seconds > lag_max {
            lagging += 1;
            status = status.max(CheckStatus::Warn);
            format!(
                "{} behind, the oldest waiting for {}{}",
                count(sink.lag_entries.max(0) as usize, "entry"),
                minutes(sink.lag_seconds),
                match &sink.last_error {
                    Some(e) => format!("; last error: {e}"),
                    None => String::new(),
                }
            )
        } else {
            continue;
        };
        evidence.push(ev("audit_sink", &sink.id, &sink.name, detail));
    }
    let summary = match status {
        CheckStatus::Pass => format!(
            "{} no more than {} behind",
            count(s.sinks.len(), "audit sink"),
            minutes(lag_max)
        ),
        _ => {
            let mut parts = Vec::new();
            if failing > 0 {
                parts.push(format!(
                    "{} failing for more than {}",
                    count(failing, "sink"),
                    minutes(failing_max)
                ));
            }
            if lagging > 0 {
                parts.push(format!(
                    "{} more than {} behind",
                    count(lagging, "sink"),
                    minutes(lag_max)
                ));
            }
            if paused > 0 {
                parts.push(format!("{} paused", count(paused, "sink")));
            }
            parts.join(", ")
        }
    };
    check(
        s,
        "audit_sinks",
        "Audit log streamed to its sinks",
        status,
        summary,
        evidence,
        "see `wt audit sinks list` for each sink's last error; fix the receiver (address, \
         certificate, secret) and check with `wt audit sinks test NAME`; `wt audit sinks \
         resume NAME` restarts a paused one. Nothing is lost meanwhile: delivery resumes \
         from the last entry the receiver accepted",
    )
}
