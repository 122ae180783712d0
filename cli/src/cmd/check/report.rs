//! The table report of `wt check`: a heading with the verdict, the checks (STATUS, CHECK,
//! SUMMARY, REMEDY), the evidence of every check that warns or fails, and the thresholds
//! in use. [`describe_evidence`] is shared with the JUnit report.

use super::FailOn;
use crate::CliError;
use crate::cmd::org::show::readiness_thresholds;
use crate::output::Io;
use comfy_table::{Cell, Color};
use wt_api::{CheckStatus, Evidence, Readiness, ReadinessCheck};

/// Evidence items shown per check in the table; the rest is counted ("… and 12 more").
/// JSON always carries all of them.
pub const TABLE_EVIDENCE_LIMIT: usize = 10;

/// The word shown for a status, upper case as a verdict.
fn status_word(s: CheckStatus) -> &'static str {
    match s {
        CheckStatus::Pass => "PASS",
        CheckStatus::Warn => "WARN",
        CheckStatus::Fail => "FAIL",
    }
}

/// The STATUS cell: coloured (comfy-table drops it when stdout is not a terminal or
/// `NO_COLOR` is set, see [`Io::table`]).
fn status_cell(s: CheckStatus) -> Cell {
    let color = match s {
        CheckStatus::Pass => Color::Green,
        CheckStatus::Warn => Color::Yellow,
        CheckStatus::Fail => Color::Red,
    };
    Cell::new(status_word(s)).fg(color)
}

/// One evidence item for people: `alice@example.com — no MFA (member usr_a)`.
pub fn describe_evidence(e: &Evidence) -> String {
    let what = if e.id.is_empty() || e.id == e.label {
        e.kind.clone()
    } else {
        format!("{} {}", e.kind, e.id)
    };
    format!("{} — {} ({what})", e.label, e.detail)
}

/// The checks table: STATUS, CHECK, SUMMARY, REMEDY.
fn checks_table(io: &Io, checks: &[ReadinessCheck]) -> comfy_table::Table {
    let mut table = io.table();
    table.set_header(vec!["STATUS", "CHECK", "SUMMARY", "REMEDY"]);
    for c in checks {
        table.add_row(vec![
            status_cell(c.status),
            Cell::new(&c.id),
            Cell::new(&c.summary),
            Cell::new(if c.remedy.is_empty() { "-" } else { &c.remedy }),
        ]);
    }
    table
}

/// The table report: a heading with the verdict, the checks, the evidence of every check
/// that warns or fails, and the thresholds in use.
pub(super) fn print_report(
    io: &Io,
    r: &Readiness,
    total: usize,
    fail_on: FailOn,
) -> Result<(), CliError> {
    let verdict = if r.ready { "ready" } else { "NOT READY" };
    let selected = if r.checks.len() == total {
        format!("{total} checks")
    } else {
        format!("{} of {total} checks selected", r.checks.len())
    };
    let fail_on = match fail_on {
        FailOn::Fail => "",
        FailOn::Warn => ", warnings count (--fail-on warn)",
    };
    io.println(&format!(
        "Readiness of {} ({}) at {}: {verdict} ({selected}{fail_on})",
        r.org.name, r.org.slug, r.checked_at
    ))?;
    io.println("")?;
    io.print_table(&checks_table(io, &r.checks))?;
    let flagged: Vec<&ReadinessCheck> = r
        .checks
        .iter()
        .filter(|c| {
            c.status != CheckStatus::Pass && (!c.evidence.is_empty() || c.evidence_withheld > 0)
        })
        .collect();
    if !flagged.is_empty() {
        io.println("")?;
        io.println("Evidence:")?;
        for c in flagged {
            io.println(&format!(
                "  {} {} ({})",
                status_word(c.status),
                c.id,
                c.title
            ))?;
            for e in c.evidence.iter().take(TABLE_EVIDENCE_LIMIT) {
                io.println(&format!("    - {}", describe_evidence(e)))?;
            }
            if c.evidence.len() > TABLE_EVIDENCE_LIMIT {
                io.println(&format!(
                    "    … and {} more (all of them: --format json)",
                    c.evidence.len() - TABLE_EVIDENCE_LIMIT
                ))?;
            }
            if c.evidence_withheld > 0 {
                io.println(&format!(
                    "    - {} not shown: your role cannot read them",
                    c.evidence_withheld
                ))?;
            }
        }
    }
    io.println("")?;
    let thresholds: Vec<String> = readiness_thresholds(&r.settings)
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    io.println(&format!(
        "Thresholds (`wt org set KEY VALUE` changes them): {}",
        thresholds.join(" ")
    ))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{member, ok, readiness_json};
    use crate::testutil::run_wt;

    #[tokio::test]
    async fn table_shows_status_check_summary_remedy_evidence_and_thresholds() {
        let r = run_wt(
            &["wt", "check", "--output", "table"],
            "",
            ok(readiness_json()),
        )
        .await;
        assert_eq!(r.failure().0, 1);
        let lines: Vec<&str> = r.out.lines().collect();
        assert_eq!(
            lines.first().copied().unwrap_or_default(),
            "Readiness of Acme (acme) at 2026-03-10T12:00:00Z: NOT READY (6 checks)"
        );
        let header = lines
            .iter()
            .find(|l| l.starts_with("STATUS"))
            .copied()
            .unwrap_or_default();
        assert_eq!(
            header.split_whitespace().collect::<Vec<_>>(),
            ["STATUS", "CHECK", "SUMMARY", "REMEDY"]
        );
        let row = |id: &str| {
            lines
                .iter()
                .find(|l| l.split_whitespace().nth(1) == Some(id))
                .copied()
                .unwrap_or_default()
        };
        assert!(row("mfa").starts_with("FAIL"), "{}", r.out);
        assert!(
            row("mfa").contains("summary of mfa") && row("mfa").contains("remedy for mfa"),
            "{}",
            r.out
        );
        assert!(row("key_owners").starts_with("WARN"), "{}", r.out);
        assert!(row("least_privilege").starts_with("PASS"), "{}", r.out);
        assert!(
            row("least_privilege").trim_end().ends_with('-'),
            "{}",
            r.out
        );
        assert!(
            r.out.contains(
                "  FAIL mfa (title of mfa)\n    - alice@example.com — no MFA (member usr_a)"
            ),
            "{}",
            r.out
        );
        assert!(
            r.out.contains(
                "  WARN key_owners (title of key_owners)\n    - billing-prod — older than 90 days (api_key key_1)"
            ),
            "{}",
            r.out
        );
        assert!(
            r.out.trim_end().ends_with(
                "Thresholds (`wt org set KEY VALUE` changes them): review-interval-days=90 privileged-share-max-percent=50 inactive-days=90 rotation-age-days=90 audit-review-window-days=7 sink-lag-max-minutes=15 sink-failing-max-minutes=60"
            ),
            "{}",
            r.out
        );
        assert!(!r.out.contains('\u{1b}'), "no colour when piped");
        assert!(
            !r.err.contains("not ready"),
            "the summary is the error, printed by main"
        );
    }

    #[tokio::test]
    async fn long_evidence_lists_are_cut_in_the_table_and_counted() {
        let mut body = readiness_json();
        let many: Vec<serde_json::Value> = (0..25)
            .map(|i| member(&format!("m{i}@example.com"), "no MFA"))
            .collect();
        body["checks"][0]["evidence"] = serde_json::json!(many);
        let r = run_wt(
            &["wt", "check", "--only", "mfa", "--output", "table"],
            "",
            ok(body),
        )
        .await;
        assert_eq!(r.failure().0, 1);
        assert!(r.out.contains("m9@example.com"), "{}", r.out);
        assert!(!r.out.contains("m10@example.com"), "{}", r.out);
        assert!(r.out.contains("… and 15 more (all of them: --format json)"));
        assert!(r.out.contains("(1 of 6 checks selected)"), "{}", r.out);
    }
}
